//! Declares the app's commands so Tauri generates one permission per command; the window's
//! capability (`capabilities/main.json`) grants exactly these.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "get_session",
            "list_requests",
            "approve_request",
            "reject_request",
            "sandbox_members",
            "switch_member",
            "get_org",
            "preview_request",
            "submit_request",
            "cancel_request",
            "policy_diff",
            "living_sandbox",
            "set_living_sandbox",
            "copy_revealed_secret",
            "store_revealed_key",
            "forget_revealed_key",
            "lock_app",
            "unlock_app",
            "app_locked",
            "begin_enrollment",
            "confirm_enrollment",
            "add_org",
            "leave_org",
            "device_status",
            "register_device",
            "ledger_import",
            "ledger_report",
            "ledger_page",
            "ledger_locate",
            "ledger_totals",
            "ledger_series",
            "ledger_facets",
            "ledger_trades",
            "ledger_export_rows",
            "ledger_export_balances",
        ]),
    ))
    .unwrap_or_else(|e| panic!("tauri build configuration: {e:#}"));
}
