import { describe, expect, it } from "vitest";
import { formatAge, formatUtc } from "./time";

describe("formatAge", () => {
  const now = 1_700_000_000_000;
  const secondsAgo = (s: number) => now / 1000 - s;

  it("reads in the largest natural unit", () => {
    expect(formatAge(secondsAgo(20), now)).toBe("just now");
    expect(formatAge(secondsAgo(12 * 60 + 30), now)).toBe("12 min");
    expect(formatAge(secondsAgo(3 * 3600 + 59), now)).toBe("3 h");
    expect(formatAge(secondsAgo(3 * 86400), now)).toBe("3 d");
  });

  it("never shows a negative age for a clock slightly ahead", () => {
    expect(formatAge(secondsAgo(-30), now)).toBe("just now");
  });
});

describe("formatUtc", () => {
  it("shows UTC whatever the local zone", () => {
    expect(formatUtc(1_700_000_000)).toBe("2023-11-14 22:13:20 UTC");
  });
});
