//! The drconsole binary: parse arguments, run one command, exit with its code.

use clap::Parser;
use drconsole::cli::Cli;
use drconsole::commands;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                commands::EXIT_USAGE
            } else {
                0
            };
            // Help and version go to stdout; usage errors to stderr.
            let _ = err.print();
            std::process::exit(code);
        }
    };
    std::process::exit(commands::run(cli));
}
