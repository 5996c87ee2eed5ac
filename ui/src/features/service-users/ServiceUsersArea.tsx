import { useState, type ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { useNow } from "../../lib/usePolled";
import { formatAge } from "../../lib/time";
import { Offer } from "../../components/ChangePanel";
import { EntityBrowser } from "../../components/EntityBrowser";
import { WithOrg } from "../org/OrgState";
import { useSession } from "../../lib/contexts";
import { initiateBlocker, stopBlocker } from "../../lib/org";
import { NewServiceUserPanel } from "./NewServiceUserPanel";
import { ServiceUserDetail, withdrawBadgeText } from "./ServiceUserDetail";

interface ServiceUsersAreaProps {
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  /** After a change was submitted: refresh what shows requests and the Organization. */
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** The Organization's bots: each API key's scopes and settings, and a preview of changing them. */
export function ServiceUsersArea(props: ServiceUsersAreaProps) {
  return (
    <WithOrg what="the service users">
      {(org, stale) => <ServiceUsers org={org} stale={stale} {...props} />}
    </WithOrg>
  );
}

function ServiceUsers({
  org,
  stale,
  selectedId,
  onSelect,
  onSubmitted,
  onOpenRequest,
}: ServiceUsersAreaProps & { org: OrgView; stale: ReactNode }) {
  const now = useNow(15_000);
  const session = useSession();
  const blocked = initiateBlocker(org, session?.member.id, "manage_access");
  const [creating, setCreating] = useState(false);
  const users = org.service_users;
  const selected = users.find((u) => u.id === selectedId) ?? users[0];

  return (
    <EntityBrowser
      label="Service users"
      items={users}
      idOf={userId}
      nameOf={userName}
      rowTestId="service-user-row"
      row={(user) => <ServiceUserRow user={user} now={now} />}
      selectedId={creating ? undefined : selected?.id}
      onSelect={(id) => {
        setCreating(false);
        onSelect(id);
      }}
      head={
        <>
          <p className="caption list-caption">
            {users.length === 1 ? "1 service user" : `${users.length} service users`}: API-only operators, each with one key.
          </p>
          {stale}
          <div className="list-actions">
            <Offer testId="new-service-user-open" label="New service user…" blocked={blocked} onClick={() => setCreating(true)} />
          </div>
        </>
      }
      empty={
        <div className="empty">
          <p className="empty-title">No service users yet</p>
          <p>Create one with New service user: a Manage Access request; it appears here once completed.</p>
        </div>
      }
      detail={
        creating ? (
          <NewServiceUserPanel
            withdrawBadge={withdrawBadgeText(org.policies)}
            onClose={() => setCreating(false)}
            onSubmitted={onSubmitted}
            onOpenRequest={onOpenRequest}
          />
        ) : (
          selected && (
            <ServiceUserDetail
              key={selected.id}
              user={selected}
              policies={org.policies}
              addresses={org.addresses}
              now={now}
              blocked={blocked}
              stopBlocked={stopBlocker(org, session?.member.id, "key")}
              onSubmitted={onSubmitted}
              onOpenRequest={onOpenRequest}
            />
          )
        )
      }
    />
  );
}

const userId = (u: ServiceUserView) => u.id;
const userName = (u: ServiceUserView) => u.name;

function ServiceUserRow({ user, now }: { user: ServiceUserView; now: number }) {
  const withdraws = user.key.scopes.includes("funds_withdraw");
  return (
    <>
      <span className="entity-name">
        {user.name}
        {withdraws && (
          <span className="badge badge-governed" title="This key holds Withdraw">
            withdraw
          </span>
        )}
        {user.stopped !== undefined && (
          <span className="badge badge-stop" title="An emergency stop is in force on this key">
            stopped
          </span>
        )}
      </span>
      <span className="entity-meta">
        <span className="num-inline">{user.key.scopes.length}</span> of 10 scopes
      </span>
      <span className="entity-meta wide" title="When its key last signed a call">
        {lastUsed(user.last_used, now)}
      </span>
    </>
  );
}

function lastUsed(at: number | null, now: number): string {
  if (at === null) return "never used";
  const age = formatAge(at, now);
  return age === "just now" ? "used just now" : `used ${age} ago`;
}
