use super::*;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;

fn tree() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/b/file"), b"inside").unwrap();
    std::fs::write(t.path().join("secret"), b"outside").unwrap();
    (t, root)
}

#[test]
fn a_link_to_a_file_outside_is_refused_as_a_link() {
    let (t, root) = tree();
    symlink(t.path().join("secret"), root.join("a/leak")).unwrap();
    let r = Root::open(&root).unwrap();
    match r.read(Path::new("a/leak")) {
        Err(FsError::Link { path, target }) => {
            assert_eq!(path, root.join("a/leak"));
            assert!(target.ends_with("secret"), "{target}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.read(Path::new("a/b/file")).unwrap(), b"inside");
}

#[test]
fn a_link_inside_the_root_is_not_followed_either() {
    let (_t, root) = tree();
    symlink("b", root.join("a/alias")).unwrap();
    let r = Root::open(&root).unwrap();
    assert!(matches!(
        r.read(Path::new("a/alias/file")),
        Err(FsError::Link { .. })
    ));
    let m = r.stat(Path::new("a/alias")).unwrap().unwrap();
    assert_eq!(m.kind, Kind::Link);
    assert_eq!(r.read_link(Path::new("a/alias")).unwrap(), "b");
}

#[test]
fn dot_dot_and_absolute_paths_are_refused_before_any_lookup() {
    let (_t, root) = tree();
    let r = Root::open(&root).unwrap();
    for p in ["../secret", "a/../../secret", "/etc/passwd"] {
        assert!(
            matches!(r.read(Path::new(p)), Err(FsError::Escape { .. })),
            "{p}"
        );
    }
}

#[test]
fn a_folder_swapped_for_a_link_is_refused() {
    let (t, root) = tree();
    std::fs::create_dir(t.path().join("elsewhere")).unwrap();
    std::fs::write(t.path().join("elsewhere/file"), b"x").unwrap();
    std::fs::rename(root.join("a/b"), root.join("a/b.old")).unwrap();
    symlink(t.path().join("elsewhere"), root.join("a/b")).unwrap();
    let r = Root::open(&root).unwrap();
    assert!(matches!(
        r.open_dir(Path::new("a/b")),
        Err(FsError::Link { .. })
    ));
    assert!(matches!(
        r.open_file(Path::new("a/b/file")),
        Err(FsError::Link { .. })
    ));
    assert!(matches!(
        Root::open(&root.join("a/b")),
        Err(FsError::Link { .. })
    ));
}

#[test]
fn the_walk_lists_links_never_enters_them_and_cannot_loop() {
    let (_t, root) = tree();
    symlink("/", root.join("slash")).unwrap();
    symlink("loop2", root.join("loop1")).unwrap();
    symlink("loop1", root.join("loop2")).unwrap();
    symlink(".", root.join("a/self")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
    std::fs::write(root.join(name), b"x").unwrap();
    let r = Root::open(&root).unwrap();
    let seen: Vec<(PathBuf, Kind, Option<OsString>)> = r
        .walk()
        .map(|e| e.unwrap())
        .map(|e| (e.rel, e.meta.kind, e.target))
        .collect();
    let rels: Vec<&Path> = seen.iter().map(|s| s.0.as_path()).collect();
    assert_eq!(
        rels,
        vec![
            Path::new("a"),
            Path::new("a/b"),
            Path::new("a/b/file"),
            Path::new("a/self"),
            Path::new(name),
            Path::new("loop1"),
            Path::new("loop2"),
            Path::new("slash"),
        ]
    );
    let slash = seen.iter().find(|s| s.0 == Path::new("slash")).unwrap();
    assert_eq!(slash.1, Kind::Link);
    assert_eq!(slash.2.as_deref(), Some(std::ffi::OsStr::new("/")));
}

#[test]
fn walk_order_is_path_order() {
    let t = tempfile::tempdir().unwrap();
    for p in ["a.txt", "a/b", "a-b", "ab"] {
        let p = t.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }
    let r = Root::open(t.path()).unwrap();
    let rels: Vec<PathBuf> = r.walk().map(|e| e.unwrap().rel).collect();
    let mut sorted = rels.clone();
    sorted.sort();
    assert_eq!(rels, sorted);
}

#[test]
fn an_unreadable_folder_is_a_problem_and_the_walk_goes_on() {
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: root reads every folder");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (_t, root) = tree();
    std::fs::create_dir(root.join("closed")).unwrap();
    std::fs::write(root.join("z"), b"").unwrap();
    std::fs::set_permissions(root.join("closed"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = Root::open(&root).unwrap();
    let items: Vec<_> = r.walk().collect();
    std::fs::set_permissions(root.join("closed"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(items.iter().any(|i| i.is_err()));
    assert!(
        items
            .iter()
            .any(|i| i.as_ref().is_ok_and(|e| e.rel == Path::new("z")))
    );
}

#[test]
fn stored_paths_must_stay_strictly_beneath_the_base() {
    let base = Path::new("/srv/root");
    for bad in ["/", "/etc", "../outside", "a/../../x", "", ".", "/srv/root"] {
        assert!(
            Confined::stored(base, Path::new(bad)).is_err(),
            "{bad} accepted"
        );
    }
    assert_eq!(
        Confined::stored(base, Path::new("/srv/root/dp/one"))
            .unwrap()
            .rel,
        Path::new("dp/one")
    );
    assert_eq!(
        Confined::stored(base, Path::new("dp/one")).unwrap().rel,
        Path::new("dp/one")
    );
}

/// Make a FIFO at `path` (for tests that plant one where a file is expected).
pub(crate) fn make_fifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

#[test]
fn a_fifo_where_a_file_is_expected_does_not_block() {
    let (_t, root) = tree();
    make_fifo(&root.join("pipe"));
    let r = Root::open(&root).unwrap();
    assert!(matches!(
        r.open_file(Path::new("pipe")),
        Err(FsError::NotFile { .. })
    ));
}

#[test]
fn the_component_walk_fallback_refuses_links_too() {
    let (t, root) = tree();
    symlink(t.path().join("secret"), root.join("a/leak")).unwrap();
    symlink(t.path(), root.join("up")).unwrap();
    let r = Root::open(&root).unwrap();
    let walk = |p: &str, how| sys::walk_components(&r.fd, Path::new(p), how);
    assert!(walk("a/b/file", sys::Open::File).is_ok());
    assert!(walk("a/leak", sys::Open::File).is_err());
    assert!(walk("up/secret", sys::Open::File).is_err());
    assert!(walk("up", sys::Open::Dir).is_err());
}
