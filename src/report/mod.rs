//! Text and JSON renderings of an `Inventory`. Nothing here touches the disk: every report is a
//! pure function of the inventory, so the console, the CLI and tests all see the same facts.

pub mod components;
pub mod format;
pub mod journal_line;
pub mod json;
pub mod nagios;
pub mod openmetrics;
pub mod runbook;
pub mod text;
