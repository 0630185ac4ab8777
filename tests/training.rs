//! Training demos: key scripts played headless into asciicast recordings. Every built-in tour
//! is recorded twice (from temporary folders of different lengths) and must give the same bytes,
//! and the bytes of the golden cast under docs/casts/. Regenerate the goldens with
//! `UPDATE_CASTS=1 cargo test --test training` after a change to the screen or a tour.
//! The recordings are also replayed through pyte, a terminal emulator that is not drconsole's
//! code (skipped with a note when python3 or pyte is missing).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_drconsole");
/// Every built-in tour: each has a golden recording.
fn tours() -> impl Iterator<Item = &'static str> {
    drconsole::demo::tours::TOURS.iter().map(|t| t.name)
}

/// Run drconsole with no terminal (stdin from /dev/null), a private state folder, a clean
/// environment for the things that may change a screen (locale, colours), in `tmpdir`.
fn drconsole(args: &[&str], tmpdir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("TMPDIR", tmpdir)
        .env("DRCONSOLE_STATE", tmpdir.join("state"))
        .env_remove("NO_COLOR")
        .env("LANG", "C")
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .output()
        .expect("drconsole runs")
}

fn record_tour(tour: &str, tmpdir: &Path) -> Vec<u8> {
    std::fs::create_dir_all(tmpdir).expect("tmpdir");
    let cast = tmpdir.join(format!("{tour}.cast"));
    let out = drconsole(
        &[
            "demo",
            "--tour",
            tour,
            "--record",
            cast.to_str().expect("utf-8 path"),
        ],
        tmpdir,
    );
    assert!(
        out.status.success(),
        "tour {tour}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&cast).expect("cast written")
}

fn golden(tour: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/casts")
        .join(format!("{tour}.cast"))
}

/// Every line of a cast parsed: the header, then `[time, kind, data]` events.
fn parse(cast: &[u8]) -> (serde_json::Value, Vec<(f64, String, String)>) {
    let text = std::str::from_utf8(cast).expect("a cast is UTF-8");
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("header")).expect("header is JSON");
    let events = lines
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("event is JSON");
            (
                v[0].as_f64().expect("time"),
                v[1].as_str().expect("kind").to_string(),
                v[2].as_str().expect("data").to_string(),
            )
        })
        .collect();
    (header, events)
}

/// The screen at the last event at or before `at` seconds (the end without), as pyte draws it;
/// `None` when python3 with pyte is not available.
fn screen(cast: &Path, at: Option<f64>) -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cast_screen.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(cast);
    if let Some(t) = at {
        cmd.arg("--at").arg(t.to_string());
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'pyte'") {
            return None;
        }
        panic!("cast_screen.py failed: {err}");
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn every_tour_records_the_same_bytes_on_every_take_and_matches_its_golden_cast() {
    let tmp = tempfile::tempdir().expect("tmp");
    for tour in tours() {
        let short = record_tour(tour, &tmp.path().join("a"));
        // A longer temporary folder: the demo's path must not reach the screen or the layout.
        let long = record_tour(
            tour,
            &tmp.path()
                .join("a-much-longer-temporary-folder/for/the/second/take"),
        );
        assert!(short == long, "tour {tour}: two takes differ");
        let (header, events) = parse(&short);
        assert_eq!(header["version"], 2);
        assert_eq!(header["width"], 100);
        assert_eq!(header["height"], 30);
        assert!(events.len() > 5, "tour {tour} records frames");
        assert!(
            events.windows(2).all(|w| w[0].0 <= w[1].0),
            "tour {tour}: time never runs backwards"
        );
        let text = String::from_utf8_lossy(&short);
        assert!(!text.contains(&*tmp.path().to_string_lossy()), "{tour}");
        assert!(
            text.contains("demo:/root"),
            "tour {tour}: the root as demo:/"
        );
        let path = golden(tour);
        if std::env::var_os("UPDATE_CASTS").is_some() {
            std::fs::create_dir_all(path.parent().expect("docs/casts")).expect("mkdir");
            std::fs::write(&path, &short).expect("golden written");
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; record it with `UPDATE_CASTS=1 cargo test --test training`",
                path.display()
            )
        });
        assert!(
            want == short,
            "tour {tour} no longer matches {}: if the change is meant, regenerate with \
             `UPDATE_CASTS=1 cargo test --test training` and review the diff",
            path.display()
        );
    }
}

#[test]
fn tour_timing_comes_from_the_script_not_the_machine() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cast = record_tour("corrupt-db", tmp.path());
    let (_, events) = parse(&cast);
    // Every event sits on a whole step of the script (waits, pauses, typed characters are
    // multiples of 10 ms); a machine-timed frame would land anywhere.
    for (t, _, _) in &events {
        let ms = (t * 1000.0).round() as u64;
        assert_eq!(ms % 10, 0, "frame at {t}s");
    }
    let end = events.last().expect("events").0;
    // The sum of the tour's waits and pauses, whatever the machine's speed.
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tours/corrupt-db.keys"),
    )
    .expect("tour");
    let total: u64 = script
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("wait ")
                .or_else(|| l.strip_prefix("pause "))
                .and_then(|n| n.trim().parse::<u64>().ok())
        })
        .sum();
    assert_eq!((end * 1000.0).round() as u64, total);
}

#[test]
fn the_corrupt_db_tour_restores_through_the_keymap_as_seen_by_a_terminal_emulator() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cast_bytes = record_tour("corrupt-db", tmp.path());
    let cast = tmp.path().join("corrupt-db.cast");
    std::fs::write(&cast, &cast_bytes).expect("cast");
    let Some(start) = screen(&cast, Some(0.0)) else {
        eprintln!("note: python3 with pyte is not installed; skipping the emulator cross-check");
        return;
    };
    assert!(start.contains("root demo:/root"), "{start}");
    assert!(
        start.contains("This LANrev server will not start"),
        "{start}"
    );
    assert!(
        start.contains("✗ Databases") || start.contains("2 Databases (6) ✗"),
        "{start}"
    );
    let end = screen(&cast, None).expect("screen");
    // The restore committed: the journal says so and the databases are intact again.
    assert!(
        end.contains("journal #0001 restore from 2026-11-21 02-00-00 committed"),
        "{end}"
    );
    assert!(end.contains("2 Databases (6) ✓"), "{end}");
    assert!(end.contains("End of the tour"), "{end}");
    // The key-cast box shows what was typed last.
    assert!(end.contains("keys"), "{end}");
    // The journal view shows the demo's clock and no user or host of this machine.
    let (_, events) = parse(&cast_bytes);
    let journal = events
        .iter()
        .find(|(_, _, d)| d.contains("by trainer@demo"))
        .map(|(t, _, _)| *t)
        .expect("the journal view was drawn");
    let j = screen(&cast, Some(journal)).expect("screen");
    assert!(j.contains("at 2026-11-22 08:00:00 UTC"), "{j}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn usage_error(args: &[&str], tmp: &Path) -> String {
    let out = drconsole(args, tmp);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
    err
}

#[test]
fn bad_scripts_sizes_and_recordings_are_usage_errors_before_the_console_starts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = tmp.path();
    let unknown = write(t, "unknown.keys", "# ok\nj\nEntr\n");
    let err = usage_error(&["demo", "--keys", unknown.to_str().expect("path")], t);
    assert!(err.contains("line 3: 'Entr'"), "{err}");
    assert!(err.contains("unknown key"), "{err}");
    let small = write(t, "small.keys", "resize 40x10\n");
    let err = usage_error(&["demo", "--keys", small.to_str().expect("path")], t);
    assert!(
        err.contains("line 1") && err.contains("minimum of 60x16"),
        "{err}"
    );
    let ok = write(t, "ok.keys", "j\n");
    let err = usage_error(
        &[
            "demo",
            "--keys",
            ok.to_str().expect("path"),
            "--size",
            "50x10",
        ],
        t,
    );
    assert!(err.contains("--size 50x10 is below"), "{err}");
    let missing = t.join("no/such/folder/x.cast");
    let err = usage_error(
        &[
            "demo",
            "--keys",
            ok.to_str().expect("path"),
            "--record",
            missing.to_str().expect("path"),
        ],
        t,
    );
    assert!(err.contains("no/such/folder/x.cast"), "{err}");
    assert!(!missing.exists());
    // A folder that is a file is no folder either.
    let file = write(t, "plain", "x");
    let under_file = file.join("x.cast");
    usage_error(
        &[
            "demo",
            "--tour",
            "corrupt-db",
            "--record",
            under_file.to_str().expect("path"),
        ],
        t,
    );
    let err = usage_error(&["demo", "--tour", "no-such-tour"], t);
    assert!(
        err.contains("corrupt-db, new-server, dp-failover, epo-dp-failover"),
        "{err}"
    );
    let err = usage_error(
        &[
            "demo",
            "--tour",
            "corrupt-db",
            "--keys",
            ok.to_str().expect("path"),
        ],
        t,
    );
    assert!(err.contains("choose one"), "{err}");
    let err = usage_error(
        &["demo", "--keys", t.join("absent.keys").to_str().expect("p")],
        t,
    );
    assert!(err.contains("absent.keys"), "{err}");
    // A demo that never started wrote no recording for a bad script.
    assert!(!t.join("x.cast").exists());
}

#[test]
fn an_unwritable_folder_for_the_recording_is_a_usage_error() {
    if unsafe_is_root() {
        eprintln!("note: running as root, every folder is writable; skipping");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).expect("mkdir");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let cast = ro.join("x.cast");
    let err = usage_error(
        &[
            "demo",
            "--tour",
            "corrupt-db",
            "--record",
            cast.to_str().expect("p"),
        ],
        tmp.path(),
    );
    assert!(err.contains("ro/x.cast"), "{err}");
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn tour_list_names_every_tour() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = drconsole(&["demo", "--tour", "list"], tmp.path());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for t in tours() {
        assert!(text.contains(t), "{t} in:\n{text}");
    }
}

#[test]
fn outside_demo_mode_the_console_shows_the_real_root_and_typed_keys_reach_the_filter() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("install");
    let out = drconsole(&["demo", "init", root.to_str().expect("p")], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = write(
        tmp.path(),
        "filter.keys",
        "2\n/\ntype Enum\nEnter\ncaption filtered\nwait 500\n",
    );
    let cast = tmp.path().join("console.cast");
    let out = drconsole(
        &[
            "--root",
            root.to_str().expect("p"),
            "--now",
            "2026-11-22T08:00:00Z",
            "--hostname",
            "lanrev.example.com",
            "--keys",
            keys.to_str().expect("p"),
            "--record",
            cast.to_str().expect("p"),
            "--show-keys",
            "--size",
            "120x30",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&cast).expect("cast");
    let (header, _) = parse(&bytes);
    assert_eq!(header["width"], 120);
    let Some(end) = screen(&cast, None) else {
        eprintln!("note: python3 with pyte is not installed; skipping the screen checks");
        return;
    };
    assert!(
        !end.contains("demo:"),
        "nothing is faked outside demo mode:\n{end}"
    );
    assert!(end.contains("install"), "the real root is shown:\n{end}");
    // The typed text went into the Databases filter, one key at a time, through the keymap.
    assert!(end.contains("EnumValues"), "{end}");
    assert!(!end.contains("ServerCommandDatabase"), "{end}");
    assert!(
        end.contains("\"Enum\""),
        "the key-cast box joins typed text:\n{end}"
    );
}

#[test]
fn a_resize_step_is_recorded_and_redraws_at_the_new_size() {
    let tmp = tempfile::tempdir().expect("tmp");
    let keys = write(
        tmp.path(),
        "resize.keys",
        "wait 100\nresize 80x24\nwait 100\n",
    );
    let cast = tmp.path().join("resize.cast");
    let out = drconsole(
        &[
            "demo",
            "--keys",
            keys.to_str().expect("p"),
            "--record",
            cast.to_str().expect("p"),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, events) = parse(&std::fs::read(&cast).expect("cast"));
    let r = events
        .iter()
        .position(|(_, k, d)| k == "r" && d == "80x24")
        .expect("a resize event");
    assert!(
        events[r + 1].2.contains("\u{1b}[2J"),
        "the screen is redrawn"
    );
    if let Some(end) = screen(&cast, None) {
        assert!(end.contains("1 Backups"), "the tab bar of 80×24:\n{end}");
    }
}

#[test]
fn files_a_demo_restore_wrote_show_as_new_whatever_the_fixed_clock_says() {
    let tmp = tempfile::tempdir().expect("tmp");
    let keys = write(
        tmp.path(),
        "restore.keys",
        "r\nwait-for job\nTab\nEnter\nwait-for job\nEsc\n2\nEnter\nwait 100\n",
    );
    // A clock years after the demo's own: the restored files' wall-clock times are before it,
    // and would read as an age that changes with the day of the take.
    let cast = tmp.path().join("later.cast");
    let out = drconsole(
        &[
            "--now",
            "2031-01-01T00:00:00Z",
            "demo",
            "--keys",
            keys.to_str().expect("p"),
            "--record",
            cast.to_str().expect("p"),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let Some(end) = screen(&cast, None) else {
        eprintln!("note: python3 with pyte is not installed; skipping the screen checks");
        return;
    };
    assert!(end.contains("committed"), "the restore ran:\n{end}");
    assert!(end.contains("new (written during the demo)"), "{end}");
}
