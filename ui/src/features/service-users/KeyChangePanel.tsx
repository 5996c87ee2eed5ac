import { useState } from "react";
import type { Preview } from "../../bindings/Preview";
import type { RequestPayload } from "../../bindings/RequestPayload";
import type { Scope } from "../../bindings/Scope";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import type { SubmitOutcome } from "../../bindings/SubmitOutcome";
import { PreviewPanel } from "../../components/PreviewPanel";
import { ScopeList } from "../../components/ScopeList";
import { SubmitOutcomeView } from "../../components/SubmitOutcomeView";
import { sortScopes } from "../../lib/org";
import { toHostError, useHost, type HostError } from "../../platform";

interface KeyChangePanelProps {
  user: ServiceUserView;
  /** The badge on Withdraw, as in the key's scopes above. */
  withdrawBadge: string;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * Toggle scopes locally and see what the change would do before it is submitted: the diff
 * (gains / loses) and the preview of the Manage Access request it creates.
 */
export function KeyChangePanel({ user, withdrawBadge, onSubmitted, onOpenRequest }: KeyChangePanelProps) {
  const host = useHost();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Scope[]>(() => sortScopes(user.key.scopes));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [outcome, setOutcome] = useState<SubmitOutcome | null>(null);
  const [busy, setBusy] = useState<"preview" | "submit" | null>(null);
  const [error, setError] = useState<HostError | null>(null);

  const changed = sortScopes(user.key.scopes).join() !== draft.join();
  // The preview of this very draft (it is cleared on every toggle) refusing it: Submit is not
  // offered, and the preview's reason stands beside it.
  const refusal = preview?.decision.outcome === "not_permitted" ? preview.decision.reason : null;
  const payload: RequestPayload = {
    kind: "change_service_user_key",
    service_user: user.id,
    key: { scopes: draft, settings: user.key.settings },
  };

  function toggle(scope: Scope, granted: boolean) {
    setDraft((current) => sortScopes(granted ? [...current, scope] : current.filter((s) => s !== scope)));
    setPreview(null);
    setOutcome(null);
    setError(null);
  }

  async function run(action: "preview" | "submit") {
    setBusy(action);
    setError(null);
    try {
      if (action === "preview") {
        setPreview(await host.previewRequest(payload, false));
      } else {
        const result = await host.submitRequest(payload, false, null);
        setOutcome(result);
        setPreview(null);
        onSubmitted();
      }
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(null);
    }
  }

  if (!open) {
    return (
      <section className="change-panel collapsed">
        <button type="button" data-testid="preview-change-open" onClick={() => setOpen(true)}>
          Preview a change…
        </button>
        <span className="muted"> Toggle scopes and see the diff and what the Manage Access request would do, before submitting it.</span>
      </section>
    );
  }

  return (
    <section className="change-panel" data-testid="preview-change" aria-labelledby={`change-${user.id}`}>
      <div className="change-panel-head">
        <h3 id={`change-${user.id}`}>Preview a change to {user.name}'s key</h3>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            setOpen(false);
            setDraft(sortScopes(user.key.scopes));
            setPreview(null);
            setOutcome(null);
            setError(null);
          }}
        >
          Close
        </button>
      </div>
      <p className="muted">Settings stay as they are; the visual settings editor comes later.</p>
      <ScopeList
        granted={draft}
        before={user.key.scopes}
        onToggle={toggle}
        withdrawBadge={withdrawBadge}
        compact
        testId="scope-toggle"
      />
      <p className="diff-line muted" data-testid="scope-diff-hint">
        {changed
          ? "Preview to see what the change loosens or tightens, and what the request would go through."
          : "No change yet: tick or untick a scope."}
      </p>
      <div className="actions">
        <button
          type="button"
          data-testid="key-change-preview"
          disabled={!changed || busy !== null}
          onClick={() => void run("preview")}
        >
          {busy === "preview" ? "Previewing…" : "Preview"}
        </button>
        <button
          type="button"
          className="primary"
          data-testid="key-change-submit"
          disabled={!changed || busy !== null || refusal !== null}
          aria-describedby={refusal !== null ? `change-refusal-${user.id}` : undefined}
          onClick={() => void run("submit")}
        >
          {busy === "submit" ? "Submitting…" : "Submit for approval"}
        </button>
        {refusal !== null && (
          <span className="hint" id={`change-refusal-${user.id}`} data-testid="submit-refusal">
            Not permitted: {refusal}
          </span>
        )}
      </div>
      {error && (
        <p className="action-error" role="alert" data-testid="action-error" data-code={error.code}>
          {error.message}
        </p>
      )}
      {preview && <PreviewPanel preview={preview} title="Preview of the Manage Access request" />}
      {outcome && <SubmitOutcomeView outcome={outcome} onOpenRequest={onOpenRequest} />}
    </section>
  );
}
