import type { SeriesPointView } from "../../bindings/SeriesPointView";
import { formatAmount } from "../../lib/money";
import { formatUtc } from "../../lib/time";

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 8, right: 8, top: 12, bottom: 22 };

/**
 * A chain's balance at each period end as a line: a small hand-made SVG (the figures are drawn
 * from floats, which is fine for a picture; the exact decimals are in each point's title).
 */
export function BalanceChart({ points, asset }: { points: SeriesPointView[]; asset: string }) {
  if (points.length === 0) return <p className="muted">No settled row of {asset} yet: import an export that has one.</p>;
  const values = points.map((p) => Number(p.balance));
  const min = Math.min(0, ...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (i: number) => PAD.left + (points.length === 1 ? 0.5 : i / (points.length - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - min) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const path = values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const label = (p: SeriesPointView | undefined) => (p ? formatUtc(p.period_end).slice(0, 10) : "");
  return (
    <figure className="balance-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Balance of ${asset} over time`} data-testid="balance-chart">
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        <path d={path} className="line" fill="none" />
        {points.map((p, i) => (
          <circle key={p.period_end} cx={x(i)} cy={y(values[i] ?? 0)} r={2.5} className="point">
            <title>{`${formatAmount(p.balance)} ${asset} at ${formatUtc(p.period_end)}`}</title>
          </circle>
        ))}
        <text x={PAD.left} y={HEIGHT - 6} className="tick">
          {label(points[0])}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} className="tick" textAnchor="end">
          {label(points[points.length - 1])}
        </text>
      </svg>
      <figcaption>
        {formatAmount(points[points.length - 1]?.balance ?? "0")} <span className="asset">{asset}</span> at the end
      </figcaption>
    </figure>
  );
}
