/** The part of the UI state kept in the URL hash, so a reload returns to the same place: "#/requests/req-1006". */
export type Area =
  | "approvals"
  | "requests"
  | "new-request"
  | "service-users"
  | "members"
  | "addresses"
  | "policies"
  | "ledgers";

const AREAS: readonly Area[] = [
  "approvals",
  "requests",
  "new-request",
  "service-users",
  "members",
  "addresses",
  "policies",
  "ledgers",
];

export interface Route {
  area: Area;
  /** The selected item of the area (a request id, a service user id, ...). */
  id: string | undefined;
}

function isArea(value: string | undefined): value is Area {
  return AREAS.includes(value as Area);
}

export function readRoute(): Route {
  const [, area, id] = window.location.hash.split("/");
  return { area: isArea(area) ? area : "approvals", id: id ? decodeURIComponent(id) : undefined };
}

export function writeRoute(route: Route): void {
  const id = route.id === undefined ? "" : `/${encodeURIComponent(route.id)}`;
  window.history.replaceState(null, "", `#/${route.area}${id}`);
}
