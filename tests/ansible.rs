//! docs/ansible/drconsole-fleet.yml: with Ansible installed, its syntax is checked and it is
//! run for real against two "servers" on localhost (demo installations), fetching their reports
//! and printing the fleet table; without Ansible, its YAML is linted with python3 instead.

mod common;

use common::Demo;
use drconsole::demo::Scenario;
use std::path::{Path, PathBuf};
use std::process::Command;

fn playbook() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ansible/drconsole-fleet.yml")
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_example_playbook_is_valid() {
    if have("ansible-playbook", "--version") {
        let inventory = playbook().with_file_name("inventory.ini");
        let out = Command::new("ansible-playbook")
            .args(["--syntax-check", "-i"])
            .arg(&inventory)
            .arg(playbook())
            .env("ANSIBLE_NOCOLOR", "1")
            .output()
            .expect("ansible-playbook runs");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    // Without Ansible: the YAML parses into plays that each name their hosts and tasks, and
    // every task names itself and uses one fully qualified module.
    let script = r#"
import sys, yaml
plays = yaml.safe_load(open(sys.argv[1]))
assert isinstance(plays, list) and len(plays) == 2, plays
for play in plays:
    assert play.get('hosts') and play.get('name'), play
    for task in play['tasks']:
        modules = [k for k in task if k.startswith('ansible.builtin.')]
        assert task.get('name') and len(modules) == 1, task
argv = plays[0]['tasks'][1]['ansible.builtin.command']['argv']
assert "'check', '--json', '--output'" in argv, argv
"#;
    match Command::new("python3")
        .args(["-c", script])
        .arg(playbook())
        .output()
    {
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named 'yaml'") => {
            eprintln!("note: neither Ansible nor python3-yaml is installed; playbook not checked")
        }
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("note: neither Ansible nor python3 is installed; playbook not checked"),
    }
}

#[test]
fn the_example_playbook_checks_two_servers_and_prints_the_fleet() {
    if !have("ansible-playbook", "--version") {
        eprintln!("note: Ansible is not installed; skipping the playbook run (the YAML is linted)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let work = tempfile::tempdir().unwrap();
    let reports = work.path().join("reports");
    let mut inventory = String::from("[drconsole_servers]\n");
    let demos = [Demo::new(Scenario::CorruptDb), Demo::new(Scenario::Healthy)];
    for (i, demo) in demos.iter().enumerate() {
        let mut args: Vec<String> = demo.args();
        // The playbook gives --state itself.
        let at = args.iter().position(|a| a == "--state").unwrap();
        args.drain(at..at + 2);
        let state = work.path().join(format!("state-{i}"));
        inventory.push_str(&format!(
            "server{i} ansible_connection=local ansible_python_interpreter={} drconsole_state={} drconsole_args='{}'\n",
            python(),
            state.display(),
            serde_json::to_string(&args).unwrap()
        ));
    }
    let inventory_file = work.path().join("inventory.ini");
    std::fs::write(&inventory_file, inventory).unwrap();
    let out = Command::new("ansible-playbook")
        .arg("-i")
        .arg(&inventory_file)
        .arg(playbook())
        .args(["-e", "drconsole_become=false"])
        .arg("-e")
        .arg(format!("drconsole_bin={bin} drconsole_fleet_bin={bin}"))
        .arg("-e")
        .arg(format!("drconsole_report_dir={}", reports.display()))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", work.path().join("ansible-tmp"))
        .env("ANSIBLE_HOME", work.path().join("ansible-home"))
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .output()
        .expect("ansible-playbook runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for host in ["server0", "server1"] {
        let report = reports.join(format!("{host}.json"));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).expect("report fetched")).unwrap();
        assert_eq!(json["schema_version"], 1);
    }
    assert!(
        stdout.contains("drconsole fleet: 2 host(s), worst error"),
        "{stdout}"
    );
    assert!(stdout.contains("DB_CORRUPT"), "{stdout}");
}

/// The Python interpreter Ansible should use on "the servers" (here: this machine).
fn python() -> String {
    for candidate in ["python3", "/usr/bin/python3"] {
        if let Ok(out) = Command::new(candidate)
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            && out.status.success()
        {
            return String::from_utf8_lossy(&out.stdout).trim().to_string();
        }
    }
    "/usr/bin/python3".into()
}
