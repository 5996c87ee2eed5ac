import { useCallback, useEffect, useState, type ReactNode } from "react";
import type { Session } from "./bindings/Session";
import { ErrorState } from "./components/ErrorState";
import { ShortcutsDialog } from "./components/ShortcutsDialog";
import { TopBar } from "./components/TopBar";
import { EnrollScreen } from "./features/enroll/EnrollScreen";
import { LedgersArea } from "./features/ledgers/LedgersArea";
import { IdleSetting, LockScreen, readIdleMinutes, useIdleMinutes, useInputReports } from "./features/lock/LockScreen";
import { AddOrgDialog } from "./features/orgs/AddOrgDialog";
import { DeviceBanner } from "./features/orgs/DeviceBanner";
import { SandboxPanel } from "./features/sandbox/SandboxPanel";
import { SessionContext } from "./lib/contexts";
import { ignoresShortcuts } from "./lib/keyboard";
import { readRoute, writeRoute, type Route } from "./lib/route";
import { toHostError, useHost, type HostError } from "./platform";
import { Workspace } from "./Workspace";

export function App() {
  const host = useHost();
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  const [showShortcuts, setShowShortcuts] = useState(false);
  const [addingOrg, setAddingOrg] = useState(false);
  const [leaveError, setLeaveError] = useState<HostError | null>(null);
  const [route, setRouteState] = useState<Route>(readRoute);
  const [locked, setLocked] = useState(false);
  // Locked, the person chose the offline ledger review, which the lock leaves open.
  const [ledgersWhileLocked, setLedgersWhileLocked] = useState(false);
  // The session could not open, and the person chose to review ledgers without it.
  const [offline, setOffline] = useState(false);
  const [idleMinutes, setIdleMinutes] = useState(readIdleMinutes);
  const lock = useCallback(() => {
    // The screen locks at once; the core refuses every org call until the member's code unlocks it.
    setLocked(true);
    setLedgersWhileLocked(false);
    void host.lockApp().catch(() => undefined);
  }, [host]);
  // The idle timer is the core's: the page gives it the chosen time and reports input.
  useIdleMinutes(idleMinutes);
  useInputReports(session !== null && !locked);
  // The core locked itself (the OS's sleep or screen lock, or the idle time ran out): show the lock screen.
  useEffect(
    () =>
      host.onLocked(() => {
        setLocked(true);
        setLedgersWhileLocked(false);
      }),
    [host],
  );

  const setRoute = useCallback((next: Route) => {
    writeRoute(next);
    setRouteState(next);
  }, []);

  // A notification or the tray's count was clicked: show what it is about. Locked, the lock
  // screen stays, and the request is shown once the member unlocks.
  useEffect(
    () =>
      host.onOpenRequest(({ id, yours }) =>
        setRoute({ area: id !== null && yours ? "requests" : "approvals", id: id ?? undefined }),
      ),
    [host, setRoute],
  );

  const loadSession = useCallback(() => {
    host.getSession().then(
      async (loaded) => {
        // The app starts locked, and a reload (or a lock event missed while loading) must not
        // show an unlocked screen over a locked core: the lock is known before anything shows.
        const isLocked = await host.appLocked().catch(() => false);
        if (isLocked) setLocked(true);
        setSession(loaded);
        setError(null);
      },
      (failure: unknown) => setError(toHostError(failure)),
    );
  }, [host]);

  useEffect(loadSession, [loadSession]);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "Escape" && showShortcuts) {
        setShowShortcuts(false);
      } else if (event.key === "?" && (showShortcuts || !ignoresShortcuts(event.target))) {
        setShowShortcuts((shown) => !shown);
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [showShortcuts]);

  const retry = () => {
    setError(null);
    loadSession();
  };
  if (session === null && offline) {
    // Ledger review needs no Organization: its commands work while the session cannot open.
    return (
      <LedgersOnly testid="offline-ledgers" action={{ label: "Connect again", testid: "offline-retry", onClick: retry }}>
        <strong>Offline ledger review.</strong> Countersign could not open its Organization{error ? `: ${error.message}` : ""}. Approvals and
        the org's areas come back once it can.
      </LedgersOnly>
    );
  }
  if (session === null) {
    return (
      <div className="app-start">
        {error ? (
          <ErrorState title="Countersign can't reach its core, so nothing can be shown yet." error={error} onRetry={retry}>
            <button type="button" onClick={() => setOffline(true)} data-testid="review-offline">
              Review ledgers offline
            </button>
            <p className="muted">Ledger review works without the Organization: import the exchange's exports and check them on this device.</p>
          </ErrorState>
        ) : (
          <p className="placeholder" aria-busy="true">
            Connecting…
          </p>
        )}
      </div>
    );
  }

  const sandbox = session.mode === "sandbox";
  async function leaveOrg() {
    if (!window.confirm(`Leave ${session?.org_name ?? "this Organization"}? Your key is deleted from the OS keychain and the app returns to its sandbox.`)) return;
    try {
      setLeaveError(null);
      setSession(await host.leaveOrg());
    } catch (failure) {
      setLeaveError(toHostError(failure));
    }
  }
  if (locked && ledgersWhileLocked) {
    return (
      <LedgersOnly
        testid="locked-ledgers"
        action={{ label: "Unlock…", testid: "back-to-unlock", onClick: () => setLedgersWhileLocked(false) }}
      >
        <strong>The Organization is locked.</strong> Ledger review works on this device&rsquo;s imported files; your code opens
        the rest.
      </LedgersOnly>
    );
  }
  if (locked) {
    return (
      <LockScreen
        session={session}
        onUnlocked={() => setLocked(false)}
        onReviewLedgers={() => setLedgersWhileLocked(true)}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <div className="app">
        <TopBar
          session={session}
          onShowShortcuts={() => setShowShortcuts(true)}
          onLock={lock}
          idle={<IdleSetting minutes={idleMinutes} onChange={setIdleMinutes} />}
          onAddOrg={() => setAddingOrg(true)}
          onLeaveOrg={() => void leaveOrg()}
        />
        {session.mode === "remote" && session.totp_enrolled && (
          <DeviceBanner key={`${session.base_url}|${session.member.id}`} />
        )}
        {leaveError && (
          <p className="action-error" role="alert" data-code={leaveError.code}>
            {leaveError.message}
          </p>
        )}
        <div className={sandbox ? "body with-sandbox" : "body"}>
          {session.totp_enrolled ? (
            <Workspace key={`${session.base_url}|${session.member.id}`} route={route} onRoute={setRoute} />
          ) : (
            <EnrollScreen key={session.member.id} session={session} onEnrolled={setSession} />
          )}
          {sandbox && (
            <SandboxPanel onSwitched={setSession} />
          )}
        </div>
        {showShortcuts && <ShortcutsDialog onClose={() => setShowShortcuts(false)} />}
        {addingOrg && (
          <AddOrgDialog
            onClose={() => setAddingOrg(false)}
            onAdded={(added) => {
              setAddingOrg(false);
              setSession(added);
            }}
          />
        )}
      </div>
    </SessionContext.Provider>
  );
}

/**
 * The offline ledger review alone, under a bar saying why the Organization is not shown (it
 * could not open, or it is locked) and the one thing to do about it.
 */
function LedgersOnly({
  testid,
  action,
  children,
}: {
  testid: string;
  action: { label: string; testid: string; onClick: () => void };
  children: ReactNode;
}) {
  return (
    <div className="app app-offline" data-testid={testid}>
      <div className="offline-bar" role="status">
        <p>{children}</p>
        <button type="button" onClick={action.onClick} data-testid={action.testid}>
          {action.label}
        </button>
      </div>
      <main className="main">
        <LedgersArea />
      </main>
    </div>
  );
}
