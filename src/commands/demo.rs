//! `drconsole demo`: build a demo installation (and open the console on it).

use crate::cli::{DemoAction, DemoArgs, GlobalArgs};
use crate::demo::{self, DemoOptions, Scenario};
use crate::profile::Profile;
use anyhow::Context as _;

/// Run `demo`.
pub fn run(g: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<i32> {
    match &args.action {
        Some(DemoAction::List) => {
            list();
            Ok(0)
        }
        Some(DemoAction::Init { dir }) => {
            let Some((profile, opts)) = options(g, args)? else {
                return Ok(super::EXIT_USAGE);
            };
            let inst = match demo::generate(dir, &profile, &opts) {
                Ok(inst) => inst,
                // A folder that is in use, or a scenario the profile cannot tell, is the
                // caller's mistake, not a failure to run.
                Err(
                    e @ (demo::DemoError::NotEmpty { .. } | demo::DemoError::Unsupported { .. }),
                ) => {
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
        None => show(g, args),
    }
}

/// The profile and generator options the arguments ask for; `None` (after saying why) when
/// the scenario name is unknown, which is a usage error.
fn options(g: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<Option<(Profile, DemoOptions)>> {
    let scenario = match args.scenario.parse::<Scenario>() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("drconsole: {e}");
            return Ok(None);
        }
    };
    let opts = DemoOptions {
        scenario,
        seed: args.seed,
        db_size_mb: args.db_size_mb,
    };
    Ok(Some((super::profile(g)?, opts)))
}

/// Build the scenario in a temporary folder (removed on exit) and open the console on it, with
/// the installation's own clock and host name unless `--now`/`--hostname` were given. Without a
/// terminal (a pipe, a test) it reports on the installation as `check` would instead.
fn show(g: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<i32> {
    let Some((profile, opts)) = options(g, args)? else {
        return Ok(super::EXIT_USAGE);
    };
    let interactive = crate::tui::terminal::has_tty();
    let theme = if interactive {
        match super::console::preflight(g) {
            Ok(theme) => Some(theme),
            Err(code) => return Ok(code),
        }
    } else {
        None
    };
    let tmp = tempfile::Builder::new()
        .prefix("drconsole-demo-")
        .tempdir()
        .context("cannot create a temporary folder for the demo")?;
    if interactive {
        // Large demos take a while to write; say so before the screen switches.
        eprintln!(
            "demo: building scenario {} (seed {}) in {} ...",
            opts.scenario,
            opts.seed,
            tmp.path().display()
        );
    }
    let inst = demo::generate(&tmp.path().join("root"), &profile, &opts)
        .context("cannot build the demo installation")?;
    let mut g = g.clone();
    g.root = inst.root.clone();
    g.backups.extend(inst.backup_roots.iter().cloned());
    g.now.get_or_insert_with(|| inst.now.to_rfc3339());
    g.hostname.get_or_insert_with(|| inst.hostname.clone());
    // A demo never touches the operator's real state folder unless told to.
    g.state.get_or_insert_with(|| tmp.path().join("state"));
    let ctx = super::context(&g)?;
    if let Some(theme) = theme {
        let code = super::console::open(ctx, &g, theme);
        drop(tmp);
        return code;
    }
    eprintln!(
        "demo: scenario {} (seed {}) built in {}",
        inst.scenario,
        inst.seed,
        inst.root.display()
    );
    let check = crate::cli::CheckArgs {
        json: false,
        format: None,
        output: None,
        quick: false,
        full: false,
    };
    // The demo ran: its findings are the point of it, not a failure of the command.
    super::check::print(&ctx, &check)?;
    Ok(0)
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
