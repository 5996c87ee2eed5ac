const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;

/**
 * Whether `entry` looks like an IPv4/IPv6 address or CIDR range ("203.0.113.0/24", "2001:db8::/48").
 * A first check for forms; the Rust core parses them properly and has the last word.
 */
export function isAddressOrRange(entry: string): boolean {
  const [address = "", prefix, extra] = entry.trim().split("/");
  if (extra !== undefined) return false;
  const v4 = IPV4.test(address);
  const v6 = !v4 && address.includes(":") && IPV6.test(address) && (address.match(/::/g) ?? []).length <= 1;
  if (!v4 && !v6) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128);
}
