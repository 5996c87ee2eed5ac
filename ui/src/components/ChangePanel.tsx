import { useId, useState, type ReactNode } from "react";

interface OfferProps {
  /** The button's test id. */
  testId: string;
  label: ReactNode;
  /** Why the member may not use it: the button is disabled and this stands beside it. */
  blocked?: string | null;
  /** Beside the button when it is offered: what it does. */
  hint?: ReactNode;
  danger?: boolean;
  onClick: () => void;
}

/** A button that starts a change, disabled with the reason beside it when it would be refused. */
export function Offer({ testId, label, blocked = null, hint, danger = false, onClick }: OfferProps) {
  const why = useId();
  return (
    <>
      <button
        type="button"
        className={danger ? "danger-quiet" : undefined}
        data-testid={testId}
        disabled={blocked !== null}
        aria-describedby={blocked !== null ? why : undefined}
        onClick={onClick}
      >
        {label}
      </button>
      {blocked !== null ? (
        <span className="hint" id={why}>
          {" "}
          {blocked}
        </span>
      ) : (
        hint !== undefined && <span className="muted"> {hint}</span>
      )}
    </>
  );
}

interface ChangePanelProps {
  /** The open panel's test id; the button that opens it is `<testId>-open`. */
  testId: string;
  /** The opening button's words. */
  openLabel: ReactNode;
  /** The open panel's heading. */
  title: string;
  /** Why it may not be opened (the button is disabled with this beside it). */
  blocked?: string | null;
  /** Beside the closed button: what the change is. */
  hint?: ReactNode;
  danger?: boolean;
  /** Closed, only the button (in a card) rather than a boxed row. */
  bare?: boolean;
  /** On Close: put the draft back. */
  onClose?: () => void;
  children: ReactNode;
}

/**
 * A change that opens in place: a button (offered or not, with why), then a panel with a heading
 * and Close around the editor. Every editor of the workbench opens this way.
 */
export function ChangePanel({ testId, openLabel, title, blocked, hint, danger, bare = false, onClose, children }: ChangePanelProps) {
  const [open, setOpen] = useState(false);
  if (!open) {
    const offer = (
      <Offer testId={`${testId}-open`} label={openLabel} blocked={blocked} hint={hint} danger={danger} onClick={() => setOpen(true)} />
    );
    return bare ? offer : <section className="change-panel collapsed">{offer}</section>;
  }
  return (
    <section className="change-panel" data-testid={testId} aria-label={title}>
      <div className="change-panel-head">
        <h3>{title}</h3>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            setOpen(false);
            onClose?.();
          }}
        >
          Close
        </button>
      </div>
      {children}
    </section>
  );
}

/**
 * A new thing being made in an area's detail pane (a service user, a member, an address): its
 * heading and Close around the editor.
 */
export function NewPanel({ testId, title, onClose, children }: { testId: string; title: string; onClose: () => void; children: ReactNode }) {
  const heading = useId();
  return (
    <article className="detail" data-testid={testId} aria-labelledby={heading}>
      <div className="change-panel-head">
        <h2 id={heading}>{title}</h2>
        <button type="button" className="quiet" onClick={onClose}>
          Close
        </button>
      </div>
      {children}
    </article>
  );
}
