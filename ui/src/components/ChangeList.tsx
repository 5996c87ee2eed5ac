import type { ChangeLine } from "../bindings/ChangeLine";
import { capitalise } from "../lib/org";

const DIRECTION_WORDS = {
  loosening: "Loosens",
  tightening: "Tightens",
  none: "Changes",
} as const;

/**
 * What a request would change, line by line, as the core's rules engine computes it: each line
 * marked loosening or tightening, and the ones worth a warning (a key open to a whole address
 * family, a workflow left short of approvers, one person completing a workflow alone) flagged.
 */
export function ChangeList({ changes, title = "What changes" }: { changes: ChangeLine[]; title?: string }) {
  if (changes.length === 0) return null;
  return (
    <section className="change-diff" aria-label={title} data-testid="change-list">
      <p className="change-diff-title">{title}</p>
      <ul className="changes">
        {changes.map((c, index) => {
          const direction = c.direction ?? "none";
          return (
            <li
              key={`${index}-${c.field}`}
              className={`direction-${direction}${c.warning ? " change-warning" : ""}`}
              data-testid="change-line"
              data-field={c.field}
              data-direction={direction}
              data-warning={c.warning ? "true" : undefined}
            >
              <span className="direction">{DIRECTION_WORDS[direction]}</span>
              <span>
                {c.warning && (
                  <span className="change-warning-mark" role="img" aria-label="Warning" title="Warning">
                    !{" "}
                  </span>
                )}
                {capitalise(c.text)}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
