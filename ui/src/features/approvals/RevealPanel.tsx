import { useState } from "react";
import type { RequestView } from "../../bindings/RequestView";
import type { RevealedKey } from "../../bindings/RevealedKey";
import { CodePrompt } from "../../components/CodePrompt";
import { RevealedKeyView } from "../../components/SubmitOutcomeView";
import { useHost } from "../../platform";

interface RevealPanelProps {
  request: RequestView;
  /** The key, once revealed here. */
  revealed: RevealedKey | null;
  onRevealed: (key: RevealedKey) => void;
}

/**
 * A completed service-user creation's key, for its initiator: revealed once, stepped up with
 * their code, then copied (auto-cleared) or stored in the keychain. The org API offers it
 * (`key_to_reveal`) only while it waits, so a second reveal is never offered.
 */
export function RevealPanel({ request, revealed, onRevealed }: RevealPanelProps) {
  const host = useHost();
  const [asking, setAsking] = useState(false);
  const name = request.payload.kind === "create_service_user" ? request.payload.name : "the service user";
  if (revealed !== null) return <RevealedKeyView requestId={request.id} revealed={revealed} />;
  return (
    <section className="callout" data-testid="reveal-panel" aria-label={`The key of ${name}`}>
      <p>
        <strong>{name}'s key is ready.</strong> It is shown once, to you, who asked for it: reveal it when you can store it.
      </p>
      {asking ? (
        <CodePrompt
          title="Reveal the key: enter the 6-digit code from your authenticator"
          label="Reveal the key with your 2FA code"
          submitLabel="Reveal the key"
          onSubmit={async (otp) => onRevealed(await host.revealCreatedKey(request.id, otp))}
          onCancel={() => setAsking(false)}
        />
      ) : (
        <button type="button" className="primary" data-testid="reveal-key" onClick={() => setAsking(true)}>
          Reveal the key…
        </button>
      )}
    </section>
  );
}
