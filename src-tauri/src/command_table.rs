// Every command the webview may call, declared once. This file is one invocation of `commands!`,
// expanded twice: by `src/commands.rs` into the Tauri commands, their handler, their description
// (for the TypeScript client, `ui/src/bindings/commands.ts`, and the IPC tests), and by
// `build.rs` into the list of names Tauri makes a permission for each.
//
// Each entry: doc comment, the door it goes through, `fn name(args) -> Output`, and the job:
// - `org`: the signed-in member's Organization while unlocked (`|org|` is an `OrgAccess`);
// - `ledgers`: the offline ledger review, locked or not (`|ledgers|` is the `LedgerReview`);
// - `session`: works while locked — the session itself, locking and unlocking (`|core|`);
// - `switch`: changes the session (adding or leaving an org); the job refuses while locked.
// A second name after the first (`|org, app|`) is the `AppHandle`, for events.
commands! {
    /// The signed-in session. When the session could not open at start, it is opened again
    /// first (the start error's "Try again"), and the OS lock watcher starts once it is open.
    session fn get_session() -> Session = |core, app| {
        if core.reopen().await {
            crate::watch_system_lock(&app);
        }
        core.session().await
    };
    /// Requests visible to the member, newest first.
    org fn list_requests(filter: RequestFilter) -> Vec<RequestView> =
        |org| approvals::list(&org, filter).await;
    /// Approves, signed over `seen`: the request's payload as the page showed it (the
    /// Organization refuses it if its request differs). Stepped up by `otp`, or without one by
    /// the decision window held; an optional reason goes with it.
    org fn approve_request(id: String, otp: Option<String>, reason: Option<String>, seen: RequestPayload) -> RequestView =
        |org| approvals::decide_one(&org, &id, Decision::Approve, otp.as_deref(), reason.as_deref(), Some(&seen)).await;
    /// Rejects with a reason (required), signed over `seen`; stepped up as `approve_request`.
    org fn reject_request(id: String, otp: Option<String>, reason: String, seen: RequestPayload) -> RequestView =
        |org| approvals::decide_one(&org, &id, Decision::Reject, otp.as_deref(), Some(&reason), Some(&seen)).await;
    /// Decides every request of `shown` the same way with one step-up (`otp`, or the window
    /// held): each is signed over what was shown and sent on its own; one line per request.
    org fn decide_batch(shown: Vec<Shown>, decision: Decision, otp: Option<String>, reason: Option<String>) -> Vec<DecisionOutcome> =
        |org| approvals::decide(&org, &shown, decision, otp.as_deref(), reason.as_deref()).await;
    /// The decision window held for the signed-in member, if open: when it closes.
    org fn decision_window() -> Option<WindowView> = |org| Ok(approvals::window(&org));
    /// The Organization: members, service users and their keys, policies, the address book.
    org fn get_org() -> OrgView = |org| trust::org_view(&org).await;
    /// What submitting `payload` as the signed-in member would do, and why. Changes nothing.
    org fn preview_request(payload: RequestPayload, execute: bool) -> Preview =
        |org| requests::preview(&org, &payload, execute, None).await;
    /// What `initiator` (a member, or a service user through the exchange's API) submitting
    /// `payload` would do, and why: a what-if. Changes nothing.
    org fn preview_as(payload: RequestPayload, initiator: String) -> Preview =
        |org| requests::preview(&org, &payload, false, Some(&initiator)).await;
    /// Submits a request with the initiator's optional reason; executing at once is a decision
    /// and needs a step-up (the member's code, or the decision window held).
    org fn submit_request(payload: RequestPayload, execute: bool, otp: Option<String>, reason: Option<String>) -> SubmitOutcome =
        |org| requests::submit(&org, &payload, execute, otp.as_deref(), reason.as_deref()).await;
    /// Cancels the signed-in member's own pending request (a step-up as for a decision),
    /// signed over `seen`.
    org fn cancel_request(id: String, otp: Option<String>, seen: RequestPayload) -> RequestView =
        |org| requests::cancel(&org, &id, otp.as_deref(), Some(&seen)).await;
    /// What replacing a workflow's policy (none: removing it) would loosen or tighten.
    org fn policy_diff(workflow: Workflow, policy: Option<Policy>) -> PolicyDiff =
        |org| policies::diff(&org, workflow, policy).await;
    /// The workflow's whole request history replayed under `policy` (none: no policy).
    org fn replay_policy(workflow: Workflow, policy: Option<Policy>) -> Replay =
        |org| policies::replay(&org, workflow, policy).await;
    /// `policy` for `workflow` tried on a sample request by each possible initiator, with the
    /// draft's lock readiness and bus factor.
    org fn simulate_policy(workflow: Workflow, policy: Option<Policy>) -> Simulation =
        |org| policies::simulate(&org, workflow, policy).await;
    /// The sandbox's demo members with their current codes (sandbox mode only).
    org fn sandbox_members() -> Vec<DemoMember> = |org| sandbox::members(&org).await;
    /// Signs in as another demo member (sandbox mode only).
    org fn switch_member(member_id: String) -> Session =
        |org| sandbox::switch_member(&org, &member_id).await;
    /// Whether the living sandbox runs (sandbox mode only).
    org fn living_sandbox() -> bool = |org| sandbox::living(&org).await;
    /// Switches the living sandbox on or off; its new state (sandbox mode only).
    org fn set_living_sandbox(on: bool) -> bool = |org| sandbox::set_living(&org, on).await;
    /// Reveals, once, the key of a service user the member's request created (stepped up with
    /// their code); the core keeps it for copying or storing.
    org fn reveal_created_key(request_id: String, otp: String) -> RevealedKey =
        |org| requests::reveal(&org, &request_id, &otp).await;
    /// What a service user's key did at the exchange API (endpoints, refusals, addresses), and
    /// the least-privilege advice drawn from it.
    org fn key_review(service_user: String) -> KeyReview =
        |org| keys::review(&org, &service_user).await;
    /// The service users whose withdrawal calls named an address-book entry.
    org fn address_callers(key: String) -> Vec<EntryCaller> =
        |org| addresses::callers(&org, &key).await;
    /// Switches a service user's key off at once (an emergency stop, with a reason and the
    /// member's code); the stop in force.
    org fn stop_key(service_user: String, reason: String, otp: String) -> StopView =
        |org| stops::stop_key(&org, &service_user, &reason, &otp).await;
    /// Freezes every withdrawal at once (an emergency stop); the freeze in force.
    org fn freeze_withdrawals(reason: String, otp: String) -> StopView =
        |org| stops::freeze_withdrawals(&org, &reason, &otp).await;
    /// Copies a just-revealed service-user secret (kept in Rust) to the clipboard; the seconds
    /// until it is cleared.
    org fn copy_revealed_secret(request_id: String) -> u32 =
        |org| keys::copy_revealed_secret(&org, &request_id).await;
    /// Stores a just-revealed key pair in the OS keychain and forgets it; the entry's name.
    org fn store_revealed_key(request_id: String) -> String =
        |org| keys::store_revealed_key(&org, &request_id).await;
    /// Forgets a just-revealed key (leaving the page). Works while locked: it only forgets.
    session fn forget_revealed_key(request_id: String) -> () =
        |core| keys::forget_revealed_key(core, &request_id);
    /// Locks the app: every org command fails with `locked` until unlocked.
    session fn lock_app() -> () = |core| {
        core.lock();
        Ok(())
    };
    /// Unlocks with the signed-in member's current code.
    session fn unlock_app(otp: String) -> () = |core| core.unlock(&otp).await;
    /// Whether the app is locked.
    session fn app_locked() -> bool = |core| Ok(core.is_locked());
    /// The person at the keyboard did something: the core's idle lock waits its full time
    /// again. The page reports input only, never its own polling.
    session fn note_input() -> () = |core| {
        core.note_input();
        Ok(())
    };
    /// Sets how many minutes without input lock the app (1, 2, 5, 10, 15 or 30).
    session fn set_idle_minutes(minutes: u32) -> u32 = |core| {
        core.set_idle_minutes(minutes)?;
        Ok(core.idle_minutes())
    };
    /// In the sandbox, the signed-in demo member's current code, for the lock screen: nobody
    /// is stranded on a demo. None against a remote org API.
    session fn sandbox_unlock_code() -> Option<DemoMember> =
        |core| sandbox::own_code(core).await;
    /// Where the desk stands with the Organization's event stream (none: not followed yet).
    session fn sync_state() -> Option<SyncState> = |core| Ok(core.sync_state());
    /// A new authenticator secret for the signed-in member: the otpauth URI and its QR code.
    org fn begin_enrollment() -> Enrollment = |org| trust::begin_enrollment(&org).await;
    /// Confirms the authenticator with its first code (and registers this device).
    org fn confirm_enrollment(otp: String) -> Session =
        |org| trust::confirm_enrollment(&org, &otp).await;
    /// Adds a remote Organization and switches to it. The API secret is read from the
    /// clipboard by the core; the page sends only the URL and the key.
    switch fn add_org(base_url: String, api_key: String) -> Session =
        |core| orgs::add_from_clipboard(core, &base_url, &api_key).await;
    /// Leaves the remote Organization (its key is deleted from the keychain) for the sandbox.
    switch fn leave_org() -> Session = |core| orgs::leave(core).await;
    /// This device's signing key and whether it is registered to the signed-in member.
    org fn device_status() -> DeviceStatus = |org| trust::device_status(&org).await;
    /// Registers this device's signing key to the signed-in member with their current code.
    org fn register_device(otp: String) -> DeviceStatus =
        |org| Ok(trust::register_device(&org, &otp).await?.status);
    /// Imports ledgers and trades exports (.csv or .zip) by path: every file or none. Progress
    /// goes out as `ledger-import-progress` events.
    ledgers fn ledger_import(paths: Vec<String>, accept_edited: Option<bool>) -> ImportSummary =
        |ledgers, app| crate::import_ledgers(ledgers, app, paths, accept_edited).await;
    /// The integrity check of everything stored.
    ledgers fn ledger_report() -> IntegrityView = |ledgers| ledgers.report().await;
    /// `limit` rows from `offset` of those the filter selects (time order), and how many.
    ledgers fn ledger_page(filter: LedgerFilter, offset: usize, limit: usize) -> PageView =
        |ledgers| ledgers.page(filter, offset, limit).await;
    /// Where a finding's row is among the rows the filter selects, if it is one of them.
    ledgers fn ledger_locate(filter: LedgerFilter, row: RowRefView) -> Option<usize> =
        |ledgers| ledgers.locate(filter, row).await;
    /// Exact totals of the settled rows the filter selects, grouped by `by`.
    ledgers fn ledger_totals(filter: LedgerFilter, by: Vec<String>) -> Vec<TotalView> =
        |ledgers| ledgers.totals(filter, by).await;
    /// One chain's balance at the end of each period.
    ledgers fn ledger_series(asset: String, wallet: String, bucket: SeriesBucket) -> Vec<SeriesPointView> =
        |ledgers| ledgers.series(asset, wallet, bucket).await;
    /// The values of the filter's dropdowns.
    ledgers fn ledger_facets() -> LedgerFacets = |ledgers| ledgers.facets().await;
    /// `limit` trade groups (each with its legs and fees) from `offset`, and how many.
    ledgers fn ledger_trades(filter: LedgerFilter, offset: usize, limit: usize) -> TradesPageView =
        |ledgers| ledgers.trades(filter, offset, limit).await;
    /// Writes the rows the filter selects to `path` (chosen in the save dialog) in the
    /// exchange's ledgers layout; the rows never come to the page.
    ledgers fn ledger_export_rows(filter: LedgerFilter, path: String) -> ExportView =
        |ledgers| ledgers.export_rows(filter, path.into()).await;
    /// Writes month-end balance assertions for the filter's chains to `path`.
    ledgers fn ledger_export_balances(filter: LedgerFilter, path: String) -> ExportView =
        |ledgers| ledgers.export_balances(filter, path.into()).await;
}
