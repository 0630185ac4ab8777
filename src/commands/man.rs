//! `drconsole completions SHELL` and `drconsole man`: generated from the same clap definition
//! the parser uses, so they cannot drift from the flags.

use crate::cli::{Cli, Shell};
use clap::CommandFactory;
use std::io::Write;

/// Print the completion script for `shell`.
pub fn completions(shell: Shell) -> anyhow::Result<i32> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let target = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(target, &mut cmd, "drconsole", &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(0)
}

/// Print the manual page (roff), with a section per subcommand.
pub fn page() -> anyhow::Result<i32> {
    let out = render()?;
    std::io::stdout().write_all(&out)?;
    Ok(0)
}

/// The manual page: the main page followed by one section per subcommand.
fn render() -> anyhow::Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub
            .clone()
            .display_name(format!("drconsole-{}", sub.get_name()))
            .bin_name(format!("drconsole {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(sub).render(&mut out)?;
    }
    Ok(out)
}
