import { useState, type FormEvent } from "react";
import type { Session } from "../../bindings/Session";
import { toHostError, useHost, type HostError } from "../../platform";

/**
 * Adding a remote Organization: the org API URL and the member's API key are typed here; the
 * API secret is never typed into the page. The member copies it, and the core reads it from the
 * clipboard, checks the key signs in, keeps it in the OS keychain and clears the clipboard.
 */
export function AddOrgDialog({ onAdded, onClose }: { onAdded: (session: Session) => void; onClose: () => void }) {
  const host = useHost();
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onAdded(await host.addOrg(baseUrl.trim(), apiKey.trim()));
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="overlay">
      <form
        className="dialog add-org"
        role="dialog"
        aria-modal="true"
        aria-labelledby="add-org-title"
        data-testid="add-org"
        onSubmit={(e) => void submit(e)}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
        }}
      >
        <h2 id="add-org-title">Add an Organization</h2>
        <label>
          Org API URL
          <input
            data-testid="add-org-url"
            type="url"
            placeholder="https://org.example.com"
            value={baseUrl}
            autoFocus
            onChange={(e) => setBaseUrl(e.currentTarget.value)}
          />
        </label>
        <label>
          Your API key (the public part)
          <input data-testid="add-org-key" value={apiKey} spellCheck={false} onChange={(e) => setApiKey(e.currentTarget.value)} />
        </label>
        <p className="muted">
          Copy your API secret now, then press <strong>Paste secret and sign in</strong>. Countersign reads it from the
          clipboard itself — this window never sees it — keeps it in the OS keychain, and clears the clipboard.
        </p>
        <div className="dialog-actions">
          <button type="submit" data-testid="add-org-submit" disabled={busy || baseUrl.trim() === "" || apiKey.trim() === ""}>
            {busy ? "Signing in…" : "Paste secret and sign in"}
          </button>
          <button type="button" className="quiet" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
        {error && (
          <p className="action-error" role="alert" data-code={error.code}>
            {error.message}
          </p>
        )}
      </form>
    </div>
  );
}
