import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Amount } from "../components/Amount";
import { addDecimal, compareDecimal, formatAmount, isDecimal, isPositiveDecimal, subtractDecimal } from "./money";

describe("formatAmount", () => {
  it("keeps every digit of amounts a float would round", () => {
    expect(formatAmount("0.00000001")).toBe("0.00000001");
    expect(formatAmount("12345678901234.5678")).toBe("12,345,678,901,234.5678");
    expect(formatAmount("9007199254740993")).toBe("9,007,199,254,740,993");
    expect(formatAmount("0.1000000000000000055511")).toBe("0.1000000000000000055511");
  });

  // The same rows as the core's `grouped` (crates/org/src/request/tests.rs): one way everywhere.
  it.each([
    ["48000", "48,000"],
    ["250000.00", "250,000"],
    ["1234.50", "1,234.5"],
    ["0.00000001", "0.00000001"],
    ["999", "999"],
    ["1000", "1,000"],
    ["-1234567.891", "-1,234,567.891"],
  ])("groups %s and drops its trailing zeros, as the core does", (amount, shown) => {
    expect(formatAmount(amount)).toBe(shown);
  });

  it("reads an export's padded figures as their amounts", () => {
    expect(formatAmount("5.0245500000")).toBe("5.02455");
    expect(formatAmount("0.0000000000")).toBe("0");
    expect(formatAmount("-0.000")).toBe("0");
    expect(formatAmount("-12.3400")).toBe("-12.34");
  });

  it("shows anything that is not a plain decimal unchanged", () => {
    expect(formatAmount("1e-8")).toBe("1e-8");
    expect(formatAmount("")).toBe("");
    expect(formatAmount("NaN")).toBe("NaN");
  });
});

describe("<Amount>", () => {
  it("renders the exact figure with its asset beside it", () => {
    render(
      <>
        <Amount value="0.00000001" asset="BTC" />
        <Amount value="12345678901234.5678" asset="USD" />
      </>,
    );
    expect(screen.getByText("0.00000001").parentElement).toHaveTextContent(/^0\.00000001 BTC$/);
    expect(screen.getByText("12,345,678,901,234.5678").parentElement).toHaveTextContent(
      /^12,345,678,901,234\.5678 USD$/,
    );
  });
});

describe("decimal checks and arithmetic", () => {
  it("accepts only plain non-negative decimals, decided on the digits", () => {
    for (const ok of ["0", "2.5", "0.00000001", "9007199254740993.000000001"]) expect(isDecimal(ok)).toBe(true);
    for (const bad of ["", "1e-8", "-1", "1,000", ".5", "5.", " 1", "NaN", "Infinity"]) expect(isDecimal(bad)).toBe(false);
    expect(isPositiveDecimal("0.00000001")).toBe(true);
    expect(isPositiveDecimal("0.000")).toBe(false);
  });

  it("compares and adds exactly where a float would not", () => {
    expect(addDecimal("0.1", "0.2")).toBe("0.3");
    expect(addDecimal("9007199254740993", "0.000000001")).toBe("9007199254740993.000000001");
    expect(subtractDecimal("48.275", "2.50015")).toBe("45.77485");
    expect(subtractDecimal("1", "1.5")).toBe("-0.5");
    expect(compareDecimal("9007199254740993", "9007199254740992")).toBe(1);
    expect(compareDecimal("2.50", "2.5")).toBe(0);
    expect(compareDecimal("0.00000001", "0.0000001")).toBe(-1);
  });
});
