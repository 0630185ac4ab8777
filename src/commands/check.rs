//! `drconsole check`: scan everything, print findings, exit with the Nagios code.

use crate::cli::{CheckArgs, GlobalArgs};

/// Run `check`.
pub fn run(g: &GlobalArgs, _args: &CheckArgs) -> anyhow::Result<i32> {
    let _ctx = super::context(g)?;
    anyhow::bail!("check: under construction")
}
