import { useState, type ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import type { Preview } from "../../bindings/Preview";
import type { SubmitOutcome } from "../../bindings/SubmitOutcome";
import { ExecutePrompt } from "../../components/ExecutePrompt";
import { PreviewPanel } from "../../components/PreviewPanel";
import { SubmitOutcomeView } from "../../components/SubmitOutcomeView";
import { useSession } from "../../lib/contexts";
import {
  initiateBlocker,
  KIND_LABELS,
  KIND_WORKFLOW,
  KINDS,
  WORKFLOW_LABELS,
  WORKFLOWS,
  type RequestKind,
} from "../../lib/org";
import { toHostError, useHost, type HostError } from "../../platform";
import { WithOrg } from "../org/OrgState";
import { buildPayload, initialDraft, type Draft } from "./draft";
import { DraftFields } from "./DraftFields";

interface NewRequestPageProps {
  /** The kind to start with (a withdrawal when absent). */
  initialKind?: RequestKind;
  /** After a submission: refresh what shows requests and the Organization. */
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** Initiate a request of any kind as the signed-in member: preview what the rules would do, then submit. */
export function NewRequestPage(props: NewRequestPageProps) {
  return <WithOrg what="the Organization">{(org, stale) => <NewRequest org={org} stale={stale} {...props} />}</WithOrg>;
}

type Result = { preview: Preview } | { outcome: SubmitOutcome } | null;

function NewRequest({
  org,
  stale,
  initialKind,
  onSubmitted,
  onOpenRequest,
}: NewRequestPageProps & { org: OrgView; stale: ReactNode }) {
  const host = useHost();
  const session = useSession();
  const [draft, setDraft] = useState<Draft>(() => initialDraft(initialKind ?? "withdrawal", org));
  const [execute, setExecute] = useState(false);
  const [reason, setReason] = useState("");
  const [askCode, setAskCode] = useState(false);
  const [busy, setBusy] = useState<"preview" | "submit" | null>(null);
  const [result, setResult] = useState<Result>(null);
  const [error, setError] = useState<HostError | null>(null);
  const built = buildPayload(draft, org);

  function change(next: Draft) {
    setDraft(next);
    setResult(null);
    setError(null);
    setAskCode(false);
  }

  async function runPreview() {
    if (!built.payload) return;
    setBusy("preview");
    setError(null);
    try {
      setResult({ preview: await host.previewRequest(built.payload, execute) });
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(null);
    }
  }

  /** Submits; a refusal is shown in place (from the code prompt, it shows it and asks again). */
  async function submit(otp: string | null, prompted = false) {
    if (!built.payload) return;
    setBusy("submit");
    setError(null);
    try {
      const outcome = await host.submitRequest(built.payload, execute, otp, reason.trim() === "" ? null : reason.trim());
      setResult({ outcome });
      setAskCode(false);
      onSubmitted();
    } catch (failure) {
      const refused = toHostError(failure);
      if (prompted) throw refused;
      // Not previewed, and it would complete at once: nothing was sent; ask for the code.
      if (refused.code === "invalid_otp") {
        setAskCode(true);
        return;
      }
      setError(refused);
      // Say which rule refuses it, when the preview can tell.
      if (refused.code === "not_permitted") {
        host.previewRequest(built.payload, execute).then(
          (preview) => setResult({ preview }),
          () => undefined,
        );
      }
    } finally {
      setBusy(null);
    }
  }

  const workflow = KIND_WORKFLOW[draft.kind];
  // The preview of this very draft says it completes at once: that is Execute, and needs a code.
  const atOnce = result !== null && "preview" in result && result.preview.decision.outcome === "completes_immediately";
  // The preview of this very draft (any change clears it) refusing it: Submit is not offered,
  // and the preview's reason stands beside it.
  // A member who may not start a request of this workflow is told so before anything is typed;
  // otherwise the preview of this very draft may refuse it. Either way Submit is not offered.
  const blocked = initiateBlocker(org, session?.member.id, workflow);
  const refusal =
    blocked ??
    (result !== null && "preview" in result && result.preview.decision.outcome === "not_permitted"
      ? `Not permitted: ${result.preview.decision.reason}`
      : null);
  return (
    <div className="new-request-page">
      <section className="new-request" data-testid="new-request" aria-labelledby="new-request-title">
        <h2 id="new-request-title">New request{session ? ` as ${session.member.name}` : ""}</h2>
        {stale}
        <label className="field">
          <span>Kind</span>
          <select
            data-testid="new-request-kind"
            value={draft.kind}
            onChange={(e) => change(initialDraft(e.target.value as RequestKind, org))}
          >
            {WORKFLOWS.map((w) => (
              <optgroup key={w} label={WORKFLOW_LABELS[w]}>
                {KINDS.filter((k) => KIND_WORKFLOW[k] === w).map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <p className="muted">Workflow: {WORKFLOW_LABELS[workflow]}. The request follows that workflow's policy.</p>

        <DraftFields draft={draft} org={org} onChange={change} />

        <label className="field">
          <span>Why (optional, shown to the approvers with the request)</span>
          <input
            type="text"
            data-testid="new-request-reason"
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </label>

        <label className="check-field execute-field">
          <input
            type="checkbox"
            data-testid="new-request-execute"
            checked={execute}
            onChange={(e) => {
              setExecute(e.target.checked);
              setResult(null);
              setAskCode(false);
            }}
          />
          <span>
            Execute at once
            <span className="hint">
              {" "}
              — completes it now if you hold Execute and the policy does not always require approval. A decision: it needs
              your 2FA code.
            </span>
          </span>
        </label>

        {built.problem !== undefined && (
          <p className="hint" data-testid="new-request-problem">
            {built.problem}
          </p>
        )}
        <div className="actions">
          <button
            type="button"
            data-testid="new-request-preview"
            disabled={built.payload === undefined || busy !== null}
            onClick={() => void runPreview()}
          >
            {busy === "preview" ? "Previewing…" : "Preview"}
          </button>
          <button
            type="button"
            className="primary"
            data-testid="new-request-submit"
            disabled={built.payload === undefined || busy !== null || askCode || refusal !== null}
            aria-describedby={refusal !== null ? "new-request-refusal" : undefined}
            onClick={() => (execute || atOnce ? setAskCode(true) : void submit(null))}
          >
            {busy === "submit" && !askCode
              ? "Submitting…"
              : execute
                ? "Submit and execute…"
                : atOnce
                  ? "Submit: completes at once…"
                  : "Submit"}
          </button>
          {refusal !== null && (
            <span className="hint" id="new-request-refusal" data-testid="submit-refusal">
              {refusal}
            </span>
          )}
        </div>
        {askCode && (
          <ExecutePrompt execute={execute} onSubmit={(otp) => submit(otp, true)} onCancel={() => setAskCode(false)} />
        )}
        {error && (
          <p className="action-error" role="alert" data-testid="action-error" data-code={error.code}>
            {error.message}
          </p>
        )}
      </section>

      <section className="new-request-result" aria-label="What it would do">
        {result === null ? (
          <div className="empty">
            <p className="empty-title">Preview before you submit</p>
            <p>
              Preview shows what the rules would do with this request — complete at once, wait for approvals (and from whom),
              or refuse it — with every rule consulted, in order. Nothing is submitted until you press Submit.
            </p>
          </div>
        ) : "preview" in result ? (
          <PreviewPanel preview={result.preview} />
        ) : (
          <SubmitOutcomeView outcome={result.outcome} onOpenRequest={onOpenRequest} />
        )}
      </section>
    </div>
  );
}
