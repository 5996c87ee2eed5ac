/** The part of the UI state kept in the URL hash, so a reload returns to the same place: "#/requests/req-1006". */
export type Area = "approvals" | "requests";

export interface Route {
  area: Area;
  id: string | undefined;
}

export function readRoute(): Route {
  const [, area, id] = window.location.hash.split("/");
  return { area: area === "requests" ? "requests" : "approvals", id: id ? decodeURIComponent(id) : undefined };
}

export function writeRoute(route: Route): void {
  const id = route.id === undefined ? "" : `/${encodeURIComponent(route.id)}`;
  window.history.replaceState(null, "", `#/${route.area}${id}`);
}
