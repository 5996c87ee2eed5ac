const SHORTCUTS: [key: string, what: string][] = [
  ["Ctrl+K", "Go anywhere, open a request, start a change"],
  ["j / k", "Next / previous item in the list"],
  ["a", "Approve the selected request"],
  ["r", "Reject the selected request"],
  ["x", "Pick the selected request for a batch"],
  ["Shift+A / Shift+R", "Review the picked requests and approve / reject them with one code"],
  ["/", "Filter the list"],
  ["Esc", "Close the prompt or this panel"],
  ["?", "Show or hide these shortcuts"],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <div className="overlay" onClick={onClose}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onClick={(event) => event.stopPropagation()}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl className="shortcuts">
          {SHORTCUTS.map(([key, what]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" autoFocus onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
