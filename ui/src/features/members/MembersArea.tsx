import { AccountPermissions } from "../../components/AccountPermissions";
import { useMemo, useRef, type ReactNode } from "react";
import type { MemberView } from "../../bindings/MemberView";
import type { OrgView } from "../../bindings/OrgView";
import { PermissionGrid } from "../../components/PermissionGrid";
import { hasPermission, PERMISSION_HELP, PERMISSION_LABELS, WORKFLOW_LABELS, WORKFLOW_PERMISSIONS, WORKFLOWS } from "../../lib/org";
import { useListKeys } from "../../lib/useListKeys";
import { WithOrg } from "../org/OrgState";

interface MembersAreaProps {
  selectedId: string | undefined;
  onSelect: (id: string) => void;
}

/** The people of the Organization and their workflow permissions. */
export function MembersArea(props: MembersAreaProps) {
  return <WithOrg what="the members">{(org, stale) => <Members org={org} stale={stale} {...props} />}</WithOrg>;
}

function approves(member: MemberView): string {
  const workflows = WORKFLOWS.filter((w) => hasPermission(member.permissions, w, "approve"));
  return workflows.length === 0 ? "Approves nothing" : `Approves ${workflows.map((w) => WORKFLOW_LABELS[w]).join(", ")}`;
}

function Members({ org, stale, selectedId, onSelect }: MembersAreaProps & { org: OrgView; stale: ReactNode }) {
  const listPane = useRef<HTMLDivElement>(null);
  const members = org.members;
  const selected = members.find((m) => m.id === selectedId) ?? members[0];
  const ids = useMemo(() => members.map((m) => m.id), [members]);
  useListKeys(ids, selected?.id, onSelect, listPane);

  return (
    <div className="browser entity-browser">
      <div className="list-pane" ref={listPane}>
        <p className="caption list-caption">
          {members.length} members. Permissions are additive: a member starts with none.
        </p>
        {stale}
        <ul className="entity-list" aria-label="Members">
          {members.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className="entity-row"
                data-testid="member-row"
                data-list-id={m.id}
                data-name={m.name}
                aria-current={m.id === selected?.id ? "true" : undefined}
                onClick={() => onSelect(m.id)}
              >
                <span className="entity-name">
                  {m.name}
                  {m.is_owner && <span className="badge badge-owner">Owner</span>}
                </span>
                <span className="entity-meta wide">{approves(m)}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="detail-pane">
        {selected && (
          <article className="detail" aria-label={`Member ${selected.name}`}>
            <h2 className="summary">
              {selected.name}
              {selected.is_owner && <span className="badge badge-owner">Owner</span>}
            </h2>
            <p className="detail-meta">
              <span>{selected.id}</span>
              {selected.is_owner && <span>Created the Organization; started with every permission</span>}
            </p>
            <h3>Workflow permissions</h3>
            <PermissionGrid permissions={selected.permissions} />
            <AccountPermissions account={selected.account} />
            <dl className="facts legend">
              {WORKFLOW_PERMISSIONS.map((p) => (
                <div key={p} className="fact">
                  <dt>{PERMISSION_LABELS[p]}</dt>
                  <dd>{PERMISSION_HELP[p]}</dd>
                </div>
              ))}
            </dl>
            <p className="muted">
              A member can never approve their own request, and counts once toward a policy's approvals.
            </p>
          </article>
        )}
      </div>
    </div>
  );
}
