import type { Session } from "../bindings/Session";

interface TopBarProps {
  session: Session;
  onShowShortcuts: () => void;
  /** Locks the app now. */
  onLock: () => void;
  /** The idle control, beside the lock button. */
  idle: React.ReactNode;
  /** Opens "Add an Organization". */
  onAddOrg: () => void;
  /** Leaves the remote Organization (remote mode only). */
  onLeaveOrg: () => void;
}

export function TopBar({ session, onShowShortcuts, onLock, idle, onAddOrg, onLeaveOrg }: TopBarProps) {
  return (
    <header className="top-bar">
      <span className="app-name">Countersign</span>
      <span className="org-name" title={`${session.org_name} · ${session.base_url}`}>
        {session.org_name}
      </span>
      {session.mode === "sandbox" && (
        <span className="sandbox-badge" data-testid="sandbox-badge" title="Demo Organization: nothing here moves real funds">
          SANDBOX
        </span>
      )}
      <span className="spacer" />
      <span className="signed-in" title={`Signed in as ${session.member.name}`}>
        <span className="signed-in-label">Signed in as </span>
        <strong data-testid="current-member">{session.member.name}</strong>
      </span>
      {session.mode === "sandbox" ? (
        <button type="button" className="quiet" data-testid="open-add-org" onClick={onAddOrg}>
          Add your org…
        </button>
      ) : (
        <button type="button" className="quiet" data-testid="leave-org" onClick={onLeaveOrg}>
          Leave org
        </button>
      )}
      <button type="button" className="quiet" onClick={onShowShortcuts} aria-keyshortcuts="?">
        Shortcuts <kbd>?</kbd>
      </button>
      {idle}
      <button type="button" className="quiet" data-testid="lock-now" onClick={onLock}>
        Lock
      </button>
    </header>
  );
}
