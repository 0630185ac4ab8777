//! `drconsole demo`: build a demo installation (and open the console on it).

use crate::cli::{DemoAction, DemoArgs, GlobalArgs};
use crate::demo::{self, DemoOptions, Scenario, tours};
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
    let profile = super::profile(g)?;
    if profile.repositories.is_some() && !demo::epo::SCENARIOS.contains(&scenario) {
        eprintln!(
            "drconsole: scenario '{scenario}' is not available for profile {}: use --scenario healthy or dp-failover",
            profile.name
        );
        return Ok(None);
    }
    Ok(Some((profile, opts)))
}

/// Build the scenario in a temporary folder (removed on exit) and open the console on it, with
/// the installation's own clock and host name unless `--now`/`--hostname` were given. Without a
/// terminal (a pipe, a test) it reports on the installation as `check` would instead.
fn show(g: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<i32> {
    // A tour brings its own scenario (and profile), its script, captions and key-cast box.
    let tour = match args.tour.as_deref() {
        None => None,
        Some("list") => {
            list_tours();
            return Ok(0);
        }
        Some(name) => match tours::find(name) {
            Some(t) => Some(t),
            None => {
                eprintln!(
                    "drconsole: no tour '{}': the tours are {} (`drconsole demo --tour list`)",
                    crate::escape::escape(name),
                    tours::names()
                );
                return Ok(super::EXIT_USAGE);
            }
        },
    };
    let mut args = args.clone();
    let mut g = g.clone();
    if let Some(t) = tour {
        args.scenario = t.scenario.name().to_string();
        if g.profile.is_none() {
            g.profile = t.profile.map(str::to_string);
        }
        g.show_keys = true;
    }
    let (g, args) = (&g, &args);
    let Some((profile, opts)) = options(g, args)? else {
        return Ok(super::EXIT_USAGE);
    };
    let title = match tour {
        Some(t) => format!("drconsole demo --tour {}: {}", t.name, t.title),
        None => format!("drconsole demo --scenario {}", opts.scenario),
    };
    let script = tour.map(|t| super::training::ScriptSource {
        name: format!("tour {}", t.name),
        text: t.script.into(),
    });
    let mut show = match super::training::prepare(g, script, &title) {
        Ok(show) => show,
        Err(code) => return Ok(code),
    };
    let headless = show.headless.is_some();
    let interactive = crate::tui::terminal::has_tty() || headless;
    let theme = if headless {
        match super::training::headless_theme(g) {
            Ok(theme) => Some(theme),
            Err(code) => return Ok(code),
        }
    } else if interactive {
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
    if interactive && !headless {
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
    g.root = Some(inst.root.clone());
    g.backups.extend(inst.backup_roots.iter().cloned());
    g.now.get_or_insert_with(|| inst.now.to_rfc3339());
    g.hostname.get_or_insert_with(|| inst.hostname.clone());
    // A demo never touches the operator's real state folder unless told to.
    g.state.get_or_insert_with(|| tmp.path().join("state"));
    let mut ctx = super::context(&g)?;
    if let Some(theme) = theme {
        // Demo mode: no fact of this machine on screen, the temporary root as `demo:/…`.
        ctx.demo = true;
        show.presentation.demo = Some(inst.now);
        show.presentation.demo_folder = Some(tmp.path().to_path_buf());
        let code = super::console::open(ctx, &g, theme, show);
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

fn list_tours() {
    let width = tours::TOURS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in tours::TOURS {
        println!("{:width$}  {}", t.name, t.title);
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
