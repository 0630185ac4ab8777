//! Demo folder components: the custom-field scripts (live and in backup sets) and, for
//! profiles that inspect a program folder, a small stand-in for the installed program.

use super::DemoError;
use super::fleet::Fleet;
use super::tree::Tree;
use crate::profile::Profile;
use chrono::{DateTime, Utc};
use std::path::Path;

/// Write the profile's folders under `base`: live paths, or (when `backup`) the backup names
/// of the restorable ones. Scripts added after `as_of` are left out.
pub(crate) fn write_folders(
    tree: &mut Tree,
    profile: &Profile,
    fleet: &Fleet,
    base: &Path,
    backup: bool,
    as_of: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    for folder in &profile.folders {
        if backup && !folder.restorable {
            continue;
        }
        let rel = base.join(if backup { &folder.backup } else { &folder.path });
        if folder.restorable {
            tree.mkdir(&rel)?;
            for field in fleet.custom_fields.iter().filter(|f| f.created <= as_of) {
                // In a backup the file is as old as the set; live it is as old as the field.
                let when = if backup { at } else { field.created };
                tree.write_executable(&rel.join(field.script), field.body.as_bytes(), when)?;
            }
        } else {
            let text = format!(
                "{} program folder (drconsole demo stand-in)\nversion=7.5.0.4\n",
                profile.product
            );
            tree.write(&rel.join("version.txt"), text.as_bytes(), at)?;
        }
    }
    Ok(())
}
