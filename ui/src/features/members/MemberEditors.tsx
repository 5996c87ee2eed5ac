import { useState } from "react";
import type { AccountPermission } from "../../bindings/AccountPermission";
import type { MemberView } from "../../bindings/MemberView";
import type { Permissions } from "../../bindings/Permissions";
import { AccountPermissions } from "../../components/AccountPermissions";
import { ChangePanel, NewPanel } from "../../components/ChangePanel";
import { PermissionGrid } from "../../components/PermissionGrid";
import { RequestActions } from "../../components/RequestActions";
import { withPermission, WORKFLOW_PERMISSIONS, WORKFLOWS } from "../../lib/org";

interface EditorProps {
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** Two permission sets are the same grants (both are kept in canonical order). */
function samePermissions(a: Permissions, b: Permissions): boolean {
  return WORKFLOWS.every((w) => WORKFLOW_PERMISSIONS.every((p) => (a[w]?.includes(p) ?? false) === (b[w]?.includes(p) ?? false)));
}

const sameAccount = (a: readonly AccountPermission[], b: readonly AccountPermission[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * Invite a person: their name and what they may do on joining, previewed as the Manage Access
 * request it is (with what it would let them do alone).
 */
export function InviteMemberPanel({ onClose, onSubmitted, onOpenRequest }: EditorProps & { onClose: () => void }) {
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permissions>({});
  const [account, setAccount] = useState<AccountPermission[]>([]);
  const problem = name.trim() === "" ? "Name: enter the new member's name." : undefined;
  return (
    <NewPanel testId="invite-member" title="Invite a member" onClose={onClose}>
      <p className="muted">
        Inviting is a Manage Access request: it follows that workflow's policy. The person joins with these permissions and
        sets up their authenticator on first sign-in.
      </p>
      <label className="field">
        <span>Name</span>
        <input data-testid="invite-member-name" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <PermissionGrid
        caption="Permissions on joining"
        permissions={permissions}
        onChange={(w, p, on) => setPermissions(withPermission(permissions, w, p, on))}
      />
      <AccountPermissions account={account} onChange={setAccount} />
      <RequestActions
        payload={problem === undefined ? { kind: "invite_member", name: name.trim(), permissions, account } : undefined}
        problem={problem}
        testPrefix="invite-member"
        previewTitle="Preview of the Manage Access request"
        submitLabel="Submit the invitation"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </NewPanel>
  );
}

/**
 * Change a member's permissions in the grid, the changes marked against what they hold, and see
 * the engine's diff before submitting: what they gain and lose, and whether a workflow is left
 * short of approvers or someone could complete one alone.
 */
export function ChangeMemberPanel({ member, onSubmitted, onOpenRequest }: EditorProps & { member: MemberView }) {
  const [permissions, setPermissions] = useState<Permissions>(member.permissions);
  const [account, setAccount] = useState<AccountPermission[]>(member.account);
  const changed = !samePermissions(permissions, member.permissions) || !sameAccount(account, member.account);
  return (
    <ChangePanel
      testId="change-member"
      openLabel="Change permissions…"
      title={`Change ${member.name}'s permissions`}
      onClose={() => {
        setPermissions(member.permissions);
        setAccount(member.account);
      }}
    >
      <PermissionGrid
        caption="New permissions (marked: what changes)"
        permissions={permissions}
        before={member.permissions}
        onChange={(w, p, on) => setPermissions(withPermission(permissions, w, p, on))}
      />
      <AccountPermissions account={account} onChange={setAccount} />
      <RequestActions
        payload={changed ? { kind: "change_member_permissions", member: member.id, permissions, account } : undefined}
        idle={changed ? undefined : "No change yet: tick or untick a permission."}
        testPrefix="change-member"
        previewTitle="Preview of the Manage Access request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}

/** Remove a member (never the Owner), previewed as the Manage Access request it is. */
export function RemoveMemberPanel({ member, onSubmitted, onOpenRequest }: EditorProps & { member: MemberView }) {
  return (
    <ChangePanel
      testId="remove-member"
      openLabel={`Remove ${member.name}…`}
      title={`Remove ${member.name}`}
      blocked={member.is_owner ? "The Owner cannot be removed from the Organization." : null}
      danger
    >
      <RequestActions
        payload={{ kind: "remove_member", member: member.id }}
        testPrefix="remove-member"
        previewTitle="Preview of the Manage Access request"
        submitLabel="Submit the removal"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}
