import { useEffect, useRef, useState } from "react";
import type { SyncState } from "../bindings/SyncState";
import { useHost } from "../platform";

/**
 * Where the desk stands with the Organization's event stream, and `onChange` called whenever
 * something may have changed: a pushed event, or the stream going live (it may have missed
 * changes while down). `null` until the core says (and in a host that follows no stream).
 */
export function useDeskSync(onChange: () => void): SyncState | null {
  const host = useHost();
  const [sync, setSync] = useState<SyncState | null>(null);
  const changed = useRef(onChange);
  useEffect(() => {
    changed.current = onChange;
  });
  useEffect(() => {
    let current = true;
    host.syncState().then(
      (state) => {
        if (current && state !== null) setSync(state);
      },
      () => undefined,
    );
    const stopEvents = host.onOrgEvent(() => changed.current());
    const stopSync = host.onOrgSync((state) => {
      setSync(state);
      changed.current();
    });
    return () => {
      current = false;
      stopEvents();
      stopSync();
    };
  }, [host]);
  return sync;
}
