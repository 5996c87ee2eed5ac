import type { Permissions } from "../bindings/Permissions";
import type { Workflow } from "../bindings/Workflow";
import type { WorkflowPermission } from "../bindings/WorkflowPermission";
import {
  hasPermission,
  PERMISSION_HELP,
  PERMISSION_LABELS,
  WORKFLOW_LABELS,
  WORKFLOW_PERMISSIONS,
  WORKFLOWS,
} from "../lib/org";

interface PermissionGridProps {
  permissions: Permissions;
  /** Makes each cell a checkbox. */
  onChange?: (workflow: Workflow, permission: WorkflowPermission, granted: boolean) => void;
  /** Earlier permissions: what differs is marked as granted or removed. */
  before?: Permissions;
  caption?: string;
}

/** Workflow permissions as a grid: the four workflows × View / Initiate / Approve / Execute. */
export function PermissionGrid({ permissions, onChange, before, caption }: PermissionGridProps) {
  return (
    <table className="permission-grid">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          <th scope="col">Workflow</th>
          {WORKFLOW_PERMISSIONS.map((p) => (
            <th key={p} scope="col" title={`${PERMISSION_LABELS[p]}: ${PERMISSION_HELP[p]}`}>
              {PERMISSION_LABELS[p]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {WORKFLOWS.map((w) => (
          <tr key={w}>
            <th scope="row">{WORKFLOW_LABELS[w]}</th>
            {WORKFLOW_PERMISSIONS.map((p) => {
              const on = hasPermission(permissions, w, p);
              const change = before === undefined || on === hasPermission(before, w, p) ? null : on ? "gains" : "loses";
              const name = `${PERMISSION_LABELS[p]} on ${WORKFLOW_LABELS[w]}`;
              return (
                <td
                  key={p}
                  className={[on ? "granted" : "", change ? `cell-${change}` : ""].join(" ").trim() || undefined}
                  data-testid="permission"
                  data-workflow={w}
                  data-permission={p}
                  data-granted={String(on)}
                >
                  {onChange ? (
                    <input type="checkbox" checked={on} aria-label={name} onChange={(e) => onChange(w, p, e.target.checked)} />
                  ) : (
                    <span className="check" role="img" aria-label={`${name}: ${on ? "granted" : "not granted"}`}>
                      {on ? "✓" : "–"}
                    </span>
                  )}
                  {change && (
                    <span className={`change change-${change}`} title={change === "gains" ? "Granted by this change" : "Removed by this change"}>
                      {change === "gains" ? "+" : "−"}
                    </span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
