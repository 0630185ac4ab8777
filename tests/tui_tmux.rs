//! End-to-end: the real binary in a real terminal (tmux). Opens the console on a demo
//! installation, walks every pane, opens details and help, resizes, quits, and checks that the
//! terminal came back (alternate screen left) with exit status 0; then a diff, a confirmed
//! restore and the journal view from the keyboard. Skips only without tmux.

use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_drconsole");

/// One private tmux server; killed on drop, also when an assertion fails.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, shell_command: &str) -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let t = Tmux {
            socket: format!("drconsole-e2e-{}-{nanos}", std::process::id()),
        };
        let out = t.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "sh",
            "-c",
            shell_command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.run(&["send-keys", "-t", "e2e", k]);
            assert!(out.status.success(), "send-keys {k}");
            // Keys sent apart, as a person types: Esc followed at once by a key reads as Alt-key.
            sleep(Duration::from_millis(150));
        }
    }

    fn resize(&self, w: u16, h: u16) {
        let out = self.run(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
        assert!(
            out.status.success(),
            "resize-window: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Wait until the screen satisfies `ok`; fail with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            if screen.contains("EXIT=") {
                panic!("drconsole ended while waiting for {what}; screen:\n{screen}");
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn console_runs_in_a_real_terminal_and_restores_it() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "'{BIN}' --state '{}' demo --scenario corrupt-db --seed 1; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(80, 24, &cmd);

    // Opens on the demo: header, tab bar, and the standard check done.
    let s = tmux.wait_for("the console with the finished scan", 120, |s| {
        s.contains("profile lanrev-macos") && s.contains("standard check at")
    });
    assert!(s.contains("host lanrev.example.com"), "{s}");
    assert!(s.contains("1 Backups"), "tab bar at 80×24:\n{s}");
    assert!(s.contains("1 Backup sets"), "{s}");
    assert!(s.contains("corrupt"), "the planted corrupt set shows:\n{s}");

    // Every pane, with Tab and with the number keys.
    tmux.keys(&["Tab"]);
    tmux.wait_for("Databases pane", 10, |s| s.contains("┌ 2 Databases"));
    tmux.keys(&["Tab"]);
    tmux.wait_for("Certificates pane", 10, |s| s.contains("┌ 3 Certificates"));
    tmux.keys(&["4"]);
    tmux.wait_for("Distribution points pane", 10, |s| {
        s.contains("┌ 4 Distribution points")
    });
    tmux.keys(&["1"]);
    tmux.wait_for("Backup sets pane", 10, |s| s.contains("┌ 1 Backup sets"));

    // Details of a row (the cursor starts on the recommended set), then help, each closed
    // with Esc.
    tmux.keys(&["Enter"]);
    let d = tmux.wait_for("details", 10, |s| {
        s.contains("Details ·") && s.contains("Verdict")
    });
    assert!(
        d.contains("Backup set 2026-11-21"),
        "the recommended set's details:\n{d}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("details closed", 10, |s| !s.contains("Details ·"));
    tmux.keys(&["?"]);
    let h = tmux.wait_for("help", 10, |s| {
        s.contains("┌ Help") && s.contains("Previous row")
    });
    assert!(h.contains("Next pane"), "{h}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", 10, |s| !s.contains("┌ Help"));

    // Bigger: the 2×2 grid. Back: tabs again.
    tmux.resize(200, 50);
    tmux.wait_for("grid at 200×50", 10, |s| {
        [
            "1 Backup sets",
            "2 Databases",
            "3 Certificates",
            "4 Distribution points",
        ]
        .iter()
        .all(|t| s.contains(&format!("┌ {t}")))
    });
    tmux.resize(80, 24);
    tmux.wait_for("tabs at 80×24", 10, |s| {
        s.contains("1 Backups") && s.lines().count() <= 24
    });

    // Quit: the shell's line is back, the console's screen is gone, the exit status is 0.
    tmux.keys(&["q"]);
    let end = tmux.wait_for("exit", 10, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(
        !end.contains("profile lanrev-macos"),
        "alternate screen left:\n{end}"
    );
    assert!(!end.contains("┌"), "no console left on screen:\n{end}");
}

#[test]
fn console_without_a_terminal_points_to_check() {
    let out = Command::new(BIN)
        .args(["--root", env!("CARGO_MANIFEST_DIR")])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("drconsole check"), "{err}");
}

#[test]
fn unknown_theme_is_a_usage_error_naming_the_choices() {
    let out = Command::new(BIN)
        .args([
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "--theme",
            "no-such-theme",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-theme") && err.contains("high-contrast"),
        "{err}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let pid_file = state.path().join("pid");
    // The inner shell writes its pid and becomes drconsole, so the pid is the console's.
    let cmd = format!(
        "sh -c 'echo $$ > \"{pid}\"; exec \"{BIN}\" --state \"{state}\" demo'; echo EXIT=$?; sleep 600",
        pid = pid_file.display(),
        state = state.path().display()
    );
    let tmux = Tmux::start(80, 24, &cmd);
    tmux.wait_for("the console", 120, |s| s.contains("standard check at"));
    let pid = std::fs::read_to_string(&pid_file).expect("pid written");
    let status = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let end = tmux.wait_for("exit after SIGTERM", 10, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=143"), "128 + SIGTERM:\n{end}");
    assert!(
        !end.contains("profile lanrev-macos"),
        "alternate screen left:\n{end}"
    );
}

#[test]
fn no_color_draws_without_colour_and_selects_with_reverse_video() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "NO_COLOR=1 '{BIN}' --state '{}' demo; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(80, 24, &cmd);
    tmux.wait_for("the console", 120, |s| s.contains("standard check at"));
    let out = tmux.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    let styled = String::from_utf8_lossy(&out.stdout);
    // tmux writes attributes as SGR sequences: 3x/4x/9x/10x and 38;/48; are colours, 7 is reverse.
    let sgr: Vec<&str> = styled
        .split("\x1b[")
        .skip(1)
        .filter_map(|s| s.split_once('m').map(|(codes, _)| codes))
        .collect();
    let colours: Vec<&&str> = sgr
        .iter()
        .filter(|codes| {
            codes.split(';').any(|c| {
                c.parse::<u16>().is_ok_and(|n| {
                    (30..=38).contains(&n) || (40..=48).contains(&n) || (90..=107).contains(&n)
                })
            })
        })
        .collect();
    assert!(
        colours.is_empty(),
        "colour codes with NO_COLOR: {colours:?}"
    );
    assert!(
        sgr.iter().any(|codes| codes.split(';').any(|c| c == "7")),
        "the selection is in reverse video: {sgr:?}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("exit", 10, |s| s.contains("EXIT=0"));
}

#[test]
fn diff_restore_and_journal_run_from_the_keyboard_on_worker_threads() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "'{BIN}' --state '{}' demo --scenario corrupt-db --seed 1; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(120, 40, &cmd);
    tmux.wait_for("the console with the finished scan", 120, |s| {
        s.contains("profile lanrev-macos") && s.contains("standard check at")
    });
    // The corrupt live database: filter the databases pane down to it.
    tmux.keys(&["2", "/"]);
    for c in [
        "S", "e", "r", "v", "e", "r", "D", "a", "t", "a", "b", "a", "s", "e",
    ] {
        let out = tmux.run(&["send-keys", "-t", "e2e", "-l", c]);
        assert!(out.status.success());
    }
    tmux.keys(&["Enter"]);
    tmux.keys(&["d"]);
    let d = tmux.wait_for("the diff", 60, |s| s.contains("== database:ServerDatabase"));
    assert!(d.contains("tables differ"), "{d}");
    tmux.keys(&["Escape", "r"]);
    let p = tmux.wait_for("the restore preview", 60, |s| s.contains("[ Cancel ]"));
    assert!(p.contains("Preconditions"), "{p}");
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("the committed restore", 60, |s| {
        s.contains("Committed transaction 0001-")
    });
    tmux.keys(&["Enter", "J"]);
    let j = tmux.wait_for("the journal view", 30, |s| s.contains("┌ Journal"));
    assert!(j.contains("committed"), "{j}");
    tmux.keys(&["Escape", "q"]);
    let end = tmux.wait_for("exit", 30, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}

#[test]
fn backup_sets_pane_at_80x24_shows_the_diff_and_restore_keys() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "'{BIN}' --state '{}' demo --scenario corrupt-db --seed 1; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(80, 24, &cmd);
    let s = tmux.wait_for("the console with the finished scan", 120, |s| {
        s.contains("┌ 1 Backup sets") && s.contains("standard check at")
    });
    let hints = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    for hint in ["d diff", "r restore", "? help", "q quit"] {
        assert!(
            hints.contains(hint),
            "{hint} missing from the hints: {hints}\n{s}"
        );
    }
    tmux.keys(&["q"]);
    tmux.wait_for("exit", 10, |s| s.contains("EXIT=0"));
}

#[test]
fn c_locale_on_a_vt100_gets_an_ascii_only_screen() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "LANG=C LC_ALL=C TERM=vt100 '{BIN}' --state '{}' demo --scenario corrupt-db --seed 1; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(80, 24, &cmd);
    tmux.wait_for("the console with the finished scan", 120, |s| {
        s.contains("profile lanrev-macos") && s.contains("standard check at")
    });
    tmux.keys(&["?"]);
    for what in ["the backup sets", "the help"] {
        let raw = tmux.run(&["capture-pane", "-p", "-t", "e2e"]).stdout;
        let text = String::from_utf8_lossy(&raw);
        let bad: Vec<u8> = raw.iter().copied().filter(|b| !b.is_ascii()).collect();
        assert!(bad.is_empty(), "{what}: non-ASCII bytes {bad:x?}\n{text}");
        // Borders drawn as +-| (a UTF-8 frame replaced by the terminal would not read so).
        assert!(text.contains("+-") && text.contains('|'), "{what}:\n{text}");
        tmux.keys(&["Escape"]);
    }
    tmux.keys(&["q"]);
    tmux.wait_for("exit", 10, |s| s.contains("EXIT=0"));
}

#[test]
fn a_dumb_terminal_is_refused_with_a_pointer_to_check() {
    let out = Command::new(BIN)
        .args(["--root", env!("CARGO_MANIFEST_DIR")])
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TERM=dumb") && err.contains("drconsole check"),
        "{err}"
    );
}

/// Every line of a cast parses: a header object, then `[time, kind, data]` arrays.
fn assert_valid_cast(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("cast written");
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header")).expect("header is JSON");
    assert_eq!(header["version"], 2, "{text}");
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(
            v[0].is_number() && v[1].is_string() && v[2].is_string(),
            "{l}"
        );
    }
    text
}

#[test]
fn a_tour_at_a_terminal_waits_for_space_and_esc_hands_over_the_console() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "'{BIN}' --state '{}' demo --tour corrupt-db; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(100, 30, &cmd);
    let s = tmux.wait_for("the first caption with its prompt", 120, |s| {
        s.contains("This LANrev server will not start") && s.contains("Space continue")
    });
    assert!(s.contains("standard check at"), "{s}");
    // Nobody pressed Space: the tour stays on its first caption, whatever the time.
    tmux.keys(&["Space"]);
    let s = tmux.wait_for("the findings step", 30, |s| s.contains("┌ Findings"));
    assert!(
        s.contains("keys f"),
        "the key-cast box shows the tour's key:\n{s}"
    );
    // Esc leaves the tour: captions go, the console is the person's.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the caption gone", 10, |s| !s.contains("Space continue"));
    tmux.keys(&["Escape", "2"]);
    tmux.wait_for("the person's key", 10, |s| s.contains("┌ 2 Databases"));
    tmux.keys(&["q"]);
    let end = tmux.wait_for("exit", 10, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}

#[test]
fn a_recording_interrupted_by_sigterm_or_ctrl_c_is_a_valid_cast() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let keys = dir.path().join("wait.keys");
    std::fs::write(&keys, "j\ncaption waiting for the trainee\npause\n").expect("keys");
    for (how, signal) in [("SIGTERM", true), ("Ctrl-C", false)] {
        let cast = dir.path().join(format!("{how}.cast"));
        let pid_file = dir.path().join(format!("{how}.pid"));
        let state = dir.path().join(format!("{how}-state"));
        let cmd = format!(
            "sh -c 'echo $$ > \"{pid}\"; exec \"{BIN}\" --state \"{state}\" demo --keys \"{keys}\" --record \"{cast}\"'; echo EXIT=$?; sleep 600",
            pid = pid_file.display(),
            state = state.display(),
            keys = keys.display(),
            cast = cast.display(),
        );
        let tmux = Tmux::start(100, 30, &cmd);
        tmux.wait_for("the paused script", 120, |s| {
            s.contains("waiting for the trainee") && s.contains("Space continue")
        });
        if signal {
            let pid = std::fs::read_to_string(&pid_file).expect("pid written");
            let status = Command::new("kill")
                .args(["-TERM", pid.trim()])
                .status()
                .expect("kill runs");
            assert!(status.success());
        } else {
            tmux.keys(&["C-c"]);
        }
        let end = tmux.wait_for("exit", 10, |s| s.contains("EXIT="));
        let want = if signal { "EXIT=143" } else { "EXIT=0" };
        assert!(end.contains(want), "{how}:\n{end}");
        let text = assert_valid_cast(&cast);
        assert!(text.contains("trainee"), "{how}: frames up to the pause");
    }
}

#[test]
fn after_a_script_the_console_is_the_persons_and_the_first_key_clears_the_caption() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the terminal end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let keys = dir.path().join("end.keys");
    std::fs::write(&keys, "3\ncaption over to you\n").expect("keys");
    let cmd = format!(
        "'{BIN}' --state '{}' --show-keys demo --keys '{}'; echo EXIT=$?; sleep 600",
        dir.path().join("state").display(),
        keys.display()
    );
    let tmux = Tmux::start(100, 30, &cmd);
    let s = tmux.wait_for("the script's end", 120, |s| s.contains("over to you"));
    assert!(
        s.contains("┌ 3 Certificates"),
        "the script's key acted:\n{s}"
    );
    tmux.keys(&["2"]);
    let s = tmux.wait_for("the person's key", 10, |s| s.contains("┌ 2 Databases"));
    assert!(!s.contains("over to you"), "the caption went:\n{s}");
    assert!(
        s.contains("keys"),
        "--show-keys draws the box in live use:\n{s}"
    );
    tmux.keys(&["q"]);
    let end = tmux.wait_for("exit", 10, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}

#[test]
fn y_puts_a_runbook_command_on_the_tmux_clipboard_by_osc52() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the OSC 52 clipboard test");
        return;
    }
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "'{BIN}' --state '{}' demo --scenario corrupt-db --seed 1; echo EXIT=$?; sleep 600",
        state.path().display()
    );
    let tmux = Tmux::start(100, 30, &cmd);
    // tmux takes OSC 52 from the program inside into its paste buffer.
    let out = tmux.run(&["set", "-g", "set-clipboard", "on"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("the finished scan", 120, |s| {
        s.contains("standard check at")
    });
    tmux.keys(&["5"]);
    tmux.wait_for("the runbook pane", 20, |s| {
        s.contains("┌ 5 Runbook") && s.contains("Keep the broken databases")
    });
    // The cursor starts on the next step to do (2, keep the broken databases); one down is
    // the restore of the databases.
    tmux.keys(&["j", "y"]);
    tmux.wait_for("the status line", 10, |s| {
        s.contains("sent the step's command")
    });
    let buffer = tmux.run(&["show-buffer"]);
    assert_eq!(
        String::from_utf8_lossy(&buffer.stdout),
        "drconsole restore databases"
    );
    tmux.keys(&["q"]);
    let end = tmux.wait_for("exit", 10, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}
