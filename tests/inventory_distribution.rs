//! Distribution points read from a real SQLite table: master rules, reachability and mirror
//! comparison by size and time or by content.

use drconsole::inventory::{self, CheckDepth, Inventory, ScanOptions};
use drconsole::{Clock, Code, Context};
use std::fs;
use std::path::Path;

const DB: &str = "Library/Application Support/LANrev Server/ServerDatabase.db";

fn ctx(root: &Path) -> Context {
    let mut ctx = Context::new(drconsole::profile::load("lanrev-macos").unwrap(), root);
    ctx.clock = Clock::fixed("2026-11-22T08:00:00Z".parse().unwrap());
    ctx.state_dir = root.join(".state");
    ctx
}

/// Points as (name, path, is_master); paths relative to the root unless absolute.
fn define(root: &Path, points: &[(&str, &str, bool)]) {
    let db = root.join(DB);
    fs::create_dir_all(db.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE distribution_points(id INTEGER PRIMARY KEY, name TEXT, address TEXT, path TEXT, is_master INTEGER);",
    )
    .unwrap();
    for (name, path, master) in points {
        conn.execute(
            "INSERT INTO distribution_points(name, address, path, is_master) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![name, format!("{name}.example.com"), path, *master as i64],
        )
        .unwrap();
    }
}

fn payload(root: &Path, rel: &str, files: &[(&str, &str)]) {
    for (name, body) in files {
        let p = root.join(rel).join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
}

/// Give `path` the modification time `t`.
fn set_time(path: &Path, t: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// New content of the same size or not, with the old modification time: only a comparison
/// by content can tell.
fn rewrite_keeping_time(path: &Path, body: &str) {
    let t = fs::metadata(path).unwrap().modified().unwrap();
    fs::write(path, body).unwrap();
    set_time(path, t);
}

fn run(root: &Path, depth: CheckDepth) -> Inventory {
    let mut inv = Inventory::default();
    inventory::distribution::scan(&ctx(root), &ScanOptions { depth }, &mut inv, &());
    inv
}

fn codes(inv: &Inventory) -> Vec<Code> {
    let mut c: Vec<Code> = inv.findings.iter().map(|f| f.code).collect();
    c.sort();
    c
}

const FILES: &[(&str, &str)] = &[("Office.pkg", "office payload"), ("apps/Tool.pkg", "tool")];

#[test]
fn master_and_identical_mirror_are_healthy() {
    let dir = tempfile::tempdir().unwrap();
    define(
        dir.path(),
        &[
            ("dp-master", "dp/master", true),
            ("dp-mirror", "dp/mirror", false),
        ],
    );
    payload(dir.path(), "dp/master", FILES);
    copy_tree(&dir.path().join("dp/master"), &dir.path().join("dp/mirror"));
    let inv = run(dir.path(), CheckDepth::Full);
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
    let m = &inv.distribution_points[1];
    assert!(m.reachable);
    assert_eq!(
        (m.files, m.bytes, m.missing, m.extra, m.changed),
        (2, 18, 0, 0, 0)
    );
}

#[test]
fn a_mirror_missing_payloads_is_out_of_sync_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    define(
        dir.path(),
        &[
            ("dp-master", "dp/master", true),
            ("dp-mirror", "dp/mirror", false),
        ],
    );
    payload(dir.path(), "dp/master", FILES);
    payload(
        dir.path(),
        "dp/mirror",
        &[("apps/Tool.pkg", "tool"), ("stale.pkg", "old")],
    );
    let inv = run(dir.path(), CheckDepth::Standard);
    assert_eq!(codes(&inv), vec![Code::DpOutOfSync]);
    let m = &inv.distribution_points[1];
    assert_eq!((m.missing, m.extra), (1, 1));
    assert!(
        m.samples.iter().any(|s| s.contains("Office.pkg")),
        "{:?}",
        m.samples
    );
}

#[test]
fn same_size_different_content_is_found_only_by_a_full_check() {
    let dir = tempfile::tempdir().unwrap();
    define(
        dir.path(),
        &[
            ("dp-master", "dp/master", true),
            ("dp-mirror", "dp/mirror", false),
        ],
    );
    payload(dir.path(), "dp/master", FILES);
    copy_tree(&dir.path().join("dp/master"), &dir.path().join("dp/mirror"));
    rewrite_keeping_time(&dir.path().join("dp/mirror/Office.pkg"), "OFFICE PAYLOAD");
    assert!(run(dir.path(), CheckDepth::Standard).findings.is_empty());
    let inv = run(dir.path(), CheckDepth::Full);
    assert_eq!(codes(&inv), vec![Code::DpOutOfSync]);
    assert_eq!(inv.distribution_points[1].changed, 1);
}

/// Two mirrors share one read of the master by content: the one whose file differs only in
/// content (same size, same time) is out of sync, the equal one is not, whichever comes first.
#[test]
fn with_two_mirrors_full_check_blames_only_the_one_differing_in_content() {
    for order in [["dp-equal", "dp-differs"], ["dp-differs", "dp-equal"]] {
        let dir = tempfile::tempdir().unwrap();
        define(
            dir.path(),
            &[
                ("dp-master", "dp/master", true),
                (order[0], &format!("dp/{}", order[0]), false),
                (order[1], &format!("dp/{}", order[1]), false),
            ],
        );
        payload(dir.path(), "dp/master", FILES);
        copy_tree(
            &dir.path().join("dp/master"),
            &dir.path().join("dp/dp-equal"),
        );
        copy_tree(
            &dir.path().join("dp/master"),
            &dir.path().join("dp/dp-differs"),
        );
        rewrite_keeping_time(&dir.path().join("dp/dp-differs/apps/Tool.pkg"), "TOOL");
        assert!(run(dir.path(), CheckDepth::Standard).findings.is_empty());
        let inv = run(dir.path(), CheckDepth::Full);
        assert_eq!(codes(&inv), vec![Code::DpOutOfSync], "{order:?}");
        let f = &inv.findings[0];
        assert_eq!(f.component, "dp:dp-differs", "{order:?}");
        assert!(f.message.contains("apps/Tool.pkg"), "{}", f.message);
        let point = |name: &str| {
            let p = inv
                .distribution_points
                .iter()
                .find(|p| p.name == name)
                .unwrap();
            (p.files, p.missing, p.extra, p.changed)
        };
        assert_eq!(point("dp-differs"), (2, 0, 0, 1), "{order:?}");
        assert_eq!(point("dp-equal"), (2, 0, 0, 0), "{order:?}");
        assert_eq!(point("dp-master"), (2, 0, 0, 0), "{order:?}");
    }
}

#[test]
fn no_master_two_masters_single_point_and_unreachable_points_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    define(
        dir.path(),
        &[("a", "dp/a", false), ("b", "dp/nonexistent", false)],
    );
    payload(dir.path(), "dp/a", FILES);
    let inv = run(dir.path(), CheckDepth::Standard);
    assert_eq!(codes(&inv), vec![Code::DpNoMaster, Code::DpUnreachable]);
    assert!(!inv.distribution_points[1].reachable);

    let dir = tempfile::tempdir().unwrap();
    define(dir.path(), &[("a", "dp/a", true), ("b", "dp/b", true)]);
    payload(dir.path(), "dp/a", FILES);
    payload(dir.path(), "dp/b", FILES);
    assert_eq!(
        codes(&run(dir.path(), CheckDepth::Standard)),
        vec![Code::DpMultipleMasters]
    );

    let dir = tempfile::tempdir().unwrap();
    define(dir.path(), &[("only", "dp/only", true)]);
    payload(dir.path(), "dp/only", FILES);
    assert_eq!(
        codes(&run(dir.path(), CheckDepth::Standard)),
        vec![Code::DpSingle]
    );
}

#[test]
fn a_corrupt_or_missing_database_is_skipped_with_a_note_and_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let inv = run(dir.path(), CheckDepth::Standard);
    assert!(inv.findings.is_empty());
    assert!(inv.notes[0].contains("not checked"), "{:?}", inv.notes);
    let db = dir.path().join(DB);
    fs::create_dir_all(db.parent().unwrap()).unwrap();
    fs::write(&db, b"SQLite format 3\0 but then garbage garbage garbage").unwrap();
    let inv = run(dir.path(), CheckDepth::Standard);
    assert!(inv.findings.is_empty());
    assert!(
        inv.notes[0].contains(&db.display().to_string()),
        "{:?}",
        inv.notes
    );
    // Read-only: the garbage is untouched.
    assert!(fs::read(&db).unwrap().ends_with(b"garbage"));
}

#[cfg(unix)]
#[test]
fn links_in_a_payload_folder_are_listed_as_links_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    define(dir.path(), &[("m", "dp/m", true), ("r", "dp/r", false)]);
    payload(dir.path(), "dp/m", FILES);
    copy_tree(&dir.path().join("dp/m"), &dir.path().join("dp/r"));
    fs::write(dir.path().join("outside.pkg"), "not a payload").unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside.pkg"),
        dir.path().join("dp/r/escape.pkg"),
    )
    .unwrap();
    let inv = run(dir.path(), CheckDepth::Full);
    // The link is an entry of the mirror the master does not have (as `diff dp:r` says), and
    // it leads out of the payload folder.
    assert_eq!(codes(&inv), vec![Code::PathUnsafe, Code::DpOutOfSync]);
    assert_eq!(inv.distribution_points[1].extra, 1);
    assert_eq!(
        inv.distribution_points[1].files, 2,
        "the link is not a payload file"
    );
}

#[cfg(unix)]
#[test]
fn payload_paths_outside_the_root_are_refused_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    // A folder beside the root full of files: none of them may be listed.
    payload(dir.path(), "outside", FILES);
    define(
        &root,
        &[
            ("m", "dp/m", true),
            ("up", "../outside", false),
            ("etc", "/etc", false),
            ("host", "/", false),
            ("self", ".", false),
        ],
    );
    payload(&root, "dp/m", FILES);
    let inv = run(&root, CheckDepth::Full);
    let unsafe_points: Vec<&str> = inv
        .findings
        .iter()
        .filter(|f| f.code == Code::DpPathUnsafe)
        .map(|f| f.component.as_str())
        .collect();
    assert_eq!(unsafe_points, vec!["dp:up", "dp:etc", "dp:host", "dp:self"]);
    for p in &inv.distribution_points[1..] {
        assert!(!p.reachable, "{}", p.name);
        assert_eq!(
            (p.files, p.bytes, p.missing, p.extra),
            (0, 0, 0, 0),
            "{}",
            p.name
        );
    }
}

#[cfg(unix)]
#[test]
fn a_payload_folder_that_is_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    payload(dir.path(), "outside", FILES);
    define(&root, &[("m", "dp/m", true), ("r", "dp/r", false)]);
    payload(&root, "dp/m", FILES);
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("dp/r")).unwrap();
    let inv = run(&root, CheckDepth::Full);
    assert!(
        codes(&inv).contains(&Code::DpPathUnsafe),
        "{:?}",
        codes(&inv)
    );
    assert_eq!(inv.distribution_points[1].files, 0);
}

#[test]
fn with_two_masters_mirrors_are_still_compared_with_the_first_reachable_one() {
    let dir = tempfile::tempdir().unwrap();
    define(
        dir.path(),
        &[
            ("gone", "dp/gone", true),
            ("a", "dp/a", true),
            ("m", "dp/m", false),
        ],
    );
    payload(dir.path(), "dp/a", FILES);
    payload(dir.path(), "dp/m", &FILES[..1]);
    let inv = run(dir.path(), CheckDepth::Standard);
    assert_eq!(
        codes(&inv),
        vec![
            Code::DpMultipleMasters,
            Code::DpUnreachable,
            Code::DpOutOfSync
        ]
    );
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::DpOutOfSync)
        .unwrap();
    assert!(f.message.contains("master a"), "{}", f.message);
    assert_eq!(inv.distribution_points[2].missing, 1);
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
            set_time(&dest, fs::metadata(e.path()).unwrap().modified().unwrap());
        }
    }
}
