//! Running a run of payload steps (a sync's file copies and stashes) as one batch: the same
//! records and the same order of durability per step as one step at a time, with each kind of
//! wait paid once per batch instead of once per step.
//!
//! Per step the journal needs, in this order: its intent durable before anything at its target
//! changes; its new content durable under the temporary name, and the hash of that content
//! recorded, before the rename that puts it in place; the stash folder's entry durable before
//! the target folder's (so the original always has a durable name); its done record only once
//! both folders are durable. A batch keeps exactly that order for every step, phase by phase:
//!
//! 1. every step's intent, one write and one fsync of the log;
//! 2. every new content written to its temporary name, then every temporary file fsynced
//!    (together, so the file system folds them into few commits);
//! 3. every staged record, one write and one fsync;
//! 4. every rename, in step order (originals into the stash, new content into place);
//! 5. every stash folder fsynced, then every target folder (once each, however many of its
//!    entries the batch renamed);
//! 6. every done record, one write and one fsync.
//!
//! A crash anywhere leaves each step of the batch in one of the states a crash leaves a single
//! step in (recovery rolls each step back from its own intent, stash and temporary names, which
//! no other step shares), and steps after the batch untouched. Only steps that are independent
//! of each other are batched: payload copies and stashes, never a database, a folder creation
//! or a given write, and never two steps whose targets are the same path or one inside the other.

use super::execute::{Landed, Run, private_dirs, stamp_and_mode};
use super::fsops;
use super::record::Record;
use crate::plan::modes::Modes;
use crate::plan::{DiskProbe, EntryKind, Plan, Probe, StepKind, hash};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Most steps in one batch: bounds the files held open while their fsyncs wait.
const MAX_BATCH: usize = 256;

/// The end (exclusive) of the batch that starts at step `start`: `start + 1` when the step
/// runs alone.
pub(super) fn batch_end(plan: &Plan, start: usize) -> usize {
    let mut targets: HashSet<&Path> = HashSet::new();
    let mut above: HashSet<&Path> = HashSet::new();
    let mut end = start;
    for step in plan.steps.iter().skip(start).take(MAX_BATCH) {
        let batchable = matches!(step.kind, StepKind::SyncFile { .. } | StepKind::Stash)
            && !crate::plan::preconditions::is_database_step(step);
        let t = step.target.as_path();
        // Independent of every step already in the batch: not the same path, not inside one,
        // not holding one.
        let independent = !targets.contains(t)
            && !above.contains(t)
            && !t.ancestors().skip(1).any(|a| targets.contains(a));
        if !batchable || !independent {
            break;
        }
        targets.insert(t);
        above.extend(t.ancestors().skip(1));
        end += 1;
    }
    end.max(start + 1)
}

/// One step of a batch, as prepared before its intent is written.
struct Prepared {
    i: usize,
    target: PathBuf,
    parent: PathBuf,
    had: Option<EntryKind>,
    before_bytes: u64,
    stash: PathBuf,
    temp: PathBuf,
    /// The source of a file copy.
    source: Option<PathBuf>,
}

impl Run<'_> {
    /// Run the steps `range` (from [`batch_end`]) as one batch; see the module's comment.
    pub(super) fn batch(&mut self, range: std::ops::Range<usize>) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        // 1. Intents.
        let mut steps: Vec<Prepared> = Vec::with_capacity(range.len());
        // Per folder, once: the way to it from the root, and where its stash goes.
        let mut folders: HashMap<PathBuf, PathBuf> = HashMap::new();
        for i in range {
            let step = &self.plan.steps[i];
            let target = self.plan.abs(&step.target);
            let before = DiskProbe.entry(&target);
            let (parent, name) = match (target.parent(), target.file_name()) {
                (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
                _ => return Err(format!("{} has no parent folder", target.display())),
            };
            let stash_dir = match folders.get(&parent) {
                Some(dir) if crate::plan::is_plain_relative(&step.target) => dir.clone(),
                _ => {
                    // Checked again right before the change: the tree may have moved since
                    // the preview.
                    crate::plan::preconditions::check_inside_root(&self.plan.root, &step.target)?;
                    let dir = self.stash_dir(&parent);
                    folders.insert(parent.clone(), dir.clone());
                    dir
                }
            };
            let stash = stash_dir.join(format!("{i:04}-{name}"));
            let temp = parent.join(format!(".{name}.drconsole-{}-{i}.tmp", self.txid));
            let source = match &step.kind {
                StepKind::SyncFile { source } => Some(source.clone()),
                _ => None,
            };
            steps.push(Prepared {
                i,
                target,
                parent,
                had: before.map(|e| e.kind),
                before_bytes: before.map_or(0, |e| e.bytes),
                stash,
                temp,
                source,
            });
        }
        let intents: Vec<Record> = steps
            .iter()
            .map(|s| Record::Intent {
                step: s.i,
                had: s.had,
                stash: s.stash.clone(),
                temp: s.temp.clone(),
            })
            .collect();
        self.log.append_all(&intents).map_err(|e| e.to_string())?;

        // 2. New content under the temporary names, then durable.
        let mut copied: Vec<Option<fsops::Copied>> = vec![None; steps.len()];
        let mut unsynced = Vec::new();
        for (k, s) in steps.iter().enumerate() {
            let Some(source) = &s.source else { continue };
            let step = &self.plan.steps[s.i];
            let replaced = (s.had == Some(EntryKind::File))
                .then(|| fsops::attrs(&s.target))
                .flatten();
            // A new file takes the owner of the folder it lands in.
            let owner = fsops::attrs(&s.parent).and_then(|a| a.owner);
            // Modes by purpose, never the set's own (see `plan::modes`).
            let modes = Modes::for_step(self.profile, &step.component, &step.target);
            let (c, file) =
                fsops::copy_file_unsynced(source, &s.temp, replaced, owner, &modes, true)
                    .map_err(io)?;
            copied[k] = Some(c);
            unsynced.push(file);
        }
        fsops::sync_together(unsynced, fsops::Unsynced::sync).map_err(io)?;

        // 3. What lands at each target, recorded before it lands: a rollback removes only that.
        let mut staged = Vec::with_capacity(steps.len());
        for (s, c) in steps.iter().zip(&copied) {
            let hash = match c {
                Some(fsops::Copied { hash: Some(h), .. }) => Some(h.clone()),
                // The source changed while it was copied: read back what was written.
                Some(_) => hash::content_hash(&s.temp)
                    .map_err(|e| format!("cannot read back {}: {e}", s.temp.display()))?,
                None => None,
            };
            staged.push(Record::Staged { step: s.i, hash });
        }
        self.log.append_all(&staged).map_err(|e| e.to_string())?;

        // 4. The renames, in step order.
        let stash_dirs: BTreeSet<PathBuf> = steps
            .iter()
            .filter(|s| s.had.is_some())
            .filter_map(|s| s.stash.parent().map(Path::to_path_buf))
            .collect();
        for dir in &stash_dirs {
            private_dirs(dir).map_err(io)?;
        }
        let mut written = vec![0u64; steps.len()];
        for (k, s) in steps.iter().enumerate() {
            if s.had.is_some() {
                match fsops::rename(&s.target, &s.stash) {
                    // A payload that is its own mount: its stash lies beside it, on another
                    // file system. The original is copied there and made durable before it is
                    // removed, exactly as for a step run alone.
                    Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                        fsops::move_durable(&s.target, &s.stash, &fsops::move_partial(&s.stash))
                    }
                    other => other,
                }
                .map_err(io)?;
                super::faults::point();
                self.stashes.insert(s.i, s.stash.clone());
            }
            if let (Some(source), Some(c)) = (&s.source, copied[k].take()) {
                fsops::rename(&s.temp, &s.target).map_err(io)?;
                super::faults::point();
                written[k] = c.bytes;
                self.landed.push(Landed {
                    target: self.plan.steps[s.i].target.clone(),
                    source: source.clone(),
                    copied: c,
                    at_rename: stamp_and_mode(&s.target),
                    read_back: None,
                });
            }
        }

        // 5. The stash folders first, so an original never lacks a durable name.
        fsops::sync_together(stash_dirs.into_iter().collect(), |d| fsops::fsync_dir(&d))
            .map_err(io)?;
        let parents: BTreeSet<&Path> = steps.iter().map(|s| s.parent.as_path()).collect();
        fsops::sync_together(parents.into_iter().collect(), fsops::fsync_dir).map_err(io)?;

        // 6. Done.
        let mut done = Vec::with_capacity(steps.len());
        for (s, written) in steps.iter().zip(written) {
            self.written += written;
            self.stashed += s.before_bytes;
            done.push(Record::Done {
                step: s.i,
                stashed: s.before_bytes,
                written,
            });
        }
        self.log.append_all(&done).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Step};

    fn plan(steps: &[(&str, &str, StepKind)]) -> Plan {
        let mut p = Plan::new(
            Action::Sync {
                from: "m".into(),
                to: vec!["t".into()],
            },
            Path::new("/r"),
        );
        for (component, target, kind) in steps {
            p.steps.push(Step {
                component: component.to_string(),
                target: PathBuf::from(target),
                kind: kind.clone(),
                bytes: 0,
                replaces: None,
            });
        }
        p
    }

    fn copy() -> StepKind {
        StepKind::SyncFile {
            source: PathBuf::from("/m/x"),
        }
    }

    #[test]
    fn only_independent_payload_steps_share_a_batch() {
        let p = plan(&[
            ("dp:t", "t/a/x", copy()),
            ("dp:t", "t/a/y", StepKind::Stash),
            ("dp:t", "t/b", copy()),
            // The same path again: it starts the next batch.
            ("dp:t", "t/a/x", copy()),
            // Inside a path of the batch, and holding one: each ends the batch before it.
            ("dp:t", "t/c", StepKind::Stash),
            ("dp:t", "t/c/d", copy()),
            ("dp:t", "t/e/f", copy()),
            ("dp:t", "t/e", StepKind::Stash),
            // Never batched: a folder creation, a given write, a database.
            ("dp:t", "t/g", StepKind::CreateDir),
            (
                "dp:t",
                "t/h",
                StepKind::WriteFile {
                    base64: String::new(),
                },
            ),
            ("database:ServerDatabase", "db/a", copy()),
            ("dp:t", "t/i", copy()),
            ("dp:t", "t/j", copy()),
        ]);
        let ends: Vec<usize> = {
            let mut out = Vec::new();
            let mut i = 0;
            while i < p.steps.len() {
                i = batch_end(&p, i);
                out.push(i);
            }
            out
        };
        assert_eq!(ends, vec![3, 5, 7, 8, 9, 10, 11, 13]);
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_steps() {
        let names: Vec<String> = (0..MAX_BATCH + 10).map(|i| format!("t/f{i}")).collect();
        let steps: Vec<(&str, &str, StepKind)> =
            names.iter().map(|n| ("dp:t", n.as_str(), copy())).collect();
        let p = plan(&steps);
        assert_eq!(batch_end(&p, 0), MAX_BATCH);
        assert_eq!(batch_end(&p, MAX_BATCH), MAX_BATCH + 10);
    }
}
