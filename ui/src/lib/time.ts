/** Times from the host are unix seconds (UTC). */

/** How long ago, in the largest whole unit that reads naturally: "just now", "12 min", "3 h", "2 d". */
export function formatAge(unixSeconds: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor(nowMs / 1000) - unixSeconds);
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** Date and time in the user's zone. */
export function formatLocal(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Date and time in UTC, for hover titles: "2025-03-14 09:26:53 UTC". */
export function formatUtc(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** The date alone in the user's zone. */
export function formatLocalDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** How long until a time, in the largest whole unit: "in 12 min", "in 3 d", or "passed". */
export function formatUntil(unixSeconds: number, nowMs: number): string {
  const seconds = unixSeconds - Math.floor(nowMs / 1000);
  if (seconds <= 0) return "passed";
  if (seconds < 60) return "in under a minute";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.floor(hours / 24)} d`;
}

/** A unix time as a UTC date input's value ("2027-01-31"); "" for 0 (unset). Key settings are UTC, as the engine states them. */
export function toUtcDateInput(unixSeconds: number): string {
  return unixSeconds === 0 ? "" : new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** A UTC date input's value as the unix time of that day's start; 0 when empty or not a date. */
export function fromUtcDateInput(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 0;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** A unix time as a UTC datetime-local input's value ("2027-01-31T12:00"); "" for 0 (unset). */
export function toUtcDateTimeInput(unixSeconds: number): string {
  return unixSeconds === 0 ? "" : new Date(unixSeconds * 1000).toISOString().slice(0, 16);
}

/** A UTC datetime-local input's value as unix seconds; 0 when empty or not a time. */
export function fromUtcDateTimeInput(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return 0;
  const ms = Date.parse(`${value}:00Z`);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
