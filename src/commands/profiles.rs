//! `drconsole profiles`: list the built-in profiles.

use crate::cli::JsonArg;

/// Print the built-in profiles.
pub fn run(args: &JsonArg) -> anyhow::Result<i32> {
    let profiles = crate::profile::builtins();
    if args.json {
        println!("{}", crate::escape::json(&profiles)?);
    } else {
        for p in profiles {
            println!("{:<16} {:<10} {}", p.name, p.platform, p.description);
        }
    }
    Ok(0)
}
