//! Words an operator acts on: hints that work over SSH, a corrupt-database hint that protects
//! the evidence first, and a `--help` that claims only the products drconsole has profiles for.

use drconsole::findings::Code;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_drconsole");

#[test]
fn every_profiles_stop_hint_is_a_command_that_works_over_ssh() {
    for p in drconsole::profile::builtins() {
        let hint = &p.stop_hint;
        let command = match p.platform.as_str() {
            "macos" => "launchctl bootout",
            "windows" => "net stop",
            _ => "systemctl stop",
        };
        assert!(hint.contains(command), "{}: {hint}", p.name);
        assert!(
            !hint.starts_with("Stop the server: open"),
            "{}: {hint}",
            p.name
        );
    }
}

#[test]
fn the_corrupt_database_hint_says_to_take_a_copy_before_anything_else() {
    let hint = Code::DbCorrupt.hint();
    let copy = hint.find("copy").expect("mentions a copy");
    let restart = hint.find("restart").expect("mentions the restart");
    assert!(copy < restart, "{hint}");
}

#[test]
fn help_claims_only_products_with_a_profile() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("binary runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let products: Vec<String> = drconsole::profile::builtins()
        .into_iter()
        .map(|p| p.product)
        .collect();
    // Each product word of the help, and the vendor whose built-in profile must exist for it.
    for (word, vendor) in [
        ("LANrev", "LANrev"),
        ("ePO", "McAfee"),
        ("McAfee", "McAfee"),
        ("ITMS", "Symantec"),
        ("Symantec", "Symantec"),
    ] {
        let has_profile = products.iter().any(|p| p.starts_with(vendor));
        assert_eq!(
            help.contains(word),
            has_profile,
            "{word} in --help must match a built-in profile of {vendor} ({products:?}):\n{help}"
        );
    }
}
