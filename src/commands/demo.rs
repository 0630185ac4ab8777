//! `drconsole demo`: build a demo installation (and open the console on it).

use crate::cli::{DemoAction, DemoArgs, GlobalArgs};
use crate::demo::{self, DemoOptions, Scenario};
use anyhow::Context as _;

/// Run `demo`.
pub fn run(g: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<i32> {
    match &args.action {
        Some(DemoAction::List) => {
            list();
            Ok(0)
        }
        Some(DemoAction::Init { dir }) => {
            let scenario = match args.scenario.parse::<Scenario>() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("drconsole: {e}");
                    return Ok(super::EXIT_USAGE);
                }
            };
            let name = g
                .profile
                .as_deref()
                .unwrap_or(crate::profile::DEFAULT_PROFILE);
            let profile = crate::profile::load(name)?;
            let opts = DemoOptions {
                scenario,
                seed: args.seed,
                db_size_mb: args.db_size_mb,
            };
            let inst = match demo::generate(dir, &profile, &opts) {
                Ok(inst) => inst,
                // A folder that is in use is the caller's mistake, not a failure to run.
                Err(e @ demo::DemoError::NotEmpty { .. }) => {
                    eprintln!("drconsole: {e}");
                    return Ok(super::EXIT_USAGE);
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot build the demo installation in {}", dir.display())
                    });
                }
            };
            println!(
                "Demo installation '{}' (profile {}, seed {}) written to {}",
                inst.scenario,
                inst.profile,
                inst.seed,
                inst.root.display()
            );
            for root in &inst.backup_roots {
                println!("Extra backup root: {}", root.display());
            }
            println!(
                "Reference clock:   {}",
                inst.now.format("%Y-%m-%dT%H:%M:%SZ")
            );
            println!("Server host name:  {}", inst.hostname);
            println!("Planted:");
            for e in &inst.expected {
                println!("  - {e}");
            }
            println!("Inspect it with:");
            println!("  {}", inst.check_command());
            Ok(0)
        }
        None => {
            eprintln!(
                "drconsole: the console on a temporary demo is not available in this build yet; \
                 build one with `drconsole demo init DIR --scenario {}` and run the printed check command \
                 (`drconsole demo list` shows the scenarios)",
                args.scenario
            );
            Ok(super::EXIT_USAGE)
        }
    }
}

fn list() {
    let width = Scenario::ALL
        .iter()
        .map(|s| s.name().len())
        .max()
        .unwrap_or(0);
    for s in Scenario::ALL {
        println!("{:width$}  {}", s.name(), s.description());
    }
}
