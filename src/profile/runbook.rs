//! The `[[runbook]]` entries of a profile: the product's recovery steps in the vendor's order,
//! each either proven done by what a scan sees (`done_when`) or done by hand (`command`/`sql`),
//! validated at load so a step never names a finding code or component that does not exist.

use crate::findings::Code;
use serde::{Deserialize, Serialize};

/// One recovery step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunbookStep {
    /// Stable id (`stop-server`): marks and `runbook mark ID` name it.
    pub id: String,
    /// One line saying what to do.
    pub title: String,
    /// Why it matters, in the vendor's words where possible.
    pub why: String,
    /// The exact shell command to run by hand, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The exact SQL to run by hand, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// What proves the step done; `None` for a step only the operator can mark (one done by
    /// hand, with its `command` or `sql`, or in the product's own console).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_when: Option<DoneWhen>,
}

impl RunbookStep {
    /// Ticked from the inventory (true) or only by a mark (false).
    pub fn automatic(&self) -> bool {
        self.done_when.is_some()
    }

    /// The text `y` copies and `runbook show` prints: the SQL, else the command.
    pub fn copy_text(&self) -> Option<&str> {
        self.sql.as_deref().or(self.command.as_deref())
    }
}

/// Conditions that together prove a step done; every one listed must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DoneWhen {
    /// None of these findings may be present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings_absent: Vec<Code>,
    /// Each of these findings must be present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings_present: Vec<Code>,
    /// Component selectors a committed, not undone restore under this root must cover.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<String>,
    /// Component selectors whose live state must be proven sound.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub healthy: Vec<String>,
}

/// `[[runbook]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    id: String,
    title: String,
    why: String,
    command: Option<String>,
    sql: Option<String>,
    done_when: Option<RawDoneWhen>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoneWhen {
    #[serde(default)]
    findings_absent: Vec<String>,
    #[serde(default)]
    findings_present: Vec<String>,
    #[serde(default)]
    restored: Vec<String>,
    #[serde(default)]
    healthy: Vec<String>,
}

/// The component names a profile defines, for checking selectors without a built profile.
pub(super) struct Known<'a> {
    pub databases: Vec<&'a str>,
    pub certificates: Vec<&'a str>,
    pub settings: Vec<&'a str>,
    pub folders: Vec<&'a str>,
}

/// Validate the raw steps: ids unique and plain, codes known, selectors naming components of
/// this profile. Errors name the entry (`runbook step 3 'stop-server'`) and what is wrong.
pub(super) fn resolve(raw: &[RawStep], known: &Known) -> Result<Vec<RunbookStep>, String> {
    let mut out: Vec<RunbookStep> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let at = format!("runbook step {} '{}'", i + 1, r.id);
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if r.id.is_empty() || !r.id.chars().all(plain) {
            return Err(format!(
                "{at}: the id must be lower-case letters, digits and '-' (it is typed in `drconsole runbook mark ID`)"
            ));
        }
        if out.iter().any(|s| s.id == r.id) {
            return Err(format!("{at}: the id '{}' is used twice", r.id));
        }
        if r.title.trim().is_empty() || r.why.trim().is_empty() {
            return Err(format!("{at}: title and why must not be empty"));
        }
        let blank = |s: &Option<String>| s.as_ref().is_some_and(|t| t.trim().is_empty());
        if blank(&r.command) || blank(&r.sql) {
            return Err(format!(
                "{at}: command and sql must not be empty when given"
            ));
        }
        if r.command.is_some() && r.sql.is_some() {
            return Err(format!(
                "{at}: give either command or sql, not both (split it into two steps)"
            ));
        }
        let done_when = match &r.done_when {
            None => None,
            Some(d) => Some(resolve_done_when(d, known).map_err(|e| format!("{at}: {e}"))?),
        };
        out.push(RunbookStep {
            id: r.id.clone(),
            title: r.title.clone(),
            why: r.why.clone(),
            command: r.command.clone(),
            sql: r.sql.clone(),
            done_when,
        });
    }
    Ok(out)
}

fn resolve_done_when(d: &RawDoneWhen, known: &Known) -> Result<DoneWhen, String> {
    let codes = |field: &str, names: &[String]| -> Result<Vec<Code>, String> {
        names
            .iter()
            .map(|n| {
                Code::ALL
                    .iter()
                    .copied()
                    .find(|c| c.as_str() == *n)
                    .ok_or_else(|| {
                        format!(
                            "done_when.{field} names '{n}', which is not a finding code (see docs/runbook.md for the list)"
                        )
                    })
            })
            .collect()
    };
    let out = DoneWhen {
        findings_absent: codes("findings_absent", &d.findings_absent)?,
        findings_present: codes("findings_present", &d.findings_present)?,
        restored: d.restored.clone(),
        healthy: d.healthy.clone(),
    };
    for (field, sels) in [("restored", &out.restored), ("healthy", &out.healthy)] {
        for s in sels {
            check_selector(s, known).map_err(|e| format!("done_when.{field}: {e}"))?;
        }
    }
    if out.findings_absent.is_empty()
        && out.findings_present.is_empty()
        && out.restored.is_empty()
        && out.healthy.is_empty()
    {
        return Err("done_when lists no condition".into());
    }
    Ok(out)
}

/// A selector as `component::resolve` takes it, checked against the profile's names.
fn check_selector(s: &str, known: &Known) -> Result<(), String> {
    if matches!(
        s,
        "all" | "databases" | "certificates" | "settings" | "folders"
    ) {
        return Ok(());
    }
    let (kind, name) = s.split_once(':').unwrap_or((s, ""));
    let names = match kind {
        "database" | "db" => &known.databases,
        "certificates" | "cert" => &known.certificates,
        "settings" => &known.settings,
        "folder" => &known.folders,
        _ => {
            return Err(format!(
                "'{s}' is not a component: use database:NAME, certificates:NAME, settings:NAME, folder:NAME or a group (databases, certificates, settings, folders, all)"
            ));
        }
    };
    if !names.contains(&name) {
        return Err(format!(
            "'{s}' names no {kind} of this profile (known: {})",
            names.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::profile::parse;

    fn with_runbook(entries: &str) -> Result<crate::profile::Profile, String> {
        let text = format!(
            "name = \"x\"\n[[databases]]\nname = \"A\"\npath = \"A.db\"\n[[folders]]\nname = \"Scripts\"\npath = \"Scripts\"\n{entries}"
        );
        parse(&text, "my-profile.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn a_step_naming_an_unknown_finding_code_is_a_profile_error_naming_file_and_entry() {
        let err = with_runbook(
            "[[runbook]]\nid = \"stop\"\ntitle = \"Stop\"\nwhy = \"w\"\ndone_when = { findings_absent = [\"SERVER_RUNING\"] }\n",
        )
        .unwrap_err();
        assert!(err.contains("my-profile.toml"), "{err}");
        assert!(err.contains("runbook step 1 'stop'"), "{err}");
        assert!(err.contains("SERVER_RUNING"), "{err}");
    }

    #[test]
    fn a_duplicate_step_id_is_a_profile_error() {
        let step = "[[runbook]]\nid = \"stop\"\ntitle = \"Stop\"\nwhy = \"w\"\ncommand = \"x\"\n";
        let err = with_runbook(&format!("{step}{step}")).unwrap_err();
        assert!(err.contains("my-profile.toml"), "{err}");
        assert!(err.contains("runbook step 2 'stop'"), "{err}");
        assert!(err.contains("used twice"), "{err}");
    }

    #[test]
    fn selectors_must_name_components_of_the_profile() {
        let err = with_runbook(
            "[[runbook]]\nid = \"r\"\ntitle = \"R\"\nwhy = \"w\"\ndone_when = { restored = [\"database:Nope\"] }\n",
        )
        .unwrap_err();
        assert!(
            err.contains("database:Nope") && err.contains("known: A"),
            "{err}"
        );
        let ok = with_runbook(
            "[[runbook]]\nid = \"r\"\ntitle = \"R\"\nwhy = \"w\"\ndone_when = { restored = [\"databases\"], healthy = [\"folder:Scripts\"] }\n",
        )
        .unwrap();
        let d = ok.runbook[0].done_when.as_ref().unwrap();
        assert_eq!(d.restored, vec!["databases".to_string()]);
        assert_eq!(d.healthy, vec!["folder:Scripts".to_string()]);
    }

    #[test]
    fn malformed_steps_are_refused_with_a_reason() {
        for (entry, want) in [
            (
                "id = \"Bad Id\"\ntitle = \"t\"\nwhy = \"w\"\n",
                "lower-case letters",
            ),
            (
                "id = \"a\"\ntitle = \"t\"\nwhy = \"w\"\ncommand = \"c\"\nsql = \"s\"\n",
                "either command or sql",
            ),
            (
                "id = \"a\"\ntitle = \"\"\nwhy = \"w\"\n",
                "must not be empty",
            ),
            (
                "id = \"a\"\ntitle = \"t\"\nwhy = \"w\"\ndone_when = {}\n",
                "no condition",
            ),
            ("id = \"a\"\ntitle = \"t\"\n", "why"),
            (
                "id = \"a\"\ntitle = \"t\"\nwhy = \"w\"\ndone_whem = {}\n",
                "done_whem",
            ),
        ] {
            let err = with_runbook(&format!("[[runbook]]\n{entry}")).unwrap_err();
            assert!(err.contains(want), "{entry}: {err}");
        }
    }

    #[test]
    fn builtin_runbooks_follow_the_guide_from_stop_to_start() {
        for name in ["lanrev-macos", "lanrev-windows"] {
            let p = crate::profile::load(name).unwrap();
            let ids: Vec<&str> = p.runbook.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids.first(), Some(&"stop-server"), "{name}");
            assert_eq!(ids.last(), Some(&"start-server"), "{name}");
            let pos = |id: &str| ids.iter().position(|s| *s == id).unwrap();
            assert!(pos("keep-broken-databases") < pos("restore-databases"));
            assert!(pos("restore-databases") < pos("verify-integrity"));
            assert!(pos("verify-integrity") < pos("certificates-and-keys"));
            assert!(pos("import-settings") < pos("distribution-points"));
        }
    }
}
