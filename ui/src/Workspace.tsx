import { useCallback, useEffect, useRef } from "react";
import { CommandPalette } from "./components/CommandPalette";
import { NavRail } from "./components/NavRail";
import { AddressesArea } from "./features/addresses/AddressesArea";
import { ApprovalsArea } from "./features/approvals/ApprovalsArea";
import { LIVE_REFRESH_MS, REFRESH_MS } from "./features/approvals/refresh";
import { RequestsArea } from "./features/approvals/RequestsArea";
import { LedgersArea } from "./features/ledgers/LedgersArea";
import { MembersArea } from "./features/members/MembersArea";
import { PoliciesArea } from "./features/policies/PoliciesArea";
import { NewRequestPage } from "./features/requests/NewRequestPage";
import { ServiceUsersArea } from "./features/service-users/ServiceUsersArea";
import { StopBanner } from "./features/stops/StopBanner";
import { OrgContext } from "./lib/contexts";
import { isRequestKind } from "./lib/org";
import type { Route } from "./lib/route";
import { useDeskSync } from "./lib/useDeskSync";
import { usePolled } from "./lib/usePolled";
import { useHost } from "./platform";

interface WorkspaceProps {
  route: Route;
  onRoute: (route: Route) => void;
}

/** The rail and the current area, for one signed-in member. */
export function Workspace({ route, onRoute }: WorkspaceProps) {
  const host = useHost();
  // Pushed changes read the queue again at once; while the stream is live, polling is only a
  // safety net.
  const refreshAll = useRef(() => undefined as void);
  const sync = useDeskSync(() => refreshAll.current());
  const every = sync?.live === true ? LIVE_REFRESH_MS : REFRESH_MS;
  const loadPending = useCallback(() => host.listRequests({ status: "pending", workflow: null }), [host]);
  const pending = usePolled(loadPending, every);
  const loadOrg = useCallback(() => host.getOrg(), [host]);
  const org = usePolled(loadOrg, every * 2);
  const { refresh: refreshPending } = pending;
  const { refresh: refreshOrg } = org;
  useEffect(() => {
    refreshAll.current = () => {
      void refreshPending();
      void refreshOrg();
    };
  }, [refreshPending, refreshOrg]);
  const needsMe = pending.data?.filter((r) => r.viewer.can_decide).length;

  const select = (id: string) => onRoute({ area: route.area, id });
  const submitted = () => {
    void pending.refresh();
    void org.refresh();
  };
  const openRequest = (id: string) => onRoute({ area: "requests", id });

  let area;
  switch (route.area) {
    case "approvals":
      area = (
        <ApprovalsArea
          pending={pending}
          sync={sync}
          selectedId={route.id}
          onSelect={select}
          onDecided={submitted}
          onNewWithdrawal={() => onRoute({ area: "new-request", id: "withdrawal" })}
        />
      );
      break;
    case "requests":
      area = (
        <RequestsArea
          selectedId={route.id}
          onSelect={select}
          onDecided={submitted}
          onNewRequest={() => onRoute({ area: "new-request", id: undefined })}
        />
      );
      break;
    case "new-request":
      area = (
        <NewRequestPage
          key={route.id ?? "any"}
          initialKind={isRequestKind(route.id) ? route.id : undefined}
          onSubmitted={submitted}
          onOpenRequest={openRequest}
        />
      );
      break;
    case "service-users":
      area = <ServiceUsersArea selectedId={route.id} onSelect={select} onSubmitted={submitted} onOpenRequest={openRequest} />;
      break;
    case "members":
      area = <MembersArea selectedId={route.id} onSelect={select} onSubmitted={submitted} onOpenRequest={openRequest} />;
      break;
    case "addresses":
      area = <AddressesArea selectedId={route.id} onSelect={select} onSubmitted={submitted} onOpenRequest={openRequest} />;
      break;
    case "policies":
      area = <PoliciesArea onSubmitted={submitted} onOpenRequest={openRequest} />;
      break;
    case "ledgers":
      area = <LedgersArea />;
      break;
  }

  return (
    <OrgContext.Provider value={org}>
      <NavRail area={route.area} needsMe={needsMe} onNavigate={(next) => onRoute({ area: next, id: undefined })} />
      <CommandPalette pending={pending.data} org={org.data} onRoute={onRoute} />
      <main className="main">
        <StopBanner
          org={org.data}
          onOpenServiceUser={(id) => onRoute({ area: "service-users", id })}
          onLiftFreeze={() => onRoute({ area: "policies", id: undefined })}
        />
        {area}
      </main>
    </OrgContext.Provider>
  );
}
