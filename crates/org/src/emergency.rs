//! The rules of emergency stops (`stop` holds their data): who may pull one
//! ([`Org::may_stop`]), pulling it ([`Org::emergency_stop`]), what it keeps from completing
//! ([`Org::stop_in_force`]), and carrying out a completed request only when no stop touches it
//! ([`Org::complete`]).

use crate::actor::{Actor, MemberId};
use crate::org::{Org, OrgChange, PayloadError};
use crate::permission::{Workflow, WorkflowPermission};
use crate::request::{Request, RequestPayload};
use crate::stop::{MAX_STOP_REASON, Stop, StopRefused, StopTarget};

impl Org {
    /// Whether `member` may pull the stop on `target` now (the stop not already in force).
    pub fn may_stop(&self, member: &MemberId, target: &StopTarget) -> Result<(), StopRefused> {
        let m = self
            .member(member)
            .ok_or_else(|| StopRefused::NotPermitted(format!("{} is not a member", member.0)))?;
        let holds = |w: Workflow| m.permissions.has(w, WorkflowPermission::Approve);
        match target {
            StopTarget::ServiceUser { service_user } => {
                let s = self
                    .service_users
                    .get(service_user)
                    .ok_or_else(|| StopRefused::UnknownServiceUser(service_user.0.clone()))?;
                if !holds(Workflow::ManageAccess) {
                    return Err(StopRefused::NotPermitted(format!(
                        "stopping a key needs Approve on Manage Access, which {} does not hold",
                        m.name
                    )));
                }
                if self.stops.keys.contains_key(service_user) {
                    return Err(StopRefused::AlreadyStopped(format!("{}'s key", s.name)));
                }
            }
            StopTarget::Withdrawals => {
                if !holds(Workflow::ManageAccess) && !holds(Workflow::InitiateWithdrawal) {
                    return Err(StopRefused::NotPermitted(format!(
                        "freezing withdrawals needs Approve on Manage Access or on Initiate Withdrawal; {} holds neither",
                        m.name
                    )));
                }
                if self.stops.withdrawals.is_some() {
                    return Err(StopRefused::AlreadyStopped("withdrawal".into()));
                }
            }
        }
        Ok(())
    }

    /// Pulls the stop on `target` as `member`, with `reason`, at `now`: checks [`Org::may_stop`]
    /// and the reason, sets it, and returns the change for the store and the journal.
    pub fn emergency_stop(
        &mut self,
        member: &MemberId,
        target: &StopTarget,
        reason: &str,
        now: i64,
    ) -> Result<OrgChange, StopRefused> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StopRefused::Reason(
                "say why, for every member to read".into(),
            ));
        }
        if reason.chars().count() > MAX_STOP_REASON {
            return Err(StopRefused::Reason(format!(
                "at most {MAX_STOP_REASON} characters"
            )));
        }
        self.may_stop(member, target)?;
        let stop = Stop {
            by: member.clone(),
            at: now,
            reason: reason.to_owned(),
        };
        match target {
            StopTarget::ServiceUser { service_user } => {
                self.stops.keys.insert(service_user.clone(), stop.clone());
            }
            StopTarget::Withdrawals => self.stops.withdrawals = Some(stop.clone()),
        }
        Ok(OrgChange::Stopped {
            target: target.clone(),
            stop,
        })
    }

    /// The stop that keeps `initiator`'s `payload` from being submitted or completing, in plain
    /// words; `None` when no stop touches it.
    pub fn stop_in_force(&self, initiator: &Actor, payload: &RequestPayload) -> Option<String> {
        if !matches!(payload, RequestPayload::Withdrawal { .. }) {
            return None;
        }
        if let Some(stop) = &self.stops.withdrawals {
            return Some(format!(
                "withdrawals are frozen ({})",
                self.stop_words(stop)
            ));
        }
        if let Actor::ServiceUser(id) = initiator
            && let Some(stop) = self.stops.keys.get(id)
        {
            return Some(format!(
                "{}'s key is stopped ({})",
                self.actor_ref(initiator).name,
                self.stop_words(stop)
            ));
        }
        None
    }

    /// Carries out a completed request: refused while an emergency stop touches it
    /// ([`Org::stop_in_force`]), otherwise [`Org::apply`].
    pub fn complete(&mut self, request: &Request) -> Result<Vec<OrgChange>, PayloadError> {
        if let Some(why) = self.stop_in_force(&request.initiator, &request.payload) {
            return Err(PayloadError::Stopped(why));
        }
        self.apply(&request.id, &request.payload)
    }

    /// "by Ada Okafor: leaked in a log".
    pub(crate) fn stop_words(&self, stop: &Stop) -> String {
        format!(
            "by {}: {}",
            self.actor_ref(&Actor::Member(stop.by.clone())).name,
            stop.reason
        )
    }
}
