//! Shared helpers for integration tests: demo installations and running the real binary.
#![allow(dead_code)]

use drconsole::demo::{self, DemoInstallation, DemoOptions, Scenario};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A demo installation in a temporary folder, with its own state folder.
pub struct Demo {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// What the generator wrote.
    pub install: DemoInstallation,
    /// State folder for this test.
    pub state: PathBuf,
}

impl Demo {
    /// Generate `scenario` with seed 1 for the built-in macOS profile.
    pub fn new(scenario: Scenario) -> Demo {
        Self::with_profile(scenario, "lanrev-macos")
    }

    /// Generate `scenario` for a built-in profile.
    pub fn with_profile(scenario: Scenario, profile: &str) -> Demo {
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = drconsole::profile::load(profile).expect("profile");
        let opts = DemoOptions {
            scenario,
            seed: 1,
            db_size_mb: None,
        };
        let install = demo::generate(&dir.path().join("root"), &profile, &opts).expect("demo");
        let state = dir.path().join("state");
        Demo {
            dir,
            install,
            state,
        }
    }

    /// The installation root.
    pub fn root(&self) -> &Path {
        &self.install.root
    }

    /// The live server folder of the macOS profile.
    pub fn server(&self) -> PathBuf {
        self.root()
            .join("Library/Application Support/LANrev Server")
    }

    /// Global arguments pointing at this installation.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--root".to_string(),
            self.root().display().to_string(),
            "--state".into(),
            self.state.display().to_string(),
            "--now".into(),
            self.install.now.to_rfc3339(),
            "--hostname".into(),
            self.install.hostname.clone(),
        ];
        for b in &self.install.backup_roots {
            a.push("--backups".into());
            a.push(b.display().to_string());
        }
        a
    }

    /// Run the binary with this installation's global arguments plus `extra`.
    pub fn run(&self, extra: &[&str]) -> Output {
        let mut args = self.args();
        args.extend(extra.iter().map(|s| s.to_string()));
        drconsole(&args)
    }

    /// Run `check --json` (plus `extra`) and return (exit code, parsed JSON).
    pub fn check_json(&self, extra: &[&str]) -> (i32, Value) {
        let mut a = vec!["check", "--json"];
        a.extend_from_slice(extra);
        let out = self.run(&a);
        let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "check --json printed no JSON ({e}); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), json)
    }
}

/// Run the real binary with `args`.
pub fn drconsole<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run drconsole")
}

/// The finding codes in a `check --json` document.
pub fn codes(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Findings with `code` in a `check --json` document.
pub fn with_code<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["code"] == code).collect())
        .unwrap_or_default()
}

/// The backup sets of a `check --json` document, newest first.
pub fn sets(json: &Value) -> Vec<&Value> {
    json["backup_sets"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}
