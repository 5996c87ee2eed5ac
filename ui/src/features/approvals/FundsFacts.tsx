import type { RequestView } from "../../bindings/RequestView";
import { Amount } from "../../components/Amount";
import { formatAmount } from "../../lib/money";

/**
 * A pending withdrawal against the account, as facts in a detail's list: the balance it leaves
 * (the balance now beside it) and what it is worth where the org API knows a price.
 */
export function FundsFacts({ request }: { request: RequestView }) {
  const { funds, payload } = request;
  if (funds === undefined || payload.kind !== "withdrawal") return null;
  const short = funds.balance_after.startsWith("-");
  return (
    <>
      <div className="fact">
        <dt>Balance after</dt>
        <dd data-testid="balance-after" className={short ? "warning" : undefined}>
          <Amount value={funds.balance_after} asset={payload.asset} />{" "}
          <span className="muted">
            (now <Amount value={funds.balance_now} asset={payload.asset} />)
          </span>
          {short && " — more than the balance: it cannot complete now"}
        </dd>
      </div>
      {funds.value !== null && (
        <div className="fact">
          <dt>Worth</dt>
          <dd data-testid="fiat-value">
            ≈ {formatAmount(funds.value.amount)} {funds.value.currency}{" "}
            <span className="muted">
              at {formatAmount(funds.value.price)} {funds.value.currency}/{payload.asset}
            </span>
          </dd>
        </div>
      )}
    </>
  );
}
