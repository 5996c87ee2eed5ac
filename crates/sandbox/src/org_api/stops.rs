//! `StopKey` and `FreezeWithdrawals` **(extension)**: emergency stops, pulled by one member at
//! once. The rules engine decides who may (`countersign_org::Org::may_stop`) before the code is
//! checked, so a refused stop spends no code. A stop already in force is answered as it stands
//! (who pulled it, when, why) without spending a code either: a retried stop never acts twice.
//! Otherwise the code, the stop and its journal record commit in one transaction.

use countersign_kraken::{ApiError, OrgRefusal};
use countersign_org::view::StopView;
use countersign_org::{Actor, ServiceUserId, StopRefused, StopTarget};
use countersign_orgapi::Otp;
use countersign_orgapi::params::{FreezeWithdrawalsParams, StopKeyParams};
use countersign_vault::JournalEvent;

use crate::auth::{Caller, internal};
use crate::lifecycle::actor_label;
use crate::{Sandbox, db};

use super::stepup::step_up;
use super::{calling_member, invalid};

pub(super) fn stop_key(sandbox: &Sandbox, caller: &Caller) -> Result<StopView, ApiError> {
    let StopKeyParams {
        service_user,
        reason,
        otp,
    } = StopKeyParams::read(&caller.params).map_err(invalid)?;
    let target = StopTarget::ServiceUser {
        service_user: ServiceUserId(service_user),
    };
    pull(sandbox, caller, &target, &reason, &otp)
}

pub(super) fn freeze_withdrawals(sandbox: &Sandbox, caller: &Caller) -> Result<StopView, ApiError> {
    let FreezeWithdrawalsParams { reason, otp } =
        FreezeWithdrawalsParams::read(&caller.params).map_err(invalid)?;
    pull(sandbox, caller, &StopTarget::Withdrawals, &reason, &otp)
}

fn pull(
    sandbox: &Sandbox,
    caller: &Caller,
    target: &StopTarget,
    reason: &str,
    otp: &Otp,
) -> Result<StopView, ApiError> {
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let mut org = db::load_org(&conn).map_err(internal)?;
    let change = match org.emergency_stop(&rec.member.id, target, reason, now) {
        Ok(change) => change,
        Err(StopRefused::AlreadyStopped(_)) => {
            let stop = match target {
                StopTarget::ServiceUser { service_user } => org.stops.keys.get(service_user),
                StopTarget::Withdrawals => org.stops.withdrawals.as_ref(),
            };
            return stop
                .map(|s| StopView::new(&org, s))
                .ok_or(ApiError::InternalError);
        }
        Err(StopRefused::NotPermitted(_)) => return Err(ApiError::Org(OrgRefusal::NotPermitted)),
        Err(StopRefused::UnknownServiceUser(_)) => {
            return Err(ApiError::InvalidArguments(Some("service_user".into())));
        }
        Err(StopRefused::Reason(_)) => {
            return Err(ApiError::InvalidArguments(Some("reason".into())));
        }
    };
    let countersign_org::OrgChange::Stopped { stop, .. } = &change else {
        return Err(ApiError::InternalError);
    };
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    db::set_stop(&tx, target, Some(stop)).map_err(internal)?;
    db::journal(
        &tx,
        now,
        JournalEvent::Stopped {
            by: actor_label(&rec.member.actor()),
            target: match target {
                StopTarget::ServiceUser { service_user } => {
                    actor_label(&Actor::ServiceUser(service_user.clone()))
                }
                StopTarget::Withdrawals => "withdrawals".into(),
            },
            reason: stop.reason.clone(),
        },
    )
    .map_err(internal)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(StopView::new(&org, stop))
}
