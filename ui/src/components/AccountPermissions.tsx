import type { AccountPermission } from "../bindings/AccountPermission";

/** Spec §2: account permissions act immediately and are never queued. */
export const ACCOUNT_PERMISSIONS: { value: AccountPermission; label: string }[] = [
  { value: "trade", label: "Trade" },
  { value: "earn_allocate", label: "Earn Allocate" },
  { value: "earn_deallocate", label: "Earn Deallocate" },
];

/** A member's account permissions, read-only or as checkboxes when `onChange` is given. */
export function AccountPermissions({
  account,
  onChange,
}: {
  account: readonly AccountPermission[];
  onChange?: (next: AccountPermission[]) => void;
}) {
  return (
    <fieldset className="account-permissions" data-testid="account-permissions">
      <legend>Account permissions (immediate, never queued)</legend>
      {ACCOUNT_PERMISSIONS.map(({ value, label }) => {
        const held = account.includes(value);
        return (
          <label key={value} data-account={value} data-granted={held}>
            <input
              type="checkbox"
              checked={held}
              disabled={onChange === undefined}
              onChange={(e) =>
                onChange?.(
                  ACCOUNT_PERMISSIONS.map((a) => a.value).filter((v) =>
                    v === value ? e.target.checked : account.includes(v),
                  ),
                )
              }
            />{" "}
            {label}
          </label>
        );
      })}
    </fieldset>
  );
}
