import type { Preview } from "../bindings/Preview";
import type { PreviewDecision } from "../bindings/PreviewDecision";
import type { Verdict } from "../bindings/Verdict";
import { capitalise, plural } from "../lib/org";
import { ChangeList } from "./ChangeList";

const VERDICTS: Record<Verdict, { icon: string; label: string }> = {
  pass: { icon: "✓", label: "Passes" },
  fail: { icon: "✕", label: "Refuses" },
  decides: { icon: "→", label: "Decides" },
  note: { icon: "i", label: "Note" },
  warn: { icon: "!", label: "Warning" },
};

/** The decision in one line: "Queued for 2 approvals from Ada Okafor, Chloe Park — any one can reject". */
export function previewHeadline(decision: PreviewDecision): string {
  switch (decision.outcome) {
    case "completes_immediately":
      return "Completes immediately";
    case "queued": {
      const queued = `Queued for ${plural(decision.required_approvals, "approval")}`;
      if (decision.eligible_count === 0) return `${queued} — no member may approve it`;
      const more = decision.eligible_count - decision.eligible_approvers.length;
      const names = decision.eligible_approvers.map((a) => a.name).join(", ") + (more > 0 ? ` and ${more} more` : "");
      return `${queued} from ${names} — any one can reject`;
    }
    case "not_permitted":
      return `Not permitted: ${decision.reason}`;
  }
}

/** What a request would do and why: the decision, the rules in the order they were consulted, and what is not known. */
export function PreviewPanel({ preview, title = "Preview" }: { preview: Preview; title?: string }) {
  const { decision } = preview;
  return (
    <section
      className={`preview preview-${decision.outcome}`}
      data-testid="preview"
      data-outcome={decision.outcome}
      aria-label={title}
    >
      <p className="preview-kicker">{title}</p>
      <p className="preview-headline">{previewHeadline(decision)}</p>
      {decision.outcome === "queued" && !decision.reachable && (
        <p className="warning" data-testid="preview-unreachable">
          It can never complete as things stand: {plural(decision.required_approvals, "approval")} required, but only{" "}
          {plural(decision.eligible_count, "member")} may approve it. It would wait until it is cancelled or
          expires.
        </p>
      )}
      <ChangeList changes={preview.changes} />
      <ol className="trace" aria-label="Rules consulted, in order">
        {preview.trace.map((step, index) => (
          <li
            key={`${index}-${step.rule}`}
            className={`trace-step verdict-${step.verdict}`}
            data-testid="trace-step"
            data-rule={step.rule}
            data-verdict={step.verdict}
          >
            <span className="verdict-icon" role="img" aria-label={VERDICTS[step.verdict].label} title={VERDICTS[step.verdict].label}>
              {VERDICTS[step.verdict].icon}
            </span>
            <span className="trace-detail">
              {capitalise(step.detail)}
              <code className="trace-rule">{step.rule}</code>
            </span>
          </li>
        ))}
      </ol>
      {preview.missing.length > 0 && (
        <div className="preview-missing" data-testid="preview-missing">
          <p>Not known to this preview</p>
          <ul>
            {preview.missing.map((m) => (
              <li key={m}>{capitalise(m)}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
