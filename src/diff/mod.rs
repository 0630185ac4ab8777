//! Component diffs: what differs between a backup set and the live server, at the level of
//! the application's objects (tables and rows, plist keys, certificates, files). The result is
//! plain `Serialize` data: the CLI prints it as text or JSON, the console renders it.
//! Direction: the set is the old side, live the new one ("added" = only live).

pub mod certificates;
pub mod databases;
mod dp;
pub mod folders;
mod pages;
pub mod report;
pub mod settings;
pub mod text;

pub use certificates::CertificatesDiff;
pub use databases::DatabaseDiff;
pub use folders::FolderDiff;
pub use settings::SettingsDiff;

use crate::component::Component;
use crate::context::Context;
use crate::findings::Finding;
use crate::fs::Confined;
use crate::inventory::{BackupSet, ProgressSink};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;

/// How one thing differs between the set (old) and live (new).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only live (a restore would remove it).
    Added,
    /// Only in the set (a restore brings it back).
    Removed,
    /// On both sides, different.
    Changed,
    /// On both sides with a different type (settings values).
    TypeChanged,
}

/// Overall outcome of a component's or a whole diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing differs.
    Identical,
    /// Something differs.
    Different,
    /// Something could not be read; what could be read is still reported.
    Error,
}

impl Status {
    /// Exit code of `drconsole diff`: 0 identical, 1 different, 2 error.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Identical => 0,
            Status::Different => 1,
            Status::Error => 2,
        }
    }
}

/// What a diff should include.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Changed/added/removed rows shown per table.
    pub sample: usize,
    /// Add unified line diffs of changed text files in folders.
    pub unified: bool,
    /// "Now", for certificate expiry.
    pub now: DateTime<Utc>,
}

impl DiffOptions {
    /// Default options at `now`: 10 sample rows, no line diffs.
    pub fn new(now: DateTime<Utc>) -> Self {
        DiffOptions {
            sample: 10,
            unified: false,
            now,
        }
    }
}

/// The detail of one component's diff, by kind.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// `database:NAME`.
    Database(Box<DatabaseDiff>),
    /// `settings:NAME`.
    Settings(Box<SettingsDiff>),
    /// `certificates:NAME`.
    Certificates(Box<CertificatesDiff>),
    /// `folder:NAME`.
    Folder(Box<FolderDiff>),
    /// `dp:NAME`.
    Dp(Box<FolderDiff>),
}

/// Where a component exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// In the set and live.
    Both,
    /// Only live: the set has no copy.
    MissingInSet,
    /// Only in the set: nothing live.
    MissingLive,
    /// Neither side has it.
    Neither,
}

/// One component's diff.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentDiff {
    /// Component id, e.g. `database:ServerDatabase`.
    pub component: String,
    /// `database`, `settings`, `certificates`, `folder` or `dp`.
    pub kind: String,
    /// Identical, different or error.
    pub status: Status,
    /// Where the component exists.
    pub sides: Sides,
    /// The set's copy.
    pub set_path: Option<PathBuf>,
    /// The live copy.
    pub live_path: Option<PathBuf>,
    /// For `dp:NAME`: what the payload was compared with (the set's copy or the master's).
    pub reference: Option<String>,
    /// One line for the operator.
    pub summary: String,
    /// What could not be read (each names the path).
    pub errors: Vec<String>,
    /// Findings raised by the diff itself (`DP_PATH_UNSAFE`); omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// The kind-specific detail, under the kind's name (`"database": {...}`).
    #[serde(flatten)]
    pub detail: Option<Detail>,
}

/// The diff of one backup set against live, component by component.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// The set's id.
    pub set: String,
    /// The set's folder.
    pub set_path: PathBuf,
    /// When the set was taken.
    pub taken_at: DateTime<Utc>,
    /// Worst status of the components.
    pub status: Status,
    /// One entry per component asked for, in the order asked.
    pub components: Vec<ComponentDiff>,
}

impl DiffReport {
    /// Exit code of `drconsole diff`.
    pub fn exit_code(&self) -> i32 {
        self.status.exit_code()
    }
}

/// Diff every component of `components` between `set` and live.
pub fn diff_set(
    ctx: &Context,
    set: &BackupSet,
    components: &[Component],
    opts: &DiffOptions,
    progress: &dyn ProgressSink,
) -> DiffReport {
    let components: Vec<ComponentDiff> = components
        .iter()
        .map(|c| diff_component(ctx, set, c, opts, progress))
        .collect();
    DiffReport {
        set: set.id.clone(),
        set_path: set.path.clone(),
        taken_at: set.taken_at,
        status: components
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Identical),
        components,
    }
}

/// Diff one component between `set` and live.
pub fn diff_component(
    ctx: &Context,
    set: &BackupSet,
    component: &Component,
    opts: &DiffOptions,
    progress: &dyn ProgressSink,
) -> ComponentDiff {
    let mut out = ComponentDiff {
        component: component.to_string(),
        kind: component.kind().to_string(),
        status: Status::Identical,
        sides: Sides::Both,
        set_path: None,
        live_path: None,
        reference: None,
        summary: String::new(),
        errors: Vec::new(),
        findings: Vec::new(),
        detail: None,
    };
    let profile = &ctx.profile;
    match component {
        Component::Database(name) => {
            let live = profile.database(name).map(|d| ctx.live(&d.path));
            let member = set
                .members
                .iter()
                .find(|m| &m.database == name)
                .map(|m| m.file.path.clone());
            locate(&mut out, member, live);
            // SQLite opens by name and follows links: both names are checked through the
            // layer first (the set's member beneath its folder, the live one beneath the root).
            let refused: Vec<String> = [
                out.set_path
                    .as_deref()
                    .map(|s| crate::fs::checked_file(s.parent().unwrap_or(s), s)),
                out.live_path
                    .as_deref()
                    .map(|l| crate::fs::checked_file(&ctx.root, l)),
            ]
            .into_iter()
            .flatten()
            .filter_map(|r| r.err().filter(|e| e.is_link()).map(|e| e.to_string()))
            .collect();
            if !refused.is_empty() {
                out.errors.extend(refused);
                out.status = Status::Error;
                out.summary = "could not be compared".into();
            } else if let (Some(s), Some(l)) = (&out.set_path, &out.live_path) {
                let d = databases::diff_database(s, l, opts.sample, progress);
                out.errors
                    .extend(d.set_problem.iter().map(|p| format!("set: {p}")));
                out.errors
                    .extend(d.live_problem.iter().map(|p| format!("live: {p}")));
                out.errors.extend(
                    d.tables
                        .iter()
                        .filter_map(|t| t.error.as_ref().map(|e| format!("table {}: {e}", t.name))),
                );
                out.status = status(d.differs(), &out.errors);
                out.summary = report::database_summary(&d);
                out.detail = Some(Detail::Database(Box::new(d)));
            }
        }
        Component::Settings(name) => {
            let spec = profile.settings.iter().find(|s| &s.name == name);
            let live = spec.map(|s| {
                s.paths
                    .iter()
                    .map(|p| ctx.live(p))
                    .find(|p| p.exists())
                    .unwrap_or_else(|| ctx.live(&s.paths[0]))
            });
            let in_set = component.path_in_set(profile, &set.path);
            locate(&mut out, in_set, live);
            if let (Some(s), Some(l)) = (&out.set_path, &out.live_path) {
                let confined = Confined::within(&set.path, s)
                    .and_then(|s| Ok((s, Confined::within(&ctx.root, l)?)))
                    .map_err(|e| settings::SettingsError {
                        path: s.clone(),
                        reason: crate::inventory::plistfile::PlistError::Io(e.to_string()),
                    });
                let format = spec.map(|s| s.format).unwrap_or_default();
                match confined.and_then(|(s, l)| settings::diff_settings_as(&s, &l, format)) {
                    Ok(d) => {
                        out.status = status(d.differs(), &[]);
                        out.summary = report::settings_summary(&d);
                        out.detail = Some(Detail::Settings(Box::new(d)));
                    }
                    Err(e) => {
                        out.errors.push(e.to_string());
                        out.status = Status::Error;
                        out.summary = "could not be compared".into();
                    }
                }
            }
        }
        Component::Certificates(name) => {
            let Some(store) = profile.certificates.iter().find(|c| &c.name == name) else {
                return unknown(out);
            };
            let in_set = component.path_in_set(profile, &set.path);
            locate(&mut out, in_set, Some(ctx.live(&store.path)));
            if let (Some(s), Some(l)) = (&out.set_path, &out.live_path) {
                let d = certificates::diff_certificates(store, s, l, opts.now, ctx.pfx_password());
                out.errors.extend(d.unreadable.iter().cloned());
                out.status = status(d.differs(), &out.errors);
                out.summary = report::certificates_summary(&d);
                out.detail = Some(Detail::Certificates(Box::new(d)));
            }
        }
        Component::Folder(name) => {
            let live = profile
                .folders
                .iter()
                .find(|f| &f.name == name)
                .map(|f| ctx.live(&f.path));
            let in_set = component.path_in_set(profile, &set.path);
            locate(&mut out, in_set, live);
            if let (Some(s), Some(l)) = (out.set_path.clone(), out.live_path.clone()) {
                match (
                    Confined::within(&set.path, &s),
                    Confined::within(&ctx.root, &l),
                ) {
                    (Ok(s), Ok(l)) => {
                        let d = folders::diff_confined(&s, &l, opts.unified);
                        finish_folder(&mut out, d, false);
                    }
                    (s, l) => {
                        out.errors.extend(
                            [s.err(), l.err()]
                                .into_iter()
                                .flatten()
                                .map(|e| e.to_string()),
                        );
                        out.status = Status::Error;
                        out.summary = "could not be compared".into();
                    }
                }
            }
        }
        Component::Dp(name) => match dp::paths(ctx, set, name) {
            Ok((reference, what, payload)) => {
                out.set_path = Some(reference.path());
                out.live_path = Some(payload.path());
                out.reference = Some(what);
                let d = folders::diff_confined(&reference, &payload, opts.unified);
                finish_folder(&mut out, d, true);
                // An unreachable payload is not an empty one: say so instead of listing
                // every file as missing.
                for (side, p) in [("reference", &reference), ("payload", &payload)] {
                    if !matches!(p.stat(), Ok(Some(m)) if m.kind == crate::fs::Kind::Dir) {
                        out.errors.push(format!(
                            "{side} folder {} is not reachable from this machine",
                            p.path().display()
                        ));
                        out.status = Status::Error;
                    }
                }
            }
            Err(dp::Refusal::Unsafe(f)) => {
                out.findings.push(f);
                out.status = Status::Error;
                out.summary = "refused: a payload path leads outside the root".into();
            }
            Err(dp::Refusal::Other(e)) => {
                out.errors.push(e);
                out.status = Status::Error;
                out.summary = "could not be compared".into();
            }
        },
    }
    out
}

fn unknown(mut out: ComponentDiff) -> ComponentDiff {
    out.status = Status::Error;
    out.errors
        .push(format!("the profile has no component {}", out.component));
    out.summary = "unknown component".into();
    out
}

/// Record where each side is; a side that does not exist is itself the difference.
fn locate(out: &mut ComponentDiff, set: Option<PathBuf>, live: Option<PathBuf>) {
    let exists = |p: &Option<PathBuf>| {
        p.as_deref()
            .is_some_and(|p| std::fs::symlink_metadata(p).is_ok())
    };
    let (s, l) = (exists(&set), exists(&live));
    out.set_path = set;
    out.live_path = live;
    out.sides = match (s, l) {
        (true, true) => Sides::Both,
        (false, true) => Sides::MissingInSet,
        (true, false) => Sides::MissingLive,
        (false, false) => Sides::Neither,
    };
    let (status, summary) = match out.sides {
        Sides::Both => return,
        Sides::MissingInSet => (Status::Different, "the set has no copy of it"),
        Sides::MissingLive => (Status::Different, "missing live; the set has a copy"),
        Sides::Neither => (Status::Identical, "neither the set nor live has it"),
    };
    // Folders compare against an empty side, so the files to come back are listed.
    if matches!(out.kind.as_str(), "folder") && out.sides != Sides::Neither {
        return;
    }
    out.status = status;
    out.summary = summary.into();
    out.set_path = out.set_path.take().filter(|_| s);
    out.live_path = out.live_path.take().filter(|_| l);
}

fn status(differs: bool, errors: &[String]) -> Status {
    if !errors.is_empty() {
        Status::Error
    } else if differs {
        Status::Different
    } else {
        Status::Identical
    }
}

fn finish_folder(out: &mut ComponentDiff, d: FolderDiff, dp: bool) {
    out.errors.extend(d.problems.iter().cloned());
    // A root that is a symbolic link is reported and not followed: a difference, not an error.
    out.errors.retain(|e| !e.ends_with("not followed"));
    out.status = status(d.differs(), &out.errors);
    out.summary = report::folder_summary(&d);
    out.detail = Some(if dp {
        Detail::Dp(Box::new(d))
    } else {
        Detail::Folder(Box::new(d))
    });
}
