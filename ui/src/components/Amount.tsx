import { formatAmount } from "../lib/money";

/** A decimal amount with its asset beside it; the figure is shown exactly as the host sent it. */
export function Amount({ value, asset }: { value: string; asset: string }) {
  return (
    <span className="amount">
      <span className="amount-value">{formatAmount(value)}</span> <span className="asset">{asset}</span>
    </span>
  );
}
