//! The withdrawal address book: entries by their name ([`entry`]), and the service users whose
//! withdrawal calls named one ([`callers`]): renaming or removing it breaks them.

use countersign_org::AddressEntry;
use countersign_org::view::{ActorKind, ActorRef, OrgView};

use crate::core::OrgAccess;
use crate::error::{CommandError, ErrorCode};
use crate::ipc::EntryCaller;

/// The address-book entry named `key`, or `not_found` naming it.
pub fn entry<'a>(org: &'a OrgView, key: &str) -> Result<&'a AddressEntry, CommandError> {
    org.addresses.iter().find(|a| a.key == key).ok_or_else(|| {
        CommandError::new(
            ErrorCode::NotFound,
            format!("no address-book entry named {key:?}"),
        )
    })
}

/// The service users whose withdrawal calls (`Withdraw`, `WithdrawInfo`) named the entry `key`,
/// from each key's usage record, most recent first. Once the entry is renamed or removed, their
/// calls naming it are refused until they are changed.
pub async fn callers(org: &OrgAccess<'_>, key: &str) -> Result<Vec<EntryCaller>, CommandError> {
    let client = org.client();
    let view = client.org().await?;
    let usages = futures_util::future::try_join_all(
        view.service_users.iter().map(|s| client.key_usage(&s.id)),
    )
    .await?;
    let mut callers: Vec<EntryCaller> = view
        .service_users
        .iter()
        .zip(usages)
        .filter_map(|(s, usage)| {
            let named = usage.destinations.iter().find(|d| d.key == key)?;
            Some(EntryCaller {
                service_user: ActorRef {
                    kind: ActorKind::ServiceUser,
                    id: s.id.clone(),
                    name: s.name.clone(),
                },
                calls: named.calls,
                last_at: named.last_at,
            })
        })
        .collect();
    callers.sort_by_key(|c| std::cmp::Reverse(c.last_at));
    Ok(callers)
}
