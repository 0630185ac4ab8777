//! Restore refused while the server runs. In its own test binary: the fake server process
//! would make every other restore test running at the same time refuse too.

mod journal_support;

use journal_support::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn restore_is_refused_while_a_server_process_runs_and_nothing_changes() {
    let inst = demo_install(drconsole::demo::Scenario::CorruptDb, None);
    let bin = inst.tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("LANrev Server");
    std::fs::copy("/bin/sleep", &fake).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut server = std::process::Command::new(&fake).arg("30").spawn().unwrap();
    // Give the process a moment to appear in the process table under its name.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let before = inst.settled();
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let all = text(&o);
    assert!(all.contains("LANrev Server (pid"), "{all}");
    assert!(all.contains("Stop LANrev Server.command"), "{all}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
}
