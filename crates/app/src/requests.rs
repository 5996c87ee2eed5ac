//! Requests of every workflow: what one would do ([`preview`]), submitting it ([`submit`]),
//! cancelling one's own ([`cancel`]) and revealing, once, a created service user's key
//! ([`reveal`]). A [`Draft`] describes a request as a person does (an address-book entry's
//! name, grants, a policy's numbers); [`Draft::payload`] fills it in from the Organization.

use countersign_org::view::{OrgView, RequestView, RevealedKey};
use countersign_org::{
    AccountPermission, MemberId, Preview, PreviewDecision, RequestPayload, ServiceUserId, Workflow,
    WorkflowPermission,
};
use rust_decimal::Decimal;

use crate::core::OrgAccess;
use crate::error::{CommandError, ErrorCode, Otp};
use crate::ipc::SubmitOutcome;
use crate::keys::KeyDraft;
use crate::policies::PolicyDraft;
use crate::reveal::Revealed;
use crate::{addresses, members};

/// What submitting `payload` would do, and why (as `as_member` would submit it, if given: a
/// member's id, or a service user's, for what one of its withdrawals would go through).
pub async fn preview(
    org: &OrgAccess<'_>,
    payload: &RequestPayload,
    execute: bool,
    as_member: Option<&str>,
) -> Result<Preview, CommandError> {
    Ok(org.client().preview(payload, execute, as_member).await?)
}

/// Submits a request with the initiator's optional `reason` (shown with it to every viewer).
/// A request that completes at once is Execute, whether asked for (`execute`) or because its
/// workflow has no policy: it needs a step-up, the member's code or the decision window held.
/// Without a code, the preview says first whether it would complete at once; if so and no
/// window is open, nothing is sent and the member is asked for their code. When it creates a
/// service user at once, the outcome carries the key pair for its one-time reveal, and the core
/// keeps it for copying or storing ([`crate::keys`]).
pub async fn submit(
    org: &OrgAccess<'_>,
    payload: &RequestPayload,
    execute: bool,
    otp: Option<&str>,
    reason: Option<&str>,
) -> Result<SubmitOutcome, CommandError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let at_once = execute
        || otp.is_some()
        || matches!(
            preview(org, payload, false, None).await?.decision,
            PreviewDecision::CompletesImmediately
        );
    let proof = if at_once {
        Some(
            crate::approvals::single_proof(org, otp).map_err(|e| match (execute, e.code) {
                (false, ErrorCode::InvalidOtp) => CommandError::new(
                    ErrorCode::InvalidOtp,
                    "This request completes at once (its workflow has no policy that queues it), \
                     which is Execute: enter your 2FA code.",
                ),
                _ => e,
            })?,
        )
    } else {
        None
    };
    let device = match proof {
        Some(_) => Some(org.device().await?),
        None => None,
    };
    let step_up = proof
        .as_ref()
        .zip(device.as_deref())
        .map(|(proof, device)| proof.with(device));
    let result = org
        .decider()
        .submit(payload, execute, reason, step_up)
        .await?;
    // The reveal goes to the caller this once; the core keeps it for copy and store.
    *org.core().revealed.lock().map_err(CommandError::internal)? =
        result.revealed.as_ref().map(|key| Revealed {
            request_id: result.request.id.clone(),
            name: match payload {
                RequestPayload::CreateServiceUser { name, .. } => name.clone(),
                _ => String::new(),
            },
            key: key.clone(),
        });
    Ok(SubmitOutcome {
        request: result.request,
        preview: result.preview,
        revealed: result.revealed,
    })
}

/// Cancels the member's own pending request, stepped up by `otp` or the decision window held.
pub async fn cancel(
    org: &OrgAccess<'_>,
    id: &str,
    otp: Option<&str>,
    seen: Option<&RequestPayload>,
) -> Result<RequestView, CommandError> {
    let proof = crate::approvals::single_proof(org, otp)?;
    let device = org.device().await?;
    Ok(org.decider().cancel(id, proof.with(&device), seen).await?)
}

/// Reveals, once, the key of a service user created by the member's request (stepped up with
/// the member's code). The core keeps it, as it does a key revealed at submission, for copying
/// with auto-clear or storing in the keychain ([`crate::keys`]).
pub async fn reveal(org: &OrgAccess<'_>, id: &str, otp: &str) -> Result<RevealedKey, CommandError> {
    let otp = Otp::parse(otp)?;
    let name = match org.client().get_request(id).await?.payload {
        RequestPayload::CreateServiceUser { name, .. } => name,
        _ => {
            return Err(CommandError::invalid(format!(
                "{id} does not create a service user: there is no key to reveal"
            )));
        }
    };
    // The org API answers "unknown request" when nothing waits; here the request is known.
    let key = org
        .client()
        .reveal(id, otp.as_str())
        .await
        .map_err(CommandError::from)
        .map_err(|e| match e.code {
            ErrorCode::NotFound => CommandError {
                message: format!(
                    "nothing to reveal: the key {id} created was already revealed (a key is shown once), \
                     or the request has not completed"
                ),
                ..e
            },
            _ => e,
        })?;
    *org.core().revealed.lock().map_err(CommandError::internal)? = Some(Revealed {
        request_id: id.to_owned(),
        name,
        key: key.clone(),
    });
    Ok(key)
}

/// A request as a person describes it, before the Organization's current state fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Draft {
    /// Initiate Withdrawal: to an address-book entry, by its name.
    Withdrawal {
        /// Asset code (`BTC`).
        asset: String,
        /// Amount.
        amount: Decimal,
        /// Fee charged on top.
        fee: Decimal,
        /// The address-book entry's name.
        to: String,
    },
    /// Manage Access: invite a member with these permissions.
    InviteMember {
        /// Display name.
        name: String,
        /// Workflow permissions.
        grants: Vec<(Workflow, WorkflowPermission)>,
        /// Account permissions.
        account: Vec<AccountPermission>,
    },
    /// Manage Access: remove a member.
    RemoveMember {
        /// Member id.
        member: String,
    },
    /// Manage Access: replace a member's permissions.
    ChangeMember {
        /// Member id.
        member: String,
        /// The new workflow permissions (none: remove all).
        grants: Vec<(Workflow, WorkflowPermission)>,
        /// The new account permissions.
        account: Vec<AccountPermission>,
    },
    /// Manage Access: create a service user and its API key.
    CreateServiceUser {
        /// Display name.
        name: String,
        /// Its key's scopes and settings.
        key: KeyDraft,
    },
    /// Manage Access: replace a service user's key scopes and settings.
    ChangeServiceUser {
        /// Service user id.
        service_user: String,
        /// The new scopes and settings.
        key: KeyDraft,
    },
    /// Manage Access: remove a service user.
    RemoveServiceUser {
        /// Service user id.
        service_user: String,
    },
    /// Manage Access: switch a stopped service user's key back on.
    ResumeServiceUser {
        /// Service user id.
        service_user: String,
    },
    /// Manage Policies: lift the withdrawal freeze.
    ResumeWithdrawals,
    /// Manage Policies: set a workflow's policy.
    ChangePolicy(PolicyDraft),
    /// Manage Policies: remove a workflow's policy.
    RemovePolicy {
        /// The workflow.
        workflow: Workflow,
    },
    /// Manage Policies: lock a workflow's policy (irreversible).
    LockPolicy {
        /// The workflow.
        workflow: Workflow,
    },
    /// Manage Addresses: add an entry.
    AddAddress {
        /// Its name.
        key: String,
        /// Asset code.
        asset: String,
        /// Withdrawal method.
        method: String,
        /// The destination.
        address: String,
    },
    /// Manage Addresses: rename an entry.
    RelabelAddress {
        /// Current name.
        key: String,
        /// New name.
        new_key: String,
    },
    /// Manage Addresses: remove an entry.
    RemoveAddress {
        /// Its name.
        key: String,
    },
}

impl Draft {
    /// The request's payload, filled in from the Organization: a withdrawal's address from the
    /// address book, a policy change keeping its workflow's lock.
    pub fn payload(&self, org: &OrgView) -> Result<RequestPayload, CommandError> {
        Ok(match self {
            Self::Withdrawal {
                asset,
                amount,
                fee,
                to,
            } => RequestPayload::Withdrawal {
                asset: asset.clone(),
                amount: *amount,
                fee: *fee,
                key: to.clone(),
                address: addresses::entry(org, to)?.address.clone(),
            },
            Self::InviteMember {
                name,
                grants,
                account,
            } => RequestPayload::InviteMember {
                name: name.clone(),
                permissions: members::permissions(grants),
                account: account.iter().copied().collect(),
            },
            Self::RemoveMember { member } => RequestPayload::RemoveMember {
                member: MemberId(member.clone()),
            },
            Self::ChangeMember {
                member,
                grants,
                account,
            } => RequestPayload::ChangeMemberPermissions {
                member: MemberId(member.clone()),
                permissions: members::permissions(grants),
                account: account.iter().copied().collect(),
            },
            Self::CreateServiceUser { name, key } => RequestPayload::CreateServiceUser {
                name: name.clone(),
                key: key.spec(),
            },
            Self::ChangeServiceUser { service_user, key } => RequestPayload::ChangeServiceUserKey {
                service_user: ServiceUserId(service_user.clone()),
                key: key.spec(),
            },
            Self::RemoveServiceUser { service_user } => RequestPayload::RemoveServiceUser {
                service_user: ServiceUserId(service_user.clone()),
            },
            Self::ResumeServiceUser { service_user } => RequestPayload::ResumeServiceUser {
                service_user: ServiceUserId(service_user.clone()),
            },
            Self::ResumeWithdrawals => RequestPayload::ResumeWithdrawals,
            Self::ChangePolicy(draft) => RequestPayload::ChangePolicy {
                workflow: draft.workflow,
                policy: Some(draft.policy(org)),
            },
            Self::RemovePolicy { workflow } => RequestPayload::ChangePolicy {
                workflow: *workflow,
                policy: None,
            },
            Self::LockPolicy { workflow } => RequestPayload::LockPolicy {
                workflow: *workflow,
            },
            Self::AddAddress {
                key,
                asset,
                method,
                address,
            } => RequestPayload::AddAddress {
                key: key.clone(),
                asset: asset.clone(),
                method: method.clone(),
                address: address.clone(),
            },
            Self::RelabelAddress { key, new_key } => RequestPayload::RelabelAddress {
                key: key.clone(),
                new_key: new_key.clone(),
            },
            Self::RemoveAddress { key } => RequestPayload::RemoveAddress { key: key.clone() },
        })
    }
}
