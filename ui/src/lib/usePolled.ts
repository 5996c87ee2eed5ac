import { useCallback, useEffect, useRef, useState } from "react";
import { toHostError, type HostError } from "../platform";

export interface Polled<T> {
  /** The latest result for the current loader; undefined until it first arrives. */
  data: T | undefined;
  /** The latest failure; cleared by the next success. Stale data stays available beside it. */
  error: HostError | undefined;
  /** When `data` last arrived (ms), for "last in sync". */
  at: number | undefined;
  refresh: () => Promise<void>;
}

interface Snapshot<T> {
  load: () => Promise<T>;
  data?: T;
  error?: HostError;
  at?: number;
}

/**
 * Calls `load` now, every `intervalMs`, and on `refresh()`. A response older than one already
 * shown is dropped, so a slow poll cannot overwrite the result of a later action. Pass a stable
 * `load` (useCallback): a new one starts over with no data.
 */
export function usePolled<T>(load: () => Promise<T>, intervalMs: number): Polled<T> {
  const [snapshot, setSnapshot] = useState<Snapshot<T>>({ load });
  const issued = useRef(0);
  const shown = useRef(0);

  const refresh = useCallback(() => {
    const ticket = ++issued.current;
    // Shows this response unless a later one already was.
    const fresh = () => {
      if (ticket < shown.current) return false;
      shown.current = ticket;
      return true;
    };
    return load().then(
      (data) => {
        if (fresh()) setSnapshot({ load, data, at: Date.now() });
      },
      (reason: unknown) => {
        if (!fresh()) return;
        const error = toHostError(reason);
        setSnapshot((prev) => ({ load, data: prev.load === load ? prev.data : undefined, error, at: prev.load === load ? prev.at : undefined }));
      },
    );
  }, [load]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);

  const current = snapshot.load === load;
  return {
    data: current ? snapshot.data : undefined,
    error: current ? snapshot.error : undefined,
    at: current ? snapshot.at : undefined,
    refresh,
  };
}

/** The current time in ms, updated every `intervalMs`, for relative times such as ages. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
