import { AccountPermissions } from "../../components/AccountPermissions";
import { useState, type ReactNode } from "react";
import type { MemberView } from "../../bindings/MemberView";
import type { OrgView } from "../../bindings/OrgView";
import { PermissionGrid } from "../../components/PermissionGrid";
import { useSession } from "../../lib/contexts";
import {
  hasPermission,
  initiateBlocker,
  PERMISSION_HELP,
  PERMISSION_LABELS,
  WORKFLOW_LABELS,
  WORKFLOW_PERMISSIONS,
  WORKFLOWS,
} from "../../lib/org";
import { Offer } from "../../components/ChangePanel";
import { EntityBrowser } from "../../components/EntityBrowser";
import { WithOrg } from "../org/OrgState";
import { ChangeMemberPanel, InviteMemberPanel, RemoveMemberPanel } from "./MemberEditors";

interface MembersAreaProps {
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  /** After a change was submitted: refresh what shows requests and the Organization. */
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** The people of the Organization and their workflow permissions. */
export function MembersArea(props: MembersAreaProps) {
  return <WithOrg what="the members">{(org, stale) => <Members org={org} stale={stale} {...props} />}</WithOrg>;
}

function approves(member: MemberView): string {
  const workflows = WORKFLOWS.filter((w) => hasPermission(member.permissions, w, "approve"));
  return workflows.length === 0 ? "Approves nothing" : `Approves ${workflows.map((w) => WORKFLOW_LABELS[w]).join(", ")}`;
}

function Members({
  org,
  stale,
  selectedId,
  onSelect,
  onSubmitted,
  onOpenRequest,
}: MembersAreaProps & { org: OrgView; stale: ReactNode }) {
  const session = useSession();
  const blocked = initiateBlocker(org, session?.member.id, "manage_access");
  const [inviting, setInviting] = useState(false);
  const members = org.members;
  const selected = members.find((m) => m.id === selectedId) ?? members[0];

  return (
    <EntityBrowser
      label="Members"
      items={members}
      idOf={memberId}
      nameOf={memberName}
      rowTestId="member-row"
      row={(m) => (
        <>
          <span className="entity-name">
            {m.name}
            {m.is_owner && <span className="badge badge-owner">Owner</span>}
          </span>
          <span className="entity-meta wide">{approves(m)}</span>
        </>
      )}
      selectedId={inviting ? undefined : selected?.id}
      onSelect={(id) => {
        setInviting(false);
        onSelect(id);
      }}
      head={
        <>
          <p className="caption list-caption">{members.length} members. Permissions are additive: a member starts with none.</p>
          {stale}
          <div className="list-actions">
            <Offer testId="invite-member-open" label="Invite a member…" blocked={blocked} onClick={() => setInviting(true)} />
          </div>
        </>
      }
      detail={
        <>
        {inviting && <InviteMemberPanel onClose={() => setInviting(false)} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />}
        {!inviting && selected && (
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
            {blocked === null ? (
              <>
                <ChangeMemberPanel key={`change-${selected.id}`} member={selected} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
                <RemoveMemberPanel key={`remove-${selected.id}`} member={selected} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
              </>
            ) : (
              <p className="hint" data-testid="member-changes-blocked">
                Changing members: {blocked}
              </p>
            )}
          </article>
        )}
        </>
      }
    />
  );
}

const memberId = (m: MemberView) => m.id;
const memberName = (m: MemberView) => m.name;
