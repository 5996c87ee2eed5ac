//! What a request would change, line by line, each line marked loosening or tightening: the
//! change diff an admin reads before submitting and an approver reads before deciding
//! ([`Org::change_diff`], [`ChangeLine`]). A key's lines come from [`key_diff`]; a change to who
//! holds what also reports its consequences on the Organization as a whole: workflows left with
//! fewer eligible approvers than their policy needs, and members who could newly complete a
//! workflow alone.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::Actor;
use crate::org::Org;
use crate::permission::{Workflow, WorkflowPermission, permission_diff};
use crate::policy::{Direction, Policy, diff as policy_diff};
use crate::request::{RequestId, RequestPayload};
use crate::scope::{
    ApiKeySpec, KeySettings, Scope, allowlist_beyond, scope_diff, wide_allowlist_entries,
};

/// One line of a change diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChangeLine {
    /// What changes: a scope's wire name, a setting (`valid_until`, `ip_allowlist`, ...), a
    /// policy field, `permissions`, `approvers`, `solo`, `address`, `service_user`, `member`.
    pub field: String,
    /// Loosening (more may happen, or with less scrutiny), tightening, or neither (`null`: a
    /// rename, a reordering).
    pub direction: Option<Direction>,
    /// The change in plain words, with its consequence where it has one.
    pub text: String,
    /// Worth a warning before submitting: a key open to a whole address family, a workflow
    /// that could no longer complete, one person completing a workflow alone.
    pub warning: bool,
}

fn line(field: &str, direction: Option<Direction>, text: String) -> ChangeLine {
    ChangeLine {
        field: field.to_owned(),
        direction,
        text,
        warning: false,
    }
}

fn warning(field: &str, direction: Option<Direction>, text: String) -> ChangeLine {
    ChangeLine {
        warning: true,
        ..line(field, direction, text)
    }
}

const LOOSENS: Option<Direction> = Some(Direction::Loosening);
const TIGHTENS: Option<Direction> = Some(Direction::Tightening);

/// A unix time in words: the date alone at midnight UTC, else the date and minute in UTC.
fn when(seconds: i64) -> String {
    match countersign_kraken::Timestamp::from_unix_seconds(seconds) {
        Ok(t) if seconds % 86_400 == 0 => t.utc().format("%Y-%m-%d").to_string(),
        Ok(t) => t.utc().format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => format!("unix time {seconds}"),
    }
}

/// What a withdrawal by a key holding Withdraw would go through under `policy`.
fn withdraw_consequence(policy: Option<Policy>) -> (String, bool) {
    match policy {
        None => (
            "each withdrawal completes at once: Initiate Withdrawal has no policy".into(),
            true,
        ),
        Some(p) => (
            format!(
                "each withdrawal queued for {} approval{} under the current policy",
                p.required_approvals,
                if p.required_approvals == 1 { "" } else { "s" }
            ),
            false,
        ),
    }
}

/// The lines from key `before` to key `after` (`None`: no key, for a creation or a removal),
/// given the Initiate Withdrawal policy now in force.
pub fn key_diff(
    before: Option<&ApiKeySpec>,
    after: Option<&ApiKeySpec>,
    withdrawals: Option<Policy>,
) -> Vec<ChangeLine> {
    let none = ApiKeySpec::default();
    let (b, a) = (before.unwrap_or(&none), after.unwrap_or(&none));
    let mut out = Vec::new();
    if before.is_some() && after.is_none() {
        return vec![line(
            "service_user",
            TIGHTENS,
            "its key stops working: every scope is withdrawn".into(),
        )];
    }
    let (gained, lost) = scope_diff(b, a);
    for scope in gained {
        let mut l = line(
            scope.wire_name(),
            LOOSENS,
            format!("gains {} ({})", scope.label(), scope.wire_name()),
        );
        if scope == Scope::FundsWithdraw {
            let (consequence, alarming) = withdraw_consequence(withdrawals);
            l.text = format!("{} — {consequence}", l.text);
            l.warning = alarming;
        }
        out.push(l);
    }
    for scope in lost {
        out.push(line(
            scope.wire_name(),
            TIGHTENS,
            format!("loses {} ({})", scope.label(), scope.wire_name()),
        ));
    }
    settings_diff(&b.settings, &a.settings, before.is_none(), &mut out);
    out
}

/// The settings' lines. On a new key (`created`) only settings other than the defaults show.
fn settings_diff(b: &KeySettings, a: &KeySettings, created: bool, out: &mut Vec<ChangeLine>) {
    // Expiry: 0 is never. Any expiry after none, or an earlier one, tightens.
    if a.valid_until != b.valid_until {
        let w = |t: i64| if t == 0 { "never".to_owned() } else { when(t) };
        let tightens = b.valid_until == 0 || (a.valid_until != 0 && a.valid_until < b.valid_until);
        out.push(line(
            "valid_until",
            if tightens { TIGHTENS } else { LOOSENS },
            if a.valid_until == 0 {
                format!("never expires instead of expiring {}", w(b.valid_until))
            } else if created {
                format!("expires {}", w(a.valid_until))
            } else {
                format!(
                    "expires {} instead of {}",
                    w(a.valid_until),
                    w(b.valid_until)
                )
            },
        ));
    }
    // Query window: a later start or an earlier end shows less history.
    if a.query_from != b.query_from {
        let w = |t: i64| {
            if t == 0 {
                "the beginning".to_owned()
            } else {
                when(t)
            }
        };
        let tightens = b.query_from == 0 || (a.query_from != 0 && a.query_from > b.query_from);
        out.push(line(
            "query_from",
            if tightens { TIGHTENS } else { LOOSENS },
            if created {
                format!("queries see entries from {} on", w(a.query_from))
            } else {
                format!(
                    "queries see entries from {} instead of from {}",
                    w(a.query_from),
                    w(b.query_from)
                )
            },
        ));
    }
    if a.query_to != b.query_to {
        // `query_to` is exclusive: entries before it.
        let w = |t: i64| {
            if t == 0 {
                "up to now".to_owned()
            } else {
                format!("before {}", when(t))
            }
        };
        let tightens = b.query_to == 0 || (a.query_to != 0 && a.query_to < b.query_to);
        out.push(line(
            "query_to",
            if tightens { TIGHTENS } else { LOOSENS },
            if created {
                format!("queries see entries {}", w(a.query_to))
            } else {
                format!(
                    "queries see entries {} instead of {}",
                    w(a.query_to),
                    w(b.query_to)
                )
            },
        ));
    }
    if a.websocket != b.websocket {
        out.push(if a.websocket {
            line("websocket", LOOSENS, "may obtain WebSocket tokens".into())
        } else {
            line(
                "websocket",
                TIGHTENS,
                "may no longer obtain WebSocket tokens".into(),
            )
        });
    }
    if a.nonce_window != b.nonce_window {
        out.push(line(
            "nonce_window",
            if a.nonce_window > b.nonce_window {
                LOOSENS
            } else {
                TIGHTENS
            },
            format!(
                "accepts a nonce up to {} below the highest seen{}",
                a.nonce_window,
                if created {
                    String::new()
                } else {
                    format!(" instead of {}", b.nonce_window)
                }
            ),
        ));
    }
    allowlist_diff(&b.ip_allowlist, &a.ip_allowlist, created, out);
}

/// The IP allow-list's lines, by the addresses admitted, not by the text: a list can widen and
/// narrow at once, and gets a line for each.
fn allowlist_diff(b: &[String], a: &[String], created: bool, out: &mut Vec<ChangeLine>) {
    let words = |l: &[String]| {
        if l.is_empty() {
            "any address".to_owned()
        } else {
            l.join(", ")
        }
    };
    let wider = allowlist_beyond(a, b);
    let narrower = allowlist_beyond(b, a);
    if created {
        if !a.is_empty() {
            out.push(line(
                "ip_allowlist",
                TIGHTENS,
                format!("works only from {}", words(a)),
            ));
        }
    } else if a.is_empty() && !b.is_empty() {
        out.push(line(
            "ip_allowlist",
            LOOSENS,
            format!("IP allow-list widened from {} to any address", words(b)),
        ));
    } else if b.is_empty() && !a.is_empty() {
        out.push(line(
            "ip_allowlist",
            TIGHTENS,
            format!("IP allow-list narrowed from any address to {}", words(a)),
        ));
    } else {
        if !wider.is_empty() {
            out.push(line(
                "ip_allowlist",
                LOOSENS,
                format!("IP allow-list widened: now admits {}", wider.join(", ")),
            ));
        }
        if !narrower.is_empty() {
            out.push(line(
                "ip_allowlist",
                TIGHTENS,
                format!(
                    "IP allow-list narrowed: no longer admits all of {}",
                    narrower.join(", ")
                ),
            ));
        }
        if wider.is_empty() && narrower.is_empty() && a != b {
            out.push(line(
                "ip_allowlist",
                None,
                format!(
                    "IP allow-list rewritten as {}, admitting the same addresses",
                    words(a)
                ),
            ));
        }
    }
    for (entry, why) in wide_allowlist_entries(a) {
        if !b.contains(&entry) || created {
            out.push(warning(
                "ip_allowlist",
                LOOSENS,
                format!("IP allow-list entry {entry} {why}"),
            ));
        }
    }
}

impl Org {
    /// What `payload` would change, line by line, against the Organization as it is now. Empty
    /// for a withdrawal (it changes no setting) and for a payload that is not valid now.
    pub fn change_diff(&self, payload: &RequestPayload) -> Vec<ChangeLine> {
        use RequestPayload as P;
        if self.validate(payload).is_err() {
            return Vec::new();
        }
        let withdrawals = self.policy(Workflow::InitiateWithdrawal);
        let mut out = match payload {
            P::Withdrawal { .. } => return Vec::new(),
            P::CreateServiceUser { key, .. } => key_diff(None, Some(key), withdrawals),
            P::ChangeServiceUserKey { service_user, key } => key_diff(
                self.service_users.get(service_user).map(|s| &s.key),
                Some(key),
                withdrawals,
            ),
            P::RemoveServiceUser { service_user } => key_diff(
                self.service_users.get(service_user).map(|s| &s.key),
                None,
                withdrawals,
            ),
            P::InviteMember { permissions, .. } => {
                grant_lines(&crate::Permissions::none(), permissions)
            }
            P::ChangeMemberPermissions {
                member,
                permissions,
                ..
            } => self
                .member(member)
                .map(|m| grant_lines(&m.permissions, permissions))
                .unwrap_or_default(),
            P::RemoveMember { member } => vec![line(
                "member",
                TIGHTENS,
                format!(
                    "{} leaves the Organization: every permission they hold ends",
                    self.actor_ref(&Actor::Member(member.clone())).name
                ),
            )],
            P::ChangePolicy { workflow, policy } => policy_diff(self.policy(*workflow), *policy)
                .into_iter()
                .map(|c| {
                    let what = match c.field.as_str() {
                        "required_approvals" => "required approvals",
                        "always_require_approval" => "always require approval",
                        "expires_after" => "pending requests expire",
                        "locked" => "locked",
                        _ => "policy",
                    };
                    line(
                        &format!("policy.{}", c.field),
                        Some(c.direction),
                        format!(
                            "{} {what}: {} instead of {}",
                            workflow.label(),
                            c.to,
                            c.from
                        ),
                    )
                })
                .collect(),
            P::LockPolicy { workflow } => vec![line(
                "policy.locked",
                TIGHTENS,
                format!(
                    "the {} policy is locked for good: changing it will always need approval",
                    workflow.label()
                ),
            )],
            P::AddAddress { key, address, .. } => vec![line(
                "address",
                LOOSENS,
                format!("withdrawals may go to {address}, named {key}"),
            )],
            P::RelabelAddress { key, new_key } => vec![line(
                "address",
                None,
                format!(
                    "the entry {key} is renamed {new_key}: withdrawals name it {new_key} from then on"
                ),
            )],
            P::RemoveAddress { key } => vec![line(
                "address",
                TIGHTENS,
                format!("withdrawals may no longer go to {key}"),
            )],
            P::ResumeServiceUser { service_user } => {
                let name = self
                    .actor_ref(&Actor::ServiceUser(service_user.clone()))
                    .name;
                let why = self
                    .stops
                    .keys
                    .get(service_user)
                    .map(|s| self.stop_words(s))
                    .unwrap_or_default();
                vec![line(
                    "stop",
                    LOOSENS,
                    format!(
                        "{name}'s API key works again, with its scopes and settings unchanged (stopped {why})"
                    ),
                )]
            }
            P::ResumeWithdrawals => {
                let why = self
                    .stops
                    .withdrawals
                    .as_ref()
                    .map(|s| self.stop_words(s))
                    .unwrap_or_default();
                vec![line(
                    "stop",
                    LOOSENS,
                    format!(
                        "withdrawals may be submitted and completed again, under their policy (frozen {why})"
                    ),
                )]
            }
            P::SetDecisionWindow { seconds } => {
                let was = self.settings.decision_window_seconds;
                let (direction, effect) = if *seconds > was {
                    (LOOSENS, "a code stays good for longer")
                } else {
                    (TIGHTENS, "a code stays good for less time")
                };
                vec![line(
                    "decision_window",
                    direction,
                    format!(
                        "decision window from {} to {}: {effect}; every decision is still signed on its own",
                        crate::window_words(was),
                        crate::window_words(*seconds)
                    ),
                )]
            }
        };
        out.extend(self.consequences(payload));
        out
    }

    /// For a change to who holds what or to a policy: workflows whose eligible approvers fall
    /// below the policy's N, and members who could newly complete a workflow alone. Found by
    /// applying the payload to a copy.
    fn consequences(&self, payload: &RequestPayload) -> Vec<ChangeLine> {
        use RequestPayload as P;
        if !matches!(
            payload,
            P::InviteMember { .. }
                | P::RemoveMember { .. }
                | P::ChangeMemberPermissions { .. }
                | P::ChangePolicy { .. }
        ) {
            return Vec::new();
        }
        let mut after = self.clone();
        if after.apply(&RequestId("PREVIEW".into()), payload).is_err() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for workflow in Workflow::ALL {
            if let Some(p) = after.policy(workflow) {
                let n = p.required_approvals as usize;
                let approvers = after.holders(workflow, WorkflowPermission::Approve).len();
                let before = shortfall(
                    self.holders(workflow, WorkflowPermission::Approve).len(),
                    self.policy(workflow),
                );
                let now = shortfall(approvers, Some(p));
                if now > before {
                    let held = format!(
                        "{} would have {approvers} member{} holding Approve for {n} required approval{}",
                        workflow.label(),
                        if approvers == 1 { "" } else { "s" },
                        if n == 1 { "" } else { "s" },
                    );
                    out.push(warning(
                        "approvers",
                        TIGHTENS,
                        if now == Shortfall::Always {
                            format!("{held}: no request could ever complete")
                        } else {
                            format!("{held}: a request one of them initiates could never complete")
                        },
                    ));
                }
            }
            let solo_before = self.solo_completers(workflow);
            for name in after.solo_completers(workflow) {
                if !solo_before.contains(&name) {
                    out.push(warning(
                        "solo",
                        LOOSENS,
                        format!("{name} could complete {} requests alone", workflow.label()),
                    ));
                }
            }
        }
        out
    }

    /// Members who can complete a request of `workflow` without anyone else: with no policy,
    /// whoever may initiate; with one that does not always require approval, whoever holds
    /// Execute.
    fn solo_completers(&self, workflow: Workflow) -> Vec<String> {
        let mut names: Vec<String> = self
            .members
            .values()
            .filter(|m| match self.policy(workflow) {
                None => {
                    m.permissions.has(workflow, WorkflowPermission::Initiate)
                        || m.permissions.has(workflow, WorkflowPermission::Execute)
                }
                Some(p) => {
                    !p.always_require_approval
                        && m.permissions.has(workflow, WorkflowPermission::Execute)
                }
            })
            .map(|m| m.name.clone())
            .collect();
        names.sort();
        names
    }
}

/// How far a workflow's approvers fall short of its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shortfall {
    /// Every request can reach N.
    None,
    /// A request initiated by one of the approvers cannot (they never approve their own).
    OwnRequests,
    /// No request can.
    Always,
}

fn shortfall(approvers: usize, policy: Option<Policy>) -> Shortfall {
    let Some(p) = policy else {
        return Shortfall::None;
    };
    let n = p.required_approvals as usize;
    if approvers < n {
        Shortfall::Always
    } else if approvers < n + 1 {
        Shortfall::OwnRequests
    } else {
        Shortfall::None
    }
}

/// Permissions gained and lost, one line each.
fn grant_lines(before: &crate::Permissions, after: &crate::Permissions) -> Vec<ChangeLine> {
    let (gained, lost) = permission_diff(before, after);
    let word = |p: WorkflowPermission| match p {
        WorkflowPermission::View => "View",
        WorkflowPermission::Initiate => "Initiate",
        WorkflowPermission::Approve => "Approve",
        WorkflowPermission::Execute => "Execute",
    };
    gained
        .into_iter()
        .map(|(w, p)| {
            line(
                "permissions",
                LOOSENS,
                format!("gains {} on {}", word(p), w.label()),
            )
        })
        .chain(lost.into_iter().map(|(w, p)| {
            line(
                "permissions",
                TIGHTENS,
                format!("loses {} on {}", word(p), w.label()),
            )
        }))
        .collect()
}
