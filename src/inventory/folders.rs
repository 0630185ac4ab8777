//! Folder components (script folders, program folders): present, file count and size, and for
//! restorable ones how they differ from the backup set's copy (by content: they are small).

use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::inventory::compare::comparison_set;
use crate::inventory::{FolderState, Inventory, ProgressSink, ScanOptions, tree};

/// Inventory every folder of the profile into `inv`.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let mut findings = Vec::new();
    for spec in &ctx.profile.folders {
        let component = Component::Folder(spec.name.clone());
        let id = component.to_string();
        let path = ctx.live(&spec.path);
        let mut state = FolderState {
            name: spec.name.clone(),
            component: id.clone(),
            path: path.clone(),
            ..FolderState::default()
        };
        if !path.is_dir() {
            inv.folders.push(state);
            continue;
        }
        state.present = true;
        let live = match tree::list(&path, &id, &mut findings) {
            Ok(t) => t,
            Err(f) => {
                findings.push(f);
                inv.folders.push(state);
                continue;
            }
        };
        state.files = live.files.len() as u64;
        state.bytes = live.bytes;
        if spec.restorable
            && let Some((set, set_path)) = comparison_set(inv, &ctx.profile, &component)
        {
            // Problems inside the backup copy belong to the set, not to the live folder.
            let mut ignored = Vec::new();
            if let Ok(copy) = tree::list(&set_path, &id, &mut ignored) {
                let d = tree::diff(&copy, &live, true, &id, progress);
                state.differs_from_set = Some(d.total());
                if d.total() > 0 {
                    findings.push(
                        Finding::new(
                            Code::FolderDiffers,
                            &id,
                            format!(
                                "{} differs from backup set {}'s copy: {} missing, {} extra, {} changed file{}",
                                path.display(),
                                set.id,
                                d.missing.len(),
                                d.extra.len(),
                                d.changed.len(),
                                if d.changed.len() == 1 { "" } else { "s" }
                            ),
                        )
                        .at(&path),
                    );
                }
            }
        }
        inv.folders.push(state);
    }
    inv.findings.extend(findings);
}
