/**
 * Desk commands the palette sends to the approval queue it cannot reach directly: pick every
 * request the member may decide and open the batch sheet. The queue listens while it is shown.
 */
export const DESK_BATCH_EVENT = "countersign:desk-batch";

export type DeskBatch = "approve" | "reject";

/** Asks the shown queue to pick everything the member may decide and open the `decision` sheet. */
export function requestDeskBatch(decision: DeskBatch) {
  window.dispatchEvent(new CustomEvent<DeskBatch>(DESK_BATCH_EVENT, { detail: decision }));
}
