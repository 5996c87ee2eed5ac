import { Command } from "cmdk";
import { useEffect, useState } from "react";
import type { OrgView } from "../bindings/OrgView";
import type { RequestView } from "../bindings/RequestView";
import { requestDeskBatch } from "../lib/deskCommands";
import { whatOf } from "../lib/org";
import type { Route } from "../lib/route";

/** Every area, as the palette names it. */
const AREAS: [area: Route["area"], label: string][] = [
  ["approvals", "Approvals"],
  ["requests", "Requests"],
  ["service-users", "Service users"],
  ["members", "Members"],
  ["addresses", "Addresses"],
  ["policies", "Policies"],
  ["ledgers", "Ledgers"],
];

interface CommandPaletteProps {
  /** The pending requests, to open one by what it does. */
  pending: readonly RequestView[] | undefined;
  org: OrgView | undefined;
  onRoute: (route: Route) => void;
}

/**
 * Ctrl+K (⌘K): every area, every "new …" action and every pending request, service user,
 * member and address-book entry, found by typing and opened with Enter. Built on cmdk, which
 * filters, ranks and moves through the items by keyboard.
 */
export function CommandPalette({ pending, org, onRoute }: CommandPaletteProps) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        setOpen((was) => !was);
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  const go = (route: Route) => {
    setOpen(false);
    onRoute(route);
  };

  return (
    <Command.Dialog open={open} onOpenChange={setOpen} label="Command palette" className="palette" overlayClassName="overlay">
      <Command.Input placeholder="Go to an area, open a request, start a change…" data-testid="palette-input" />
      <Command.List>
        <Command.Empty>Nothing matches.</Command.Empty>
        <Command.Group heading="Go to">
          {AREAS.map(([area, label]) => (
            <Command.Item key={area} value={`go ${label}`} onSelect={() => go({ area, id: undefined })}>
              {label}
            </Command.Item>
          ))}
        </Command.Group>
        <Command.Group heading="Start">
          <Command.Item value="new withdrawal" onSelect={() => go({ area: "new-request", id: "withdrawal" })}>
            New withdrawal…
          </Command.Item>
          <Command.Item value="new request any workflow" onSelect={() => go({ area: "new-request", id: undefined })}>
            New request…
          </Command.Item>
        </Command.Group>
        {pending !== undefined && pending.some((r) => r.viewer.can_decide) && (
          <Command.Group heading="Decide">
            <Command.Item
              value="approve all that need me batch"
              onSelect={() => {
                go({ area: "approvals", id: undefined });
                // After the queue is shown: it picks what the member may decide and opens the sheet.
                setTimeout(() => requestDeskBatch("approve"), 0);
              }}
            >
              Review and approve all that need me ({pending.filter((r) => r.viewer.can_decide).length})…
            </Command.Item>
          </Command.Group>
        )}
        {pending !== undefined && pending.length > 0 && (
          <Command.Group heading="Pending requests">
            {pending.map((r) => (
              <Command.Item key={r.id} value={`${r.id} ${r.initiator.name} ${whatOf(r)}`} onSelect={() => go({ area: "approvals", id: r.id })}>
                {r.initiator.name}: {whatOf(r)}
                {r.viewer.can_decide && <span className="muted"> · needs you</span>}
              </Command.Item>
            ))}
          </Command.Group>
        )}
        {org !== undefined && (
          <>
            <Command.Group heading="Service users">
              {org.service_users.map((s) => (
                <Command.Item key={s.id} value={`service user ${s.name} ${s.id}`} onSelect={() => go({ area: "service-users", id: s.id })}>
                  {s.name}
                </Command.Item>
              ))}
            </Command.Group>
            <Command.Group heading="Members">
              {org.members.map((m) => (
                <Command.Item key={m.id} value={`member ${m.name} ${m.id}`} onSelect={() => go({ area: "members", id: m.id })}>
                  {m.name}
                </Command.Item>
              ))}
            </Command.Group>
            <Command.Group heading="Address book">
              {org.addresses.map((a) => (
                <Command.Item key={a.key} value={`address ${a.key} ${a.asset}`} onSelect={() => go({ area: "addresses", id: a.key })}>
                  {a.key} <span className="muted">{a.asset}</span>
                </Command.Item>
              ))}
            </Command.Group>
          </>
        )}
      </Command.List>
    </Command.Dialog>
  );
}
