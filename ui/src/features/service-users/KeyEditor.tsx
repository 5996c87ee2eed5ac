import type { ReactNode } from "react";
import type { ApiKeySpec } from "../../bindings/ApiKeySpec";
import { MAX_NONCE_WINDOW, WEBSOCKET_ENDPOINTS } from "../../bindings/keyCatalog";
import { ScopeList } from "../../components/ScopeList";
import { sortScopes } from "../../lib/org";
import { fromUtcDateInput, fromUtcDateTimeInput, toUtcDateInput, toUtcDateTimeInput } from "../../lib/time";
import { ipEntryProblem, type KeyDraft } from "./keyDraft";

/** Nonce-window presets, in nonce units; labels assume millisecond nonces, as the exchange's clients send. */
const NONCE_PRESETS: readonly { value: number; label: string }[] = [
  { value: 0, label: "Strict (0)" },
  { value: 1000, label: "1 s" },
  { value: 5000, label: "5 s" },
  { value: MAX_NONCE_WINDOW, label: `${MAX_NONCE_WINDOW / 1000} s (the most)` },
];

/** A day's seconds, for "the day after" in the query window's end. */
const DAY = 86_400;

function Setting({ label, hint, children, id }: { label: string; hint?: ReactNode; children: ReactNode; id: string }) {
  return (
    <div className="setting" role="group" aria-labelledby={`${id}-label`}>
      <span className="setting-label" id={`${id}-label`}>
        {label}
      </span>
      <div className="setting-control">{children}</div>
      {hint && <span className="hint">{hint}</span>}
    </div>
  );
}

/**
 * One end of the query window: "no limit" with a button to set one, or a UTC date with a button
 * to clear it (an empty date input would show a placeholder date that reads like a value).
 */
function WindowEnd({
  label,
  unset,
  testId,
  value,
  onSet,
  start,
}: {
  label: string;
  unset: string;
  testId: string;
  value: string;
  onSet: (dayStart: number) => void;
  start: () => number;
}) {
  if (value === "") {
    return (
      <span className="inline-field">
        <span className="muted">{unset}</span>
        <button type="button" className="preset" data-testid={`${testId}-set`} onClick={() => onSet(start())}>
          Set…
        </button>
      </span>
    );
  }
  return (
    <label className="inline-field">
      {label}
      <input type="date" data-testid={testId} value={value} onChange={(e) => onSet(fromUtcDateInput(e.target.value))} />
      <button type="button" className="quiet" aria-label={`Clear ${label.toLowerCase()}`} onClick={() => onSet(0)}>
        ✕
      </button>
    </label>
  );
}

interface KeyEditorProps {
  draft: KeyDraft;
  onChange: (next: KeyDraft) => void;
  /** The key as it is now, for a change: what differs is marked. */
  before?: ApiKeySpec;
  /** Shown on Withdraw, e.g. "Governed by policy: queued for 2 approvals". */
  withdrawBadge?: string;
  /** Prefix of the controls' ids and test ids, unique on the page. */
  idPrefix: string;
}

/**
 * A service user's key: its scopes, each with the endpoints it unlocks, and every setting with a
 * control made for it: expiry (a UTC date-time or never), the query window (a date range),
 * WebSocket (a switch), the nonce window (its unit explained, presets, capped where the server
 * caps it) and the IP allow-list (an entry a row, each checked as typed, the bad one named).
 * What the change would loosen or tighten comes from the core's preview, not from here.
 */
export function KeyEditor({ draft, onChange, before, withdrawBadge, idPrefix }: KeyEditorProps) {
  const set = (patch: Partial<KeyDraft>) => onChange({ ...draft, ...patch });
  const settings = (patch: Partial<KeyDraft["settings"]>) => set({ settings: { ...draft.settings, ...patch } });
  const id = (name: string) => `${idPrefix}-${name}`;
  const { valid_until: validUntil, query_from: from, query_to: to, websocket } = draft.settings;
  const nonce = Number(draft.nonceText);
  return (
    <div className="key-editor" data-testid={id("editor")}>
      <fieldset className="subfields">
        <legend>Scopes</legend>
        <ScopeList
          granted={draft.scopes}
          before={before?.scopes}
          withdrawBadge={withdrawBadge}
          showEndpoints
          compact
          testId="scope-toggle"
          onToggle={(scope, on) =>
            set({ scopes: sortScopes(on ? [...draft.scopes, scope] : draft.scopes.filter((s) => s !== scope)) })
          }
        />
      </fieldset>

      <fieldset className="subfields key-settings-editor">
        <legend>Key settings</legend>

        <Setting id={id("expiry")} label="Expires" hint="UTC. After this the key stops working.">
          <label className="inline-choice">
            <input
              type="radio"
              name={id("expiry")}
              checked={validUntil === 0}
              onChange={() => settings({ valid_until: 0 })}
              data-testid={id("expiry-never")}
            />
            Never
          </label>
          <label className="inline-choice">
            <input
              type="radio"
              name={id("expiry")}
              checked={validUntil !== 0}
              onChange={() => settings({ valid_until: validUntil || Math.floor(Date.now() / 1000 / DAY + 90) * DAY })}
              data-testid={id("expiry-on")}
            />
            On
          </label>
          <input
            type="datetime-local"
            aria-label="Expires on (UTC)"
            data-testid={id("expiry-at")}
            disabled={validUntil === 0}
            value={toUtcDateTimeInput(validUntil)}
            onChange={(e) => {
              const at = fromUtcDateTimeInput(e.target.value);
              if (at > 0) settings({ valid_until: at });
            }}
          />
        </Setting>

        <Setting
          id={id("window")}
          label="Query window"
          hint="UTC dates. Ledger and history queries return only entries inside it; empty: no limit on that side."
        >
          <WindowEnd
            label="From"
            unset="From the beginning"
            testId={id("window-from")}
            value={from === 0 ? "" : toUtcDateInput(from)}
            onSet={(day) => settings({ query_from: day })}
            start={() => Math.floor(Date.now() / 1000 / DAY - 365) * DAY}
          />
          <WindowEnd
            label="through"
            unset="up to now"
            testId={id("window-to")}
            value={to === 0 ? "" : toUtcDateInput(to - DAY)}
            // `query_to` is exclusive: the day after the last one included.
            onSet={(day) => settings({ query_to: day === 0 ? 0 : day + DAY })}
            start={() => Math.floor(Date.now() / 1000 / DAY) * DAY}
          />
        </Setting>

        <Setting id={id("websocket")} label="WebSocket" hint={`Unlocks ${WEBSOCKET_ENDPOINTS.join(", ")}: a token for the streaming API.`}>
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              aria-label="Allow WebSocket tokens"
              data-testid={id("websocket")}
              checked={websocket}
              onChange={(e) => settings({ websocket: e.target.checked })}
            />
            {websocket ? "Allowed" : "Not allowed"}
          </label>
        </Setting>

        <Setting
          id={id("nonce")}
          label="Nonce window"
          hint={
            <>
              How far below the highest nonce seen a nonce is still accepted, in nonce units: with millisecond nonces, 5000 = 5 s
              of requests arriving out of order. 0: every nonce must exceed the last. At most{" "}
              {MAX_NONCE_WINDOW.toLocaleString("en-US")}.
            </>
          }
        >
          <input
            type="number"
            min={0}
            max={MAX_NONCE_WINDOW}
            step={1}
            inputMode="numeric"
            aria-label="Nonce window, in nonce units"
            data-testid={id("nonce")}
            value={draft.nonceText}
            onChange={(e) => set({ nonceText: e.target.value })}
          />
          <span className="presets">
            {NONCE_PRESETS.map((p) => (
              <button
                key={p.value}
                type="button"
                className={nonce === p.value ? "preset active" : "preset"}
                aria-pressed={nonce === p.value}
                onClick={() => set({ nonceText: String(p.value) })}
              >
                {p.label}
              </button>
            ))}
          </span>
        </Setting>

        <Setting
          id={id("ips")}
          label="IP allow-list"
          hint="IPv4 or IPv6 addresses and CIDR ranges (203.0.113.0/24, 2001:db8::/48). None: the key works from any address."
        >
          {draft.ipEntries.length === 0 && <span className="muted">Any address</span>}
          <ul className="ip-entries">
            {draft.ipEntries.map((entry, index) => {
              const problem = ipEntryProblem(entry);
              return (
                <li key={index} data-testid={id("ip-entry")}>
                  <input
                    value={entry}
                    aria-label={`IP allow-list entry ${index + 1}`}
                    aria-invalid={problem !== null}
                    aria-describedby={problem !== null ? id(`ip-problem-${index}`) : undefined}
                    spellCheck={false}
                    onChange={(e) => set({ ipEntries: draft.ipEntries.map((v, i) => (i === index ? e.target.value : v)) })}
                  />
                  <button
                    type="button"
                    className="quiet"
                    aria-label={`Remove entry ${index + 1}`}
                    onClick={() => set({ ipEntries: draft.ipEntries.filter((_, i) => i !== index) })}
                  >
                    ✕
                  </button>
                  {problem !== null && (
                    <span className="field-error" id={id(`ip-problem-${index}`)} data-testid={id("ip-problem")}>
                      “{entry.trim()}” is {problem}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
          <button type="button" data-testid={id("ip-add")} onClick={() => set({ ipEntries: [...draft.ipEntries, ""] })}>
            Add an address or range
          </button>
        </Setting>
      </fieldset>
    </div>
  );
}
