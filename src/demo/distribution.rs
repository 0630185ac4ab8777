//! Demo distribution points: the definitions written into ServerDatabase and the payload
//! folders they point at. Healthy mirrors hold the master's exact bytes and times; the
//! dp-failover scenario loses the master's payload (a dead master), has a healthy mirror already
//! ticked as a second master (a promotion left half done), lets one mirror go stale and loses
//! another: the guide's whole procedure (promote, retire, add, sync) can be trained on it.

use super::DemoError;
use super::Scenario;
use super::fleet::{DISTRIBUTION_POINTS, DpRow, Fleet};
use super::tree::Tree;
use chrono::Duration;
use std::path::Path;

/// The stale mirror of the dp-failover scenario.
const STALE_MIRROR: &str = "Mirror Sydney";
/// The mirror promoted while the master was down (dp-failover).
const PROMOTED_MIRROR: &str = "Mirror London";

/// The master whose payload folder is gone (dp-failover).
pub(crate) const DEAD_MASTER: &str = "Master DP";

/// The point whose payload folder is gone (dp-failover).
const LOST_POINT: DpRow = DpRow {
    id: 4,
    name: "Mirror Tokyo",
    address: "dp-tyo.example.com",
    path: "Volumes/DP-Tokyo",
    is_master: false,
};

/// The definitions the live ServerDatabase holds in this scenario.
pub(crate) fn live_points(scenario: Scenario) -> Vec<DpRow> {
    let mut points = DISTRIBUTION_POINTS.to_vec();
    if scenario == Scenario::DpFailover {
        for p in &mut points {
            if p.name == PROMOTED_MIRROR {
                p.is_master = true;
            }
        }
        points.push(LOST_POINT);
    }
    points
}

/// What the dp-failover scenario did to the stale mirror, for the expectations list.
pub(crate) struct Staleness {
    /// Package files the mirror lacks.
    pub missing: Vec<String>,
    /// Package files whose bytes differ from the master's.
    pub changed: Vec<String>,
}

/// Write every reachable point's payload; returns what was left out of the stale mirror.
pub(crate) fn write_payloads(
    tree: &mut Tree,
    fleet: &Fleet,
    points: &[DpRow],
    scenario: Scenario,
) -> Result<Option<Staleness>, DemoError> {
    let mut staleness = None;
    for point in points {
        if scenario == Scenario::DpFailover
            && (point.name == LOST_POINT.name || point.name == DEAD_MASTER)
        {
            continue;
        }
        let base = Path::new(point.path);
        tree.mkdir(base)?;
        let stale = scenario == Scenario::DpFailover && point.name == STALE_MIRROR;
        let mut missing = Vec::new();
        let mut changed = Vec::new();
        let count = fleet.packages.len();
        for (i, package) in fleet.packages.iter().enumerate() {
            // The stale mirror missed the two newest uploads and holds an older build of one.
            if stale && i + 2 >= count {
                missing.push(package.file.clone());
                continue;
            }
            if stale && i == 0 {
                let mut bytes = package.bytes.clone();
                let tail = bytes.len().saturating_sub(512);
                for b in &mut bytes[tail..] {
                    *b = b.wrapping_add(1);
                }
                changed.push(package.file.clone());
                tree.write(
                    &base.join(&package.file),
                    &bytes,
                    package.uploaded - Duration::days(30),
                )?;
                continue;
            }
            tree.write(&base.join(&package.file), &package.bytes, package.uploaded)?;
        }
        if stale {
            staleness = Some(Staleness { missing, changed });
        }
    }
    Ok(staleness)
}
