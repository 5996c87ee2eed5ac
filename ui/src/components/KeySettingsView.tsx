import type { ReactNode } from "react";
import type { KeySettings } from "../bindings/KeySettings";
import { Timestamp } from "./Timestamp";

interface Row {
  label: string;
  value: ReactNode;
  /** What it was, when it changed. */
  was?: ReactNode;
}

const never = (at: number, dateOnly: boolean, none: string): ReactNode =>
  at === 0 ? none : <Timestamp at={at} dateOnly={dateOnly} />;

function queryWindow(s: KeySettings): ReactNode {
  if (s.query_from === 0 && s.query_to === 0) return "None: queries see the whole history";
  return (
    <>
      {s.query_from === 0 ? "From the start" : <>From {never(s.query_from, true, "")}</>}
      {" to "}
      {s.query_to === 0 ? "now" : never(s.query_to, true, "")}
    </>
  );
}

const nonce = (n: number): ReactNode => (
  <>
    <span className="num-inline">{n.toLocaleString()}</span> nonce units{" "}
    <span className="muted">(5000 = 5 s with millisecond nonces{n === 0 ? "; 0: every nonce must exceed the last" : ""})</span>
  </>
);

const allowlist = (ips: readonly string[]): ReactNode =>
  ips.length === 0 ? (
    "Any address"
  ) : (
    <span className="chips">
      {ips.map((ip) => (
        <code key={ip} className="chip">
          {ip}
        </code>
      ))}
    </span>
  );

/** A key's settings with their units: expiry, query window, WebSocket, nonce window, IP allowlist. */
export function KeySettingsView({ settings, before }: { settings: KeySettings; before?: KeySettings }) {
  const changed = <K extends keyof KeySettings>(field: K) =>
    before !== undefined && JSON.stringify(before[field]) !== JSON.stringify(settings[field]);
  const rows: Row[] = [
    {
      label: "Key expiration",
      value: never(settings.valid_until, false, "Never"),
      was: changed("valid_until") && before ? never(before.valid_until, false, "never") : undefined,
    },
    {
      label: "Query window",
      value: queryWindow(settings),
      was: (changed("query_from") || changed("query_to")) && before ? queryWindow(before) : undefined,
    },
    {
      label: "WebSocket",
      value: settings.websocket ? "Yes: the key may obtain a WebSocket token" : "No",
      was: changed("websocket") && before ? (before.websocket ? "yes" : "no") : undefined,
    },
    {
      label: "Nonce window",
      value: nonce(settings.nonce_window),
      was: changed("nonce_window") && before ? before.nonce_window.toLocaleString() : undefined,
    },
    {
      label: "IP allowlist",
      value: allowlist(settings.ip_allowlist),
      was: changed("ip_allowlist") && before ? allowlist(before.ip_allowlist) : undefined,
    },
  ];
  return (
    <dl className="facts key-settings" data-testid="key-settings">
      {rows.map((row) => (
        <div key={row.label} className="fact">
          <dt>{row.label}</dt>
          <dd>
            {row.value}
            {row.was !== undefined && <span className="was"> (was {row.was})</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
