import type { SyncState } from "../../bindings/SyncState";
import { Timestamp } from "../../components/Timestamp";
import { REFRESH_MS } from "./refresh";

interface SyncLineProps {
  sync: SyncState | null;
  /** When the queue was last read successfully (ms). */
  polledAt: number | undefined;
  now: number;
}

/**
 * Whether the queue is current: live (every change arrives as it happens), or reconnecting,
 * with when it was last in sync and how it keeps up meanwhile. The queue is never shown as
 * current when it may not be.
 */
export function SyncLine({ sync, polledAt, now }: SyncLineProps) {
  if (sync === null) return null;
  if (sync.live) {
    return (
      <p className="sync sync-live" data-testid="sync-line" data-live="true">
        <span className="sync-dot" aria-hidden="true" /> Live: new requests and decisions appear as they happen.
      </p>
    );
  }
  const last = Math.max(sync.since_ms ?? 0, polledAt ?? 0);
  const retryIn = sync.retry_at_ms === null ? null : Math.max(0, Math.ceil((sync.retry_at_ms - now) / 1000));
  return (
    <p className="sync sync-down" data-testid="sync-line" data-live="false" role="status">
      <span className="sync-dot" aria-hidden="true" /> Not live
      {last > 0 ? (
        <>
          {" "}
          — last in sync <Timestamp at={Math.floor(last / 1000)} />
        </>
      ) : (
        " — not yet in sync"
      )}
      . Checking every {REFRESH_MS / 1000} s{retryIn !== null ? `; reconnecting in ${retryIn} s` : ""}.
      {sync.problem !== null && <span className="muted"> ({sync.problem})</span>}
    </p>
  );
}
