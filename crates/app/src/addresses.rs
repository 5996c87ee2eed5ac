//! The withdrawal address book: entries by their name.

use countersign_org::AddressEntry;
use countersign_org::view::OrgView;

use crate::error::{CommandError, ErrorCode};

/// The address-book entry named `key`, or `not_found` naming it.
pub fn entry<'a>(org: &'a OrgView, key: &str) -> Result<&'a AddressEntry, CommandError> {
    org.addresses.iter().find(|a| a.key == key).ok_or_else(|| {
        CommandError::new(
            ErrorCode::NotFound,
            format!("no address-book entry named {key:?}"),
        )
    })
}
