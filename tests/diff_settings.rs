//! Settings diffs: nested key paths, type changes, and XML vs binary plists.

use drconsole::diff::Change;
use drconsole::diff::settings::{PathStep, diff_settings};
use plist::{Dictionary, Value};
use std::path::Path;

fn base() -> Dictionary {
    let mut mdm = Dictionary::new();
    mdm.insert("LANrevServerHostname".into(), "am.example.com".into());
    mdm.insert("Port".into(), Value::Integer(3971.into()));
    let mut d = Dictionary::new();
    d.insert("MDM".into(), Value::Dictionary(mdm));
    d.insert(
        "Servers".into(),
        Value::Array(vec!["dp1".into(), "dp2".into(), "dp3".into()]),
    );
    d.insert("UseSSL".into(), Value::Boolean(true));
    d.insert("Retention".into(), Value::Integer(30.into()));
    d
}

fn write_xml(path: &Path, d: &Dictionary) {
    Value::Dictionary(d.clone()).to_file_xml(path).unwrap();
}

fn write_binary(path: &Path, d: &Dictionary) {
    Value::Dictionary(d.clone()).to_file_binary(path).unwrap();
}

#[test]
fn the_same_values_in_binary_and_xml_make_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set.plist"), dir.path().join("live.plist"));
    write_binary(&set, &base());
    write_xml(&live, &base());
    let d = diff_settings(&set, &live).unwrap();
    assert!(!d.differs(), "{:?}", d.changes);
    assert_eq!(d.set_format.as_deref(), Some("binary"));
    assert_eq!(d.live_format.as_deref(), Some("xml"));
}

#[test]
fn nested_changes_are_reported_by_key_path_with_types() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set.plist"), dir.path().join("live.plist"));
    write_xml(&set, &base());
    let mut l = base();
    if let Some(Value::Dictionary(mdm)) = l.get_mut("MDM") {
        mdm.insert("LANrevServerHostname".into(), "new-host.example.com".into());
        mdm.remove("Port");
        mdm.insert("Debug".into(), Value::Boolean(false));
    }
    if let Some(Value::Array(a)) = l.get_mut("Servers") {
        a.pop();
    }
    // Same key, different type: integer 30 becomes the string "30".
    l.insert("Retention".into(), "30".into());
    write_binary(&live, &l);

    let d = diff_settings(&set, &live).unwrap();
    let got: Vec<(String, Change)> = d
        .changes
        .iter()
        .map(|c| (c.path_text(), c.change))
        .collect();
    assert_eq!(
        got,
        [
            ("MDM.Debug".to_string(), Change::Added),
            ("MDM.LANrevServerHostname".to_string(), Change::Changed),
            ("MDM.Port".to_string(), Change::Removed),
            ("Retention".to_string(), Change::TypeChanged),
            ("Servers[2]".to_string(), Change::Removed),
        ]
    );
    let host = &d.changes[1];
    assert_eq!(
        host.path,
        [
            PathStep::Key("MDM".into()),
            PathStep::Key("LANrevServerHostname".into())
        ]
    );
    assert_eq!(host.set.as_ref().unwrap().value, "\"am.example.com\"");
    assert_eq!(
        host.live.as_ref().unwrap().value,
        "\"new-host.example.com\""
    );
    let ret = &d.changes[3];
    assert_eq!(ret.set.as_ref().unwrap().ty, "integer");
    assert_eq!(ret.live.as_ref().unwrap().ty, "string");
    assert_eq!(d.changes[4].set.as_ref().unwrap().value, "\"dp3\"");
    let json = serde_json::to_value(&d.changes[4]).unwrap();
    assert_eq!(json["path"], serde_json::json!(["Servers", 2]));
    assert_eq!(json["change"], "removed");
}

#[test]
fn a_malformed_plist_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (
        dir.path().join("set.plist"),
        dir.path().join("broken.plist"),
    );
    write_xml(&set, &base());
    std::fs::write(&live, b"<?xml version=\"1.0\"?><plist><dict><key>A</key>").unwrap();
    let err = diff_settings(&set, &live).unwrap_err().to_string();
    assert!(err.contains("broken.plist"), "{err}");
}
