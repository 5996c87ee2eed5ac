/** How often request lists are fetched again. */
export const REFRESH_MS = 5000;
