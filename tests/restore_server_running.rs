//! Restore refused while the server runs — also when it is started while the `[y/N]` prompt
//! waits. In its own test binary: the fake server process would make every other restore test
//! running at the same time refuse too.

mod journal_support;
mod pty_support;

use journal_support::*;
use std::os::unix::fs::PermissionsExt;

/// One test at a time: a fake server of one test would be seen by the other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A copy of `sleep` named like the profile's server process, running until killed.
struct FakeServer(std::process::Child);

impl FakeServer {
    fn start(inst: &Install) -> FakeServer {
        let bin = inst.tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = bin.join("LANrev Server");
        if !fake.exists() {
            std::fs::copy("/bin/sleep", &fake).unwrap();
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // `spawn` returns once the program is executing, so it is in the process table now.
        FakeServer(std::process::Command::new(&fake).arg("60").spawn().unwrap())
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn restore_is_refused_while_a_server_process_runs_and_nothing_changes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let inst = demo_install(drconsole::demo::Scenario::CorruptDb, None);
    let before = inst.settled();
    let server = FakeServer::start(&inst);
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    drop(server);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let all = text(&o);
    assert!(all.contains("LANrev Server (pid"), "{all}");
    assert!(all.contains("Stop LANrev Server.command"), "{all}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
}

#[test]
fn a_server_started_while_the_prompt_waits_makes_the_restore_refuse_and_write_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let inst = demo_install(drconsole::demo::Scenario::CorruptDb, None);
    let before = inst.settled();
    let mut run = pty_support::Prompted::start(inst.command(&["restore", "databases"]));
    run.wait_for("[y/N]");
    let server = FakeServer::start(&inst);
    run.answer("y");
    let done = run.finish();
    let pid = server.pid();
    drop(server);
    let all = done.text();
    assert_eq!(done.status.code(), Some(1), "{all}");
    // The plan shown before the question had every precondition passing.
    assert!(!done.stdout.contains("[FAIL]"), "{all}");
    assert!(done.stderr.contains("moment of the change"), "{all}");
    assert!(
        done.stderr.contains(&format!("LANrev Server (pid {pid})")),
        "{all}"
    );
    assert!(differences(&before, &inst.snapshot()).is_empty());
    // Not even a journal entry: the refusal came before the transaction began.
    let journal = drconsole_journal(&inst);
    assert_eq!(journal.as_array().map(Vec::len), Some(0), "{journal}");
}

fn drconsole_journal(inst: &Install) -> serde_json::Value {
    let o = inst.run(&["journal", "--json"], &[]);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
}
