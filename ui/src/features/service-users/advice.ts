/**
 * A least-privilege advice from a key's usage record: the scopes not used for 30 days dropped,
 * and an open IP allow-list narrowed to the addresses the key was used from. Pure; the core's
 * preview then says what the change loosens or tightens.
 */
import type { ApiKeySpec } from "../../bindings/ApiKeySpec";
import type { KeyUsage } from "../../bindings/KeyUsage";
import type { Scope } from "../../bindings/Scope";

/** How long a scope may go unused before the advice drops it. */
export const UNUSED_AFTER_SECONDS = 30 * 86_400;

export interface Advice {
  /** The key the advice proposes. */
  key: ApiKeySpec;
  /** Scopes dropped, with the last time each was used (null: never). */
  dropped: { scope: Scope; lastAt: number | null }[];
  /** The addresses the allow-list would be narrowed to (empty: left as it is). */
  narrowedTo: string[];
}

/** The advice for `key` from `usage` at `now` (unix seconds), or null when there is nothing to tighten. */
export function adviceFor(key: ApiKeySpec, usage: KeyUsage, now: number): Advice | null {
  const recent = (at: number | null) => at !== null && now - at <= UNUSED_AFTER_SECONDS;
  const used = usage.scopes.filter((s) => recent(s.last_at)).map((s) => s.scope);
  // A key not used at all says nothing about which scope it needs: no advice but removal.
  if (used.length === 0) return null;
  const dropped = usage.scopes.filter((s) => !recent(s.last_at)).map((s) => ({ scope: s.scope, lastAt: s.last_at }));
  const narrowedTo = key.settings.ip_allowlist.length === 0 ? usage.addresses.map((a) => a.address) : [];
  if (dropped.length === 0 && narrowedTo.length === 0) return null;
  return {
    key: {
      scopes: key.scopes.filter((s) => used.includes(s)),
      settings: { ...key.settings, ip_allowlist: narrowedTo.length > 0 ? narrowedTo : key.settings.ip_allowlist },
    },
    dropped,
    narrowedTo,
  };
}
