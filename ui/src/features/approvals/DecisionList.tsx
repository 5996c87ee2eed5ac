import type { DecisionView } from "../../bindings/DecisionView";
import { ActorName } from "../../components/ActorName";
import { Timestamp } from "../../components/Timestamp";
import { formatAge } from "../../lib/time";
import { DECISION_LABELS } from "./labels";

/** Each member's decision on a request, in order, with when and why, and the short digest of the statement their device signed (to compare out of band). */
export function DecisionList({ decisions, now }: { decisions: readonly DecisionView[]; now: number }) {
  return (
    <ul className="decisions">
      {decisions.map((d) => (
        <li key={`${d.member.id}-${d.at}`}>
          <ActorName actor={d.member} />{" "}
          <span className={`decision decision-${d.decision}`}>{DECISION_LABELS[d.decision]}</span>{" "}
          <Timestamp at={d.at} /> <span className="muted">({formatAge(d.at, now)} ago)</span>
          {d.reason && <q className="reason">{d.reason}</q>}
          {d.digest && (
            <span
              className="digest"
              data-testid="decision-digest"
              title="The short digest of the statement this member's device signed: compare it with them out of band."
            >
              signed · <code>{d.digest}</code>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
