import type { AddressEntry } from "../bindings/AddressEntry";
import type { MemberView } from "../bindings/MemberView";
import type { OrgView } from "../bindings/OrgView";
import type { ServiceUserView } from "../bindings/ServiceUserView";

export function findMember(org: OrgView | undefined, id: string): MemberView | undefined {
  return org?.members.find((m) => m.id === id);
}

export function findServiceUser(org: OrgView | undefined, id: string): ServiceUserView | undefined {
  return org?.service_users.find((s) => s.id === id);
}

export function findAddress(org: OrgView | undefined, key: string): AddressEntry | undefined {
  return org?.addresses.find((a) => a.key === key);
}
