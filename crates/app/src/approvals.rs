//! The approval queue: the requests a member may see, and their decisions. Every decision is
//! stepped up with the member's current code and signed by this device's key.

use countersign_client::StepUp;
use countersign_org::RequestPayload;
use countersign_org::view::RequestView;

use crate::core::OrgAccess;
use crate::error::{CommandError, Otp};
use crate::ipc::RequestFilter;

/// Requests visible to the member, newest first.
pub async fn list(
    org: &OrgAccess<'_>,
    filter: RequestFilter,
) -> Result<Vec<RequestView>, CommandError> {
    let filter = countersign_client::RequestFilter {
        status: filter.status,
        workflow: filter.workflow,
    };
    Ok(org.client().list_requests(filter).await?)
}

/// One request, as the member may see it.
pub async fn get(org: &OrgAccess<'_>, id: &str) -> Result<RequestView, CommandError> {
    Ok(org.client().get_request(id).await?)
}

/// Approves request `id` with the member's current code.
pub async fn approve(
    org: &OrgAccess<'_>,
    id: &str,
    otp: &str,
    seen: Option<&RequestPayload>,
) -> Result<RequestView, CommandError> {
    let otp = Otp::parse(otp)?;
    let device = org.device().await?;
    let step_up = StepUp {
        otp: otp.as_str(),
        device: &device,
    };
    Ok(org.decider().approve(id, step_up, seen).await?)
}

/// Rejects request `id` with the member's current code and an optional reason (blank: none).
pub async fn reject(
    org: &OrgAccess<'_>,
    id: &str,
    otp: &str,
    reason: Option<&str>,
    seen: Option<&RequestPayload>,
) -> Result<RequestView, CommandError> {
    let otp = Otp::parse(otp)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let device = org.device().await?;
    let step_up = StepUp {
        otp: otp.as_str(),
        device: &device,
    };
    Ok(org.decider().reject(id, step_up, reason, seen).await?)
}
