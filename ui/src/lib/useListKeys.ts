import { useEffect, type RefObject } from "react";
import { ignoresShortcuts } from "./keyboard";

/**
 * `j` / `k` move the selection through `ids` and focus the row (an element with `data-list-id`
 * inside `container`), as in the request lists.
 */
export function useListKeys(
  ids: readonly string[],
  selectedId: string | undefined,
  onSelect: (id: string) => void,
  container: RefObject<HTMLElement | null>,
): void {
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if ((event.key !== "j" && event.key !== "k") || ignoresShortcuts(event.target)) return;
      const index = selectedId === undefined ? -1 : ids.indexOf(selectedId);
      const next = ids[Math.min(ids.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)))];
      if (next === undefined) return;
      event.preventDefault();
      onSelect(next);
      const row = Array.from(container.current?.querySelectorAll<HTMLElement>("[data-list-id]") ?? []).find(
        (el) => el.dataset.listId === next,
      );
      row?.focus();
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [ids, selectedId, onSelect, container]);
}
