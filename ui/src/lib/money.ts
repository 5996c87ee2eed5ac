const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Formats a decimal string for display, one way everywhere (as the core's `grouped` does): the
 * integer digits grouped in thousands, and the fraction's trailing zeros dropped, so an export's
 * padding (`5.0245500000`) reads as the amount (`5.02455`). Works on the string alone: every
 * significant digit is shown, none is rounded or cut. Anything that is not a plain decimal is
 * shown unchanged rather than hidden.
 */
export function formatAmount(amount: string): string {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return amount;
  const [, sign = "", integer = "", fraction = ""] = match;
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const significant = fraction.replace(/0+$/, "");
  // "-0.000" is zero: no sign.
  const negative = sign !== "" && /[1-9]/.test(integer + significant);
  return `${negative ? "-" : ""}${grouped}${significant === "" ? "" : `.${significant}`}`;
}

const UNSIGNED_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Whether `text` is a plain non-negative decimal such as "2.5" or "0.00000001" (no sign, exponent or grouping). */
export function isDecimal(text: string): boolean {
  return UNSIGNED_DECIMAL.test(text);
}

/** Whether `text` is a plain decimal greater than zero, decided on the digits alone. */
export function isPositiveDecimal(text: string): boolean {
  return isDecimal(text) && /[1-9]/.test(text);
}

/** A plain decimal as an integer of units of 10^-scale; exact at any size (BigInt, never a float). */
function scaled(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal: ${text}`);
  const [, sign = "", integer = "", fraction = ""] = match;
  const units = BigInt(integer + fraction.padEnd(scale, "0"));
  return sign === "-" ? -units : units;
}

function scaleOf(text: string): number {
  return text.split(".")[1]?.length ?? 0;
}

function unscaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const integer = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${integer}${fraction}`;
}

/** Exact decimal comparison: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const d = scaled(a, scale) - scaled(b, scale);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

/** Exact decimal sum, keeping the larger number of fraction digits. */
export function addDecimal(a: string, b: string): string {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  return unscaled(scaled(a, scale) + scaled(b, scale), scale);
}

/** Exact decimal difference a − b. */
export function subtractDecimal(a: string, b: string): string {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  return unscaled(scaled(a, scale) - scaled(b, scale), scale);
}
