import { formatLocal, formatLocalDate, formatUtc } from "../lib/time";

/** A time in the user's zone, with UTC on hover. */
export function Timestamp({ at, dateOnly = false }: { at: number; dateOnly?: boolean }) {
  return (
    <time dateTime={new Date(at * 1000).toISOString()} title={formatUtc(at)}>
      {dateOnly ? formatLocalDate(at) : formatLocal(at)}
    </time>
  );
}
