import type { RequestView } from "../../bindings/RequestView";
import { Amount } from "../../components/Amount";
import { CopyText } from "../../components/CopyText";
import { Timestamp } from "../../components/Timestamp";
import { subtractDecimal } from "../../lib/money";

const STATE_WORDS = {
  settled: "Sent: its ledger entry is posted",
  unsettled: "Approved, but not sent yet: no ledger entry",
  failed: "The exchange failed to send it",
} as const;

/**
 * A completed withdrawal followed to the exchange: its transfer (refid, transaction id, state)
 * and the ledger entry it posted, checked against what was approved. Shown only when the org API
 * follows it.
 */
export function SettlementPanel({ request }: { request: RequestView }) {
  const { settlement, payload } = request;
  if (settlement === undefined || payload.kind !== "withdrawal") return null;
  const entry = settlement.entry;
  const same = settlement.matches === true;
  return (
    <section className="settlement" data-testid="settlement" data-state={settlement.state} aria-labelledby="settlement-title">
      <h3 id="settlement-title">Followed to settlement</h3>
      <p className={settlement.state === "settled" ? "settlement-state ok" : "settlement-state warn"}>{STATE_WORDS[settlement.state]}.</p>
      <dl className="facts">
        <div className="fact">
          <dt>Exchange reference</dt>
          <dd>
            <code>{settlement.refid}</code> <CopyText text={settlement.refid} label="Copy the exchange reference" />
          </dd>
        </div>
        {settlement.txid !== null && (
          <div className="fact">
            <dt>Transaction id</dt>
            <dd>
              <code className="address">{settlement.txid}</code> <CopyText text={settlement.txid} label="Copy the transaction id" />
            </dd>
          </div>
        )}
        {entry !== null && (
          <>
            <div className="fact">
              <dt>Ledger entry</dt>
              <dd>
                <code>{entry.id}</code> <span className="muted">posted</span> <Timestamp at={entry.time} />
              </dd>
            </div>
            <div className="fact">
              <dt>Left the account</dt>
              <dd data-testid="settled-debit">
                <Amount value={subtractDecimal(entry.fee, entry.amount)} asset={payload.asset} />{" "}
                <span className="muted">(amount and fee)</span>
              </dd>
            </div>
            <div className="fact">
              <dt>Balance after</dt>
              <dd>
                <Amount value={entry.balance} asset={payload.asset} />
              </dd>
            </div>
          </>
        )}
      </dl>
      {entry !== null && (
        <p className={same ? "settlement-check ok" : "settlement-check warn"} data-testid="settlement-check" data-same={same}>
          {same
            ? "What left is what was approved: one payment, the same asset, amount and fee."
            : settlement.entries > 1
              ? `Paid ${settlement.entries} times: the ledger holds ${settlement.entries} withdrawals with this reference.`
              : "What left differs from what was approved: compare the asset, amount and fee above with the request."}
        </p>
      )}
    </section>
  );
}
