import { CopyText } from "../../components/CopyText";
import { addDecimal } from "../../lib/money";
import { PolicyChangeList } from "../../components/PolicyChangeList";
import type { ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import type { Policy } from "../../bindings/Policy";
import type { RequestPayload } from "../../bindings/RequestPayload";
import type { Workflow } from "../../bindings/Workflow";
import { Amount } from "../../components/Amount";
import { KeySettingsView } from "../../components/KeySettingsView";
import { PermissionGrid } from "../../components/PermissionGrid";
import { ScopeList } from "../../components/ScopeList";
import { useOrg } from "../../lib/contexts";
import {
  expiryWords,
  policyOf,
  policySentence,
  withdrawalGovernance,
  WORKFLOW_LABELS,
} from "../../lib/org";
import { findAddress, findMember, findServiceUser } from "../../lib/orgLookup";
import { windowWords } from "../../lib/org";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A name from the Organization, or the id when it is no longer there (the summary still names it). */
function Named({ name, id }: { name: string | undefined; id: string }) {
  return name === undefined ? <code>{id}</code> : <span title={id}>{name}</span>;
}

function AddressFacts({ org, entryKey }: { org: OrgView | undefined; entryKey: string }) {
  const entry = findAddress(org, entryKey);
  if (!entry) return null;
  return (
    <>
      <Fact label="Asset">
        {entry.asset} <span className="muted">({entry.method})</span>
      </Fact>
      <Fact label="Address">
        <code className="address">{entry.address}</code>
      </Fact>
    </>
  );
}

/** A request's own fields as facts (dt/dd pairs inside the detail's list), per kind. */
export function PayloadFacts({ payload }: { payload: RequestPayload }) {
  const org = useOrg()?.data;
  switch (payload.kind) {
    case "withdrawal":
      return (
        <>
          <Fact label="Amount">
            <Amount value={payload.amount} asset={payload.asset} />
          </Fact>
          <Fact label="Fee">
            <Amount value={payload.fee} asset={payload.asset} />
          </Fact>
          <Fact label="Total debit">
            <span data-testid="total-debit">
              <Amount value={addDecimal(payload.amount, payload.fee)} asset={payload.asset} />
            </span>{" "}
            <span className="muted">(amount and fee)</span>
          </Fact>
          <Fact label="Destination">
            <div>{payload.key}</div>
            <code className="address">{payload.address}</code> <CopyText text={payload.address} label={`Copy the address of ${payload.key}`} />
          </Fact>
        </>
      );
    case "invite_member":
      return <Fact label="Name">{payload.name}</Fact>;
    case "remove_member":
    case "change_member_permissions":
      return (
        <Fact label="Member">
          <Named name={findMember(org, payload.member)?.name} id={payload.member} />
        </Fact>
      );
    case "create_service_user":
      return <Fact label="Service user">{payload.name}</Fact>;
    case "change_service_user_key":
    case "remove_service_user":
    case "resume_service_user":
      return (
        <Fact label="Service user">
          <Named name={findServiceUser(org, payload.service_user)?.name} id={payload.service_user} />
        </Fact>
      );
    case "change_policy":
    case "lock_policy":
      return <Fact label="Policy of">{WORKFLOW_LABELS[payload.workflow]}</Fact>;
    case "resume_withdrawals":
      return <Fact label="Lifts">The withdrawal freeze</Fact>;
    case "set_decision_window":
      return <Fact label="Decision window">{windowWords(payload.seconds)}</Fact>;
    case "add_address":
      return (
        <>
          <Fact label="Entry">{payload.key}</Fact>
          <Fact label="Asset">
            {payload.asset} <span className="muted">({payload.method})</span>
          </Fact>
          <Fact label="Address">
            <code className="address">{payload.address}</code>
          </Fact>
        </>
      );
    case "relabel_address":
      return (
        <>
          <Fact label="Entry">
            {payload.key} → <strong>{payload.new_key}</strong>
          </Fact>
          <AddressFacts org={org} entryKey={payload.key} />
        </>
      );
    case "remove_address":
      return (
        <>
          <Fact label="Entry">{payload.key}</Fact>
          <AddressFacts org={org} entryKey={payload.key} />
        </>
      );
  }
}

function PolicyComparison({ workflow, next, current }: { workflow: Workflow; next: Policy | null; current: Policy | null }) {
  const row = (label: string, get: (p: Policy) => string) => (
    <tr key={label}>
      <th scope="row">{label}</th>
      <td>{current === null ? "–" : get(current)}</td>
      <td>{next === null ? "–" : get(next)}</td>
    </tr>
  );
  return (
    <>
      <table className="compare" data-testid="policy-compare">
        <caption>{WORKFLOW_LABELS[workflow]} policy</caption>
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Current</th>
            <th scope="col">Proposed</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Policy</th>
            <td>{current === null ? "None: requests complete at once" : "Configured"}</td>
            <td>{next === null ? "None: requests complete at once" : "Configured"}</td>
          </tr>
          {row("Required approvals", (p) => String(p.required_approvals))}
          {row("Always require approval", (p) => (p.always_require_approval ? "Yes" : "No: Execute allowed"))}
          {row("Locked", (p) => (p.locked ? "Yes" : "No"))}
          {row("Pending requests expire", (p) => expiryWords(p.expires_after))}
        </tbody>
      </table>
      <PolicyChangeList workflow={workflow} policy={next} emptyText="The proposed policy is the same as the current one." />
    </>
  );
}

/** The larger parts of a request's payload, per kind: scopes, settings, permissions, policies. */
export function PayloadBody({ payload }: { payload: RequestPayload }) {
  const org = useOrg()?.data;
  const withdrawalPolicy = org ? policyOf(org.policies, "initiate_withdrawal") : undefined;
  const withdrawBadge =
    withdrawalPolicy === undefined
      ? undefined
      : withdrawalPolicy === null
        ? "Immediate: no policy"
        : `Governed by policy: ${withdrawalGovernance(withdrawalPolicy)}`;
  switch (payload.kind) {
    case "invite_member":
      return (
        <section className="payload-body">
          <h3>Permissions on joining</h3>
          <PermissionGrid permissions={payload.permissions} />
        </section>
      );
    case "change_member_permissions": {
      const current = findMember(org, payload.member)?.permissions;
      return (
        <section className="payload-body">
          <h3>New permissions{current && " (marked: what changes)"}</h3>
          <PermissionGrid permissions={payload.permissions} before={current} />
        </section>
      );
    }
    case "create_service_user":
      return (
        <section className="payload-body">
          <h3>API key scopes</h3>
          <ScopeList granted={payload.key.scopes} withdrawBadge={withdrawBadge} explainGrantedOnly />
          <h3>Key settings</h3>
          <KeySettingsView settings={payload.key.settings} />
        </section>
      );
    case "change_service_user_key": {
      const current = findServiceUser(org, payload.service_user)?.key;
      return (
        <section className="payload-body">
          <h3>New API key scopes</h3>
          <ScopeList granted={payload.key.scopes} before={current?.scopes} withdrawBadge={withdrawBadge} explainGrantedOnly />
          <h3>Key settings</h3>
          <KeySettingsView settings={payload.key.settings} before={current?.settings} />
        </section>
      );
    }
    case "change_policy":
      return (
        <section className="payload-body">
          <h3>Proposed policy</h3>
          {org ? (
            <PolicyComparison workflow={payload.workflow} next={payload.policy} current={policyOf(org.policies, payload.workflow)} />
          ) : (
            <p>{policySentence(payload.workflow, payload.policy)}</p>
          )}
        </section>
      );
    case "lock_policy":
      return (
        <section className="payload-body">
          <h3>Lock</h3>
          {org && <p>Now: {policySentence(payload.workflow, policyOf(org.policies, payload.workflow))}.</p>}
          <p className="warning">
            Locking is irreversible: a locked policy can only be changed through approval, and never unlocked or removed.
          </p>
        </section>
      );
    default:
      return null;
  }
}
