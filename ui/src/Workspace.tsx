import { useCallback, useState } from "react";
import { NavRail } from "./components/NavRail";
import { ApprovalsArea } from "./features/approvals/ApprovalsArea";
import { REFRESH_MS } from "./features/approvals/refresh";
import { RequestsArea } from "./features/approvals/RequestsArea";
import { readRoute, writeRoute, type Route } from "./lib/route";
import { usePolled } from "./lib/usePolled";
import { useHost } from "./platform";

/** The rail and the current area, for one signed-in member. */
export function Workspace() {
  const host = useHost();
  const [route, setRouteState] = useState<Route>(readRoute);
  const loadPending = useCallback(() => host.listRequests({ status: "pending", workflow: null }), [host]);
  const pending = usePolled(loadPending, REFRESH_MS);
  const needsMe = pending.data?.filter((r) => r.viewer.can_decide).length;

  function setRoute(next: Route) {
    writeRoute(next);
    setRouteState(next);
  }
  const select = (id: string) => setRoute({ area: route.area, id });
  const refreshPending = () => void pending.refresh();

  return (
    <>
      <NavRail area={route.area} needsMe={needsMe} onNavigate={(area) => setRoute({ area, id: undefined })} />
      <main className="main">
        {route.area === "approvals" ? (
          <ApprovalsArea pending={pending} selectedId={route.id} onSelect={select} onDecided={refreshPending} />
        ) : (
          <RequestsArea selectedId={route.id} onSelect={select} onDecided={refreshPending} />
        )}
      </main>
    </>
  );
}
