import { AccountPermissions } from "../../components/AccountPermissions";
import { PolicyChangeList } from "../../components/PolicyChangeList";
import type { ChangeEvent, ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import type { Workflow } from "../../bindings/Workflow";
import { PermissionGrid } from "../../components/PermissionGrid";
import {
  policyOf,
  policySentence,
  withdrawalGovernance,
  withPermission,
  WORKFLOW_LABELS,
  WORKFLOWS,
} from "../../lib/org";
import { findAddress, findMember, findServiceUser } from "../../lib/orgLookup";
import type { ApiKeySpec } from "../../bindings/ApiKeySpec";
import { KeyEditor } from "../service-users/KeyEditor";
import { buildPayload, MAX_WINDOW_SECONDS, withMember, withServiceUser, withWorkflow, type Draft } from "./draft";
import { windowWords } from "../../lib/org";

interface DraftFieldsProps {
  draft: Draft;
  org: OrgView;
  onChange: (next: Draft) => void;
}

function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <span className="hint">{hint}</span>}
    </label>
  );
}

function WorkflowSelect({ value, onChange }: { value: Workflow; onChange: (w: Workflow) => void }) {
  return (
    <Field label="Workflow">
      <select data-testid="draft-workflow" value={value} onChange={(e) => onChange(e.target.value as Workflow)}>
        {WORKFLOWS.map((w) => (
          <option key={w} value={w}>
            {WORKFLOW_LABELS[w]}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** The fields of the draft's kind. */
export function DraftFields({ draft, org, onChange }: DraftFieldsProps) {
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch });
  const text = (field: "name" | "addressKey" | "asset" | "method" | "address" | "newKey" | "amount" | "fee") => ({
    value: draft[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => set({ [field]: e.target.value }),
  });
  const withdrawalPolicy = policyOf(org.policies, "initiate_withdrawal");
  const withdrawBadge =
    withdrawalPolicy === null ? "Immediate: no policy" : `Governed by policy: ${withdrawalGovernance(withdrawalPolicy)}`;

  const memberSelect = (
    <Field label="Member">
      <select
        data-testid="draft-member"
        value={draft.memberId}
        onChange={(e) => onChange(draft.kind === "change_member_permissions" ? withMember(draft, org, e.target.value) : { ...draft, memberId: e.target.value })}
      >
        {org.members.map((m) => (
          <option key={m.id} value={m.id} disabled={draft.kind === "remove_member" && m.is_owner}>
            {m.name}
            {m.is_owner ? " (Owner)" : ""}
          </option>
        ))}
      </select>
    </Field>
  );

  const serviceUserSelect = (
    <Field label="Service user">
      <select
        data-testid="draft-service-user"
        value={draft.serviceUserId}
        onChange={(e) => onChange(withServiceUser(draft, org, e.target.value))}
      >
        {org.service_users.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </Field>
  );

  const entrySelect = (label: string) => (
    <Field label={label}>
      <select data-testid="draft-address" value={draft.addressKey} onChange={(e) => set({ addressKey: e.target.value })}>
        {org.addresses.map((a) => (
          <option key={a.key} value={a.key}>
            {a.key} — {a.asset} ({a.method})
          </option>
        ))}
      </select>
    </Field>
  );

  const keyEditor = (before: ApiKeySpec | undefined) => (
    <KeyEditor draft={draft.key} onChange={(key) => set({ key })} before={before} withdrawBadge={withdrawBadge} idPrefix="draft-key" />
  );

  switch (draft.kind) {
    case "invite_member":
      return (
        <>
          <Field label="Name">
            <input data-testid="draft-name" {...text("name")} />
          </Field>
          <PermissionGrid
            caption="Permissions on joining"
            permissions={draft.permissions}
            onChange={(w, p, on) => set({ permissions: withPermission(draft.permissions, w, p, on) })}
          />
          <AccountPermissions account={draft.account} onChange={(account) => set({ account })} />
        </>
      );
    case "remove_member":
      return memberSelect;
    case "change_member_permissions":
      return (
        <>
          {memberSelect}
          <PermissionGrid
            caption="New permissions (replacing the current ones)"
            permissions={draft.permissions}
            before={findMember(org, draft.memberId)?.permissions}
            onChange={(w, p, on) => set({ permissions: withPermission(draft.permissions, w, p, on) })}
          />
          <AccountPermissions account={draft.account} onChange={(account) => set({ account })} />
        </>
      );
    case "create_service_user":
      return (
        <>
          <Field label="Name">
            <input data-testid="draft-name" placeholder="e.g. hedge-bot" {...text("name")} />
          </Field>
          {keyEditor(undefined)}
        </>
      );
    case "change_service_user_key":
      return (
        <>
          {serviceUserSelect}
          {keyEditor(findServiceUser(org, draft.serviceUserId)?.key)}
        </>
      );
    case "remove_service_user":
    case "resume_service_user":
      return serviceUserSelect;
    case "resume_withdrawals":
      return <p className="muted">Withdrawals may be submitted and completed again, under their policy.</p>;
    case "set_decision_window":
      return (
        <>
          <label className="field">
            <span>Decision window (seconds)</span>
            <input
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_WINDOW_SECONDS}
              data-testid="draft-window"
              value={draft.windowText}
              onChange={(e) => onChange({ ...draft, windowText: e.target.value })}
            />
          </label>
          <p className="muted">
            Now: {windowWords(org.settings.decision_window_seconds)}. One code lets a member decide several requests
            until the window closes; each decision is still signed and journaled on its own. 0: a code per decision.
          </p>
        </>
      );
    case "change_policy": {
      const current = policyOf(org.policies, draft.workflow);
      const proposed = buildPayload(draft, org).payload;
      return (
        <>
          <WorkflowSelect value={draft.workflow} onChange={(w) => onChange(withWorkflow(draft, org, w))} />
          <p className="muted">
            Now: {policySentence(draft.workflow, current)}
            {current?.locked ? " (locked: a change always needs approval and cannot unlock it)" : ""}.
          </p>
          <label className="check-field">
            <input
              type="checkbox"
              data-testid="draft-remove-policy"
              checked={draft.removePolicy}
              disabled={current?.locked}
              onChange={(e) => set({ removePolicy: e.target.checked })}
            />
            No policy: requests complete at once
          </label>
          {!draft.removePolicy && (
            <div className="field-row">
              <Field label="Required approvals">
                <input
                  data-testid="draft-required"
                  inputMode="numeric"
                  value={draft.requiredText}
                  onChange={(e) => set({ requiredText: e.target.value })}
                />
              </Field>
              <Field label="Expire pending after (hours)" hint="Empty: never.">
                <input
                  data-testid="draft-expires"
                  inputMode="decimal"
                  value={draft.expiresHoursText}
                  onChange={(e) => set({ expiresHoursText: e.target.value })}
                />
              </Field>
              <label className="check-field">
                <input
                  type="checkbox"
                  data-testid="draft-always"
                  checked={draft.alwaysRequire}
                  onChange={(e) => set({ alwaysRequire: e.target.checked })}
                />
                Always require approval (even with Execute)
              </label>
            </div>
          )}
          {proposed?.kind === "change_policy" && (
            <PolicyChangeList workflow={proposed.workflow} policy={proposed.policy} testId="policy-changes" />
          )}
        </>
      );
    }
    case "lock_policy":
      return (
        <>
          <WorkflowSelect value={draft.workflow} onChange={(w) => set({ workflow: w })} />
          <p className="muted">Now: {policySentence(draft.workflow, policyOf(org.policies, draft.workflow))}.</p>
          <p className="warning">Locking is irreversible: the policy can then never be unlocked or removed.</p>
        </>
      );
    case "add_address":
      return (
        <>
          <Field label="Entry name">
            <input data-testid="draft-key" placeholder="e.g. cold-storage-3" {...text("addressKey")} />
          </Field>
          <div className="field-row">
            <Field label="Asset">
              <input placeholder="BTC" {...text("asset")} />
            </Field>
            <Field label="Method">
              <input placeholder="Bitcoin" {...text("method")} />
            </Field>
          </div>
          <Field label="Address">
            <input className="address" {...text("address")} />
          </Field>
        </>
      );
    case "relabel_address":
      return (
        <>
          {entrySelect("Entry")}
          <Field label="New name">
            <input data-testid="draft-new-key" {...text("newKey")} />
          </Field>
        </>
      );
    case "remove_address":
      return entrySelect("Entry");
    case "withdrawal": {
      const entry = findAddress(org, draft.addressKey);
      return (
        <>
          {entrySelect("To address-book entry")}
          {entry && (
            <p className="entry-address">
              {entry.asset} to <code className="address">{entry.address}</code>
              {!entry.verified && <span className="badge badge-warn">unverified</span>}
            </p>
          )}
          <div className="field-row">
            <Field label={`Amount${entry ? ` (${entry.asset})` : ""}`}>
              <input
                data-testid="draft-amount"
                className="amount-input"
                inputMode="decimal"
                autoComplete="off"
                placeholder="0.00"
                {...text("amount")}
              />
            </Field>
            <Field label={`Fee${entry ? ` (${entry.asset})` : ""}`}>
              <input data-testid="draft-fee" className="amount-input" inputMode="decimal" autoComplete="off" {...text("fee")} />
            </Field>
          </div>
        </>
      );
    }
  }
}
