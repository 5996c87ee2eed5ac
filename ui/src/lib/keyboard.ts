/** Whether a single-key shortcut should leave this keystroke alone: typing in a field, or inside a dialog. */
export function ignoresShortcuts(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    target.isContentEditable ||
    target.closest('[role="dialog"]') !== null
  );
}
