//! Guided tours: one built-in key script per demo scenario, with captions explaining each step
//! and pauses for the trainee. The scripts are data files under `tours/`, embedded in the binary.

use super::Scenario;

/// One built-in tour.
#[derive(Debug, Clone, Copy)]
pub struct Tour {
    /// Its name (`drconsole demo --tour NAME`): its scenario's, after the product for profiles
    /// other than the default one (`epo-dp-failover`).
    pub name: &'static str,
    /// The installation it plays on.
    pub scenario: Scenario,
    /// The profile the scenario is built with; `None` is the default profile.
    pub profile: Option<&'static str>,
    /// One line on what the trainee learns.
    pub title: &'static str,
    /// The key script (see `tui::script`).
    pub script: &'static str,
}

/// Every built-in tour, in the order `--tour list` shows them.
pub const TOURS: &[Tour] = &[
    Tour {
        name: "corrupt-db",
        scenario: Scenario::CorruptDb,
        profile: None,
        title: "a damaged database: find the newest backup set that passes the full check, restore it, read the journal",
        script: include_str!("../../tours/corrupt-db.keys"),
    },
    Tour {
        name: "new-server",
        scenario: Scenario::NewServer,
        profile: None,
        title: "a fresh install after a disaster: why agents reject it, and the certificates to bring back",
        script: include_str!("../../tours/new-server.keys"),
    },
    Tour {
        name: "dp-failover",
        scenario: Scenario::DpFailover,
        profile: None,
        title: "distribution points after the master died: two masters, a mirror behind; promote and sync",
        script: include_str!("../../tours/dp-failover.keys"),
    },
    Tour {
        name: "epo-dp-failover",
        scenario: Scenario::DpFailover,
        profile: Some("epo-windows"),
        title: "McAfee ePO after its master repository died: which repository to trust, and why",
        script: include_str!("../../tours/epo-dp-failover.keys"),
    },
    Tour {
        name: "itms-broken-backups",
        scenario: Scenario::BrokenBackups,
        profile: Some("itms-windows"),
        title: "Symantec ITMS before its restore: which CMDB backup and keys to trust, and the runbook marked step by step",
        script: include_str!("../../tours/itms-broken-backups.keys"),
    },
];

/// The tour called `name`.
pub fn find(name: &str) -> Option<&'static Tour> {
    TOURS.iter().find(|t| t.name == name)
}

/// The names of every tour, for messages.
pub fn names() -> String {
    TOURS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::script::Script;

    #[test]
    fn every_tour_parses_and_names_its_scenario() {
        for t in TOURS {
            let s = Script::parse(t.script).unwrap_or_else(|e| panic!("tour {}: {e}", t.name));
            assert!(!s.steps.is_empty(), "tour {} is empty", t.name);
            assert!(
                t.name.ends_with(t.scenario.name()),
                "a tour is named after its scenario: {}",
                t.name
            );
        }
    }

    #[test]
    fn the_scenarios_of_issue_15_have_tours() {
        for name in ["corrupt-db", "new-server", "dp-failover"] {
            assert!(find(name).is_some(), "no tour for {name}");
        }
    }

    #[test]
    fn every_tour_explains_itself_and_waits_for_the_trainee() {
        use crate::tui::script::Step;
        for t in TOURS {
            let s = Script::parse(t.script).expect("parses");
            let steps: Vec<&Step> = s.steps.iter().map(|(_, s)| s).collect();
            assert!(
                matches!(steps.first(), Some(Step::Caption(Some(_)))),
                "tour {} opens with a caption",
                t.name
            );
            assert!(
                steps.iter().any(|s| matches!(s, Step::Pause(_))),
                "tour {} never pauses",
                t.name
            );
        }
    }
}
