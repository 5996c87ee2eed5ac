import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { activeHosts } from "./replay";

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
