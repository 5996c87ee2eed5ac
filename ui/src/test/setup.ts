import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { activeHosts } from "./replay";

// jsdom lays nothing out: what the browser has and jsdom lacks, for components that measure
// (cmdk's list observes its size and scrolls the selected item into view).
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};
if (!("scrollIntoView" in Element.prototype)) {
  Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined });
}

beforeEach(() => {
  window.history.replaceState(null, "", "/");
});

afterEach(() => {
  cleanup();
  // A call no recording holds failed in the app, which may have shown it as an error the test
  // did not look for: it fails the test here, naming the call to record.
  const missed = [...activeHosts].flatMap((host) => host.misses());
  activeHosts.clear();
  if (missed.length > 0) throw new Error(`calls the recording does not hold:\n  ${missed.join("\n  ")}`);
});
