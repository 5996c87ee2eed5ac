import type { RefusalCause } from "../../bindings/RefusalCause";
import { useEffect, useState } from "react";
import type { KeyReview } from "../../bindings/KeyReview";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { ChangePanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { Timestamp } from "../../components/Timestamp";
import { SCOPE_INFO } from "../../lib/org";
import { formatAge } from "../../lib/time";
import { toHostError, useHost, type HostError } from "../../platform";

/** How long a scope may go unused before the core's advice drops it (held to the core's by the contracts test). */
export const UNUSED_AFTER_SECONDS = 30 * 86_400;

const CAUSE_WORDS = {
  scope: "lacked the endpoint's scope",
  ip: "came from outside the IP allow-list",
  expiry: "came after the key expired",
  nonce: "carried a nonce too low",
  stopped: "came while the key was stopped",
} as const satisfies Record<RefusalCause, string>;

interface UsagePanelProps {
  user: ServiceUserView;
  now: number;
  /** Why the member may not start a Manage Access request, if so: the advice is shown, not offered. */
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * What the key did at the exchange API (the org API's record): each scope used lately or not,
 * the refusals by cause, the addresses it was used from; and a least-privilege advice, offered as
 * the Manage Access request it is, previewed with the core's diff.
 */
export function UsagePanel(props: UsagePanelProps) {
  return (
    <ChangePanel
      testId="key-usage"
      openLabel="Usage and least privilege…"
      title={`What ${props.user.name}'s key did`}
      hint="Which scopes it used in the last 30 days, its refusals, where it called from."
    >
      <Usage {...props} />
    </ChangePanel>
  );
}

function Usage({ user, now, blocked, onSubmitted, onOpenRequest }: UsagePanelProps) {
  const host = useHost();
  const [review, setReview] = useState<KeyReview | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  useEffect(() => {
    let live = true;
    host.keyReview(user.id).then(
      (answer) => live && setReview(answer),
      (failure) => live && setError(toHostError(failure)),
    );
    return () => {
      live = false;
    };
  }, [host, user.id]);
  if (error) {
    return (
      <p className="action-error" role="alert" data-code={error.code}>
        {error.message}
      </p>
    );
  }
  if (review === null) return <p className="muted">Reading the key's record…</p>;
  const { usage, advice } = review;
  const nowSeconds = Math.floor(now / 1000);
  const used = (at: number | null) =>
    at === null ? "never used" : nowSeconds - at <= UNUSED_AFTER_SECONDS ? `used ${formatAge(at, now)} ago` : "not used in 30 days";
  return (
    <div className="usage" data-testid="key-usage-record">
      <ul className="changes">
        {usage.scopes.map((s) => (
          <li key={s.scope} data-testid="scope-use" data-scope={s.scope} data-used={s.last_at !== null && nowSeconds - s.last_at <= UNUSED_AFTER_SECONDS}>
            <span className="direction">{SCOPE_INFO[s.scope].label}</span> {used(s.last_at)}
          </li>
        ))}
      </ul>
      {usage.refusals.length > 0 && (
        <ul className="used-by" data-testid="key-refusals">
          {usage.refusals.map((r) => (
            <li key={r.cause}>
              {r.refusals} refused: {CAUSE_WORDS[r.cause]} (last <Timestamp at={r.last_at} />)
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        {usage.addresses.length === 0
          ? "No call answered yet."
          : `Called from ${usage.addresses.map((a) => `${a.address} (${a.calls})`).join(", ")}.`}
      </p>
      {advice === null ? (
        <p className="muted" data-testid="no-advice">
          {usage.scopes.every((s) => s.last_at === null)
            ? "The key has not been used: if the bot is no longer needed, remove it."
            : "Nothing to tighten: every scope was used in the last 30 days."}
        </p>
      ) : (
        <div data-testid="advice">
          <p>
            <strong>Least privilege:</strong>{" "}
            {advice.dropped.length > 0 && <>remove {advice.dropped.map((d) => SCOPE_INFO[d.scope].label).join(", ")} (not used in 30 days)</>}
            {advice.dropped.length > 0 && advice.narrowed_to.length > 0 && "; "}
            {advice.narrowed_to.length > 0 && <>narrow the IP list to {advice.narrowed_to.join(", ")} (the addresses seen)</>}.
          </p>
          {blocked === null ? (
            <RequestActions
              payload={{ kind: "change_service_user_key", service_user: user.id, key: advice.key }}
              testPrefix="advice"
              previewTitle="Preview of the Manage Access request"
              onSubmitted={onSubmitted}
              onOpenRequest={onOpenRequest}
            />
          ) : (
            <p className="hint">{blocked}</p>
          )}
        </div>
      )}
    </div>
  );
}
