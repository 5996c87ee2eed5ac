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

/** A unix time as the value of a date input ("2025-03-14", the user's zone); "" for 0 (unset). */
export function toDateInput(unixSeconds: number): string {
  if (unixSeconds === 0) return "";
  const d = new Date(unixSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A date input's value as unix seconds at the start of that day in the user's zone; 0 for "". */
export function fromDateInput(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 0;
  const [, y = "", m = "", d = ""] = match;
  return Math.floor(new Date(Number(y), Number(m) - 1, Number(d)).getTime() / 1000);
}
