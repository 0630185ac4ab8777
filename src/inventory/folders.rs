//! Folder components (script folders, program folders): present, file count and size, and for
//! restorable ones how they differ from the backup set's copy — by `tree::compare`, the same
//! comparison `diff` prints, so `check` and `diff` always agree.

use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::fs::{Confined, FsError};
use crate::inventory::compare::comparison_set;
use crate::inventory::tree::{self, Depth};
use crate::inventory::{FolderState, Inventory, ProgressSink, ScanOptions};

/// Inventory every folder of the profile into `inv`.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let mut findings = Vec::new();
    for spec in &ctx.profile.folders {
        let component = Component::Folder(spec.name.clone());
        let id = component.to_string();
        let mut state = FolderState {
            name: spec.name.clone(),
            component: id.clone(),
            path: ctx.live(&spec.path),
            ..FolderState::default()
        };
        let live = match Confined::new(&ctx.root, &spec.path) {
            Ok(c) => c,
            Err(e) => {
                findings.push(path_finding(&id, &e, &state.path));
                inv.folders.push(state);
                continue;
            }
        };
        let opened = match tree::summarize(&live) {
            Ok(s) => {
                state.present = true;
                state.files = s.files;
                state.bytes = s.bytes;
                findings.extend(s.links_out.iter().map(|(p, t)| link_out(&id, p, t)));
                true
            }
            Err(FsError::NotFound { .. }) => {
                inv.folders.push(state);
                continue;
            }
            Err(e) => {
                // A folder swapped for a link (or unreadable) is said so; it is still compared
                // below as an empty side, exactly as `diff` compares it.
                state.present = true;
                findings.push(path_finding(&id, &e, &state.path));
                false
            }
        };
        if spec.restorable
            && let Some((set, set_path)) = comparison_set(inv, &ctx.profile, &component)
            && let Ok(copy) = Confined::within(&set.path, &set_path)
        {
            let d = tree::compare(&copy, &live, Depth::Content, &id, progress);
            state.differs_from_set = Some(d.total());
            if d.total() > 0 {
                findings.push(
                    Finding::new(
                        Code::FolderDiffers,
                        &id,
                        format!(
                            "{} differs from backup set {}'s copy: {} missing, {} extra, {} changed file{}",
                            state.path.display(),
                            set.id,
                            d.missing.len(),
                            d.extra.len(),
                            d.changed.len(),
                            if d.changed.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .at(&state.path),
                );
            }
            if opened && let Some(first) = d.problems.first() {
                findings.push(
                    Finding::new(
                        Code::PathUnreadable,
                        &id,
                        format!(
                            "the comparison with backup set {}'s copy could not read everything: {first}{}",
                            set.id,
                            match d.problems.len() {
                                1 => String::new(),
                                n => format!(" (and {} more)", n - 1),
                            }
                        ),
                    )
                    .at(&state.path),
                );
            }
        }
        inv.folders.push(state);
    }
    inv.findings.extend(findings);
}

/// `PATH_UNSAFE` for a link inside a folder whose target leads out of it (listed, not followed).
pub fn link_out(component: &str, link: &std::path::Path, target: &str) -> Finding {
    Finding::new(
        Code::PathUnsafe,
        component,
        format!(
            "{} is a link to {target}, outside its folder: listed, never followed",
            link.display()
        ),
    )
    .at(link)
}

/// `PATH_UNSAFE` for a link or a path out of the root, `PATH_UNREADABLE` for anything else.
pub fn path_finding(component: &str, e: &FsError, path: &std::path::Path) -> Finding {
    let code = if e.is_link() {
        Code::PathUnsafe
    } else {
        Code::PathUnreadable
    };
    Finding::new(code, component, e.to_string()).at(path)
}
