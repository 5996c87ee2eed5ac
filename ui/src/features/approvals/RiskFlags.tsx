import type { FlagKind } from "../../bindings/FlagKind";
import type { RequestView } from "../../bindings/RequestView";

/** Each flag's short name, for the detail's list and the row's title. */
export const FLAG_LABELS: Record<FlagKind, string> = {
  first_to_destination: "First to this destination",
  new_destination: "New destination",
  large_amount: "Large amount",
  unusual_hour: "Unusual hour",
  policy_changed: "Policy changed",
  key_changed: "Bot key changed",
};

/** The flags of a pending withdrawal, each with its one line of why, read from the history by the core. */
export function RiskFlags({ request }: { request: RequestView }) {
  const flags = request.risk ?? [];
  if (flags.length === 0) return null;
  return (
    <section className="risk" data-testid="risk-flags" aria-label="Risk flags">
      <h3>Look twice</h3>
      <ul>
        {flags.map((f) => (
          <li key={f.kind} data-testid="risk-flag" data-kind={f.kind}>
            <strong>{FLAG_LABELS[f.kind]}</strong>: {f.why}.
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The row's marker: how many flags, named in its title. */
export function RiskMarker({ request }: { request: RequestView }) {
  const flags = request.risk ?? [];
  if (flags.length === 0) return null;
  const names = flags.map((f) => FLAG_LABELS[f.kind]).join(", ");
  return (
    <span className="flag risk-marker" data-testid="risk-marker" title={names} aria-label={`${flags.length} risk flag${flags.length === 1 ? "" : "s"}: ${names}`}>
      {flags.length}
    </span>
  );
}
