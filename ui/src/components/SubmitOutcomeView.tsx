import { useEffect, useState } from "react";
import type { RevealedKey } from "../bindings/RevealedKey";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { plural } from "../lib/org";
import { toHostError, useHost } from "../platform";
import { PreviewPanel } from "./PreviewPanel";

function headline({ request }: SubmitOutcome): string {
  if (request.status === "completed") return `Submitted ${request.id}: completed at once.`;
  if (request.status === "pending") {
    return `Submitted ${request.id}: waiting for ${plural(request.required_approvals, "approval")}.`;
  }
  return `Submitted ${request.id}: ${request.status}.`;
}

/** What a submission did: the request it created, a key issued (public half only), and the preview that decided it. */
export function SubmitOutcomeView({ outcome, onOpenRequest }: { outcome: SubmitOutcome; onOpenRequest: (id: string) => void }) {
  return (
    <div className="outcome" data-testid="submit-outcome" data-request-id={outcome.request.id} data-status={outcome.request.status}>
      <p className="notice" role="status" data-testid="action-ok">
        {headline(outcome)}{" "}
        <button type="button" className="link" onClick={() => onOpenRequest(outcome.request.id)}>
          Open {outcome.request.id}
        </button>
      </p>
      {outcome.revealed !== null && <RevealedKeyView requestId={outcome.request.id} revealed={outcome.revealed} />}
      <PreviewPanel preview={outcome.preview} title="Why" />
    </div>
  );
}

/**
 * A created key, shown this once: its public half and its secret, with copy (auto-cleared) and
 * store-in-keychain acting on the copy the core kept. Leaving the page forgets it.
 */
export function RevealedKeyView({ requestId, revealed }: { requestId: string; revealed: RevealedKey }) {
  return (
    <div className="callout" data-testid="key-issued">
      <p>
        <strong>Store this key now: its secret is shown once and kept nowhere.</strong> Leaving this page forgets it.
      </p>
      <dl className="facts">
        <div className="fact">
          <dt>API key</dt>
          <dd>
            <code data-testid="revealed-api-key">{revealed.api_key}</code>
          </dd>
        </div>
        <div className="fact">
          <dt>API secret</dt>
          <dd>
            <code data-testid="revealed-api-secret">{revealed.api_secret}</code>
          </dd>
        </div>
      </dl>
      <RevealActions requestId={requestId} />
    </div>
  );
}

/**
 * Copy (cleared from the clipboard after 30 s, hidden from clipboard managers where the OS allows)
 * or store in the OS keychain. The secret stays in Rust: these ask the host to act on the key it
 * kept, and the webview never sends the secret back. Leaving the page forgets it.
 */
function RevealActions({ requestId }: { requestId: string }) {
  const host = useHost();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [stored, setStored] = useState(false);

  useEffect(() => () => void host.forgetRevealedKey(requestId).catch(() => undefined), [host, requestId]);

  async function act(action: () => Promise<string>) {
    try {
      setStatus({ ok: true, text: await action() });
    } catch (failure) {
      setStatus({ ok: false, text: toHostError(failure).message });
    }
  }

  return (
    <div className="reveal-actions">
      <button
        type="button"
        data-testid="copy-secret"
        disabled={stored}
        onClick={() => void act(async () => `Secret copied; the clipboard is cleared in ${await host.copyRevealedSecret(requestId)} s.`)}
      >
        Copy secret
      </button>{" "}
      <button
        type="button"
        data-testid="store-key"
        disabled={stored}
        onClick={() =>
          void act(async () => {
            const entry = await host.storeRevealedKey(requestId);
            setStored(true);
            return `Stored in the OS keychain as ${entry}; this app has forgotten it.`;
          })
        }
      >
        Store in keychain
      </button>
      {status && (
        <p className={status.ok ? "notice" : "action-error"} role={status.ok ? "status" : "alert"} data-testid="reveal-status">
          {status.text}
        </p>
      )}
    </div>
  );
}
