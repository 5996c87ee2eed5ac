import { useMemo, useRef, useState, type ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { useListKeys } from "../../lib/useListKeys";
import { useNow } from "../../lib/usePolled";
import { formatAge } from "../../lib/time";
import { Offer } from "../../components/ChangePanel";
import { WithOrg } from "../org/OrgState";
import { useSession } from "../../lib/contexts";
import { initiateBlocker } from "../../lib/org";
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
  const listPane = useRef<HTMLDivElement>(null);
  const users = org.service_users;
  const selected = users.find((u) => u.id === selectedId) ?? users[0];
  const ids = useMemo(() => users.map((u) => u.id), [users]);
  useListKeys(ids, selected?.id, onSelect, listPane);

  return (
    <div className="browser entity-browser">
      <div className="list-pane" ref={listPane}>
        <p className="caption list-caption">
          {users.length === 1 ? "1 service user" : `${users.length} service users`}: API-only operators, each with one key.
        </p>
        {stale}
        <div className="list-actions">
          <Offer testId="new-service-user-open" label="New service user…" blocked={blocked} onClick={() => setCreating(true)} />
        </div>
        {users.length === 0 ? (
          <div className="empty">
            <p className="empty-title">No service users yet</p>
            <p>Create one with New service user: a Manage Access request; it appears here once completed.</p>
          </div>
        ) : (
          <ul className="entity-list" aria-label="Service users">
            {users.map((user) => (
              <li key={user.id}>
                <ServiceUserRow
                  user={user}
                  now={now}
                  selected={!creating && user.id === selected?.id}
                  onSelect={(id) => {
                    setCreating(false);
                    onSelect(id);
                  }}
                />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="detail-pane">
        {creating ? (
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
            onSubmitted={onSubmitted}
            onOpenRequest={onOpenRequest}
          />
          )
        )}
      </div>
    </div>
  );
}

function ServiceUserRow({
  user,
  now,
  selected,
  onSelect,
}: {
  user: ServiceUserView;
  now: number;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const withdraws = user.key.scopes.includes("funds_withdraw");
  return (
    <button
      type="button"
      className="entity-row"
      data-testid="service-user-row"
      data-list-id={user.id}
      data-name={user.name}
      aria-current={selected ? "true" : undefined}
      onClick={() => onSelect(user.id)}
    >
      <span className="entity-name">
        {user.name}
        {withdraws && (
          <span className="badge badge-governed" title="This key holds Withdraw">
            withdraw
          </span>
        )}
      </span>
      <span className="entity-meta">
        <span className="num-inline">{user.key.scopes.length}</span> of 10 scopes
      </span>
      <span className="entity-meta wide" title="When its key last signed a call">
        {lastUsed(user.last_used, now)}
      </span>
    </button>
  );
}

function lastUsed(at: number | null, now: number): string {
  if (at === null) return "never used";
  const age = formatAge(at, now);
  return age === "just now" ? "used just now" : `used ${age} ago`;
}
