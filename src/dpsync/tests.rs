//! Sync engine tests on generated trees: plan, execute through the journal, compare the trees,
//! undo byte-identical.

use super::*;
use crate::context::Context;
use crate::journal::{self, Journal};
use std::os::unix::fs::PermissionsExt;

struct Fx {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    ctx: Context,
}

fn write(p: &Path, bytes: &[u8], mtime: i64) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
    filetime::set_file_mtime(p, filetime::FileTime::from_unix_time(mtime, 0)).unwrap();
}

fn fixture() -> Fx {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("root")).unwrap();
    let root = tmp.path().join("root").canonicalize().unwrap();
    let m = root.join("dp/master");
    write(&m.join("a.pkg"), b"package a", 1_000);
    write(&m.join("sub/b.pkg"), b"package b, new build", 2_000);
    write(&m.join("sub/deep/c.pkg"), b"package c", 3_000);
    write(&m.join("same.pkg"), b"same", 4_000);
    let r = root.join("dp/mirror");
    write(&r.join("a.pkg"), b"package a", 1_000);
    write(&r.join("sub/b.pkg"), b"package b, old build", 1_500);
    write(&r.join("same.pkg"), b"same", 4_000);
    write(&r.join("old.pkg"), b"gone from master", 500);
    write(&r.join("olddir/x.pkg"), b"x", 500);
    write(&r.join("olddir/y/z.pkg"), b"z", 500);
    let mut ctx = Context::new(crate::profile::load("lanrev-macos").unwrap(), &root);
    ctx.state_dir = tmp.path().join("state");
    ctx.clock = crate::Clock::parse_fixed("2026-11-22T08:00:00Z").unwrap();
    Fx {
        _tmp: tmp,
        root,
        ctx,
    }
}

fn request(f: &Fx, compare: Compare) -> Request {
    Request {
        source: Source {
            name: "Master".into(),
            dir: Confined::stored(&f.root, Path::new("dp/master")).unwrap(),
        },
        targets: vec![Target {
            name: "Mirror".into(),
            component: "dp:Mirror".into(),
            dir: Confined::stored(&f.root, Path::new("dp/mirror")).unwrap(),
        }],
        compare,
        first: vec![],
        last: vec![],
    }
}

/// Every path under `dir` (relative) with its kind, bytes and mtime.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>, i64)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        let bytes = if m.is_file() {
            std::fs::read(e.path()).unwrap()
        } else {
            b"<dir>".to_vec()
        };
        let t = if m.is_file() {
            filetime::FileTime::from_last_modification_time(&m).unix_seconds()
        } else {
            0
        };
        out.push((e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes, t));
    }
    out
}

/// Every path under `dir` with bytes and mode (what undo must give back exactly).
pub(crate) fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, u32)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let bytes = if m.is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                bytes,
                m.permissions().mode() & 0o7777,
            )
        })
        .collect()
}

fn run(f: &Fx, mut plan: Plan) -> journal::Committed {
    let lock = journal::prepare(&f.ctx, &mut plan, false).unwrap().unwrap();
    assert!(plan.ready(), "{plan}");
    journal::execute(&f.ctx, &lock, &plan, &|_| {}).unwrap()
}

fn undo(f: &Fx) {
    let j = Journal::of(&f.ctx);
    let tx = journal::default_undo_target(&j).unwrap();
    let plan = journal::build_undo_plan(&j, &tx, &f.root, false, &DiskProbe).unwrap();
    run(f, plan);
}

#[test]
fn preview_counts_copies_stashes_and_folders_per_target() {
    let f = fixture();
    let (plan, preview) = plan_sync(&f.root, &request(&f, Compare::SizeAndTime), &|_| {}).unwrap();
    let t = &preview.targets[0];
    // b changed, c missing; old.pkg and the whole olddir stashed; sub/deep created.
    assert_eq!((t.copy, t.stash, t.create_dirs), (2, 2, 1), "{plan}");
    assert_eq!(t.copy_bytes, 20 + 9);
    assert_eq!(t.stash_bytes, 16 + 2);
    assert_eq!(t.unchanged, 2);
    assert_eq!(t.steps, (0, plan.steps.len()));
    assert_eq!(plan.stash_outside, vec![PathBuf::from("dp/mirror")]);
}

#[test]
fn sync_makes_the_mirror_equal_and_undo_restores_it_byte_identical() {
    let f = fixture();
    let before = snapshot(&f.root.join("dp/mirror"));
    let (plan, _) = plan_sync(&f.root, &request(&f, Compare::SizeAndTime), &|_| {}).unwrap();
    run(&f, plan);
    assert_eq!(
        tree(&f.root.join("dp/master")),
        tree(&f.root.join("dp/mirror"))
    );
    // Nothing was stashed inside the payload, and a second plan has nothing to do.
    let (again, preview) = plan_sync(&f.root, &request(&f, Compare::Content), &|_| {}).unwrap();
    assert!(
        again.steps.is_empty() && preview.targets[0].in_sync(),
        "{again}"
    );
    undo(&f);
    assert_eq!(snapshot(&f.root.join("dp/mirror")), before);
}

#[test]
fn content_mode_finds_a_same_size_same_time_change_that_size_and_time_misses() {
    let f = fixture();
    write(&f.root.join("dp/mirror/same.pkg"), b"SAME", 4_000);
    let (quick, _) = plan_sync(&f.root, &request(&f, Compare::SizeAndTime), &|_| {}).unwrap();
    assert!(!quick.steps.iter().any(|s| s.target.ends_with("same.pkg")));
    let (full, _) = plan_sync(&f.root, &request(&f, Compare::Content), &|_| {}).unwrap();
    assert!(
        full.steps.iter().any(|s| s.target.ends_with("same.pkg")),
        "{full}"
    );
}

#[test]
fn expected_hashes_copy_only_content_that_differs_and_refuse_an_unverified_source() {
    use sha2::Digest as _;
    let f = fixture();
    let sha = |b: &[u8]| -> [u8; 32] { sha2::Sha256::digest(b).into() };
    // a.pkg: same content, newer time on the mirror: not copied. same.pkg: altered in place.
    write(&f.root.join("dp/mirror/a.pkg"), b"package a", 9_000);
    write(&f.root.join("dp/mirror/same.pkg"), b"SAME", 4_000);
    let mut map = BTreeMap::new();
    map.insert(PathBuf::from("a.pkg"), sha(b"package a"));
    map.insert(PathBuf::from("same.pkg"), sha(b"same"));
    map.insert(PathBuf::from("sub/b.pkg"), sha(b"package b, new build"));
    let (plan, _) = plan_sync(
        &f.root,
        &request(&f, Compare::Expected(map.clone())),
        &|_| {},
    )
    .unwrap();
    let copied: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::SyncFile { .. }))
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(
        copied,
        [
            "dp/mirror/same.pkg",
            "dp/mirror/sub/b.pkg",
            "dp/mirror/sub/deep/c.pkg"
        ]
        .map(PathBuf::from)
    );
    map.insert(
        PathBuf::from("sub/b.pkg"),
        sha(b"what the replica.log says"),
    );
    let err = plan_sync(&f.root, &request(&f, Compare::Expected(map)), &|_| {}).unwrap_err();
    assert!(
        matches!(err, SyncError::Unverified { ref paths, .. } if paths == &["sub/b.pkg"]),
        "{err}"
    );
}

#[test]
fn first_and_last_writes_frame_the_target_steps_and_its_path_is_not_compared() {
    let f = fixture();
    write(
        &f.root.join("dp/master/SiteStat.xml"),
        b"<SiteStatus Status=\"Enabled\"/>",
        10,
    );
    write(&f.root.join("dp/master/catalog.z"), b"catalog", 10);
    let mut req = request(&f, Compare::SizeAndTime);
    req.first.push(Write {
        target: 0,
        rel: "SiteStat.xml".into(),
        content: Content::Bytes(b"<SiteStatus Status=\"Disabled\"/>".to_vec()),
    });
    req.last.push(Write {
        target: 0,
        rel: "catalog.z".into(),
        content: Content::FromSource,
    });
    req.last.push(Write {
        target: 0,
        rel: "SiteStat.xml".into(),
        content: Content::FromSource,
    });
    let (plan, _) = plan_sync(&f.root, &req, &|_| {}).unwrap();
    let targets: Vec<_> = plan.steps.iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        targets.first().unwrap(),
        Path::new("dp/mirror/SiteStat.xml")
    );
    assert!(matches!(plan.steps[0].kind, StepKind::WriteFile { .. }));
    let n = targets.len();
    assert_eq!(targets[n - 2], Path::new("dp/mirror/catalog.z"));
    assert_eq!(targets[n - 1], Path::new("dp/mirror/SiteStat.xml"));
    assert_eq!(
        targets.iter().filter(|t| t.ends_with("catalog.z")).count(),
        1
    );
    run(&f, plan);
    assert_eq!(
        tree(&f.root.join("dp/master")),
        tree(&f.root.join("dp/mirror"))
    );
}

#[test]
fn several_targets_are_one_transaction_with_progress_per_target() {
    let f = fixture();
    write(&f.root.join("dp/other/a.pkg"), b"package a", 1_000);
    let mut req = request(&f, Compare::SizeAndTime);
    req.targets.push(Target {
        name: "Other".into(),
        component: "dp:Other".into(),
        dir: Confined::stored(&f.root, Path::new("dp/other")).unwrap(),
    });
    let (mut plan, preview) = plan_sync(&f.root, &req, &|_| {}).unwrap();
    assert_eq!(preview.targets[1].steps.1, plan.steps.len());
    let lock = journal::prepare(&f.ctx, &mut plan, false).unwrap().unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let done = journal::execute(&f.ctx, &lock, &plan, &|p: Progress| {
        if let Some(t) = target_progress(&plan, &p) {
            seen.lock().unwrap().push((t.name, t.done, t.total));
        }
    })
    .unwrap();
    drop(lock);
    let seen = seen.into_inner().unwrap();
    assert!(seen.contains(&("Mirror".to_string(), 0, preview.targets[0].steps.1 as u64)));
    let other_total = (preview.targets[1].steps.1 - preview.targets[1].steps.0) as u64;
    assert!(
        seen.contains(&("Other".to_string(), other_total, other_total)),
        "{seen:?}"
    );
    assert_eq!(
        tree(&f.root.join("dp/master")),
        tree(&f.root.join("dp/other"))
    );
    assert_eq!(
        Journal::of(&f.ctx).transactions().unwrap().len(),
        1,
        "{}",
        done.txid
    );
}

#[test]
fn a_target_that_overlaps_the_source_is_refused() {
    let f = fixture();
    let mut req = request(&f, Compare::SizeAndTime);
    req.targets[0].dir = Confined::stored(&f.root, Path::new("dp/master/sub")).unwrap();
    assert!(matches!(
        plan_sync(&f.root, &req, &|_| {}),
        Err(SyncError::Overlap(_))
    ));
}

#[test]
fn links_in_the_source_are_never_copied_and_links_in_the_mirror_are_stashed() {
    let f = fixture();
    std::os::unix::fs::symlink("/etc/passwd", f.root.join("dp/master/evil")).unwrap();
    std::os::unix::fs::symlink("/etc", f.root.join("dp/mirror/planted")).unwrap();
    let (plan, preview) = plan_sync(&f.root, &request(&f, Compare::SizeAndTime), &|_| {}).unwrap();
    assert_eq!(
        preview.targets[0].skipped.len(),
        1,
        "{:?}",
        preview.targets[0].skipped
    );
    assert!(!plan.steps.iter().any(|s| s.target.ends_with("evil")));
    assert!(
        plan.steps
            .iter()
            .any(|s| s.target.ends_with("planted") && s.kind == StepKind::Stash)
    );
    run(&f, plan);
    assert!(std::fs::symlink_metadata(f.root.join("dp/mirror/planted")).is_err());
    assert!(std::fs::symlink_metadata(f.root.join("dp/mirror/evil")).is_err());
}
