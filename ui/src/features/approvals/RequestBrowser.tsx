import { useEffect, useRef, useState, type ReactNode } from "react";
import type { RequestView } from "../../bindings/RequestView";
import { ErrorState } from "../../components/ErrorState";
import { ignoresShortcuts } from "../../lib/keyboard";
import { whatOf, WORKFLOW_LABELS } from "../../lib/org";
import { useNow } from "../../lib/usePolled";
import type { HostError } from "../../platform";
import type { RequestAction } from "./DecisionPrompt";
import { RequestDetail } from "./RequestDetail";
import { pickable, RequestList } from "./RequestList";
import { BatchSheet, type BatchDecision } from "./BatchSheet";
import type { DecisionOutcome } from "../../bindings/DecisionOutcome";
import { plural } from "../../lib/org";
import { useOrg } from "../../lib/contexts";
import { DESK_BATCH_EVENT } from "../../lib/deskCommands";
import { STATUS_LABELS } from "./labels";

const NOTICE_MS = 8000;

interface RequestBrowserProps {
  /** Accessible name of the list, e.g. "Pending requests". */
  label: string;
  rows: RequestView[] | undefined;
  error: HostError | undefined;
  onRetry: () => void;
  showStatus: boolean;
  empty: { title: string; hint: string };
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  /** Called after a decision or cancellation succeeded, to refresh every list that shows requests. */
  onDecided: () => void;
  /** Extra filter controls shown beside the text filter. */
  filters?: ReactNode;
  /** A line above the list, e.g. how many need the viewer. */
  caption?: ReactNode;
}

function matches(request: RequestView, query: string): boolean {
  if (query === "") return true;
  const { payload } = request;
  const haystack = [
    request.id,
    request.initiator.name,
    whatOf(request),
    WORKFLOW_LABELS[request.workflow],
    ...(payload.kind === "withdrawal" ? [payload.asset, payload.key, payload.amount] : []),
    STATUS_LABELS[request.status],
  ]
    .join(" ")
    .toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

function noticeFor(updated: RequestView, action: RequestAction): string {
  const tally = `${updated.approvals} / ${updated.required_approvals} approvals`;
  if (action === "reject") return `Rejected ${updated.id}.`;
  if (action === "cancel") return `Cancelled ${updated.id}; it can no longer complete.`;
  if (updated.status === "completed") {
    const done = updated.payload.kind === "withdrawal" ? "the withdrawal is completed" : "the change is made";
    return `Approved ${updated.id}: ${tally}, ${done}.`;
  }
  return `Approved ${updated.id}: ${tally}, waiting for others.`;
}

/** The first request after `id` in the list as it was shown (`shown`) that is still `visible`. */
function successor(shown: string[], id: string, visible: RequestView[]): RequestView | undefined {
  const at = shown.indexOf(id);
  if (at < 0) return undefined;
  const after = [...shown.slice(at + 1), ...shown.slice(0, at).reverse()];
  for (const candidate of after) {
    const found = visible.find((r) => r.id === candidate);
    if (found) return found;
  }
  return undefined;
}

/** A list of requests on the left and the selected one's detail on the right, driven by keyboard or mouse. */
export function RequestBrowser(props: RequestBrowserProps) {
  const { label, rows, error, onRetry, showStatus, empty, selectedId, onSelect, onDecided, filters, caption } = props;
  const now = useNow(15_000);
  const [query, setQuery] = useState("");
  const [prompt, setPrompt] = useState<{ requestId: string; action: RequestAction } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Requests picked for a batch (kept by id: a pick survives refreshes while the row stays).
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set());
  const [batch, setBatch] = useState<BatchDecision | null>(null);
  const filterInput = useRef<HTMLInputElement>(null);
  const listPane = useRef<HTMLDivElement>(null);

  const visible = rows?.filter((r) => matches(r, query.trim())) ?? [];
  // The selection never moves by itself: a new arrival does not take it, and when the selected
  // request leaves the list (decided elsewhere), the one that followed it takes its place.
  // Until the member picks one, the first request shown stays selected (kept here, not in the
  // route, so it never pulls the app back to this area).
  const [pinned, setPinned] = useState<string | undefined>(undefined);
  const current = selectedId ?? pinned;
  if (current === undefined && visible[0] !== undefined) setPinned(visible[0].id);
  const ids = visible.map((r) => r.id).join(" ");
  const [shown, setShown] = useState(ids);
  if (shown !== ids && visible.some((r) => r.id === current)) {
    // The list changed with the selection still in it: remember this order for when it leaves.
    setShown(ids);
  }
  const selected =
    visible.find((r) => r.id === current) ??
    (current === undefined ? undefined : successor(shown.split(" "), current, visible)) ??
    visible[0];
  const openPrompt = prompt !== null && prompt.requestId === selected?.id ? prompt.action : null;
  // With the Organization's decision window off, each decision needs its own code: no batch.
  const batches = useOrg()?.data?.settings.decision_window_seconds !== 0;
  const decidable = batches ? visible.filter(pickable) : [];
  const pickedRows = decidable.filter((r) => picked.has(r.id));
  // Approving what an emergency stop touches would be refused: such a pick is left out of an
  // approval batch (the sheet is not offered with it), never sent.
  const approvable = pickedRows.filter((r) => r.viewer.approve_blocked === undefined);

  function togglePick(id: string) {
    setPicked((now) => {
      const next = new Set(now);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  function openBatch(decision: BatchDecision) {
    const rows = decision === "approve" ? approvable : pickedRows;
    if (rows.length === 0) return;
    setPrompt(null);
    setBatch(decision);
  }

  function batchDecided(outcomes: DecisionOutcome[]) {
    const done = outcomes.filter((o) => o.request !== null).map((o) => o.id);
    setPicked((now) => new Set([...now].filter((id) => !done.includes(id))));
    onDecided();
  }

  function select(id: string, focus: boolean) {
    onSelect(id);
    if (focus) {
      const row = Array.from(listPane.current?.querySelectorAll<HTMLElement>("[data-request-id]") ?? []).find(
        (el) => el.dataset.requestId === id,
      );
      row?.focus();
    }
  }

  function done(updated: RequestView, action: RequestAction) {
    setPrompt(null);
    setNotice(noticeFor(updated, action));
    // Approve (or reject) and next: the request after it is selected, the one before at the end.
    const index = visible.findIndex((r) => r.id === updated.id);
    const next = visible[index + 1] ?? visible[index - 1];
    if (index >= 0 && next !== undefined) select(next.id, false);
    onDecided();
  }

  // The palette's "approve all that need me": pick every decidable request and open the sheet.
  useEffect(() => {
    function onBatch(event: Event) {
      const decision = (event as CustomEvent<BatchDecision>).detail;
      if (decidable.length === 0) return;
      setPicked(new Set(decidable.map((r) => r.id)));
      setPrompt(null);
      setBatch(decision);
    }
    window.addEventListener(DESK_BATCH_EVENT, onBatch);
    return () => window.removeEventListener(DESK_BATCH_EVENT, onBatch);
  });

  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "Escape") {
        if (prompt) {
          event.preventDefault();
          setPrompt(null);
        }
        return;
      }
      // The batch sheet takes the keyboard while open.
      if (batch !== null) return;
      if (ignoresShortcuts(event.target)) return;
      const index = selected ? visible.indexOf(selected) : -1;
      switch (event.key) {
        case "j":
        case "k": {
          const next = visible[Math.min(visible.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)))];
          if (next) select(next.id, true);
          break;
        }
        case "x":
          if (selected !== undefined && pickable(selected)) togglePick(selected.id);
          else return;
          break;
        case "A":
        case "R":
          // Shift, not Caps Lock.
          if (!event.shiftKey || pickedRows.length === 0) return;
          openBatch(event.key === "A" ? "approve" : "reject");
          break;
        case "a":
        case "r":
          // Only what the member may decide: their own request, one they decided, one outside
          // their permissions opens no prompt (the detail says why).
          if (selected?.status !== "pending" || !selected.viewer.can_decide) return;
          // An emergency stop refuses approving (the detail says which); rejecting stays open.
          if (event.key === "a" && selected.viewer.approve_blocked !== undefined) return;
          setPrompt({ requestId: selected.id, action: event.key === "a" ? "approve" : "reject" });
          break;
        case "/":
          filterInput.current?.focus();
          break;
        default:
          return;
      }
      event.preventDefault();
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  });

  let list: ReactNode;
  if (rows === undefined && error) {
    list = <ErrorState title="Couldn't load requests." error={error} onRetry={onRetry} />;
  } else if (rows === undefined) {
    list = (
      <p className="placeholder" aria-busy="true">
        Loading requests…
      </p>
    );
  } else if (visible.length === 0) {
    list =
      rows.length === 0 ? (
        <div className="empty">
          <p className="empty-title">{empty.title}</p>
          <p>{empty.hint}</p>
        </div>
      ) : (
        <div className="empty">
          <p className="empty-title">Nothing matches “{query.trim()}”.</p>
          <button type="button" onClick={() => setQuery("")}>
            Clear the filter
          </button>
        </div>
      );
  } else {
    list = (
      <RequestList
        label={label}
        rows={visible}
        selectedId={selected?.id}
        onSelect={(id) => select(id, false)}
        showStatus={showStatus}
        now={now}
        picked={picked}
        onPick={decidable.length > 0 ? togglePick : undefined}
      />
    );
  }

  return (
    <div className="browser">
      <div className="list-pane" ref={listPane}>
        <div className="toolbar">
          <input
            ref={filterInput}
            type="search"
            className="filter"
            placeholder="Filter: initiator, what, asset, destination   /"
            aria-label="Filter requests"
            aria-keyshortcuts="/"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape" && query !== "") {
                event.preventDefault();
                setQuery("");
              }
            }}
          />
          {filters}
        </div>
        {caption}
        {decidable.length > 0 && (
          <div className="batch-bar" data-testid="batch-bar">
            <span className="count">
              {pickedRows.length === 0
                ? `Pick requests (x) to decide them with one code`
                : `${plural(pickedRows.length, "request")} picked`}
            </span>
            {pickedRows.length === 0 ? (
              decidable.length > 1 && (
                <button type="button" data-testid="pick-all" onClick={() => setPicked(new Set(decidable.map((r) => r.id)))}>
                  Pick all {decidable.length} I may decide
                </button>
              )
            ) : (
              <>
                <button
                  type="button"
                  className="primary"
                  data-testid="batch-approve"
                  disabled={approvable.length === 0}
                  title={approvable.length < pickedRows.length ? "An emergency stop keeps some picks from being approved; they are left out." : undefined}
                  aria-keyshortcuts="Shift+A"
                  onClick={() => openBatch("approve")}
                >
                  Review and approve {approvable.length} <kbd>⇧A</kbd>
                </button>
                <button type="button" data-testid="batch-reject" aria-keyshortcuts="Shift+R" onClick={() => openBatch("reject")}>
                  Review and reject {pickedRows.length} <kbd>⇧R</kbd>
                </button>
                <button type="button" className="link" data-testid="pick-clear" onClick={() => setPicked(new Set())}>
                  Clear
                </button>
              </>
            )}
          </div>
        )}
        {rows !== undefined && error && (
          <p className="stale" role="alert">
            Couldn't refresh: {error.message}{" "}
            <button type="button" className="link" onClick={onRetry}>
              Retry
            </button>
          </p>
        )}
        {list}
      </div>
      <div className="detail-pane">
        {notice && (
          <p className="notice" role="status" data-testid="action-ok">
            {notice}
          </p>
        )}
        {batch !== null ? (
          <BatchSheet
            requests={batch === "approve" ? approvable : pickedRows}
            decision={batch}
            onClose={() => setBatch(null)}
            onDecided={batchDecided}
          />
        ) : selected ? (
          <RequestDetail
            key={selected.id}
            request={selected}
            now={now}
            prompt={openPrompt}
            onPrompt={(action) => setPrompt(action && { requestId: selected.id, action })}
            onDone={done}
          />
        ) : (
          rows !== undefined &&
          rows.length > 0 && <p className="placeholder">Select a request to see who asked, what it does, and why it waits.</p>
        )}
      </div>
    </div>
  );
}
