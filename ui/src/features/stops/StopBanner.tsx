import type { OrgView } from "../../bindings/OrgView";
import { StopWords } from "./EmergencyStop";

interface StopBannerProps {
  org: OrgView | undefined;
  /** Opens the stopped service user's page. */
  onOpenServiceUser: (id: string) => void;
  /** Opens where the freeze is lifted (the Policies area). */
  onLiftFreeze: () => void;
}

/**
 * Every emergency stop in force, above every area and for every member: the withdrawal freeze
 * and each stopped key, who pulled it, when and why, with the way to lift it.
 */
export function StopBanner({ org, onOpenServiceUser, onLiftFreeze }: StopBannerProps) {
  if (org === undefined) return null;
  const frozen = org.withdrawals_frozen;
  const stopped = org.service_users.filter((s) => s.stopped !== undefined);
  if (frozen === undefined && stopped.length === 0) return null;
  return (
    <div className="stop-banner" role="status" data-testid="stop-banner">
      {frozen !== undefined && (
        <p data-testid="stop-banner-freeze">
          <span className="badge badge-stop">Withdrawals frozen</span> <StopWords stop={frozen} verb="Frozen" />{" "}
          <button type="button" className="link" data-testid="banner-lift-freeze" onClick={onLiftFreeze}>
            Lift the freeze…
          </button>
        </p>
      )}
      {stopped.map((s) => (
        <p key={s.id} data-testid="stop-banner-key">
          <span className="badge badge-stop">Key stopped</span> <strong>{s.name}</strong>:{" "}
          {s.stopped !== undefined && <StopWords stop={s.stopped} verb="stopped" />}{" "}
          <button type="button" className="link" onClick={() => onOpenServiceUser(s.id)}>
            Open {s.name}
          </button>
        </p>
      ))}
    </div>
  );
}
