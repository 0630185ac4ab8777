//! Power loss, not only kills: a real restore and a real undo run with the power-loss recorder
//! (`DRCONSOLE_POWERLOSS_LOG`), which writes down every fsync — a file's bytes, or a folder's
//! entries. For a cut after every fsync, the test rebuilds what the disk would hold under a
//! strict model — data not fsynced is lost, and so is every directory entry (create, rename)
//! whose folder was not fsynced after it — puts that on disk at the same paths, lets drconsole
//! recover, and requires every path to be all-before or all-after, with the journal agreeing.

mod journal_support;

use journal_support::*;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

/// One inode incarnation: its number and when it was created (numbers are reused once freed,
/// so a number alone would let a deleted file's bytes reappear as a new folder).
type Id = (u64, u64);

/// When `meta`'s inode was created, as the recorder writes it (0 where unknown).
fn born(meta: &std::fs::Metadata) -> u64 {
    meta.created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One inode as the model knows it.
#[derive(Clone, Debug)]
enum Node {
    Dir {
        mode: u32,
        entries: BTreeMap<String, Id>,
    },
    File {
        mode: u32,
        bytes: Arc<Vec<u8>>,
    },
    Link {
        target: String,
    },
}

/// What is durable: every inode reachable from the folder that holds the root and the state.
#[derive(Clone, Debug, Default)]
struct Model {
    nodes: HashMap<Id, Node>,
}

impl Model {
    /// Everything under `dir` as it is on disk now (taken as durable).
    fn capture(dir: &Path) -> Model {
        let mut m = Model::default();
        m.add(dir);
        m
    }

    fn add(&mut self, path: &Path) -> Id {
        let meta = std::fs::symlink_metadata(path).unwrap();
        let ino = (meta.ino(), born(&meta));
        let mode = meta.mode() & 0o7777;
        let node = if meta.file_type().is_symlink() {
            Node::Link {
                target: std::fs::read_link(path)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            }
        } else if meta.is_dir() {
            let mut entries = BTreeMap::new();
            for e in std::fs::read_dir(path).unwrap() {
                let e = e.unwrap();
                let child = self.add(&e.path());
                entries.insert(e.file_name().to_string_lossy().into_owned(), child);
            }
            Node::Dir { mode, entries }
        } else {
            Node::File {
                mode,
                bytes: Arc::new(std::fs::read(path).unwrap()),
            }
        };
        self.nodes.insert(ino, node);
        ino
    }

    /// Apply one recorded fsync: a folder's entries or a file's bytes become durable.
    fn apply(&mut self, event: &serde_json::Value, blobs: &HashMap<u64, Arc<Vec<u8>>>) {
        let ino = (
            event["ino"].as_u64().unwrap(),
            event["born"].as_u64().unwrap_or(0),
        );
        let mode = event["mode"].as_u64().unwrap() as u32;
        if let Some(entries) = event["entries"].as_array() {
            let mut listing = BTreeMap::new();
            for e in entries {
                let name = e[0].as_str().unwrap().to_string();
                let child = (e[1].as_u64().unwrap(), e[5].as_u64().unwrap_or(0));
                let child_mode = e[3].as_u64().unwrap() as u32;
                // An inode first seen in a listing has only what its creation made durable:
                // a folder is empty, a file has no bytes until its own fsync is recorded.
                self.nodes
                    .entry(child)
                    .or_insert_with(|| match e[2].as_str().unwrap() {
                        "d" => Node::Dir {
                            mode: child_mode,
                            entries: BTreeMap::new(),
                        },
                        "l" => Node::Link {
                            target: e[4].as_str().unwrap_or("").to_string(),
                        },
                        _ => Node::File {
                            mode: child_mode,
                            bytes: Arc::new(Vec::new()),
                        },
                    });
                listing.insert(name, child);
            }
            self.nodes.insert(
                ino,
                Node::Dir {
                    mode,
                    entries: listing,
                },
            );
        } else {
            let n = event["n"].as_u64().unwrap();
            self.nodes.insert(
                ino,
                Node::File {
                    mode,
                    bytes: blobs[&n].clone(),
                },
            );
        }
    }
}

/// A recorded run: its events (fsyncs under `base`) with their file bytes.
struct Recording {
    events: Vec<serde_json::Value>,
    blobs: HashMap<u64, Arc<Vec<u8>>>,
}

fn record(inst: &Install, args: &[&str], base: &Path) -> Recording {
    let log = tempfile::tempdir().unwrap();
    let o = inst.run(
        args,
        &[(
            "DRCONSOLE_POWERLOSS_LOG",
            log.path().to_string_lossy().into_owned(),
        )],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let text = std::fs::read_to_string(log.path().join("events")).unwrap_or_default();
    let mut events = Vec::new();
    let mut blobs = HashMap::new();
    for line in text.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        if !Path::new(e["path"].as_str().unwrap()).starts_with(base) {
            continue;
        }
        if let Some(blob) = e["blob"].as_str() {
            blobs.insert(
                e["n"].as_u64().unwrap(),
                Arc::new(std::fs::read(blob).unwrap()),
            );
        }
        events.push(e);
    }
    assert!(!events.is_empty(), "the recorder saw no fsync");
    Recording { events, blobs }
}

/// Write the model's `root` and `state` (never the backup sets, which no run changes) to disk
/// at their real paths, replacing what is there.
fn materialize(model: &Model, base_ino: Id, inst: &Install) {
    clear_dir(&inst.root);
    let _ = std::fs::remove_dir_all(&inst.state);
    let Some(Node::Dir { entries, .. }) = model.nodes.get(&base_ino) else {
        panic!("the base folder is not in the model");
    };
    for (name, path) in [("root", &inst.root), ("state", &inst.state)] {
        if let Some(ino) = entries.get(name) {
            build(model, *ino, path, path == &inst.root, 0);
        }
    }
}

fn build(model: &Model, ino: Id, path: &Path, at_root: bool, depth: usize) {
    assert!(
        depth < 64,
        "a folder loop in the model at {}",
        path.display()
    );
    match &model.nodes[&ino] {
        Node::Dir { mode, entries } => {
            let _ = std::fs::create_dir(path);
            for (name, child) in entries {
                if at_root && BACKUP_FOLDERS.contains(&name.as_str()) {
                    continue;
                }
                build(model, *child, &path.join(name), false, depth + 1);
            }
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode)).unwrap();
        }
        Node::File { mode, bytes } => {
            std::fs::write(path, bytes.as_slice()).unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode)).unwrap();
        }
        Node::Link { target } => std::os::unix::fs::symlink(target, path).unwrap(),
    }
}

/// Empty a folder except the backup sets.
fn clear_dir(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if BACKUP_FOLDERS.iter().any(|b| e.file_name() == *b) {
            continue;
        }
        let p = e.path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700));
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
}

/// The snapshot without SQLite's `-shm` files: a shared-memory index SQLite rebuilds from the
/// database and its `-wal`, never fsynced by anyone and never data.
fn durable_view(inst: &Install) -> Snapshot {
    let mut s = inst.snapshot();
    s.retain(|p, _| !p.to_string_lossy().ends_with("-shm"));
    s
}

/// The states in the journal, newest first (this runs recovery first).
fn states(inst: &Install) -> Vec<String> {
    let o = inst.run(&["journal", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap_or("").to_string())
        .collect()
}

/// One recorded run to judge: the installation, the durable state it began from (and the
/// inode of the folder holding root and state), the transactions already in the journal.
struct Run<'a> {
    inst: &'a Install,
    initial: &'a Model,
    base_ino: Id,
    known: usize,
    what: &'a str,
    stride: usize,
}

/// Rebuild the disk after a cut after each recorded fsync (every `stride`th, and always the
/// first 40 and the last), recover, and judge. Returns how many cuts were judged.
fn judge_cuts(run: &Run, rec: &Recording, before: &Snapshot, after: &Snapshot) -> usize {
    let Run {
        inst,
        initial,
        base_ino,
        known,
        what,
        stride,
    } = run;
    let (base_ino, known, stride) = (*base_ino, *known, *stride);
    let mut model = Model::clone(initial);
    let mut judged = 0;
    let n = rec.events.len();
    for k in 0..=n {
        if k > 0 {
            model.apply(&rec.events[k - 1], &rec.blobs);
        }
        if !(k < 40 || k == n || k % stride == 0) {
            continue;
        }
        materialize(&model, base_ino, inst);
        let all = states(inst);
        let state = (all.len() > known).then(|| all[0].clone());
        let now = durable_view(inst);
        let to_before = differences(before, &now);
        let to_after = differences(after, &now);
        let cut = format!("{what}: power cut after fsync {k} of {n}");
        if to_before.is_empty() {
            assert!(
                !matches!(
                    state.as_deref(),
                    Some("committed" | "unfinished" | "damaged")
                ),
                "{cut}: before-bytes but the journal says {state:?}"
            );
        } else if to_after.is_empty() {
            assert!(
                matches!(state.as_deref(), Some("committed" | "damaged")),
                "{cut}: after-bytes but the journal says {state:?} (it can no longer be undone)"
            );
        } else {
            panic!(
                "{cut}: a mix after recovery (journal: {state:?}); differs from before at {to_before:?} and from after at {to_after:?}"
            );
        }
        judged += 1;
    }
    judged
}

fn power_loss_test(stride: usize) {
    let inst = demo_install(drconsole::demo::Scenario::CorruptDb, None);
    std::fs::write(inst.live("ServerDatabase.db-wal"), vec![7u8; 16 * 1024]).unwrap();
    inst.settled();
    change_and_undo(&inst, &["restore", "all", "--yes"], "restore", stride);
}

/// Record the change `args` makes from a fresh state folder (the first change is where a lost
/// journal folder hurts most) and judge a cut after every `stride`th fsync; then the same for
/// its undo.
fn change_and_undo(inst: &Install, args: &[&str], what: &str, stride: usize) {
    let _ = std::fs::remove_dir_all(&inst.state);
    let base = inst.tmp.path().to_path_buf();
    let base_meta = std::fs::metadata(&base).unwrap();
    let base_ino = (base_meta.ino(), born(&base_meta));

    let before = durable_view(inst);
    let initial = Model::capture(&base);
    let restore = record(inst, args, &base);
    let after = durable_view(inst);
    assert!(!differences(&before, &after).is_empty());
    let after_model = Model::capture(&base);
    let run = Run {
        inst,
        initial: &initial,
        base_ino,
        known: 0,
        what,
        stride,
    };
    let judged = judge_cuts(&run, &restore, &before, &after);

    // Undo, from the committed restore back to before.
    materialize(&after_model, base_ino, inst);
    let undo = record(inst, &["undo", "--yes"], &base);
    assert!(differences(&before, &durable_view(inst)).is_empty());
    let undo_what = format!("undo of a {what}");
    let run = Run {
        initial: &after_model,
        known: 1,
        what: &undo_what,
        ..run
    };
    let judged_undo = judge_cuts(&run, &undo, &after, &before);
    eprintln!(
        "judged {judged} cuts of a {what} ({} fsyncs) and {judged_undo} of an undo ({} fsyncs)",
        restore.events.len(),
        undo.events.len()
    );
}

#[test]
fn a_power_cut_after_any_fsync_of_a_restore_or_undo_recovers_to_all_before_or_all_after() {
    power_loss_test(6);
}

#[test]
#[ignore = "long: every cut point (cargo test -- --ignored)"]
fn power_loss_every_cut() {
    power_loss_test(1);
}

/// A payload sync runs its copies and stashes in batches (each phase's fsyncs together, each
/// folder fsynced once per batch): a cut after any fsync of it, or of its undo, recovers to
/// all-before or all-after. The mirror differs in every way a batch handles: a folder and a
/// file the master lacks, a file with other content, files it lacks, a folder it lacks.
#[test]
fn a_power_cut_after_any_fsync_of_a_batched_sync_or_its_undo_recovers_to_all_before_or_all_after() {
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let london = inst.root.join("srv/dp/mirror-london");
    let sydney = inst.root.join("srv/dp/mirror-sydney");
    std::fs::create_dir_all(sydney.join("Retired/Old")).unwrap();
    std::fs::write(sydney.join("Retired/Old/gone.pkg"), b"an old package").unwrap();
    std::fs::write(sydney.join("stray.pkg"), vec![3u8; 3000]).unwrap();
    std::fs::write(
        sydney.join("Packages/Firefox-132.0.2.pkg"),
        b"a damaged download",
    )
    .unwrap();
    std::fs::create_dir_all(london.join("Extra")).unwrap();
    std::fs::write(london.join("Extra/new.pkg"), vec![5u8; 5000]).unwrap();
    std::fs::write(london.join("Extra/other.pkg"), vec![6u8; 700]).unwrap();
    inst.settled();
    change_and_undo(&inst, &SYNC_SYDNEY_FROM_LONDON, "sync", 1);
}
