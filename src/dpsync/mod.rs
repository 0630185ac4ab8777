//! The one payload sync engine: plans bringing one or more target trees (distribution points,
//! ePO repositories) up to a source tree, as a `plan::Plan` the journal executes in one
//! crash-safe, undoable transaction. Core only: no terminal, nothing written while planning.
//!
//! # Using it
//!
//! ```text
//! let req = dpsync::Request {
//!     source: dpsync::Source { name: "Master DP".into(), dir: Confined::stored(&root, master)? },
//!     targets: vec![dpsync::Target {
//!         name: "Mirror London".into(),
//!         component: "dp:Mirror London".into(),   // the plan's component id for its steps
//!         dir: Confined::stored(&root, mirror)?,   // base MUST be the context's root
//!     }],
//!     compare: dpsync::Compare::SizeAndTime,       // or Content (`--full`), or Expected(map)
//!     first: vec![],                               // written before anything else, in order
//!     last: vec![],                                // written after everything else, in order
//! };
//! let (mut plan, preview) = dpsync::plan_sync(&ctx.root, &req, &progress)?;
//! let lock = journal::prepare(&ctx, &mut plan, dry_run)?;   // checks the preconditions
//! journal::execute(&ctx, &lock?, &plan, &progress)?;        // one transaction; `undo` reverts it
//! ```
//!
//! What the plan does, per target in request order: its `first` writes; every entry the source
//! lacks moved into the stash (a whole folder in one step); missing folders created; missing
//! or changed files copied from the source (keeping the source's modification time, so a
//! size-and-time comparison is equal afterwards); its `last` writes. A path named by a write is
//! left out of the comparison for that target (ePO's `SiteStat.xml`). Nothing is deleted: what
//! is replaced or removed is renamed into the transaction's stash, which lies outside every
//! target tree (the journal's stash on the same file system, else `.drconsole-stash/<txid>`
//! at the root or beside the tree — never inside it, so clients never see stashed files).
//!
//! Comparisons ([`Compare`]): `SizeAndTime` (default), `Content` (equal-size files by xxh3),
//! `Expected(map)`: caller-supplied SHA-256 per source path (ePO's verified `replica.log`):
//! a listed file is copied only when the target's content differs from the expected hash,
//! and a file to be copied must itself hash to its expected value (else [`SyncError::Unverified`]);
//! unlisted files are compared by size and time.
//!
//! Writes ([`Write`]): given bytes (`Content::Bytes`, e.g. `SiteStat.xml` Disabled first and
//! Enabled last) or the source's own file copied at that point (`Content::FromSource`, e.g.
//! `replica.log`, `catalog.z` last). A write's folder must exist in the target or be created
//! by the plan.
//!
//! The [`Preview`] says per target the files and bytes to copy and to stash, folders to create,
//! writes, and entries skipped (links and special files in the source are never copied).
//! [`TargetProgress`] turns the journal's per-step progress into progress per target.
//! Preconditions added: the journal lock, every target inside the root, free space per target.
//! A source or target that cannot be read completely refuses the plan ([`SyncError::Unreadable`]):
//! a sync that cannot see everything cannot promise the target equals the source.

use crate::fs::{Confined, FsError};
use crate::inventory::tree::{self, Depth, EntryKind as TreeKind};
use crate::inventory::{Progress, ProgressSink};
use crate::plan::{
    Action, Check, DiskProbe, Entry, EntryKind, Plan, Precondition, Probe, Step, StepKind,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The tree targets are brought up to.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name, for the plan and the preview (a point's name, or a folder).
    pub name: String,
    /// The folder (any base: it is only read).
    pub dir: Confined,
}

/// One tree brought up to the source.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its name (`Mirror London`).
    pub name: String,
    /// Component id its steps carry (`dp:Mirror London`).
    pub component: String,
    /// The folder; its base must be the plan's root.
    pub dir: Confined,
}

/// How files present on both sides are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    /// By size and modification time (seconds).
    SizeAndTime,
    /// By size and content.
    Content,
    /// By the expected SHA-256 of each listed source path (relative to the source).
    Expected(BTreeMap<PathBuf, [u8; 32]>),
}

/// What a write puts at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// These bytes.
    Bytes(Vec<u8>),
    /// The source's file at the same relative path.
    FromSource,
}

/// A file written at a fixed point of a target's steps (before or after everything else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Index into `Request::targets`.
    pub target: usize,
    /// Path relative to the target's folder.
    pub rel: PathBuf,
    /// What is written.
    pub content: Content,
}

/// Everything a sync needs.
#[derive(Debug, Clone)]
pub struct Request {
    /// The reference tree.
    pub source: Source,
    /// The trees brought up to it, in order.
    pub targets: Vec<Target>,
    /// How files on both sides are judged.
    pub compare: Compare,
    /// Writes before each target's other steps, in order.
    pub first: Vec<Write>,
    /// Writes after each target's other steps, in order.
    pub last: Vec<Write>,
}

/// Why a sync cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A target's folder is not beneath the root the plan works under.
    #[error("{path} is not beneath the root {root}: a sync writes only beneath the root")]
    OutsideRoot {
        /// The folder.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// The source's folder cannot be opened.
    #[error("the source {name} ({path}) cannot be read: {source}")]
    Source {
        /// Its name.
        name: String,
        /// Its folder.
        path: PathBuf,
        /// Why.
        source: FsError,
    },
    /// Part of a tree could not be read.
    #[error("{name}: {} cannot be read, so the sync cannot promise an exact copy: {}", if .problems.len() == 1 { "one entry" } else { "some entries" }, .problems.join("; "))]
    Unreadable {
        /// The target (or source) it concerns.
        name: String,
        /// Each problem, naming the path.
        problems: Vec<String>,
    },
    /// Source files whose content is not what the caller expected.
    #[error("the source {name} does not hold the expected content of {}: nothing was planned", .paths.join(", "))]
    Unverified {
        /// The source's name.
        name: String,
        /// The paths (relative to the source).
        paths: Vec<String>,
    },
    /// A write names a target that does not exist, or an unusable path.
    #[error("a write names {what}")]
    BadWrite {
        /// What is wrong.
        what: String,
    },
    /// The same target twice, or a target that is the source.
    #[error("{0}")]
    Overlap(String),
}

/// What a sync does to one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetPreview {
    /// The target's name.
    pub name: String,
    /// Its component id.
    pub component: String,
    /// Its folder.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub dir: PathBuf,
    /// Files copied from the source (missing or changed).
    pub copy: u64,
    /// Their bytes.
    pub copy_bytes: u64,
    /// Entries (files, links, whole folders) moved into the stash.
    pub stash: u64,
    /// Their bytes.
    pub stash_bytes: u64,
    /// Folders created.
    pub create_dirs: u64,
    /// First and last writes.
    pub writes: u64,
    /// Files left as they are (already equal).
    pub unchanged: u64,
    /// Source entries not copied (links, special files), one line each.
    pub skipped: Vec<String>,
    /// The plan's steps for this target: `steps.0..steps.1`.
    pub steps: (usize, usize),
}

impl TargetPreview {
    /// Whether the target already equals the source (no step at all).
    pub fn in_sync(&self) -> bool {
        self.steps.0 == self.steps.1
    }
}

/// What a sync does, per target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The source's name.
    pub from: String,
    /// Its folder.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub source_dir: PathBuf,
    /// Each target, in request order.
    pub targets: Vec<TargetPreview>,
}

/// Plan the sync `req` under `root` (absolute): the plan has pending preconditions (run
/// `journal::prepare`), the preview says what happens per target. Reads both sides; writes
/// nothing. `progress` hears about hashing in content and expected modes.
pub fn plan_sync(
    root: &Path,
    req: &Request,
    progress: &dyn ProgressSink,
) -> Result<(Plan, Preview), SyncError> {
    let source_root = req.source.dir.open_dir().map_err(|e| SyncError::Source {
        name: req.source.name.clone(),
        path: req.source.dir.path(),
        source: e,
    })?;
    drop(source_root);
    check_targets(root, req)?;
    let mut plan = Plan::new(
        Action::Sync {
            from: req.source.name.clone(),
            to: req.targets.iter().map(|t| t.name.clone()).collect(),
        },
        root,
    );
    let mut preview = Preview {
        from: req.source.name.clone(),
        source_dir: req.source.dir.path(),
        targets: Vec::new(),
    };
    for (ti, target) in req.targets.iter().enumerate() {
        let start = plan.steps.len();
        let mut tp = TargetPreview {
            name: target.name.clone(),
            component: target.component.clone(),
            dir: target.dir.path(),
            ..TargetPreview::default()
        };
        plan_target(req, ti, target, &mut plan, &mut tp, progress)?;
        tp.steps = (start, plan.steps.len());
        let aside: u64 = plan.steps[start..]
            .iter()
            .filter_map(|s| s.replaces.as_ref())
            .map(|e| e.bytes)
            .sum();
        let moves_aside = plan.steps[start..].iter().any(|s| s.replaces.is_some());
        if moves_aside && crate::journal::fsops::is_mount_point(&tp.dir) {
            // The stash never lies inside a payload, so here it lies on another file system.
            plan.notes.push(format!(
                "the payload folder of {} ({}) is its own file system (a mount point): what is moved aside ({}) is copied to the stash outside it, made durable, then removed from the payload; slower than a rename, and it needs that much room there",
                target.name,
                tp.dir.display(),
                crate::plan::format_bytes(aside)
            ));
        }
        plan.components.push(target.component.clone());
        plan.stash_outside.push(target.dir.rel.clone());
        preview.targets.push(tp);
    }
    add_preconditions(&mut plan, req);
    Ok((plan, preview))
}

fn check_targets(root: &Path, req: &Request) -> Result<(), SyncError> {
    let mut seen: BTreeSet<&Path> = BTreeSet::new();
    let source = req.source.dir.path();
    for t in &req.targets {
        if t.dir.base != root || !crate::plan::is_plain_relative(&t.dir.rel) {
            return Err(SyncError::OutsideRoot {
                path: t.dir.path(),
                root: root.to_path_buf(),
            });
        }
        let path = t.dir.path();
        if path.starts_with(&source) || source.starts_with(&path) {
            return Err(SyncError::Overlap(format!(
                "{} ({}) and the source {} ({}) overlap: a tree cannot be synced from itself or from a folder inside it",
                t.name,
                path.display(),
                req.source.name,
                source.display()
            )));
        }
        if seen
            .iter()
            .any(|s| s.starts_with(&t.dir.rel) || t.dir.rel.starts_with(s))
        {
            return Err(SyncError::Overlap(format!(
                "{} ({}) overlaps another target of the same sync",
                t.name,
                path.display()
            )));
        }
        seen.insert(&t.dir.rel);
    }
    for w in req.first.iter().chain(&req.last) {
        if w.target >= req.targets.len() {
            return Err(SyncError::BadWrite {
                what: format!("target {} of {}", w.target, req.targets.len()),
            });
        }
        if !crate::plan::is_plain_relative(&w.rel) {
            return Err(SyncError::BadWrite {
                what: format!("{}, which is not a plain relative path", w.rel.display()),
            });
        }
    }
    Ok(())
}

fn plan_target(
    req: &Request,
    ti: usize,
    target: &Target,
    plan: &mut Plan,
    tp: &mut TargetPreview,
    progress: &dyn ProgressSink,
) -> Result<(), SyncError> {
    let depth = match req.compare {
        Compare::Content => Depth::Content,
        Compare::SizeAndTime | Compare::Expected(_) => Depth::SizeAndTime,
    };
    let expected = match &req.compare {
        Compare::Expected(m) => Some(m),
        _ => None,
    };
    let d = if expected.is_some() {
        tree::compare_keeping_same(
            &req.source.dir,
            &target.dir,
            depth,
            &target.component,
            progress,
        )
    } else {
        tree::compare(
            &req.source.dir,
            &target.dir,
            depth,
            &target.component,
            progress,
        )
    };
    if !d.problems.is_empty() {
        return Err(SyncError::Unreadable {
            name: format!("{} → {}", req.source.name, target.name),
            problems: d.problems.clone(),
        });
    }
    let writes: Vec<&Write> = req
        .first
        .iter()
        .chain(&req.last)
        .filter(|w| w.target == ti)
        .collect();
    let written: BTreeSet<&Path> = writes.iter().map(|w| w.rel.as_path()).collect();
    let base = target.dir.rel.clone();
    let step = |kind: StepKind, rel: &Path, bytes: u64, replaces: Option<Entry>| Step {
        component: target.component.clone(),
        target: base.join(rel),
        kind,
        bytes,
        replaces,
    };

    // A new point's folder (and any missing folder above it) is created first.
    if matches!(target.dir.stat(), Ok(None)) {
        let mut missing = Vec::new();
        let mut cur = Some(base.as_path());
        while let Some(dir) = cur.filter(|d| !d.as_os_str().is_empty()) {
            match Confined::new(&target.dir.base, dir).and_then(|c| c.stat()) {
                Ok(None) => missing.push(dir.to_path_buf()),
                _ => break,
            }
            cur = dir.parent();
        }
        for dir in missing.into_iter().rev() {
            tp.create_dirs += 1;
            plan.steps.push(Step {
                component: target.component.clone(),
                target: dir,
                kind: StepKind::CreateDir,
                bytes: 0,
                replaces: None,
            });
        }
    }

    for w in req.first.iter().filter(|w| w.target == ti) {
        plan.steps.push(write_step(req, target, w, &step, tp)?);
    }

    // What the source lacks goes first: a whole folder in one step, and nothing under it again.
    let mut stashed_dirs: Vec<&Path> = Vec::new();
    for dir in &d.extra_dirs {
        if stashed_dirs.iter().any(|s| dir.starts_with(s))
            || written.iter().any(|w| w.starts_with(dir))
        {
            continue;
        }
        let replaces = DiskProbe.entry(&target.dir.path().join(dir));
        tp.stash += 1;
        tp.stash_bytes += replaces.map_or(0, |e| e.bytes);
        plan.steps.push(step(StepKind::Stash, dir, 0, replaces));
        stashed_dirs.push(dir);
    }
    for e in &d.extra {
        if stashed_dirs.iter().any(|s| e.rel.starts_with(s)) || written.contains(e.rel.as_path()) {
            continue;
        }
        tp.stash += 1;
        tp.stash_bytes += if e.kind == TreeKind::File { e.size } else { 0 };
        plan.steps.push(step(
            StepKind::Stash,
            &e.rel,
            0,
            Some(plan_entry(e.kind, e.size)),
        ));
    }
    for dir in &d.missing_dirs {
        tp.create_dirs += 1;
        plan.steps.push(step(StepKind::CreateDir, dir, 0, None));
    }

    // Files to copy: missing ones, and changed ones (checked against the expected content).
    let mut copies: Vec<(PathBuf, u64, Option<Entry>)> = Vec::new();
    for e in &d.missing {
        if written.contains(e.rel.as_path()) {
            continue;
        }
        match e.kind {
            TreeKind::File => copies.push((e.rel.clone(), e.size, None)),
            _ => tp.skipped.push(skipped_line(&req.source.dir, e)),
        }
    }
    let mut to_check: Vec<(PathBuf, u64, Option<Entry>)> = Vec::new();
    let mut skipped_changed = 0u64;
    for c in &d.changed {
        if written.contains(c.rel.as_path()) {
            continue;
        }
        if c.set.kind != TreeKind::File {
            tp.skipped.push(skipped_line(&req.source.dir, &c.set));
            skipped_changed += 1;
            continue;
        }
        let replaces = Some(plan_entry(c.live.kind, c.live.size));
        let listed = expected.is_some_and(|m| m.contains_key(&c.rel));
        if listed && c.live.kind == TreeKind::File && c.live.size == c.set.size {
            to_check.push((c.rel.clone(), c.set.size, replaces));
        } else {
            copies.push((c.rel.clone(), c.set.size, replaces));
        }
    }
    if let Some(map) = expected {
        for rel in &d.same {
            if map.contains_key(rel) && !written.contains(rel.as_path()) {
                let size = target
                    .dir
                    .join(rel)
                    .ok()
                    .and_then(|c| c.stat().ok().flatten())
                    .map_or(0, |m| m.size);
                to_check.push((rel.clone(), size, Some(plan_entry(TreeKind::File, size))));
            }
        }
        // A listed file whose target already holds the expected content is left alone.
        copies.extend(differs_from_expected(&target.dir, map, to_check)?);
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        verify_sources(&req.source, map, &copies)?;
    }
    let replaced = copies.iter().filter(|c| c.2.is_some()).count() as u64;
    tp.unchanged =
        (d.totals.identical + d.totals.changed).saturating_sub(replaced + skipped_changed);
    for (rel, bytes, replaces) in copies {
        tp.copy += 1;
        tp.copy_bytes += bytes;
        let source = req.source.dir.path().join(&rel);
        plan.steps
            .push(step(StepKind::SyncFile { source }, &rel, bytes, replaces));
    }

    for w in req.last.iter().filter(|w| w.target == ti) {
        plan.steps.push(write_step(req, target, w, &step, tp)?);
    }
    Ok(())
}

fn write_step(
    req: &Request,
    target: &Target,
    w: &Write,
    step: &MakeStep,
    tp: &mut TargetPreview,
) -> Result<Step, SyncError> {
    let replaces = DiskProbe.entry(&target.dir.path().join(&w.rel));
    tp.writes += 1;
    Ok(match &w.content {
        Content::Bytes(bytes) => {
            use base64::Engine as _;
            let base64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            step(
                StepKind::WriteFile { base64 },
                &w.rel,
                bytes.len() as u64,
                replaces,
            )
        }
        Content::FromSource => {
            let src = req
                .source
                .dir
                .join(&w.rel)
                .map_err(|e| SyncError::BadWrite {
                    what: e.to_string(),
                })?;
            let meta = src
                .stat()
                .ok()
                .flatten()
                .filter(|m| m.kind == crate::fs::Kind::File)
                .ok_or_else(|| SyncError::BadWrite {
                    what: format!(
                        "{}, which is not a file in the source",
                        src.path().display()
                    ),
                })?;
            step(
                StepKind::SyncFile { source: src.path() },
                &w.rel,
                meta.size,
                replaces,
            )
        }
    })
}

/// Builds one of a target's steps: kind, path relative to the target, bytes, what it replaces.
type MakeStep<'a> = dyn Fn(StepKind, &Path, u64, Option<Entry>) -> Step + 'a;

fn plan_entry(kind: TreeKind, size: u64) -> Entry {
    match kind {
        TreeKind::File => Entry {
            kind: EntryKind::File,
            bytes: size,
        },
        TreeKind::Symlink => Entry {
            kind: EntryKind::Symlink,
            bytes: 0,
        },
        TreeKind::Other => Entry {
            kind: EntryKind::Other,
            bytes: 0,
        },
    }
}

fn skipped_line(source: &Confined, e: &tree::Entry) -> String {
    let what = match e.kind {
        TreeKind::Symlink => "a symbolic link",
        _ => "a special file",
    };
    format!(
        "{} is {what} in the source: not copied",
        source.path().join(&e.rel).display()
    )
}

/// SHA-256 of a file beneath a confined folder.
fn sha256(dir: &Confined, rel: &Path) -> Result<[u8; 32], FsError> {
    use sha2::Digest as _;
    use std::io::Read;
    let (mut f, _) = dir.join(rel)?.open_file()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| FsError::Io {
            path: dir.path().join(rel),
            op: "read",
            source: e,
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// The listed files whose target content is not the expected one.
fn differs_from_expected(
    dir: &Confined,
    map: &BTreeMap<PathBuf, [u8; 32]>,
    candidates: Vec<(PathBuf, u64, Option<Entry>)>,
) -> Result<Vec<(PathBuf, u64, Option<Entry>)>, SyncError> {
    use rayon::prelude::*;
    let results: Vec<_> = candidates
        .into_par_iter()
        .map(|c| {
            let got = sha256(dir, &c.0);
            (c, got)
        })
        .collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for ((rel, size, replaces), got) in results {
        match got {
            Ok(h) if map.get(&rel) == Some(&h) => {}
            Ok(_) => out.push((rel, size, replaces)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(SyncError::Unreadable {
            name: dir.path().display().to_string(),
            problems,
        });
    }
    Ok(out)
}

/// Every listed file about to be copied holds its expected content in the source.
fn verify_sources(
    source: &Source,
    map: &BTreeMap<PathBuf, [u8; 32]>,
    copies: &[(PathBuf, u64, Option<Entry>)],
) -> Result<(), SyncError> {
    use rayon::prelude::*;
    let bad: Vec<String> = copies
        .par_iter()
        .filter_map(|(rel, _, _)| {
            let want = map.get(rel)?;
            match sha256(&source.dir, rel) {
                Ok(h) if &h == want => None,
                _ => Some(rel.to_string_lossy().into_owned()),
            }
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(SyncError::Unverified {
            name: source.name.clone(),
            paths: bad,
        })
    }
}

fn add_preconditions(plan: &mut Plan, req: &Request) {
    plan.preconditions.push(Precondition::pending(
        Check::JournalLock,
        "no other drconsole holds the journal lock",
    ));
    plan.preconditions.push(Precondition::pending(
        Check::TargetsInsideRoot,
        format!("every target inside the root {}", plan.root.display()),
    ));
    for t in &req.targets {
        let needed: u64 = plan
            .steps
            .iter()
            .filter(|s| s.component == t.component)
            .map(|s| s.bytes)
            .sum();
        if needed > 0 {
            plan.preconditions.push(Precondition::pending(
                Check::FreeSpace {
                    folder: t.dir.rel.clone(),
                    needed,
                },
                format!(
                    "room for {} of new content for {}",
                    crate::plan::format_bytes(needed),
                    t.name
                ),
            ));
        }
    }
}

/// Progress of one target during execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProgress {
    /// Index into the preview's targets.
    pub target: usize,
    /// Its name.
    pub name: String,
    /// Its steps done.
    pub done: u64,
    /// Its steps in all.
    pub total: u64,
    /// Whether every step of it is done.
    pub finished: bool,
}

/// Which target of a sync plan the journal's progress report `p` (its `done` counts steps of
/// the whole plan) is working on, and how far that target is: targets are the runs of steps
/// with one component, in plan order. `None` for a plan without steps.
pub fn target_progress(plan: &Plan, p: &Progress) -> Option<TargetProgress> {
    let mut runs: Vec<(String, usize, usize)> = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if r.0 == s.component => r.2 = i + 1,
            _ => runs.push((s.component.clone(), i, i + 1)),
        }
    }
    let step = p.done as usize;
    let (i, (component, start, end)) = runs
        .iter()
        .enumerate()
        .find(|(_, r)| step < r.2)
        .or_else(|| runs.iter().enumerate().next_back())?;
    let total = (end - start) as u64;
    let done = (step.clamp(*start, *end) - start) as u64;
    Some(TargetProgress {
        target: i,
        name: component
            .split_once(':')
            .map_or(component.as_str(), |(_, n)| n)
            .to_string(),
        done,
        total,
        finished: done == total,
    })
}

/// A progress sink that reports a sync plan's progress per target (the point being written
/// and how far it is) to `inner`; any other plan's progress passes through unchanged.
pub struct PerTarget<'a> {
    /// The plan being executed.
    pub plan: &'a Plan,
    /// Where the reports go.
    pub inner: &'a dyn ProgressSink,
}

impl ProgressSink for PerTarget<'_> {
    fn report(&self, p: Progress) {
        let t = matches!(self.plan.action, Action::Sync { .. })
            .then(|| target_progress(self.plan, &p))
            .flatten();
        match t {
            Some(t) => self.inner.report(Progress {
                job: "sync".into(),
                label: t.name,
                done: t.done,
                total: t.total,
                ..p
            }),
            None => self.inner.report(p),
        }
    }
}

impl Preview {
    /// One line per target: what the sync does to it.
    pub fn summary(&self) -> Vec<String> {
        self.targets
            .iter()
            .map(|t| {
                if t.in_sync() {
                    format!("{}: in sync ({} file(s) equal)", t.name, t.unchanged)
                } else {
                    format!(
                        "{}: copy {} file(s) ({}), move {} aside ({}), create {} folder(s); {} equal",
                        t.name,
                        t.copy,
                        crate::plan::format_bytes(t.copy_bytes),
                        t.stash,
                        crate::plan::format_bytes(t.stash_bytes),
                        t.create_dirs,
                        t.unchanged
                    )
                }
            })
            .collect()
    }
}

pub mod points;

#[cfg(all(test, unix))]
pub(crate) mod tests;
