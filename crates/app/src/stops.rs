//! Emergency stops: switching a service user's key off ([`stop_key`]) or freezing every
//! withdrawal ([`freeze_withdrawals`]) at once, by one member, with a reason and their code.
//! The Organization refuses a member who may not (see `countersign_org::Org::may_stop`); lifting
//! a stop is a request like any other (`Draft::ResumeServiceUser`, `Draft::ResumeWithdrawals`).

use countersign_org::view::StopView;

use crate::core::OrgAccess;
use crate::error::{CommandError, Otp};

/// The reason, trimmed, or an error naming the field.
fn reason(reason: &str) -> Result<&str, CommandError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CommandError::invalid(
            "reason: say why, for every member to read",
        ));
    }
    if reason.chars().count() > countersign_org::MAX_STOP_REASON {
        return Err(CommandError::invalid(format!(
            "reason: at most {} characters",
            countersign_org::MAX_STOP_REASON
        )));
    }
    Ok(reason)
}

/// Switches `service_user`'s key off now, with `reason`; the stop in force (an earlier one, if
/// someone was first).
pub async fn stop_key(
    org: &OrgAccess<'_>,
    service_user: &str,
    why: &str,
    otp: &str,
) -> Result<StopView, CommandError> {
    let why = reason(why)?;
    let otp = Otp::parse(otp)?;
    Ok(org
        .client()
        .stop_key(service_user, why, otp.as_str())
        .await?)
}

/// Freezes every withdrawal of the Organization now, with `reason`; the freeze in force.
pub async fn freeze_withdrawals(
    org: &OrgAccess<'_>,
    why: &str,
    otp: &str,
) -> Result<StopView, CommandError> {
    let why = reason(why)?;
    let otp = Otp::parse(otp)?;
    Ok(org.client().freeze_withdrawals(why, otp.as_str()).await?)
}
