import { useState } from "react";
import type { Preview } from "../bindings/Preview";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { toHostError, useHost, type HostError } from "../platform";
import { ExecutePrompt } from "./ExecutePrompt";
import { PreviewPanel } from "./PreviewPanel";
import { SubmitOutcomeView } from "./SubmitOutcomeView";

interface RequestActionsProps {
  /** The request the editor describes; absent while `problem` says what is missing. */
  payload: RequestPayload | undefined;
  /** What stops the draft from being a request, naming the field. */
  problem?: string;
  /** Nothing to submit yet (e.g. no change from what is there). */
  idle?: string;
  /** Test ids: `<testPrefix>-preview`, `<testPrefix>-submit`. */
  testPrefix: string;
  previewTitle: string;
  /** The Submit button's words; by default they follow the preview (for approval, or at once). */
  submitLabel?: string;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * Preview and Submit for an editor's request, under its workflow's policy. A preview belongs to
 * the draft it was asked for: any change clears it. When it refuses, Submit is not offered, and
 * the preview's reason stands beside it.
 */
export function RequestActions({
  payload,
  problem,
  idle,
  testPrefix,
  previewTitle,
  submitLabel,
  onSubmitted,
  onOpenRequest,
}: RequestActionsProps) {
  const host = useHost();
  // A preview and an error belong to the draft they were asked for (by its JSON): a changed
  // draft shows neither.
  const key = JSON.stringify(payload ?? null);
  const [previewed, setPreviewed] = useState<{ key: string; preview: Preview } | null>(null);
  const [failed, setFailed] = useState<{ key: string; error: HostError } | null>(null);
  const [outcome, setOutcome] = useState<SubmitOutcome | null>(null);
  const [busy, setBusy] = useState<"preview" | "submit" | null>(null);
  const preview = previewed?.key === key ? previewed.preview : null;
  const error = failed?.key === key ? failed.error : null;
  const setPreview = (p: Preview | null) => setPreviewed(p === null ? null : { key, preview: p });
  const setError = (e: HostError | null) => setFailed(e === null ? null : { key, error: e });

  const refusal = preview?.decision.outcome === "not_permitted" ? preview.decision.reason : null;
  const atOnce = preview?.decision.outcome === "completes_immediately";
  // The code prompt belongs to the draft it was opened for.
  const [codeFor, setCodeFor] = useState<string | null>(null);
  const askCode = codeFor === key;
  const setAskCode = (open: boolean) => setCodeFor(open ? key : null);
  const blocked = payload === undefined || idle !== undefined;

  async function run(action: "preview" | "submit") {
    if (payload === undefined) return;
    // A request the preview says completes at once is Execute: ask for the code first.
    if (action === "submit" && atOnce) {
      setAskCode(true);
      return;
    }
    setBusy(action);
    setError(null);
    try {
      if (action === "preview") {
        setPreview(await host.previewRequest(payload, false));
        setOutcome(null);
      } else {
        await send(null);
      }
    } catch (failure) {
      const refused = toHostError(failure);
      // Not previewed, and it would complete at once: the core asked for nothing and sent
      // nothing; ask for the code.
      if (action === "submit" && refused.code === "invalid_otp") setAskCode(true);
      else setError(refused);
    } finally {
      setBusy(null);
    }
  }

  async function send(otp: string | null) {
    if (payload === undefined) return;
    setOutcome(await host.submitRequest(payload, false, otp, null));
    setPreview(null);
    setAskCode(false);
    onSubmitted();
  }

  const label =
    submitLabel ??
    (preview?.decision.outcome === "queued"
      ? "Submit for approval"
      : atOnce
        ? "Submit: completes at once…"
        : "Submit");
  const why = refusal !== null ? `Not permitted: ${refusal}` : (problem ?? idle);
  return (
    <>
      <div className="actions">
        <button
          type="button"
          data-testid={`${testPrefix}-preview`}
          disabled={blocked || busy !== null}
          onClick={() => void run("preview")}
        >
          {busy === "preview" ? "Previewing…" : "Preview"}
        </button>
        <button
          type="button"
          className="primary"
          data-testid={`${testPrefix}-submit`}
          disabled={blocked || busy !== null || refusal !== null || askCode}
          aria-describedby={why !== undefined ? `${testPrefix}-why` : undefined}
          onClick={() => void run("submit")}
        >
          {busy === "submit" ? "Submitting…" : label}
        </button>
        {why !== undefined && (
          <span className="hint" id={`${testPrefix}-why`} data-testid={refusal !== null ? "submit-refusal" : `${testPrefix}-why`}>
            {why}
          </span>
        )}
      </div>
      {askCode && (
        <ExecutePrompt execute={false} onSubmit={(otp) => send(otp)} onCancel={() => setAskCode(false)} />
      )}
      {error && (
        <p className="action-error" role="alert" data-testid="action-error" data-code={error.code}>
          {error.message}
        </p>
      )}
      {preview && <PreviewPanel preview={preview} title={previewTitle} />}
      {outcome && <SubmitOutcomeView outcome={outcome} onOpenRequest={onOpenRequest} />}
    </>
  );
}
