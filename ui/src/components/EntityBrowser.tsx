import { useMemo, useRef, type ReactNode } from "react";
import { useListKeys } from "../lib/useListKeys";

interface EntityBrowserProps<T> {
  /** The list's accessible name ("Members"). */
  label: string;
  items: readonly T[];
  idOf: (item: T) => string;
  /** The row's name, for tests and titles (`data-name`). */
  nameOf: (item: T) => string;
  /** Each row's test id ("member-row"). */
  rowTestId: string;
  /** What a row shows, inside its button. */
  row: (item: T) => ReactNode;
  /** The selected item's id; none marks no row (while something else fills the detail). */
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  /** Above the list: its caption, a stale-data notice, the buttons that start a change. */
  head: ReactNode;
  /** Shown instead of the list when it is empty. */
  empty?: ReactNode;
  /** The detail pane. */
  detail: ReactNode;
}

/**
 * A list of the Organization's things beside the detail of the selected one, moved through with
 * j/k: the shape of the Service users, Members and Addresses areas.
 */
export function EntityBrowser<T>({ label, items, idOf, nameOf, rowTestId, row, selectedId, onSelect, head, empty, detail }: EntityBrowserProps<T>) {
  const listPane = useRef<HTMLDivElement>(null);
  const ids = useMemo(() => items.map(idOf), [items, idOf]);
  useListKeys(ids, selectedId, onSelect, listPane);
  return (
    <div className="browser entity-browser">
      <div className="list-pane" ref={listPane}>
        {head}
        {items.length === 0 && empty}
        <ul className="entity-list" aria-label={label} hidden={items.length === 0 && empty !== undefined}>
          {items.map((item) => (
            <li key={idOf(item)}>
              <button
                type="button"
                className="entity-row"
                data-testid={rowTestId}
                data-list-id={idOf(item)}
                data-name={nameOf(item)}
                aria-current={idOf(item) === selectedId ? "true" : undefined}
                onClick={() => onSelect(idOf(item))}
              >
                {row(item)}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="detail-pane">{detail}</div>
    </div>
  );
}
