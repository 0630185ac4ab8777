//! placeholder
use crate::context::Context;
use crate::inventory::{Inventory, ProgressSink, ScanOptions};
/// Scan.
pub fn scan(
    _ctx: &Context,
    _opts: &ScanOptions,
    _inv: &mut Inventory,
    _progress: &dyn ProgressSink,
) {
}
