import { SCOPE_ENDPOINTS } from "../bindings/keyCatalog";
import type { Scope } from "../bindings/Scope";
import { governedByPolicy, SCOPE_GROUP_LABELS, SCOPE_GROUPS, SCOPE_INFO, SCOPES } from "../lib/org";

interface ScopeListProps {
  /** The scopes granted (or, when editable, ticked). */
  granted: readonly Scope[];
  /** Makes each scope a checkbox. */
  onToggle?: (scope: Scope, granted: boolean) => void;
  /** An earlier set of scopes: what differs is marked as gained or lost. */
  before?: readonly Scope[];
  /** Shown on Withdraw, e.g. "Governed by policy: queued for 2 approvals". */
  withdrawBadge?: string;
  /** Leaves out the line saying what each scope allows. */
  compact?: boolean;
  /** Says what a scope allows only where it is granted or changes (for reviewing a request). */
  explainGrantedOnly?: boolean;
  /** Lists the exchange endpoints each scope unlocks (from the table the sandbox enforces). */
  showEndpoints?: boolean;
  /** The test id of each item: "scope" for what a key holds, "scope-toggle" for a draft. */
  testId?: string;
}

/** "Balance, WithdrawInfo (with Withdraw), WithdrawStatus (or Query ledger entries)": what a scope unlocks. */
export function endpointsText(scope: Scope): string {
  const labels = (scopes: readonly Scope[]) => scopes.map((s) => SCOPE_INFO[s].label).join(", ");
  const unlocks = SCOPE_ENDPOINTS[scope].map((e) => {
    if (e.with.length > 0) return `${e.endpoint} (with ${labels(e.with)})`;
    if (e.or.length > 0) return `${e.endpoint} (or ${labels(e.or)})`;
    return e.endpoint;
  });
  return unlocks.length === 0 ? "Unlocks no endpoint by itself" : `Unlocks ${unlocks.join(", ")}`;
}

/** An API key's scopes in the exchange's groups (Funds, Orders & trades, Data), each with what it allows. */
export function ScopeList({
  granted,
  onToggle,
  before,
  withdrawBadge,
  compact = false,
  explainGrantedOnly = false,
  showEndpoints = false,
  testId = "scope",
}: ScopeListProps) {
  return (
    <div className={compact ? "scope-groups compact" : "scope-groups"}>
      {SCOPE_GROUPS.map((group) => (
        <fieldset key={group} className="scope-group" data-group={group}>
          <legend>{SCOPE_GROUP_LABELS[group]}</legend>
          <ul>
            {SCOPES.filter((s) => SCOPE_INFO[s].group === group).map((scope) => {
              const on = granted.includes(scope);
              const was = before?.includes(scope);
              const change = before === undefined || on === was ? null : on ? "gains" : "loses";
              const info = SCOPE_INFO[scope];
              const text = (
                <span className="scope-text">
                  <span className="scope-name">
                    <span className="scope-label">{info.label}</span>
                    <code className="scope-wire">{scope}</code>
                    {governedByPolicy(scope) && withdrawBadge && (
                      <span className="badge badge-governed" data-testid="scope-policy-badge">
                        {withdrawBadge}
                      </span>
                    )}
                    {change && <span className={`change change-${change}`}>{change}</span>}
                  </span>
                  {!compact && (!explainGrantedOnly || on || change) && <span className="scope-allows">{info.allows}</span>}
                  {showEndpoints && (
                    <span className="scope-endpoints" data-testid="scope-endpoints">
                      {endpointsText(scope)}
                    </span>
                  )}
                </span>
              );
              return (
                <li
                  key={scope}
                  className={on ? "scope granted" : "scope"}
                  data-testid={testId}
                  data-scope={scope}
                  data-granted={String(on)}
                  data-group={group}
                >
                  {onToggle ? (
                    <label>
                      <input
                        type="checkbox"
                        checked={on}
                        aria-label={info.label}
                        onChange={(event) => onToggle(scope, event.target.checked)}
                      />
                      {text}
                    </label>
                  ) : (
                    <>
                      <span className="check" role="img" aria-label={on ? "Granted" : "Not granted"}>
                        {on ? "✓" : ""}
                      </span>
                      {text}
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </fieldset>
      ))}
    </div>
  );
}
