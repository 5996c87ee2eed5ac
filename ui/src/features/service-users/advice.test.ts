import { describe, expect, it } from "vitest";
import type { ApiKeySpec } from "../../bindings/ApiKeySpec";
import type { KeyUsage } from "../../bindings/KeyUsage";
import { adviceFor } from "./advice";

const NOW = 1_800_000_000;
const DAY = 86_400;
const key = (ips: string[] = []): ApiKeySpec => ({
  scopes: ["funds_query", "trades_modify", "export_data"],
  settings: { valid_until: 0, query_from: 0, query_to: 0, websocket: false, nonce_window: 0, ip_allowlist: ips },
});
const usage = (scopes: [string, number | null][], addresses: string[] = []): KeyUsage => ({
  service_user: "su-x",
  endpoints: [],
  refusals: [],
  addresses: addresses.map((address) => ({ address, calls: 1, last_at: NOW })),
  scopes: scopes.map(([scope, last_at]) => ({ scope: scope as KeyUsage["scopes"][number]["scope"], last_at })),
});

describe("least-privilege advice", () => {
  it("drops the scopes not used for 30 days and narrows an open list to the addresses seen", () => {
    const advice = adviceFor(
      key(),
      usage(
        [
          ["funds_query", NOW - DAY],
          ["trades_modify", null],
          ["export_data", NOW - 31 * DAY],
        ],
        ["203.0.113.7", "203.0.113.8"],
      ),
      NOW,
    );
    expect(advice?.key.scopes).toEqual(["funds_query"]);
    expect(advice?.dropped).toEqual([
      { scope: "trades_modify", lastAt: null },
      { scope: "export_data", lastAt: NOW - 31 * DAY },
    ]);
    expect(advice?.key.settings.ip_allowlist).toEqual(["203.0.113.7", "203.0.113.8"]);
  });

  it("leaves a list already set, and offers nothing for a key used fully or not at all", () => {
    const listed = adviceFor(key(["10.0.0.0/8"]), usage([["funds_query", NOW], ["trades_modify", NOW], ["export_data", null]], ["10.1.1.1"]), NOW);
    expect(listed?.narrowedTo).toEqual([]);
    expect(listed?.key.settings.ip_allowlist).toEqual(["10.0.0.0/8"]);
    expect(adviceFor(key(["10.0.0.0/8"]), usage([["funds_query", NOW], ["trades_modify", NOW], ["export_data", NOW]]), NOW)).toBeNull();
    expect(adviceFor(key(), usage([["funds_query", null], ["trades_modify", null], ["export_data", null]]), NOW)).toBeNull();
  });
});
