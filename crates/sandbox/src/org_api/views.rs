//! The calls that only read: `Me`, `Org`, `ListRequests`, `GetRequest`, `PolicyDiff` and
//! `LockCheck`.

use countersign_kraken::{ApiError, OrgRefusal};
use countersign_org::view::{OrgView, RequestView};
use countersign_org::{
    LockCheck, PolicyDiff, RequestPayload, RequestStatus, Workflow, WorkflowPermission,
};
use countersign_orgapi::params::{
    GetRequestParams, ListRequestsParams, LockCheckParams, PolicyDiffParams,
};
use countersign_orgapi::{JsonText, ListResult, MeResult};

use crate::auth::{Caller, internal};
use crate::{Sandbox, db};

use super::{as_member, calling_member, invalid, load_visible, view, viewable};
use crate::lifecycle::sweep_expired;

pub(super) fn me(sandbox: &Sandbox, caller: &Caller) -> Result<MeResult, ApiError> {
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    Ok(MeResult {
        org_name: db::org_name(&conn).map_err(internal)?,
        member: db::actor_ref(&conn, &rec.member.actor()).map_err(internal)?,
        devices: db::devices(&conn, &rec.member.id).map_err(internal)?,
        totp_enrolled: rec.totp_enrolled,
    })
}

pub(super) fn list(sandbox: &Sandbox, caller: &Caller) -> Result<ListResult, ApiError> {
    let ListRequestsParams { status, workflow } =
        ListRequestsParams::read(&caller.params).map_err(invalid)?;
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let rec = calling_member(&conn, caller)?;
    let mut workflows = viewable(&rec.member);
    if let Some(w) = workflow {
        workflows.retain(|v| *v == w);
    }
    let now = sandbox.now();
    let requests = db::requests(&conn, &workflows, status).map_err(internal)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let requests = requests
        .iter()
        .map(|r| view(&conn, &org, r, &rec.member, now))
        .collect::<Result<_, _>>()?;
    Ok(ListResult { requests })
}

pub(super) fn get_one(sandbox: &Sandbox, caller: &Caller) -> Result<RequestView, ApiError> {
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let GetRequestParams { id } = GetRequestParams::read(&caller.params).map_err(invalid)?;
    let (rec, request) = load_visible(&conn, caller, &id)?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, sandbox.now())
}

pub(super) fn org_view(sandbox: &Sandbox, caller: &Caller) -> Result<OrgView, ApiError> {
    let conn = sandbox.conn();
    calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let last_used = db::last_used(&conn).map_err(internal)?;
    Ok(OrgView::new(&org, |id| last_used.get(&id.0).copied()))
}

/// `PolicyDiff` (`workflow`, `policy` as JSON, absent or `null` to remove): what replacing the
/// workflow's policy would change, and the pending requests left on an older snapshot.
pub(super) fn policy_diff(sandbox: &Sandbox, caller: &Caller) -> Result<PolicyDiff, ApiError> {
    let PolicyDiffParams {
        workflow,
        policy: JsonText(policy),
    } = PolicyDiffParams::read(&caller.params).map_err(invalid)?;
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let rec = calling_member(&conn, caller)?;
    // Policies, and the pending requests a change would affect, are for those who may see them.
    for w in [Workflow::ManagePolicies, workflow] {
        if !rec.member.permissions.has(w, WorkflowPermission::View) {
            return Err(ApiError::Org(OrgRefusal::NotPermitted));
        }
    }
    let org = db::load_org(&conn).map_err(internal)?;
    // A change that loosens a locked policy is still diffed: the editor shows what it would
    // loosen, and the preview refuses it by name.
    match org.validate(&RequestPayload::ChangePolicy { workflow, policy }) {
        Ok(()) | Err(countersign_org::PayloadError::LockedPolicyLoosened { .. }) => {}
        Err(_) => return Err(ApiError::InvalidArguments(Some("policy".into()))),
    }
    let pending =
        db::requests(&conn, &[workflow], Some(RequestStatus::Pending)).map_err(internal)?;
    Ok(org.policy_diff(workflow, policy, &pending))
}

/// `LockCheck` (`workflow`, optional `as`): whether the workflow's policy could be locked by the
/// caller (or by member `as`), and its bus factor.
pub(super) fn lock_check(sandbox: &Sandbox, caller: &Caller) -> Result<LockCheck, ApiError> {
    let LockCheckParams {
        workflow,
        as_member: as_id,
    } = LockCheckParams::read(&caller.params).map_err(invalid)?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    if !rec
        .member
        .permissions
        .has(Workflow::ManagePolicies, WorkflowPermission::View)
    {
        return Err(ApiError::Org(OrgRefusal::NotPermitted));
    }
    let org = db::load_org(&conn).map_err(internal)?;
    let actor = as_member(as_id.as_deref(), &org, &rec.member)?;
    Ok(org.lock_check(workflow, &actor))
}

/// `KeyUsage`: what a service user's key did at the exchange API. Needs View on Manage Access.
pub(super) fn key_usage(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<countersign_org::view::KeyUsage, ApiError> {
    let countersign_orgapi::params::KeyUsageParams { service_user } =
        countersign_orgapi::params::KeyUsageParams::read(&caller.params).map_err(invalid)?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    if !rec
        .member
        .permissions
        .has(Workflow::ManageAccess, WorkflowPermission::View)
    {
        return Err(ApiError::Org(OrgRefusal::NotPermitted));
    }
    let key = db::service_user_key(&conn, &service_user)
        .map_err(internal)?
        .ok_or(ApiError::InvalidArguments(Some("service_user".into())))?;
    let record = db::key(&conn, &key)
        .map_err(internal)?
        .ok_or(ApiError::InvalidArguments(Some("service_user".into())))?;
    db::usage(&conn, &key, &service_user, &record.spec.scopes).map_err(internal)
}
