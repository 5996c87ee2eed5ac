import type { PolicyChange } from "../lib/org";

/** A policy change field by field, each marked as loosening or tightening. */
export function PolicyChangeList({ changes, testId }: { changes: readonly PolicyChange[]; testId?: string }) {
  return (
    <ul className="changes" data-testid={testId}>
      {changes.map((c) => (
        <li key={c.field} className={`direction-${c.direction}`}>
          <span className="direction">{c.direction === "loosening" ? "Loosens" : "Tightens"}</span> {c.field}: {c.from} →{" "}
          {c.to}
        </li>
      ))}
    </ul>
  );
}
