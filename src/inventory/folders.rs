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
                if let Some(code) = spec.missing {
                    findings.push(
                        Finding::new(
                            code,
                            &id,
                            format!("{} ({}) does not exist", state.path.display(), spec.name),
                        )
                        .at(&state.path),
                    );
                }
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
        let compared = spec
            .restorable
            .then(|| comparison_set(inv, &ctx.profile, &component))
            .flatten();
        if spec.restorable
            && compared.is_none()
            && let Some(code) = spec.backup_incomplete
        {
            findings.push(
                Finding::new(
                    code,
                    &id,
                    format!(
                        "no backup copy of {} ({}) in any backup set under {}",
                        spec.name,
                        spec.backup.display(),
                        ctx.backup_roots()
                            .iter()
                            .map(|r| r.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at(&state.path),
            );
        }
        if let Some((set, set_path)) = compared
            && let Ok(copy) = Confined::within(&set.path, &set_path)
        {
            let d = tree::compare(&copy, &live, Depth::Content, &id, progress);
            if let Some(code) = spec.backup_incomplete
                && opened
                && !d.extra.is_empty()
            {
                findings.push(backup_lacks(code, &id, &set_path, &d.extra));
            }
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

/// The backup copy lacks files the live folder has: named by their top-level folders (one per
/// package in a Software Library), a few of them.
fn backup_lacks(
    code: Code,
    component: &str,
    copy: &std::path::Path,
    extra: &[tree::Entry],
) -> Finding {
    let mut tops: Vec<&str> = extra
        .iter()
        .map(|e| e.path.split('/').next().unwrap_or(&e.path))
        .collect();
    tops.dedup();
    let shown: Vec<String> = tops.iter().take(5).map(|t| t.to_string()).collect();
    Finding::new(
        code,
        component,
        format!(
            "the backup copy {} lacks {} file{} the live folder has, in {} item{}: {}{}",
            copy.display(),
            extra.len(),
            if extra.len() == 1 { "" } else { "s" },
            tops.len(),
            if tops.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if tops.len() > 5 { ", …" } else { "" }
        ),
    )
    .at(copy)
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
