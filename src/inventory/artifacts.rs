//! Backup items a profile names by pattern under the backup roots (ITMS: the KMS key backup,
//! the Notification Server configuration backup, the SIM installation package, patch packages):
//! present or absent, and how old against an age limit or against the newest database backup.

use super::matches::{self, Want};
use super::model::{ArtifactState, DbState, Inventory};
use super::safepath::EntryKind;
use crate::context::Context;
use crate::findings::Finding;
use crate::fs::Confined;
use crate::profile::{ArtifactKind, ArtifactSpec};
use chrono::{DateTime, Utc};

/// Find every artifact of the profile and judge it; runs after the backup sets are known.
pub fn scan(ctx: &Context, inv: &mut Inventory) {
    let now = ctx.clock.now();
    let profile_roots = ctx.profile.backups.roots.len();
    let mut findings = Vec::new();
    for spec in &ctx.profile.artifacts {
        let component = format!("artifact:{}", spec.name);
        let want = match spec.kind {
            ArtifactKind::File => Want::File,
            ArtifactKind::Folder => Want::Folder,
        };
        let mut found: Vec<(std::path::PathBuf, Option<DateTime<Utc>>)> = Vec::new();
        for (i, root) in ctx.backup_roots().iter().enumerate() {
            let boundary = if i < profile_roots { &ctx.root } else { root };
            for e in matches::find(
                root,
                boundary,
                &spec.pattern,
                want,
                &component,
                &mut findings,
            ) {
                let at = match &e.kind {
                    EntryKind::File(m) => m.modified(),
                    // A folder is as new as its newest file (its own time changes only when
                    // entries are added or removed).
                    _ => Confined::within(boundary, &e.path)
                        .ok()
                        .and_then(|c| super::tree::summarize(&c).ok())
                        .and_then(|s| s.newest),
                };
                found.push((e.path, at));
            }
        }
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let newest = found.first().and_then(|f| f.1);
        let state = ArtifactState {
            name: spec.name.clone(),
            component: component.clone(),
            title: spec.title.clone(),
            pattern: spec.pattern.to_string(),
            found: found.into_iter().map(|f| f.0).collect(),
            newest,
            age_hours: newest.map(|t| (now - t).num_seconds() as f64 / 3600.0),
        };
        findings.extend(judge(ctx, inv, spec, &state));
        inv.artifacts.push(state);
    }
    inv.findings.extend(findings);
}

/// The findings one artifact earns.
fn judge(
    ctx: &Context,
    inv: &Inventory,
    spec: &ArtifactSpec,
    state: &ArtifactState,
) -> Vec<Finding> {
    let roots: Vec<String> = ctx
        .backup_roots()
        .iter()
        .map(|r| r.display().to_string())
        .collect();
    let Some(first) = state.found.first() else {
        return spec
            .missing
            .map(|code| {
                Finding::new(
                    code,
                    &state.component,
                    format!(
                        "no {} ({}) under {}",
                        spec.title,
                        spec.pattern,
                        roots.join(", ")
                    ),
                )
            })
            .into_iter()
            .collect();
    };
    let Some(code) = spec.stale else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let when = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    if let (Some(limit), Some(age)) = (spec.max_age_hours, state.age_hours)
        && age > f64::from(limit)
    {
        out.push(
            Finding::new(
                code,
                &state.component,
                format!(
                    "the newest {} ({}) is {} old, beyond its {limit} h limit",
                    spec.title,
                    first.display(),
                    crate::units::age_hours(age)
                ),
            )
            .at(first),
        );
    }
    if let (Some(db), Some(newest)) = (&spec.not_older_than, state.newest)
        && let Some(set) = newest_backup_of(inv, db)
        && newest < set.taken_at
    {
        out.push(
            Finding::new(
                code,
                &state.component,
                format!(
                    "the newest {} ({}, written {}) is older than the newest {db} backup {} (taken {}): it may not hold the keys that backup needs",
                    spec.title,
                    first.display(),
                    when(newest),
                    set.id,
                    when(set.taken_at)
                ),
            )
            .at(first),
        );
    }
    out
}

/// The newest full backup of a SQL database that is not shown damaged or foreign.
fn newest_backup_of<'a>(inv: &'a Inventory, db: &str) -> Option<&'a super::BackupSet> {
    inv.backup_sets.iter().find(|s| {
        s.missing.is_empty()
            && super::sqlsets::is_full(s)
            && s.members.iter().any(|m| {
                m.database == db
                    && m.sql.is_some()
                    && !matches!(m.file.state, DbState::Corrupt | DbState::Empty)
            })
    })
}
