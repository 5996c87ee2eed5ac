import { useCallback, useEffect, useState, type ReactNode } from "react";
import type { AddressEntry } from "../../bindings/AddressEntry";
import type { EntryCaller } from "../../bindings/EntryCaller";
import type { OrgView } from "../../bindings/OrgView";
import type { RequestView } from "../../bindings/RequestView";
import { Amount } from "../../components/Amount";
import { ChangePanel, Offer } from "../../components/ChangePanel";
import { EntityBrowser } from "../../components/EntityBrowser";
import { RequestActions } from "../../components/RequestActions";
import { Timestamp } from "../../components/Timestamp";
import { useSession } from "../../lib/contexts";
import { initiateBlocker } from "../../lib/org";
import { usePolled } from "../../lib/usePolled";
import { toHostError, useHost, type HostError } from "../../platform";
import { StatusTag } from "../approvals/StatusTag";
import { WithOrg } from "../org/OrgState";
import { AddAddressPanel } from "./AddAddressPanel";

interface AddressesAreaProps {
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** The address book: where withdrawals may go, who added each entry and when, and what used it. */
export function AddressesArea(props: AddressesAreaProps) {
  return <WithOrg what="the address book">{(org, stale) => <Addresses org={org} stale={stale} {...props} />}</WithOrg>;
}

/** What the request history says of one entry: who added it and when, and the withdrawals naming it. */
interface EntryHistory {
  added: RequestView | undefined;
  withdrawals: RequestView[];
}

function historyOf(entry: AddressEntry, requests: readonly RequestView[]): EntryHistory {
  const done = requests.filter((r) => r.status === "completed");
  const added = done.find(
    (r) =>
      (r.payload.kind === "add_address" && r.payload.key === entry.key) ||
      (r.payload.kind === "relabel_address" && r.payload.new_key === entry.key),
  );
  const withdrawals = requests.filter((r) => r.payload.kind === "withdrawal" && r.payload.key === entry.key);
  return { added, withdrawals };
}

function Addresses({
  org,
  stale,
  selectedId,
  onSelect,
  onSubmitted,
  onOpenRequest,
}: AddressesAreaProps & { org: OrgView; stale: ReactNode }) {
  const host = useHost();
  const session = useSession();
  const loadHistory = useCallback(() => host.listRequests({ status: null, workflow: null }), [host]);
  const history = usePolled(loadHistory, 10_000);
  const blocked = initiateBlocker(org, session?.member.id, "manage_addresses");
  const [adding, setAdding] = useState(false);
  const entries = org.addresses;
  const selected = entries.find((a) => a.key === selectedId) ?? entries[0];

  return (
    <EntityBrowser
      label="Address book"
      items={entries}
      idOf={entryKey}
      nameOf={entryKey}
      rowTestId="address-row"
      row={(a) => (
        <>
          <span className="entity-name">{a.key}</span>
          <span className="entity-meta">
            {a.asset} · {a.method}
          </span>
        </>
      )}
      selectedId={adding ? undefined : selected?.key}
      onSelect={(key) => {
        setAdding(false);
        onSelect(key);
      }}
      head={
        <>
          <p className="caption list-caption">
            {entries.length === 1 ? "1 entry" : `${entries.length} entries`}: withdrawals go only to these, by name.
          </p>
          {stale}
          <div className="list-actions">
            <Offer testId="add-address-open" label="Add an address…" blocked={blocked} onClick={() => setAdding(true)} />
          </div>
        </>
      }
      detail={
        adding ? (
          <AddAddressPanel onClose={() => setAdding(false)} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
        ) : (
          selected && (
            <AddressDetail
              key={selected.key}
              entry={selected}
              history={history.data}
              blocked={blocked}
              onSubmitted={() => {
                onSubmitted();
                void history.refresh();
              }}
              onOpenRequest={onOpenRequest}
            />
          )
        )
      }
    />
  );
}

const entryKey = (a: AddressEntry) => a.key;

function AddressDetail({
  entry,
  history,
  blocked,
  onSubmitted,
  onOpenRequest,
}: {
  entry: AddressEntry;
  history: RequestView[] | undefined;
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}) {
  const { added, withdrawals } = historyOf(entry, history ?? []);
  const pending = withdrawals.filter((r) => r.status === "pending");
  return (
    <article className="detail" aria-label={`Address ${entry.key}`}>
      <h2 className="summary">{entry.key}</h2>
      <dl className="facts">
        <div className="fact">
          <dt>Asset</dt>
          <dd>
            {entry.asset} <span className="muted">({entry.method})</span>
          </dd>
        </div>
        <div className="fact">
          <dt>Address</dt>
          <dd>
            <code className="address" data-testid="address-value">
              {entry.address}
            </code>
            {!entry.verified && <span className="badge badge-warn">unverified</span>}
          </dd>
        </div>
        <div className="fact">
          <dt>Added</dt>
          <dd data-testid="address-added">
            {history === undefined ? (
              "…"
            ) : added ? (
              <>
                by {added.initiator.name}, <Timestamp at={added.updated_at} />{" "}
                <button type="button" className="link" onClick={() => onOpenRequest(added.id)}>
                  {added.id}
                </button>
              </>
            ) : (
              "with the Organization (before its request history)"
            )}
          </dd>
        </div>
      </dl>
      <h3>Withdrawals to {entry.key}</h3>
      {history === undefined ? (
        <p className="muted">Loading the request history…</p>
      ) : withdrawals.length === 0 ? (
        <p className="muted">No withdrawal has named it.</p>
      ) : (
        <ul className="used-by" data-testid="address-withdrawals">
          {withdrawals.map((r) => (
            <li key={r.id}>
              <button type="button" className="link" onClick={() => onOpenRequest(r.id)}>
                {r.id}
              </button>{" "}
              {r.payload.kind === "withdrawal" && <Amount value={r.payload.amount} asset={r.payload.asset} />} ·{" "}
              {r.initiator.name} · <StatusTag status={r.status} /> · <Timestamp at={r.created_at} />
            </li>
          ))}
        </ul>
      )}
      {blocked === null ? (
        <>
          <RelabelPanel entry={entry} pending={pending} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
          <RemoveAddressPanel entry={entry} pending={pending} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
        </>
      ) : (
        <p className="hint">Changing the address book: {blocked}</p>
      )}
    </article>
  );
}

/** Pending withdrawals naming the entry: they keep the name they were submitted with. */
function PendingUsers({ entry, pending }: { entry: AddressEntry; pending: RequestView[] }) {
  if (pending.length === 0) return <p className="muted">No pending withdrawal names {entry.key}.</p>;
  return (
    <div className="warning" data-testid="pending-users">
      <p>
        {pending.length === 1 ? "1 pending withdrawal names" : `${pending.length} pending withdrawals name`} {entry.key}:{" "}
        {pending.map((r) => r.id).join(", ")}.
      </p>
    </div>
  );
}

/**
 * The service users whose withdrawal calls named the entry (each key's usage record): once it
 * is renamed or removed, those calls are refused until the bot is changed.
 */
function BotCallers({ entry }: { entry: AddressEntry }) {
  const host = useHost();
  const [callers, setCallers] = useState<EntryCaller[] | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  useEffect(() => {
    let live = true;
    host.addressCallers(entry.key).then(
      (answer) => live && setCallers(answer),
      (failure) => live && setError(toHostError(failure)),
    );
    return () => {
      live = false;
    };
  }, [host, entry.key]);
  if (error !== null) return <p className="hint">Which bots use {entry.key} is unknown: {error.message}</p>;
  if (callers === null) return <p className="muted">Reading which bots name {entry.key}…</p>;
  if (callers.length === 0) return <p className="muted" data-testid="bot-callers-none">No bot's withdrawal call has named {entry.key}.</p>;
  return (
    <div className="warning" data-testid="bot-callers">
      <p>
        {callers.length === 1 ? "1 bot's calls name" : `${callers.length} bots' calls name`} {entry.key}; they are refused once it changes,
        until the bot is updated:
      </p>
      <ul className="used-by">
        {callers.map((c) => (
          <li key={c.service_user.id}>
            <strong>{c.service_user.name}</strong>: {c.calls === 1 ? "1 call" : `${c.calls} calls`}, last <Timestamp at={c.last_at} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the address book's change panels take: the entry, the pending withdrawals naming it. */
interface EntryPanelProps {
  entry: AddressEntry;
  pending: RequestView[];
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

function RelabelPanel({
  entry,
  pending,
  onSubmitted,
  onOpenRequest,
}: EntryPanelProps) {
  const [newKey, setNewKey] = useState("");
  const trimmed = newKey.trim();
  const problem = trimmed === "" ? "New name: enter it." : trimmed === entry.key ? "New name: it is the current one." : undefined;
  return (
    <ChangePanel
      testId="relabel-address"
      openLabel="Rename…"
      title={`Rename ${entry.key}`}
      hint="Withdrawals name an entry: renaming changes the name they must use."
      onClose={() => setNewKey("")}
    >
      <label className="field">
        <span>New name</span>
        <input data-testid="relabel-address-name" value={newKey} onChange={(e) => setNewKey(e.target.value)} />
      </label>
      <PendingUsers entry={entry} pending={pending} />
      <BotCallers entry={entry} />
      <RequestActions
        payload={problem === undefined ? { kind: "relabel_address", key: entry.key, new_key: trimmed } : undefined}
        problem={problem}
        testPrefix="relabel-address"
        previewTitle="Preview of the Manage Addresses request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}

function RemoveAddressPanel({
  entry,
  pending,
  onSubmitted,
  onOpenRequest,
}: EntryPanelProps) {
  return (
    <ChangePanel testId="remove-address" openLabel={`Remove ${entry.key}…`} title={`Remove ${entry.key}`} danger>
      <PendingUsers entry={entry} pending={pending} />
      <BotCallers entry={entry} />
      <RequestActions
        payload={{ kind: "remove_address", key: entry.key }}
        testPrefix="remove-address"
        previewTitle="Preview of the Manage Addresses request"
        submitLabel="Submit the removal"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}
