//! drconsole: a disaster-recovery console for endpoint-management servers.
//!
//! The core (`profile`, `inventory`, `findings`, `diff`, `plan`, `journal`, `report`) knows
//! nothing of terminals; `tui` and `commands` (the CLI) are faces over it.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod component;
pub mod config;
pub mod context;
pub mod demo;
pub mod diff;
pub mod dpsync;
pub mod epo;
pub mod escape;
pub mod findings;
pub mod fleet;
pub mod fs;
pub mod inspect;
pub mod inventory;
pub mod journal;
pub mod mssql;
pub mod pathser;
pub mod plan;
pub mod profile;
pub mod report;
pub mod runbook;
pub mod state_dir;
pub mod tui;
pub mod units;

pub use clock::Clock;
pub use context::Context;
pub use findings::{Code, Finding, Severity};
pub use inventory::Inventory;
pub use profile::Profile;
