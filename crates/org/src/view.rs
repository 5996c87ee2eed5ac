//! The shapes the org API returns and the desktop app renders, exported to TypeScript by ts-rs
//! (`cargo test -p countersign-org export_bindings` writes `ui/src/bindings/`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Actor, Decision, Member, Request, RequestPayload, RequestStatus};

/// The four Organization workflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Workflow {
    /// Members, permissions and service users.
    ManageAccess,
    /// Workflow policies.
    ManagePolicies,
    /// The withdrawal address book.
    ManageAddresses,
    /// Withdrawals.
    InitiateWithdrawal,
}

impl Workflow {
    /// Every workflow, in the spec's order.
    pub const ALL: [Workflow; 4] = [
        Self::ManageAccess,
        Self::ManagePolicies,
        Self::ManageAddresses,
        Self::InitiateWithdrawal,
    ];

    /// The wire name (`initiate_withdrawal`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManageAccess => "manage_access",
            Self::ManagePolicies => "manage_policies",
            Self::ManageAddresses => "manage_addresses",
            Self::InitiateWithdrawal => "initiate_withdrawal",
        }
    }

    /// The name people read (`Initiate Withdrawal`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Self::ManageAccess => "Manage Access",
            Self::ManagePolicies => "Manage Policies",
            Self::ManageAddresses => "Manage Addresses",
            Self::InitiateWithdrawal => "Initiate Withdrawal",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// Whether an actor is a person or a bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ActorKind {
    /// A member.
    Member,
    /// A service user.
    ServiceUser,
}

/// Who did something: a member or a service user, by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ActorRef {
    /// Member or service user.
    pub kind: ActorKind,
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

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
    /// Why (rejections may say).
    pub reason: Option<String>,
}

/// Whether the member asking may approve or reject this request now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Eligibility {
    /// May decide now.
    pub can_decide: bool,
    /// The rule that stops them, in plain words.
    pub why_not: Option<String>,
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
}

impl RequestView {
    /// Builds the view of `request` for `viewer`, naming actors through `name_of`.
    pub fn new(
        request: &Request,
        viewer: &Member,
        now: i64,
        name_of: impl Fn(&Actor) -> ActorRef,
    ) -> Self {
        let initiator = name_of(&request.initiator);
        let verb = if request.status == RequestStatus::Pending {
            "wants to"
        } else {
            "asked to"
        };
        let summary = match &request.payload {
            RequestPayload::Withdrawal {
                asset, amount, key, ..
            } => format!(
                "{} {verb} withdraw {} {asset} to {key}",
                initiator.name,
                amount.normalize()
            ),
        };
        let eligibility = match request.check_can_decide(viewer, now) {
            Ok(()) => Eligibility {
                can_decide: true,
                why_not: None,
            },
            Err(rule) => Eligibility {
                can_decide: false,
                why_not: Some(capitalise(&rule.to_string())),
            },
        };
        Self {
            id: request.id.0.clone(),
            workflow: request.workflow(),
            status: request.status,
            initiator,
            payload: request.payload.clone(),
            summary,
            required_approvals: request.required_approvals(),
            approvals: request.approvals(),
            decisions: request
                .decisions
                .iter()
                .map(|d| DecisionView {
                    member: name_of(&Actor::Member(d.member.clone())),
                    decision: d.decision,
                    at: d.at,
                    reason: d.reason.clone(),
                })
                .collect(),
            created_at: request.created_at,
            updated_at: request.updated_at,
            viewer: eligibility,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}
