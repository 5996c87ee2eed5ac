import type { RequestView } from "../../bindings/RequestView";
import { Timestamp } from "../../components/Timestamp";
import { formatAge } from "../../lib/time";

/**
 * A pending withdrawal's destination in the address book: when its entry got its name and who
 * asked for it (from the history the member may see), or that it predates that history.
 */
export function DestinationFact({ request, now }: { request: RequestView; now: number }) {
  if (request.payload.kind !== "withdrawal" || request.status !== "pending") return null;
  const named = request.destination;
  return (
    <div className="fact">
      <dt>In the address book</dt>
      <dd data-testid="destination-named">
        {named === undefined ? (
          <span className="muted">since before the history you may see</span>
        ) : (
          <>
            {named.verb} by {named.by.name} <Timestamp at={named.at} />{" "}
            <span className="muted">
              ({formatAge(named.at, now)} ago, {named.request_id})
            </span>
          </>
        )}
      </dd>
    </div>
  );
}
