//! `drconsole backups`: the sets newest first, the recommended one marked.

use crate::cli::{GlobalArgs, JsonArg};

/// Run `backups`.
pub fn run(g: &GlobalArgs, _args: &JsonArg) -> anyhow::Result<i32> {
    let _ctx = super::context(g)?;
    anyhow::bail!("backups: under construction")
}
