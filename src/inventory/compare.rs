//! Which backup set a live component is compared with: the recommended set when it carries
//! the component, else the newest set that does.

use crate::component::Component;
use crate::inventory::{BackupSet, Inventory};
use crate::profile::Profile;
use std::path::PathBuf;

/// The set to compare `component` with and the component's path inside it.
pub fn comparison_set<'a>(
    inv: &'a Inventory,
    profile: &Profile,
    component: &Component,
) -> Option<(&'a BackupSet, PathBuf)> {
    let carried = |set: &'a BackupSet| {
        component
            .path_in_set(profile, &set.path)
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .map(|p| (set, p))
    };
    inv.recommended_set()
        .and_then(carried)
        .or_else(|| inv.backup_sets.iter().find_map(carried))
}
