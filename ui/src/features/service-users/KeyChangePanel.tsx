import { useState } from "react";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { ChangePanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { buildKey, keyChanged, keyDraftOf } from "./keyDraft";
import { KeyEditor } from "./KeyEditor";

interface KeyChangePanelProps {
  user: ServiceUserView;
  /** The badge on Withdraw, as in the key's scopes above. */
  withdrawBadge: string;
  /** Why the member may not start a Manage Access request, if so: the panel is not offered. */
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * Change a key's scopes and settings, and see what the change would do before it is submitted:
 * the engine's diff (what loosens, what tightens) and the preview of the Manage Access request.
 */
export function KeyChangePanel({ user, withdrawBadge, blocked, onSubmitted, onOpenRequest }: KeyChangePanelProps) {
  const [draft, setDraft] = useState(() => keyDraftOf(user.key));
  const built = buildKey(draft);
  const changed = keyChanged(draft, user.key);
  return (
    <ChangePanel
      testId="preview-change"
      openLabel="Change the key…"
      title={`Change ${user.name}'s key`}
      blocked={blocked}
      hint="Edit scopes and settings, see what loosens or tightens and what the Manage Access request would do, then submit."
      onClose={() => setDraft(keyDraftOf(user.key))}
    >
      <KeyEditor draft={draft} onChange={setDraft} before={user.key} withdrawBadge={withdrawBadge} idPrefix={`key-${user.id}`} />
      <RequestActions
        payload={
          built.key && changed ? { kind: "change_service_user_key", service_user: user.id, key: built.key } : undefined
        }
        problem={built.problem}
        idle={built.key && !changed ? "No change yet: edit a scope or a setting." : undefined}
        testPrefix="key-change"
        previewTitle="Preview of the Manage Access request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}
