//! Members: the permissions a person is granted, as a request's payload carries them.

use countersign_org::{Permissions, Workflow, WorkflowPermission};

/// The workflow permissions `grants` lists, and nothing else (permissions are additive: a member
/// starts with none).
pub fn permissions(grants: &[(Workflow, WorkflowPermission)]) -> Permissions {
    let mut p = Permissions::none();
    for (workflow, permission) in grants {
        p.grant(*workflow, *permission);
    }
    p
}
