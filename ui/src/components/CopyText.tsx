import { useEffect, useState } from "react";

/**
 * Copies a text that is not secret (an address, an id) with the webview's clipboard, and says
 * so for a moment. Secrets never go this way: the core copies those and clears them.
 */
export function CopyText({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState<string | null>(null);
  useEffect(() => {
    if (said === null) return;
    const timer = setTimeout(() => setSaid(null), 2500);
    return () => clearTimeout(timer);
  }, [said]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setSaid("Copied");
    } catch {
      setSaid("Could not copy: select the text instead");
    }
  }
  return (
    <>
      <button type="button" className="quiet copy" data-testid="copy-text" aria-label={label} onClick={() => void copy()}>
        Copy
      </button>
      {said !== null && (
        <span className="muted" role="status">
          {" "}
          {said}
        </span>
      )}
    </>
  );
}
