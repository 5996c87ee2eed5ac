import type { ReactNode } from "react";
import type { OrgView } from "../../bindings/OrgView";
import { ErrorState } from "../../components/ErrorState";
import { useOrg } from "../../lib/contexts";

/**
 * Renders `children` with the Organization once it is loaded (and, if a later refresh failed, a
 * line saying so to place where it reads well); a loading line or the failure with Retry before.
 */
export function WithOrg({ children, what }: { children: (org: OrgView, stale: ReactNode) => ReactNode; what: string }) {
  const org = useOrg();
  if (org?.data) {
    const stale = org.error && (
      <p className="stale" role="alert">
        Couldn't refresh: {org.error.message}{" "}
        <button type="button" className="link" onClick={() => void org.refresh()}>
          Retry
        </button>
      </p>
    );
    return children(org.data, stale);
  }
  if (org?.error) {
    return <ErrorState title={`Couldn't load ${what}.`} error={org.error} onRetry={() => void org.refresh()} />;
  }
  return (
    <p className="placeholder" aria-busy="true">
      Loading {what}…
    </p>
  );
}
