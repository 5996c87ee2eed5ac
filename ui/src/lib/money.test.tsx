import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Amount } from "../components/Amount";
import { formatAmount } from "./money";

describe("formatAmount", () => {
  it("keeps every digit of amounts a float would round", () => {
    expect(formatAmount("0.00000001")).toBe("0.00000001");
    expect(formatAmount("12345678901234.5678")).toBe("12,345,678,901,234.5678");
    expect(formatAmount("9007199254740993")).toBe("9,007,199,254,740,993");
    expect(formatAmount("0.1000000000000000055511")).toBe("0.1000000000000000055511");
  });

  it("groups the integer part only and keeps trailing zeros", () => {
    expect(formatAmount("250000.00")).toBe("250,000.00");
    expect(formatAmount("999")).toBe("999");
    expect(formatAmount("1000")).toBe("1,000");
    expect(formatAmount("-1234.50")).toBe("-1,234.50");
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
