//! `drconsole demo`: build a demo installation (and open the console on it).

use crate::cli::{DemoArgs, GlobalArgs};

/// Run `demo`.
pub fn run(_g: &GlobalArgs, _args: &DemoArgs) -> anyhow::Result<i32> {
    anyhow::bail!("demo: under construction")
}
