/** How often request lists are fetched again while the event stream is not live. */
export const REFRESH_MS = 5000;

/**
 * How often they are fetched again while it is live: pushed events bring every change, so this
 * is only a safety net (and an idle desk costs next to nothing).
 */
export const LIVE_REFRESH_MS = 60_000;
