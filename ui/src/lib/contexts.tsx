import { createContext, useContext } from "react";
import type { OrgView } from "../bindings/OrgView";
import type { Session } from "../bindings/Session";
import type { Polled } from "./usePolled";

/** The signed-in session, for what depends on who is looking (e.g. cancelling one's own request). */
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session | null {
  return useContext(SessionContext);
}

/**
 * The Organization, polled once for the whole workspace: the areas that show it, and request
 * details that name members, service users and addresses by id. Null outside a workspace.
 */
export const OrgContext = createContext<Polled<OrgView> | null>(null);

export function useOrg(): Polled<OrgView> | null {
  return useContext(OrgContext);
}
