import { useState } from "react";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
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
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(() => keyDraftOf(user.key));
  const built = buildKey(draft);
  const changed = keyChanged(draft, user.key);

  if (!open) {
    return (
      <section className="change-panel collapsed">
        <button
          type="button"
          data-testid="preview-change-open"
          disabled={blocked !== null}
          aria-describedby={blocked !== null ? `change-blocked-${user.id}` : undefined}
          onClick={() => setOpen(true)}
        >
          Change the key…
        </button>
        <span className="muted" id={`change-blocked-${user.id}`}>
          {" "}
          {blocked ?? "Edit scopes and settings, see what loosens or tightens and what the Manage Access request would do, then submit."}
        </span>
      </section>
    );
  }

  return (
    <section className="change-panel" data-testid="preview-change" aria-labelledby={`change-${user.id}`}>
      <div className="change-panel-head">
        <h3 id={`change-${user.id}`}>Change {user.name}'s key</h3>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            setOpen(false);
            setDraft(keyDraftOf(user.key));
          }}
        >
          Close
        </button>
      </div>
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
    </section>
  );
}
