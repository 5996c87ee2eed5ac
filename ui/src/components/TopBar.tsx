import type { Session } from "../bindings/Session";

export function TopBar({ session, onShowShortcuts }: { session: Session; onShowShortcuts: () => void }) {
  return (
    <header className="top-bar">
      <span className="app-name">Countersign</span>
      <span className="org-name" title={session.base_url}>
        {session.org_name}
      </span>
      {session.mode === "sandbox" && (
        <span className="sandbox-badge" data-testid="sandbox-badge" title="Demo Organization: nothing here moves real funds">
          SANDBOX
        </span>
      )}
      <span className="spacer" />
      <span className="signed-in">
        Signed in as{" "}
        <strong data-testid="current-member">{session.member.name}</strong>
      </span>
      <button type="button" className="quiet" onClick={onShowShortcuts} aria-keyshortcuts="?">
        Shortcuts <kbd>?</kbd>
      </button>
    </header>
  );
}
