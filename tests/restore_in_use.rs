//! A restore refuses while any process has a database it would replace open or locked —
//! before the prompt, after the prompt, and before each database step — naming the process
//! and its pid; nothing is left changed.

mod journal_support;
mod pty_support;

use drconsole::inventory::{self, CheckDepth, Progress, ProgressSink, ScanOptions};
use drconsole::journal::{self, ExecError};
use journal_support::*;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// A child process, killed when the test ends however it ends.
struct Holding(Child);

impl Holding {
    /// `sleep 60 < path`: a process with the file open on its stdin.
    fn open(path: &std::path::Path) -> Holding {
        let file = std::fs::File::open(path).unwrap();
        // `spawn` returns once `sleep` runs, with the file on its stdin already.
        Holding(Command::new("sleep").arg("60").stdin(file).spawn().unwrap())
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn no_transaction(inst: &Install) {
    let o = inst.run(&["journal", "--json"], &[]);
    let list: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
}

#[test]
fn restore_refuses_while_a_process_has_the_database_open_naming_it() {
    let inst = install(64, true);
    let before = inst.settled();
    let holder = Holding::open(&inst.live("ServerDatabase.db"));
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!("sleep (pid {}) has ", holder.pid())),
        "{all}"
    );
    assert!(all.contains("ServerDatabase.db open"), "{all}");
    drop(holder);
    assert!(differences(&before, &inst.snapshot()).is_empty());
    no_transaction(&inst);
    // Once it lets go, the same restore goes through.
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn restore_refuses_while_a_process_holds_a_posix_lock_on_the_database() {
    let inst = install(64, false);
    let before = inst.settled();
    let spawned = Command::new("python3")
        .args([
            "-c",
            "import fcntl, sys, time\n\
             f = open(sys.argv[1], 'r+')\n\
             fcntl.lockf(f, fcntl.LOCK_EX)\n\
             print('locked', flush=True)\n\
             time.sleep(60)\n",
        ])
        .arg(inst.live("EnumValues.db"))
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        println!("skipped: python3 is not installed (it holds the POSIX lock)");
        return;
    };
    let stdout = child.stdout.take().unwrap();
    let python = Holding(child);
    let mut line = String::new();
    let _ = std::io::BufReader::new(stdout).read_line(&mut line);
    assert_eq!(line.trim(), "locked", "python3 did not take the lock");
    let pid = python.pid();
    // The name the kernel knows it by (`python3`, `python3.12`, ...).
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    let o = inst.run(&["restore", "database:EnumValues", "--yes"], &[]);
    drop(python);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!(
            "{} (pid {pid}) holds a POSIX write lock on",
            name.trim()
        )),
        "{all}"
    );
    assert!(all.contains("EnumValues.db"), "{all}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
    no_transaction(&inst);
}

#[test]
fn a_database_opened_while_the_prompt_waits_makes_the_restore_refuse() {
    let inst = install(64, true);
    let before = inst.settled();
    let mut run = pty_support::Prompted::start(inst.command(&["restore", "databases"]));
    run.wait_for("[y/N]");
    let holder = Holding::open(&inst.live("MobileDevices.db"));
    run.answer("y");
    let done = run.finish();
    let all = done.text();
    assert_eq!(done.status.code(), Some(1), "{all}");
    assert!(!done.stdout.contains("[FAIL]"), "{all}");
    assert!(
        done.stderr
            .contains(&format!("sleep (pid {}) has ", holder.pid())),
        "{all}"
    );
    drop(holder);
    assert!(differences(&before, &inst.snapshot()).is_empty());
    no_transaction(&inst);
}

/// Opens a database the moment the transaction reaches its step, as a server starting
/// mid-way would.
struct OpenAt {
    label: String,
    path: std::path::PathBuf,
    holder: Mutex<Option<Holding>>,
}

impl ProgressSink for OpenAt {
    fn report(&self, p: Progress) {
        if p.label == self.label {
            let mut h = self.holder.lock().unwrap();
            if h.is_none() {
                *h = Some(Holding::open(&self.path));
            }
        }
    }
}

#[test]
fn a_database_opened_between_database_steps_rolls_the_whole_restore_back() {
    let inst = install(64, true);
    let before = inst.settled();
    let mut ctx = drconsole::context::Context::new(
        drconsole::profile::load("lanrev-macos").unwrap(),
        &inst.root,
    );
    ctx.state_dir = inst.state.clone();
    ctx.clock = drconsole::Clock::parse_fixed(NOW).unwrap();
    let inv = inventory::scan(
        &ctx,
        &ScanOptions {
            depth: CheckDepth::Standard,
        },
        &(),
    );
    let mut plan =
        drconsole::plan::restore::plan_restore(&ctx, &inv, &["databases".into()], None).unwrap();
    let lock = journal::prepare(&ctx, &mut plan, false).unwrap().unwrap();
    assert!(plan.ready(), "{plan}");
    let last = plan.steps.last().unwrap().target.clone();
    let sink = OpenAt {
        label: last.display().to_string(),
        path: inst.root.join(&last),
        holder: Mutex::new(None),
    };
    let err = journal::execute(&ctx, &lock, &plan, &sink).unwrap_err();
    let pid = sink.holder.lock().unwrap().as_ref().map(Holding::pid);
    assert!(pid.is_some(), "the last step was never reached: {err}");
    assert!(matches!(err, ExecError::RolledBack { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("sleep (pid {}) has ", pid.unwrap_or(0))),
        "{msg}"
    );
    drop(sink);
    // Steps before it had replaced other databases: every one is back.
    assert!(differences(&before, &inst.snapshot()).is_empty());
}

#[test]
fn undo_refuses_while_a_process_has_a_restored_database_open() {
    let inst = install(64, true);
    inst.settled();
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after = inst.snapshot();
    let holder = Holding::open(&inst.live("ServerCommandDatabase.db"));
    let o = inst.run(&["undo", "--yes"], &[]);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!("sleep (pid {}) has ", holder.pid())),
        "{all}"
    );
    drop(holder);
    assert!(differences(&after, &inst.snapshot()).is_empty());
}
