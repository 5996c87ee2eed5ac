//! The approval queue: the requests a member may see, and their decisions. Every decision is
//! stepped up with the member's current code and signed by this device's key.

use countersign_client::StepUp;
use countersign_org::RequestPayload;
use countersign_org::view::RequestView;

use crate::core::OrgAccess;
use crate::error::{CommandError, Otp};
use crate::ipc::RequestFilter;

/// Requests visible to the member, newest first; each pending withdrawal with its risk flags,
/// read from the whole history the member may see ([`countersign_org::risk_flags`]).
pub async fn list(
    org: &OrgAccess<'_>,
    filter: RequestFilter,
) -> Result<Vec<RequestView>, CommandError> {
    let client = org.client();
    let all = filter.status.is_none() && filter.workflow.is_none();
    let mut listed = client
        .list_requests(countersign_client::RequestFilter {
            status: filter.status,
            workflow: filter.workflow,
        })
        .await?;
    let flaggable = |r: &RequestView| {
        r.status == countersign_org::RequestStatus::Pending
            && matches!(r.payload, RequestPayload::Withdrawal { .. })
    };
    if listed.iter().any(flaggable) {
        let history = if all {
            listed.clone()
        } else {
            client
                .list_requests(countersign_client::RequestFilter::default())
                .await?
        };
        for r in listed.iter_mut().filter(|r| flaggable(r)) {
            r.risk = countersign_org::risk_flags(r, &history);
        }
    }
    Ok(listed)
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
