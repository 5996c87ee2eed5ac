/**
 * A service user's key as the editor holds it, and the key a request carries. Pure. The IP
 * allow-list is a list of entries, each checked on its own so the bad one can be named; the
 * core parses them again and has the last word (its preview names the field too).
 */
import type { ApiKeySpec } from "../../bindings/ApiKeySpec";
import type { KeySettings } from "../../bindings/KeySettings";
import { MAX_NONCE_WINDOW } from "../../bindings/keyCatalog";
import type { Scope } from "../../bindings/Scope";
import { isAddressOrRange } from "../../lib/ip";
import { sortScopes } from "../../lib/org";

export interface KeyDraft {
  scopes: Scope[];
  /** Expiry, query window and WebSocket as they will be sent; the nonce window and IP list come from the text below. */
  settings: KeySettings;
  /** The nonce window as typed. */
  nonceText: string;
  /** The IP allow-list, an entry a row as typed (blank rows are ignored). */
  ipEntries: string[];
}

export const NO_SETTINGS: KeySettings = {
  valid_until: 0,
  query_from: 0,
  query_to: 0,
  websocket: false,
  nonce_window: 0,
  ip_allowlist: [],
};

/** The editor's state for `key` (a new key when absent). */
export function keyDraftOf(key: ApiKeySpec | undefined): KeyDraft {
  const settings = key?.settings ?? NO_SETTINGS;
  return {
    scopes: sortScopes(key?.scopes ?? []),
    settings,
    nonceText: String(settings.nonce_window),
    ipEntries: [...settings.ip_allowlist],
  };
}

/** Why one allow-list entry is refused, or null when it reads as an address or CIDR range (blank rows are ignored). */
export function ipEntryProblem(entry: string): string | null {
  return entry.trim() === "" || isAddressOrRange(entry) ? null : "not an IPv4/IPv6 address or CIDR range";
}

export type BuiltKey = { key: ApiKeySpec; problem?: undefined } | { key?: undefined; problem: string };

/** The key the draft describes, or the first thing wrong with it, naming the field and the limit. */
export function buildKey(draft: KeyDraft): BuiltKey {
  const nonce = draft.nonceText.trim();
  if (!/^\d+$/.test(nonce)) return { problem: "Nonce window: enter a whole number of nonce units (0 or more)." };
  if (Number(nonce) > MAX_NONCE_WINDOW) {
    return { problem: `Nonce window: at most ${MAX_NONCE_WINDOW.toLocaleString("en-US")} nonce units (60 s with millisecond nonces).` };
  }
  const entries = draft.ipEntries.map((e) => e.trim());
  const bad = entries.findIndex((e) => ipEntryProblem(e) !== null);
  if (bad >= 0) return { problem: `IP allow-list entry ${bad + 1} (“${entries[bad]}”) is not an IPv4/IPv6 address or CIDR range.` };
  const { query_from: from, query_to: to } = draft.settings;
  if (from > 0 && to > 0 && to <= from) return { problem: "Query window: the end date must come after the start date." };
  return {
    key: {
      scopes: sortScopes(draft.scopes),
      settings: { ...draft.settings, nonce_window: Number(nonce), ip_allowlist: entries.filter((e) => e !== "") },
    },
  };
}

/** Whether the draft's key differs from `key` (so there is something to submit). */
export function keyChanged(draft: KeyDraft, key: ApiKeySpec): boolean {
  const built = buildKey(draft).key;
  if (built === undefined) return true;
  const [a, b] = [built.settings, key.settings];
  return (
    built.scopes.join() !== sortScopes(key.scopes).join() ||
    a.valid_until !== b.valid_until ||
    a.query_from !== b.query_from ||
    a.query_to !== b.query_to ||
    a.websocket !== b.websocket ||
    a.nonce_window !== b.nonce_window ||
    a.ip_allowlist.join("\n") !== b.ip_allowlist.join("\n")
  );
}
