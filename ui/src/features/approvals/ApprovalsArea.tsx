import { useState } from "react";
import type { RequestView } from "../../bindings/RequestView";
import { useOrg, useSession } from "../../lib/contexts";
import { initiateBlocker, stopBlocker } from "../../lib/org";
import { EmergencyStop } from "../stops/EmergencyStop";
import { useNow, type Polled } from "../../lib/usePolled";
import type { SyncState } from "../../bindings/SyncState";
import { SyncLine } from "./SyncLine";
import { RequestBrowser } from "./RequestBrowser";

interface ApprovalsAreaProps {
  pending: Polled<RequestView[]>;
  /** Where the desk stands with the event stream. */
  sync: SyncState | null;
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  onDecided: () => void;
  /** Opens the new-withdrawal form. */
  onNewWithdrawal: () => void;
}

/** Pending requests of every kind, with the ones that need the viewer marked. */
export function ApprovalsArea({ pending, sync, selectedId, onSelect, onDecided, onNewWithdrawal }: ApprovalsAreaProps) {
  const now = useNow(1000);
  const [view, setView] = useState<"all" | "mine">("all");
  const all = pending.data;
  const rows = view === "mine" ? all?.filter((r) => r.viewer.can_decide) : all;
  const org = useOrg()?.data;
  const session = useSession();
  // Offered only to a member who may start one; the reason otherwise (while the Organization
  // loads, it waits).
  const blocked =
    org === undefined
      ? "Loading the Organization…"
      : org.withdrawals_frozen !== undefined
        ? "Withdrawals are frozen: lifting the freeze is a Manage Policies request."
        : initiateBlocker(org, session?.member.id, "initiate_withdrawal");
  const needsMe = all?.filter((r) => r.viewer.can_decide).length ?? 0;
  return (
    <RequestBrowser
      label="Pending requests"
      rows={rows}
      error={pending.error}
      onRetry={() => void pending.refresh()}
      showStatus={false}
      empty={
        view === "mine" && all !== undefined && all.length > 0
          ? {
              title: "Nothing needs your decision",
              hint: `${all.length} pending wait for others' decisions: All pending shows them.`,
            }
          : {
              title: "No requests are waiting",
              hint: "When a member or a service user asks to withdraw, or to change access, policies or addresses, the request appears here until enough approvers decide.",
            }
      }
      selectedId={selectedId}
      onSelect={onSelect}
      onDecided={onDecided}
      filters={
        <>
          <div className="segmented" role="group" aria-label="Which requests">
            <button type="button" data-testid="view-all" aria-pressed={view === "all"} onClick={() => setView("all")}>
              All pending{all !== undefined ? ` (${all.length})` : ""}
            </button>
            <button type="button" data-testid="view-mine" aria-pressed={view === "mine"} onClick={() => setView("mine")}>
              Needs me ({needsMe})
            </button>
          </div>
          <button
            type="button"
            data-testid="new-withdrawal-open"
            disabled={blocked !== null}
            title={blocked ?? "Withdraw to an address-book entry: preview what the rules would do, then submit."}
            onClick={onNewWithdrawal}
          >
            New withdrawal…
          </button>
          {blocked !== null && org !== undefined && <span className="hint">{blocked}</span>}
          {org !== undefined && org.withdrawals_frozen === undefined && (
            <EmergencyStop on={{ kind: "withdrawals" }} blocked={stopBlocker(org, session?.member.id, "withdrawals")} onStopped={onDecided} />
          )}
        </>
      }
      caption={
        <>
          <SyncLine sync={sync} polledAt={pending.at} now={now} />
          {all !== undefined && all.length > 0 && (
            <p className="caption">
              {needsMe === 0
                ? `Nothing needs your decision; ${all.length} pending wait for others.`
                : `${needsMe} of ${all.length} pending need your decision.`}
            </p>
          )}
        </>
      }
    />
  );
}
