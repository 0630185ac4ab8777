//! The demo scenarios: which faults a generated installation carries.
//! Names are part of the command line (`--scenario corrupt-db`), so they never change.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One story a demo installation tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Everything consistent: a baseline with no warnings.
    Healthy,
    /// A damaged live database and a newest backup set that only a full check exposes.
    CorruptDb,
    /// A fresh install after a disaster: new certificates, broken MDM trust.
    NewServer,
    /// Distribution points after a failed master: two masters, a stale and an unreachable mirror.
    DpFailover,
    /// ITMS backups that would fail a recovery: the newest CMDB backup truncated, KMS keys older
    /// than the CMDB, a Software Library backup missing packages.
    BrokenBackups,
}

impl Scenario {
    /// Every scenario, in the order `demo list` shows them.
    pub const ALL: [Scenario; 5] = [
        Scenario::Healthy,
        Scenario::CorruptDb,
        Scenario::NewServer,
        Scenario::DpFailover,
        Scenario::BrokenBackups,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::CorruptDb => "corrupt-db",
            Scenario::NewServer => "new-server",
            Scenario::DpFailover => "dp-failover",
            Scenario::BrokenBackups => "broken-backups",
        }
    }

    /// One line on what the operator will find.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Healthy => {
                "consistent server: fresh restorable backups, valid certificates, mirrors in sync"
            }
            Scenario::CorruptDb => {
                "damaged ServerDatabase; the newest backup set fails only the full integrity check, the one before is good"
            }
            Scenario::NewServer => {
                "fresh install after a disaster: new server certificate, MDM trust and hostname broken, expiring MDM certificate"
            }
            Scenario::DpFailover => {
                "two master distribution points, a mirror missing packages, an unreachable mirror"
            }
            Scenario::BrokenBackups => {
                "ITMS: newest CMDB backup truncated, KMS keys older than the CMDB, Software Library backup missing packages"
            }
        }
    }

    /// Whether a profile can tell this story: the ITMS profile (a SQL Server database) tells
    /// `healthy` and `broken-backups`, the ePO profile (repositories) `healthy` and
    /// `dp-failover`, the LANrev profiles every other one.
    pub fn supports(self, profile: &crate::profile::Profile) -> bool {
        let itms = !profile.sql_databases.is_empty();
        let epo = profile.repositories.is_some();
        match self {
            Scenario::Healthy => true,
            Scenario::BrokenBackups => itms,
            Scenario::DpFailover => !itms,
            Scenario::CorruptDb | Scenario::NewServer => !itms && !epo,
        }
    }

    /// The names of the scenarios the profile named `profile` tells, for messages.
    pub fn names_for(profile: &str) -> String {
        let Ok(p) = crate::profile::load(profile) else {
            return "drconsole demo list".into();
        };
        Scenario::ALL
            .iter()
            .filter(|s| s.supports(&p))
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scenario name that is not one of [`Scenario::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown scenario '{0}': choose one of healthy, corrupt-db, new-server, dp-failover, broken-backups (see `drconsole demo list`)"
)]
pub struct UnknownScenario(pub String);

impl FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownScenario(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_parses_from_its_name() {
        for sc in Scenario::ALL {
            assert_eq!(sc.name().parse::<Scenario>(), Ok(sc));
            assert!(!sc.description().is_empty());
        }
    }

    #[test]
    fn unknown_scenario_names_the_choices() {
        let err = "broken".parse::<Scenario>().unwrap_err().to_string();
        assert!(
            err.contains("broken") && err.contains("corrupt-db"),
            "{err}"
        );
    }
}
