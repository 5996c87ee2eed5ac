import type { Area } from "../lib/route";

interface NavRailProps {
  area: Area;
  needsMe: number | undefined;
  onNavigate: (area: Area) => void;
}

const OTHER_AREAS: [area: Area, label: string, testId: string][] = [
  ["service-users", "Service users", "nav-service-users"],
  ["members", "Members", "nav-members"],
  ["addresses", "Addresses", "nav-addresses"],
  ["policies", "Policies", "nav-policies"],
  ["ledgers", "Ledgers", "nav-ledgers"],
];

export function NavRail({ area, needsMe, onNavigate }: NavRailProps) {
  return (
    <nav className="nav-rail" aria-label="Areas">
      <button
        type="button"
        data-testid="nav-approvals"
        aria-current={area === "approvals" ? "page" : undefined}
        onClick={() => onNavigate("approvals")}
      >
        <span>Approvals</span>
        <span
          className={needsMe ? "count count-attention" : "count"}
          data-testid="needs-me-count"
          title="Pending requests that need your decision"
        >
          {needsMe ?? "–"}
        </span>
      </button>
      <button
        type="button"
        data-testid="nav-requests"
        aria-current={area === "requests" || area === "new-request" ? "page" : undefined}
        onClick={() => onNavigate("requests")}
      >
        <span>Requests</span>
      </button>
      <hr />
      {OTHER_AREAS.map(([target, label, testId]) => (
        <button
          key={target}
          type="button"
          data-testid={testId}
          aria-current={area === target ? "page" : undefined}
          onClick={() => onNavigate(target)}
        >
          <span>{label}</span>
        </button>
      ))}
    </nav>
  );
}
