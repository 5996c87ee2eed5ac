import { formatLocal, formatUtc } from "../lib/time";

/** A time in the user's zone, with UTC on hover. */
export function Timestamp({ at }: { at: number }) {
  return (
    <time dateTime={new Date(at * 1000).toISOString()} title={formatUtc(at)}>
      {formatLocal(at)}
    </time>
  );
}
