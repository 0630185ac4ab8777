//! Scanning: one module per component kind, producing an `Inventory`.
//! `scan` orders the work so the operator's answer (the recommended set) comes first.

mod model;
pub mod progress;

pub use model::*;
pub use progress::{Progress, ProgressSink};

use crate::context::Context;

/// What a scan should do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// How deep database checks go.
    pub depth: CheckDepth,
}

/// Scan the installation described by `ctx`. Problems become findings; this never fails.
pub fn scan(ctx: &Context, opts: &ScanOptions, _progress: &dyn ProgressSink) -> Inventory {
    Inventory {
        profile: ctx.profile.name.clone(),
        root: ctx.root.clone(),
        scanned_at: ctx.clock.now(),
        depth: opts.depth,
        ..Inventory::default()
    }
}
