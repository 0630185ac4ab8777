//! Demo settings plists: the server's preferences as a binary plist with nested dictionaries
//! and arrays, and the MDM server's as XML carrying the host name it talks to.

use super::DemoError;
use super::fleet::Fleet;
use super::tree::Tree;
use crate::profile::{Profile, SettingsSpec};
use chrono::{DateTime, Utc};
use plist::{Dictionary, Value};
use std::path::Path;
use std::time::SystemTime;

/// Where to write and what the settings say at one instant.
pub(crate) struct SettingsView<'a> {
    /// The fleet (custom fields).
    pub fleet: &'a Fleet,
    /// The instant the settings describe: custom fields added later are absent.
    pub at: DateTime<Utc>,
    /// Value of the MDM host-name key.
    pub mdm_hostname: &'a str,
    /// The server's DNS name.
    pub hostname: &'a str,
}

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

fn date(t: DateTime<Utc>) -> Value {
    Value::Date(plist::Date::from(SystemTime::from(t)))
}

/// The path a profile-relative folder has on the server's own platform.
fn native_path(profile: &Profile, rel: &Path) -> String {
    let text = rel.to_string_lossy();
    if profile.platform == "windows" {
        format!("C:\\{}", text.replace('/', "\\"))
    } else {
        format!("/{text}")
    }
}

/// When the settings last changed: the newest custom field known at the view's instant, so
/// copies taken after that change are identical to the live file.
fn last_change(v: &SettingsView<'_>) -> DateTime<Utc> {
    v.fleet
        .custom_fields
        .iter()
        .map(|f| f.created)
        .filter(|c| *c <= v.at)
        .max()
        .unwrap_or(v.at)
}

fn server_settings(profile: &Profile, v: &SettingsView<'_>) -> Value {
    let mut backup = Dictionary::new();
    let backup_path = profile
        .backups
        .roots
        .first()
        .map(|r| native_path(profile, r))
        .unwrap_or_default();
    backup.insert("BackupEnabled".into(), Value::Boolean(true));
    backup.insert("BackupPath".into(), Value::String(backup_path));
    backup.insert("BackupHour".into(), int(2));
    backup.insert("KeepBackups".into(), int(7));
    backup.insert("VerifyAfterBackup".into(), Value::Boolean(false));

    let fields: Vec<Value> = v
        .fleet
        .custom_fields
        .iter()
        .filter(|f| f.created <= v.at)
        .map(|f| {
            let mut d = Dictionary::new();
            d.insert("Name".into(), Value::String(f.name.into()));
            d.insert("DataType".into(), Value::String(f.data_type.into()));
            d.insert("ScriptFile".into(), Value::String(f.script.into()));
            d.insert("Enabled".into(), Value::Boolean(true));
            Value::Dictionary(d)
        })
        .collect();

    let mut ports = Dictionary::new();
    ports.insert("Agent".into(), int(3970));
    ports.insert("Admin".into(), int(3971));
    ports.insert("MDM".into(), int(443));

    let mut d = Dictionary::new();
    d.insert("ServerName".into(), Value::String("LANrev Server".into()));
    d.insert("ServerAddress".into(), Value::String(v.hostname.into()));
    d.insert("ServerPort".into(), int(3971));
    d.insert("Ports".into(), Value::Dictionary(ports));
    d.insert("InventoryIntervalMinutes".into(), int(360));
    d.insert("HeartbeatIntervalMinutes".into(), int(15));
    d.insert("LogLevel".into(), Value::String("Warning".into()));
    d.insert("BackupSettings".into(), Value::Dictionary(backup));
    d.insert("CustomFields".into(), Value::Array(fields));
    d.insert(
        "AdminAccounts".into(),
        Value::Array(vec![
            Value::String("admin".into()),
            Value::String("helpdesk".into()),
        ]),
    );
    d.insert("SettingsSavedAt".into(), date(last_change(v)));
    Value::Dictionary(d)
}

fn mdm_settings(key: &str, v: &SettingsView<'_>) -> Value {
    let mut d = Dictionary::new();
    d.insert(key.into(), Value::String(v.mdm_hostname.into()));
    d.insert("LANrevServerPort".into(), int(3971));
    d.insert("MDMServerPort".into(), int(443));
    d.insert(
        "OrganizationName".into(),
        Value::String("Example Corp".into()),
    );
    d.insert(
        "APNSTopic".into(),
        Value::String("com.apple.mgmt.External.4c1d9a0e-demo".into()),
    );
    d.insert(
        "TrustedCertificatesPath".into(),
        Value::String("/etc/lighttpd/certs/TrustedCertificates.pem".into()),
    );
    d.insert("SettingsSavedAt".into(), date(last_change(v)));
    Value::Dictionary(d)
}

fn generic_settings(spec: &SettingsSpec, v: &SettingsView<'_>) -> Value {
    let mut d = Dictionary::new();
    d.insert("Name".into(), Value::String(spec.name.clone()));
    d.insert("SettingsSavedAt".into(), date(last_change(v)));
    Value::Dictionary(d)
}

/// Write every settings file of the profile under `base` (live paths, or backup names when
/// `backup`), timed `at`.
pub(crate) fn write_settings(
    tree: &mut Tree,
    profile: &Profile,
    view: &SettingsView<'_>,
    base: &Path,
    backup: bool,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    for spec in &profile.settings {
        let Some(live) = spec.paths.first() else {
            continue;
        };
        let rel = base.join(if backup { &spec.backup } else { live });
        let mut bytes = Vec::new();
        let result = if let Some(key) = &spec.mdm_hostname_key {
            mdm_settings(key, view).to_writer_xml(&mut bytes)
        } else if spec.name == "lanrev_server" {
            server_settings(profile, view).to_writer_binary(&mut bytes)
        } else {
            generic_settings(spec, view).to_writer_xml(&mut bytes)
        };
        result.map_err(|source| DemoError::Plist {
            path: tree.abs(&rel),
            source,
        })?;
        tree.write(&rel, &bytes, at)?;
    }
    Ok(())
}
