//! Folder diffs: missing, extra and changed files, totals, symlinks reported and not followed.

use drconsole::diff::folders::{EntryKind, diff_folders};
use std::fs;
use std::path::Path;

fn write(p: &Path, text: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn missing_extra_and_changed_files_are_counted_with_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    write(&set.join("same.sh"), "echo same\n");
    write(&live.join("same.sh"), "echo same\n");
    write(&set.join("sub/gone.sh"), "echo gone\n"); // 10 bytes
    write(&live.join("new.sh"), "echo new!\n"); // 10 bytes
    write(&set.join("edited.sh"), "echo one\necho two\n");
    write(&live.join("edited.sh"), "echo one\necho TWO\n"); // same size, other content
    write(&set.join("grown.sh"), "a\n");
    write(&live.join("grown.sh"), "a\nb\n");

    let d = diff_folders(&set, &live, true);
    let t = d.totals;
    assert_eq!((t.missing, t.missing_bytes), (1, 10));
    assert_eq!((t.extra, t.extra_bytes), (1, 10));
    assert_eq!((t.changed, t.identical), (2, 1));
    assert_eq!((t.set_files, t.live_files), (4, 4));
    assert_eq!(d.missing[0].path, "sub/gone.sh");
    assert_eq!(d.extra[0].path, "new.sh");
    let edited = d.changed.iter().find(|c| c.path == "edited.sh").unwrap();
    assert_ne!(edited.set_hash, edited.live_hash);
    assert!(edited.set_hash.as_ref().unwrap().len() == 16);
    let u = edited.unified.as_deref().unwrap();
    assert!(u.contains("-echo two\n+echo TWO\n"), "{u}");
    assert!(d.differs());
}

#[test]
fn same_content_with_a_new_mtime_is_touched_not_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    write(&set.join("a.sh"), "x\n");
    write(&live.join("a.sh"), "x\n");
    let old = fs::File::options()
        .write(true)
        .open(set.join("a.sh"))
        .unwrap();
    old.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .unwrap();
    let d = diff_folders(&set, &live, false);
    assert!(!d.differs());
    assert_eq!(d.totals.touched, 1);
}

#[cfg(unix)]
#[test]
fn symlinks_are_reported_and_never_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    let outside = dir.path().join("outside");
    write(&outside.join("secret.txt"), "do not read\n");
    write(&set.join("a.sh"), "x\n");
    write(&live.join("a.sh"), "x\n");
    // A link escaping the folder, a loop, and a link whose target changed.
    symlink(&outside, live.join("escape")).unwrap();
    symlink("loop", live.join("loop")).unwrap();
    symlink("a.sh", set.join("current")).unwrap();
    symlink("b.sh", live.join("current")).unwrap();

    let d = diff_folders(&set, &live, false);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    // Nothing under the escaping link's target was listed.
    assert!(d.extra.iter().all(|e| !e.path.contains("secret")));
    let escape = d.extra.iter().find(|e| e.path == "escape").unwrap();
    assert_eq!(escape.kind, EntryKind::Symlink);
    assert_eq!(escape.target.as_deref(), Some(outside.to_str().unwrap()));
    assert!(d.extra.iter().any(|e| e.path == "loop"));
    let cur = d.changed.iter().find(|c| c.path == "current").unwrap();
    assert_eq!(cur.set.target.as_deref(), Some("a.sh"));
    assert_eq!(cur.live.target.as_deref(), Some("b.sh"));
    assert_eq!(d.totals.symlinks, 4);
    assert_eq!(d.symlinks.len(), 4);
}

#[cfg(unix)]
#[test]
fn a_folder_that_is_itself_a_symlink_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    write(&real.join("a.sh"), "x\n");
    let set = dir.path().join("set");
    write(&set.join("a.sh"), "x\n");
    let live = dir.path().join("live");
    std::os::unix::fs::symlink(&real, &live).unwrap();
    let d = diff_folders(&set, &live, false);
    assert_eq!(d.totals.live_files, 0);
    assert!(d.problems[0].contains("not followed"), "{:?}", d.problems);
}

#[test]
fn a_missing_live_folder_lists_every_file_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    write(&set.join("a.sh"), "x\n");
    write(&set.join("b/c.sh"), "y\n");
    let d = diff_folders(&set, &dir.path().join("nope"), false);
    assert_eq!(d.totals.missing, 2);
    assert!(d.problems.is_empty());
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_compared_and_shown_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.sh");
    write(&set.join(name), "echo 1\n");
    write(&live.join(name), "echo 2\n");
    let d = diff_folders(&set, &live, false);
    assert_eq!(d.totals.changed, 1);
    assert_eq!(d.changed[0].path, "caf\u{FFFD}.sh");
}
