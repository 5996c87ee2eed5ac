import type { AddressEntry } from "../../bindings/AddressEntry";
import type { PolicyView } from "../../bindings/PolicyView";
import type { ServiceUserView } from "../../bindings/ServiceUserView";
import { KeySettingsView } from "../../components/KeySettingsView";
import { ScopeList } from "../../components/ScopeList";
import { Timestamp } from "../../components/Timestamp";
import { policyOf, SCOPES, withdrawalGovernance } from "../../lib/org";
import { formatAge } from "../../lib/time";
import { ChangePanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { BotWithdrawalPreview } from "./BotWithdrawalPreview";
import { KeyChangePanel } from "./KeyChangePanel";
import { UsagePanel } from "./UsagePanel";
import { EmergencyStop, StopWords } from "../stops/EmergencyStop";

interface ServiceUserDetailProps {
  user: ServiceUserView;
  policies: PolicyView[];
  /** The address book, for previewing one of the bot's withdrawals. */
  addresses: readonly AddressEntry[];
  now: number;
  /** Why the member may not start a Manage Access request, if so: changes are not offered. */
  blocked: string | null;
  /** Why the member may not stop this key at once, if so. */
  stopBlocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** "Governed by policy: queued for 2 approvals", or "Immediate: no policy". */
export function withdrawBadgeText(policies: readonly PolicyView[]): string {
  const policy = policyOf(policies, "initiate_withdrawal");
  return policy === null ? "Immediate: no policy" : `Governed by policy: ${withdrawalGovernance(policy)}`;
}

export function ServiceUserDetail({ user, policies, addresses, now, blocked, stopBlocked, onSubmitted, onOpenRequest }: ServiceUserDetailProps) {
  const withdrawalPolicy = policyOf(policies, "initiate_withdrawal");
  const withdraws = user.key.scopes.includes("funds_withdraw");
  return (
    <article className="detail" aria-label={`Service user ${user.name}`}>
      <h2 className="summary">{user.name}</h2>
      <p className="detail-meta">
        <span>{user.id}</span>
        <span>
          {user.key.scopes.length} of {SCOPES.length} scopes
        </span>
        <span>
          {user.last_used === null ? (
            "Key never used"
          ) : (
            <>
              Last used <Timestamp at={user.last_used} /> ({formatAge(user.last_used, now)} ago)
            </>
          )}
        </span>
        <span data-testid="key-holder">
          {user.key_holder === undefined ? (
            "Secret issued outside the Organization's requests"
          ) : (
            `Secret held by ${user.key_holder.name}: they cannot approve its requests`
          )}
        </span>
      </p>
      {user.stopped !== undefined ? (
        <section className="stop-callout" data-testid="key-stopped">
          <p>
            <span className="badge badge-stop">Key stopped</span> <StopWords stop={user.stopped} verb="Stopped" />. Every call
            it signs is refused, and its pending withdrawals cannot be approved.
          </p>
          <ChangePanel
            testId="resume-key"
            openLabel="Switch the key back on…"
            title={`Switch ${user.name}'s key back on`}
            blocked={blocked}
            hint="a Manage Access request, under its policy"
            bare
          >
            <p className="muted">Its scopes and settings stay as they are; change them first if the key was exposed.</p>
            <RequestActions
              payload={{ kind: "resume_service_user", service_user: user.id }}
              testPrefix="resume-key"
              previewTitle="Preview of the Manage Access request"
              submitLabel="Submit for approval"
              onSubmitted={onSubmitted}
              onOpenRequest={onOpenRequest}
            />
          </ChangePanel>
        </section>
      ) : (
        <EmergencyStop on={{ kind: "key", serviceUser: user.id, name: user.name }} blocked={stopBlocked} onStopped={onSubmitted} />
      )}
      <p className={withdraws ? "callout callout-governed" : "callout"}>
        {withdraws
          ? withdrawalPolicy === null
            ? "This key can withdraw, and Initiate Withdrawal has no policy: its withdrawals complete at once."
            : `This key can submit withdrawals; each is ${withdrawalGovernance(withdrawalPolicy)} from members before it completes.`
          : "This key cannot withdraw."}{" "}
        Everything else a key does (trading, Earn, queries, exports) takes effect at once, limited only by its scopes.
      </p>

      <h3>API key scopes</h3>
      <ScopeList granted={user.key.scopes} withdrawBadge={withdrawBadgeText(policies)} />

      <h3>Key settings</h3>
      <KeySettingsView settings={user.key.settings} />

      <UsagePanel user={user} now={now} blocked={blocked} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
      {withdraws && <BotWithdrawalPreview user={user} addresses={addresses} />}
      <KeyChangePanel
        user={user}
        withdrawBadge={withdrawBadgeText(policies)}
        blocked={blocked}
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
      <RemovePanel user={user} blocked={blocked} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
    </article>
  );
}

/** Remove the service user (its key stops working), previewed as the Manage Access request it is. */
function RemovePanel({
  user,
  blocked,
  onSubmitted,
  onOpenRequest,
}: {
  user: ServiceUserView;
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}) {
  return (
    <ChangePanel testId="remove-service-user" openLabel={`Remove ${user.name}…`} title={`Remove ${user.name}`} blocked={blocked} danger>
      <p className="muted">Once the request completes, its key stops working at once. Its past requests stay in the history.</p>
      <RequestActions
        payload={{ kind: "remove_service_user", service_user: user.id }}
        testPrefix="remove-service-user"
        previewTitle="Preview of the Manage Access request"
        submitLabel="Submit the removal"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}
