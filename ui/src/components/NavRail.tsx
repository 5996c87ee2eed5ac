import type { Area } from "../lib/route";

interface NavRailProps {
  area: Area;
  needsMe: number | undefined;
  onNavigate: (area: Area) => void;
}

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
        aria-current={area === "requests" ? "page" : undefined}
        onClick={() => onNavigate("requests")}
      >
        <span>Requests</span>
      </button>
    </nav>
  );
}
