//! The shapes the org API returns and the desktop app renders, exported to TypeScript by ts-rs
//! (`cargo test -p countersign-org export_bindings` writes `ui/src/bindings/`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{Actor, Member, MemberId, ServiceUserId};
use crate::org::{AddressEntry, Org};
use crate::permission::{AccountPermission, Permissions, WorkflowPermission};
use crate::policy::Policy;
use crate::request::{Decision, Request, RequestPayload, RequestStatus};
use crate::scope::{ApiKeySpec, Scope};

// The display shapes of other modules, here too for the API's users (`view::ActorRef`).
pub use crate::actor::{ActorKind, ActorRef};
pub use crate::permission::Workflow;

/// One member's decision, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DecisionView {
    /// Who decided.
    pub member: ActorRef,
    /// Approve or reject.
    pub decision: Decision,
    /// When, unix seconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Why (required of a rejection, optional for an approval).
    pub reason: Option<String>,
    /// The signed statement's short digest (`ABCD-EFGH-IJKL-MNOP`), when the decision was
    /// signed by a device: two officers compare it out of band.
    #[serde(default)]
    pub digest: Option<String>,
}

/// Whether the member asking may approve or reject this request now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Eligibility {
    /// May decide now.
    pub can_decide: bool,
    /// The rule that stops them, in plain words.
    pub why_not: Option<String>,
    /// Why approving it is refused though rejecting stays possible, in plain words: the viewer
    /// holds the initiating bot's secret, an emergency stop is in force, or the initiator was
    /// revoked. Absent when nothing refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub approve_blocked: Option<String>,
}

/// A request as the org API shows it to one member. Times are unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RequestView {
    /// Id.
    pub id: String,
    /// Governing workflow.
    pub workflow: Workflow,
    /// Where it stands.
    pub status: RequestStatus,
    /// Who asked.
    pub initiator: ActorRef,
    /// A service user's request: the member who holds its key's secret, and so counts as its
    /// initiator, never its approver **(extension)**. Absent for a member's request, and for a
    /// bot whose key was issued outside the Organization's requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub initiator_key_holder: Option<ActorRef>,
    /// What it does.
    pub payload: RequestPayload,
    /// The request in plain words.
    pub summary: String,
    /// Approvals required by the policy snapshotted at submission.
    pub required_approvals: u32,
    /// Approvals so far.
    pub approvals: u32,
    /// Every decision so far, in order.
    pub decisions: Vec<DecisionView>,
    /// Submitted at.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Last changed at.
    #[ts(type = "number")]
    pub updated_at: i64,
    /// What the viewer may do.
    pub viewer: Eligibility,
    /// The policy snapshotted at submission, which governs this request (`null`: none).
    pub policy: Option<Policy>,
    /// When it expires if still pending, unix seconds (`null`: never).
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    /// **(extension)** Pending, and the workflow's policy has changed since submission: the
    /// request still follows its snapshot.
    pub policy_changed: bool,
    /// Pending: the members who may still approve it (Approve on its workflow, not the initiator
    /// nor the holder of its bot's secret, not yet decided), by name.
    pub still_eligible: Vec<ActorRef>,
    /// Pending: what it would change in the Organization as it is now, line by line, as its
    /// initiator saw before submitting ([`Org::change_diff`]). Empty once decided.
    #[serde(default)]
    pub changes: Vec<crate::ChangeLine>,
    /// A completed service-user creation whose key waits for its one-time reveal, shown to its
    /// initiator only **(extension)**: they may call `Reveal` once. False otherwise, and once
    /// revealed.
    #[serde(default)]
    pub key_to_reveal: bool,
    /// A pending withdrawal's risk flags (from `risk_flags`). Not sent by the org API: the
    /// member's app fills it from the history the member may see. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<crate::flag::RiskFlag>>")]
    pub risk: Vec<crate::flag::RiskFlag>,
    /// Why the initiator asks, as they wrote it (absent: they gave none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// A completed withdrawal followed to the exchange: its transfer and ledger entry
    /// **(extension)**. Absent for anything else, and from an org API that does not follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub settlement: Option<crate::Settlement>,
    /// A pending withdrawal against the account: the balance now and after, and its worth where
    /// a price is known **(extension)**. Absent for anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub funds: Option<crate::FundsView>,
    /// A pending withdrawal's destination: which completed request added or renamed its
    /// address-book entry, when and by whom. Not sent by the org API: the member's app fills it
    /// from the history, as it does `risk`. Absent when the entry predates the history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub destination: Option<DestinationNamed>,
}

/// How an address-book entry got its name: added, or renamed, by a completed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DestinationNamed {
    /// `added` or `renamed`.
    pub verb: String,
    /// When the request completed, unix seconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Who asked for it.
    pub by: ActorRef,
    /// The request.
    pub request_id: String,
}

impl RequestView {
    /// Builds the view of `request` for `viewer`, naming actors through `name_of`; `org` is the
    /// Organization now (to flag requests on an older policy, and list who may still approve).
    pub fn new(
        request: &Request,
        viewer: &Member,
        now: i64,
        org: &Org,
        name_of: impl Fn(&Actor) -> ActorRef,
    ) -> Self {
        let current_policy = org.governing_policy(&request.payload);
        let still_eligible = if request.status == RequestStatus::Pending {
            org.holders(request.workflow(), WorkflowPermission::Approve)
                .into_iter()
                .filter(|m| {
                    request.check_can_decide(m, now).is_ok()
                        && org.holder_refusal(request, &m.id).is_none()
                })
                .map(|m| org.actor_ref(&m.actor()))
                .collect()
        } else {
            Vec::new()
        };
        let initiator = name_of(&request.initiator);
        let verb = if request.status == RequestStatus::Pending {
            "wants to"
        } else {
            "asked to"
        };
        let summary = format!(
            "{} {verb} {}",
            initiator.name,
            request.payload.describe(&name_of)
        );
        let pending = request.status == RequestStatus::Pending;
        let approve_blocked = if pending {
            org.holder_refusal(request, &viewer.id)
                .map(|rule| capitalise(&rule.to_string()))
                .or_else(|| {
                    org.stop_in_force(&request.initiator, &request.payload)
                        .map(|why| format!("Approving is refused while {why}"))
                })
                .or_else(|| {
                    org.initiator_revoked(request)
                        .map(|why| format!("Approving is refused: {why}"))
                })
        } else {
            None
        };
        let eligibility = match request.check_can_decide(viewer, now) {
            Ok(()) => Eligibility {
                can_decide: true,
                why_not: None,
                approve_blocked,
            },
            Err(rule) => Eligibility {
                can_decide: false,
                why_not: Some(capitalise(&rule.to_string())),
                approve_blocked,
            },
        };
        Self {
            id: request.id.0.clone(),
            workflow: request.workflow(),
            status: request.status,
            initiator,
            initiator_key_holder: org
                .key_holder_of(&request.initiator)
                .map(|m| name_of(&Actor::Member(m.clone()))),
            payload: request.payload.clone(),
            summary,
            required_approvals: request.required_approvals(),
            // Pending: the approvals that still stand (revocation reaches what is pending);
            // decided: those that were recorded.
            approvals: if pending {
                org.standing_approvals(request)
            } else {
                request.approvals()
            },
            decisions: request
                .decisions
                .iter()
                .map(|d| DecisionView {
                    member: name_of(&Actor::Member(d.member.clone())),
                    decision: d.decision,
                    at: d.at,
                    reason: d.reason.clone(),
                    digest: None,
                })
                .collect(),
            created_at: request.created_at,
            updated_at: request.updated_at,
            viewer: eligibility,
            policy: request.policy,
            expires_at: request.expires_at(),
            policy_changed: request.status == RequestStatus::Pending
                && request.policy != current_policy,
            still_eligible,
            changes: if request.status == RequestStatus::Pending {
                org.change_diff(&request.payload)
            } else {
                Vec::new()
            },
            key_to_reveal: false,
            risk: Vec::new(),
            reason: request.reason.clone(),
            settlement: None,
            funds: None,
            destination: None,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// A member as the Members area shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MemberView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether this is the Owner.
    pub is_owner: bool,
    /// Workflow permissions.
    #[ts(as = "crate::permission::PermissionsWire")]
    pub permissions: Permissions,
    /// Account permissions (Trade, Earn Allocate, Earn Deallocate): immediate, never queued.
    pub account: Vec<AccountPermission>,
}

/// A service user as the Service users area shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ServiceUserView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its API key's scopes and settings.
    pub key: ApiKeySpec,
    /// The member who received its key's secret, and counts as the initiator of its requests
    /// **(extension)**. Absent: issued outside the Organization's requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key_holder: Option<ActorRef>,
    /// When its key last signed a call, unix seconds (`null`: never).
    #[ts(type = "number | null")]
    pub last_used: Option<i64>,
    /// Its key's emergency stop, while in force: every call it signs is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stopped: Option<StopView>,
}

/// An emergency stop in force, as every member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StopView {
    /// Who pulled it.
    pub by: ActorRef,
    /// When, unix seconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Why.
    pub reason: String,
}

impl StopView {
    /// The view of `stop`, naming its member from `org`.
    pub fn new(org: &Org, stop: &crate::Stop) -> Self {
        Self {
            by: org.actor_ref(&Actor::Member(stop.by.clone())),
            at: stop.at,
            reason: stop.reason.clone(),
        }
    }

    fn to_stop(&self) -> crate::Stop {
        crate::Stop {
            by: crate::MemberId(self.by.id.clone()),
            at: self.at,
            reason: self.reason.clone(),
        }
    }
}

/// A workflow's policy with how fragile its approvals are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyView {
    /// The workflow.
    pub workflow: Workflow,
    /// Its policy (`null`: none — requests complete at once).
    pub policy: Option<Policy>,
    /// Members holding Approve on it.
    pub approvers: Vec<ActorRef>,
    /// How many approvers can be away before it can no longer complete anything.
    pub bus_factor: Option<u32>,
}

/// The Organization as its areas show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OrgView {
    /// Name.
    pub name: String,
    /// Members, Owner first, then by name.
    pub members: Vec<MemberView>,
    /// Service users by name.
    pub service_users: Vec<ServiceUserView>,
    /// One entry per workflow, in the spec's order.
    pub policies: Vec<PolicyView>,
    /// The address book by key.
    pub addresses: Vec<AddressEntry>,
    /// The withdrawal freeze, while in force: no withdrawal is submitted or completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub withdrawals_frozen: Option<StopView>,
    /// The Organization's settings (its decision window). Absent from an older org API: the
    /// defaults.
    #[serde(default)]
    pub settings: crate::OrgSettings,
}

impl OrgView {
    /// The view of `org`; `last_used` gives each service user's last key use.
    pub fn new(org: &Org, last_used: impl Fn(&ServiceUserId) -> Option<i64>) -> Self {
        let mut members: Vec<MemberView> = org
            .members
            .values()
            .map(|m| MemberView {
                id: m.id.0.clone(),
                name: m.name.clone(),
                is_owner: m.is_owner,
                permissions: m.permissions,
                account: m.account.iter().copied().collect(),
            })
            .collect();
        members.sort_by(|a, b| {
            b.is_owner
                .cmp(&a.is_owner)
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut service_users: Vec<ServiceUserView> = org
            .service_users
            .values()
            .map(|s| ServiceUserView {
                id: s.id.0.clone(),
                name: s.name.clone(),
                key: s.key.clone(),
                key_holder: s
                    .key_holder
                    .as_ref()
                    .map(|m| org.actor_ref(&Actor::Member(m.clone()))),
                last_used: last_used(&s.id),
                stopped: org.stops.keys.get(&s.id).map(|st| StopView::new(org, st)),
            })
            .collect();
        service_users.sort_by(|a, b| a.name.cmp(&b.name));
        let policies = Workflow::ALL
            .into_iter()
            .map(|w| PolicyView {
                workflow: w,
                policy: org.policy(w),
                approvers: org
                    .holders(w, WorkflowPermission::Approve)
                    .into_iter()
                    .map(|m| org.actor_ref(&m.actor()))
                    .collect(),
                bus_factor: org.bus_factor(w),
            })
            .collect();
        Self {
            name: org.name.clone(),
            members,
            service_users,
            policies,
            addresses: org.addresses.values().cloned().collect(),
            withdrawals_frozen: org
                .stops
                .withdrawals
                .as_ref()
                .map(|st| StopView::new(org, st)),
            settings: org.settings,
        }
    }

    /// The Organization this view shows, for the engine's what-ifs on the caller's side (the
    /// policy simulator): the view carries every member, service user, policy and address.
    pub fn to_org(&self) -> Org {
        Org {
            name: self.name.clone(),
            members: self
                .members
                .iter()
                .map(|m| {
                    let id = crate::MemberId(m.id.clone());
                    (
                        id.clone(),
                        crate::Member {
                            id,
                            name: m.name.clone(),
                            is_owner: m.is_owner,
                            permissions: m.permissions,
                            account: m.account.iter().copied().collect(),
                        },
                    )
                })
                .collect(),
            service_users: self
                .service_users
                .iter()
                .map(|s| {
                    let id = ServiceUserId(s.id.clone());
                    (
                        id.clone(),
                        crate::ServiceUser {
                            id,
                            name: s.name.clone(),
                            key: s.key.clone(),
                            key_holder: s.key_holder.as_ref().map(|m| MemberId(m.id.clone())),
                        },
                    )
                })
                .collect(),
            policies: self
                .policies
                .iter()
                .filter_map(|p| p.policy.map(|policy| (p.workflow, policy)))
                .collect(),
            addresses: self
                .addresses
                .iter()
                .map(|a| (a.key.clone(), a.clone()))
                .collect(),
            stops: crate::Stops {
                keys: self
                    .service_users
                    .iter()
                    .filter_map(|s| {
                        let stop = s.stopped.as_ref()?;
                        Some((ServiceUserId(s.id.clone()), stop.to_stop()))
                    })
                    .collect(),
                withdrawals: self.withdrawals_frozen.as_ref().map(StopView::to_stop),
            },
            settings: self.settings,
        }
    }
}

/// A created service user's key pair, revealed once to the request's initiator (the `Reveal` and
/// `Submit` answers of the org API, and the app's one-time reveal). `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevealedKey {
    /// Public key.
    pub api_key: String,
    /// Private key, base64. Shown once.
    pub api_secret: String,
}

impl std::fmt::Debug for RevealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevealedKey")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// Why a key's call was refused, as the key's usage record counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RefusalCause {
    /// The key lacks the endpoint's scope.
    Scope,
    /// The call came from outside the key's IP allow-list.
    Ip,
    /// The key had expired.
    Expiry,
    /// The nonce was not above the key's highest (within its window).
    Nonce,
    /// An emergency stop was in force on the key.
    Stopped,
}

impl RefusalCause {
    /// The wire name (`scope`, `ip`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scope => "scope",
            Self::Ip => "ip",
            Self::Expiry => "expiry",
            Self::Nonce => "nonce",
            Self::Stopped => "stopped",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Scope,
            Self::Ip,
            Self::Expiry,
            Self::Nonce,
            Self::Stopped,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Withdrawal calls (`Withdraw`, `WithdrawInfo`) of a key naming one address-book entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DestinationUse {
    /// The entry's name, as the call gave it in `key` (it may no longer exist).
    pub key: String,
    /// Calls naming it.
    #[ts(type = "number")]
    pub calls: u64,
    /// The last one, unix seconds.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// Calls of one endpoint by a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EndpointUse {
    /// The endpoint's name (`Ledgers`, `Earn/Allocate`).
    pub endpoint: String,
    /// Calls answered.
    #[ts(type = "number")]
    pub calls: u64,
    /// The last one, unix seconds.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// Refusals of a key's calls for one cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RefusalCount {
    /// Why.
    pub cause: RefusalCause,
    /// How many.
    #[ts(type = "number")]
    pub refusals: u64,
    /// The last one, unix seconds.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// Calls answered from one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddressUse {
    /// The caller's IP address.
    pub address: String,
    /// Calls answered from it.
    #[ts(type = "number")]
    pub calls: u64,
    /// The last one, unix seconds.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// When a key last used one of its scopes: the last answered call of an endpoint the scope
/// unlocks (alone, with another scope, or as one of its alternatives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScopeUse {
    /// The scope.
    pub scope: Scope,
    /// The last such call, unix seconds (`null`: never).
    #[ts(type = "number | null")]
    pub last_at: Option<i64>,
}

/// What a service user's key did at the exchange API: each endpoint it called, each cause its
/// calls were refused for, and the addresses it called from **(extension)**.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KeyUsage {
    /// The service user.
    pub service_user: String,
    /// Endpoints called, by name.
    pub endpoints: Vec<EndpointUse>,
    /// Refusals, by cause.
    pub refusals: Vec<RefusalCount>,
    /// Addresses called from, by address.
    pub addresses: Vec<AddressUse>,
    /// Each scope the key holds, with when it was last used (from the endpoint table the
    /// exchange API enforces), in the scopes' order.
    pub scopes: Vec<ScopeUse>,
    /// The address-book entries its withdrawal calls named, by name (none when the server does
    /// not say).
    #[serde(default)]
    pub destinations: Vec<DestinationUse>,
}

impl KeyUsage {
    /// Each of `granted` with the last answered call of an endpoint it unlocks, from `endpoints`.
    pub fn scope_use(
        granted: &std::collections::BTreeSet<Scope>,
        endpoints: &[EndpointUse],
    ) -> Vec<ScopeUse> {
        use countersign_kraken::rest::{Endpoint, Requirement};
        granted
            .iter()
            .map(|scope| ScopeUse {
                scope: *scope,
                last_at: endpoints
                    .iter()
                    .filter(|e| {
                        Endpoint::parse(&e.endpoint).is_some_and(|ep| match ep.requirement() {
                            Requirement::AllOf(s) | Requirement::AnyOf(s) => s.contains(scope),
                            Requirement::WebSocket => false,
                        })
                    })
                    .map(|e| e.last_at)
                    .max(),
            })
            .collect()
    }
}
