import { useState } from "react";
import type { AddressEntry } from "../../bindings/AddressEntry";
import type { Preview } from "../../bindings/Preview";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { ChangePanel } from "../../components/ChangePanel";
import { PreviewPanel } from "../../components/PreviewPanel";
import { isPositiveDecimal } from "../../lib/money";
import { toHostError, useHost, type HostError } from "../../platform";

/**
 * What one of this bot's withdrawals would go through, before it sends one: a destination from
 * the address book and an amount, previewed by the core as the bot would send it through the
 * exchange's API (its key's scopes and expiry, then Initiate Withdrawal's policy).
 */
export function BotWithdrawalPreview({ user, addresses }: { user: ServiceUserView; addresses: readonly AddressEntry[] }) {
  const host = useHost();
  const [to, setTo] = useState(addresses[0]?.key ?? "");
  const [amount, setAmount] = useState("");
  const [previewed, setPreviewed] = useState<{ draft: string; preview: Preview } | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  const entry = addresses.find((a) => a.key === to);
  const draft = `${to}|${amount}`;
  const preview = previewed?.draft === draft ? previewed.preview : null;
  const problem =
    entry === undefined ? "Choose a destination from the address book." : isPositiveDecimal(amount) ? null : "Enter an amount above 0.";

  async function run() {
    if (entry === undefined || problem !== null) return;
    setError(null);
    try {
      const payload = { kind: "withdrawal" as const, asset: entry.asset, amount: amount.trim(), fee: "0", key: entry.key, address: entry.address };
      setPreviewed({ draft, preview: await host.previewAs(payload, user.id) });
    } catch (failure) {
      setError(toHostError(failure));
    }
  }

  return (
    <ChangePanel
      testId="bot-withdrawal"
      openLabel={`Preview a withdrawal by ${user.name}…`}
      title={`A withdrawal by ${user.name}`}
      hint="What one of its withdrawals would go through, and why, before it sends one."
    >
      <div className="field-row">
        <label className="field">
          <span>To</span>
          <select data-testid="bot-withdrawal-to" value={to} onChange={(e) => setTo(e.target.value)}>
            {addresses.map((a) => (
              <option key={a.key} value={a.key}>
                {a.key} — {a.asset} ({a.method})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Amount{entry ? ` (${entry.asset})` : ""}</span>
          <input
            className="amount-input"
            inputMode="decimal"
            data-testid="bot-withdrawal-amount"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
      </div>
      <div className="actions">
        <button
          type="button"
          data-testid="bot-withdrawal-preview"
          disabled={problem !== null}
          aria-describedby={problem !== null ? `bot-withdrawal-why-${user.id}` : undefined}
          onClick={() => void run()}
        >
          Preview
        </button>
        {problem !== null && (
          <span className="hint" id={`bot-withdrawal-why-${user.id}`}>
            {problem}
          </span>
        )}
      </div>
      {error && (
        <p className="action-error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
      {preview && <PreviewPanel preview={preview} title={`If ${user.name} sent it`} />}
    </ChangePanel>
  );
}
