//! Settings plists (XML and binary, malformed ones) and folders compared with a backup set.

use drconsole::inventory::{
    self, BackupSet, Inventory, ScanOptions, SetLayout, Source, TakenFrom, Verdict,
};
use drconsole::{Clock, Code, Context};
use plist::{Dictionary, Value};
use std::fs;
use std::path::Path;

const SERVER: &str = "Library/Application Support/LANrev Server";
const LANREV_PLIST: &str = "Library/Preferences/com.poleposition-sw.lanrev_server.plist";
const LANREV_PLIST_ALT: &str = "Library/Preferences/com.polepositionsw.lanrev_server.plist";
const MDM_PLIST: &str = "Library/Preferences/com.heatsoftware.LANrevMDMServer.plist";

fn ctx(root: &Path) -> Context {
    let mut ctx = Context::new(drconsole::profile::load("lanrev-macos").unwrap(), root);
    ctx.clock = Clock::fixed("2026-11-22T08:00:00Z".parse().unwrap());
    ctx.state_dir = root.join(".state");
    ctx
}

fn set(root: &Path) -> BackupSet {
    let path = root.join(SERVER).join("Database Backups/2026-11-21");
    fs::create_dir_all(&path).unwrap();
    BackupSet {
        id: "2026-11-21".into(),
        component: "backup:2026-11-21".into(),
        root: path.parent().unwrap().to_path_buf(),
        path,
        layout: SetLayout::Folder,
        taken_at: "2026-11-21T08:00:00Z".parse().unwrap(),
        taken_from: TakenFrom::Name,
        age_hours: 24.0,
        verdict: Verdict::Restorable,
        recommended: true,
        members: Vec::new(),
        missing: Vec::new(),
        extras: Vec::new(),
        bytes: 0,
    }
}

fn run(root: &Path, sets: Vec<BackupSet>) -> Inventory {
    let c = ctx(root);
    let mut inv = Inventory {
        backup_sets: sets,
        ..Inventory::default()
    };
    inventory::certificates::scan(&c, &ScanOptions::default(), &mut inv, &());
    inventory::settings::scan(&c, &ScanOptions::default(), &mut inv, &());
    inventory::folders::scan(&c, &ScanOptions::default(), &mut inv, &());
    inv
}

fn dict(pairs: &[(&str, &str)]) -> Dictionary {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert((*k).into(), Value::String((*v).into()));
    }
    d
}

fn write_xml(path: &Path, d: &Dictionary) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    Value::Dictionary(d.clone()).to_file_xml(path).unwrap();
}

fn write_binary(path: &Path, d: &Dictionary) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    Value::Dictionary(d.clone()).to_file_binary(path).unwrap();
}

fn server_cert(root: &Path, cn: &str) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![cn.to_string()]).unwrap();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let dir = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("server.crt"), p.self_signed(&key).unwrap().pem()).unwrap();
    fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("server.key"), fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn has(inv: &Inventory, code: Code, component: &str) -> bool {
    inv.findings
        .iter()
        .any(|f| f.code == code && f.component == component)
}

#[test]
fn xml_and_binary_plists_are_read_and_the_second_candidate_path_counts() {
    let dir = tempfile::tempdir().unwrap();
    server_cert(dir.path(), "lanrev.example.com");
    write_xml(
        &dir.path().join(LANREV_PLIST_ALT),
        &dict(&[("a", "1"), ("b", "2")]),
    );
    write_binary(
        &dir.path().join(MDM_PLIST),
        &dict(&[("LANrevServerHostname", "lanrev.example.com")]),
    );
    let inv = run(dir.path(), Vec::new());
    let settings: Vec<_> = inv
        .findings
        .iter()
        .filter(|f| f.component.starts_with("settings:"))
        .collect();
    assert!(settings.is_empty(), "{settings:#?}");
    let lanrev = inv
        .settings
        .iter()
        .find(|s| s.name == "lanrev_server")
        .unwrap();
    assert_eq!(lanrev.format.as_deref(), Some("xml"));
    assert_eq!(lanrev.keys, 2);
    assert!(lanrev.path.as_ref().unwrap().ends_with(LANREV_PLIST_ALT));
    let mdm = inv
        .settings
        .iter()
        .find(|s| s.name == "LANrevMDMServer")
        .unwrap();
    assert_eq!(mdm.format.as_deref(), Some("binary"));
}

#[test]
fn missing_and_malformed_plists_give_findings_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(MDM_PLIST);
    fs::create_dir_all(bad.parent().unwrap()).unwrap();
    for data in [
        b"<?xml version=\"1.0\"?><plist><dict><key>x</key>".to_vec(),
        b"bplist00\xff\xff\xff garbage".to_vec(),
        Vec::new(),
        b"<plist version=\"1.0\"><array><string>x</string></array></plist>".to_vec(),
    ] {
        fs::write(&bad, &data).unwrap();
        let inv = run(dir.path(), Vec::new());
        assert!(has(&inv, Code::SettingsMissing, "settings:lanrev_server"));
        let f = inv
            .findings
            .iter()
            .find(|f| f.code == Code::SettingsUnreadable)
            .expect("unreadable");
        assert_eq!(f.path.as_deref(), Some(bad.as_path()));
        assert!(
            f.message.len() > bad.display().to_string().len() + 2,
            "{}",
            f.message
        );
    }
}

#[test]
fn settings_differing_from_the_backup_count_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = set(dir.path());
    write_xml(
        &dir.path().join(LANREV_PLIST),
        &dict(&[("a", "1"), ("b", "2"), ("c", "3")]),
    );
    write_binary(
        &s.path.join("com.poleposition-sw.lanrev_server.plist"),
        &dict(&[("a", "1"), ("b", "changed"), ("d", "4")]),
    );
    let inv = run(dir.path(), vec![s]);
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::SettingsDiffer)
        .expect("SETTINGS_DIFFER");
    // b changed, c only live, d only in the set.
    assert!(f.message.contains("3 top-level keys"), "{}", f.message);
    assert_eq!(f.severity, drconsole::Severity::Info);
    let copy = inv
        .settings
        .iter()
        .find(|s| s.source == Source::Set("2026-11-21".into()))
        .unwrap();
    assert_eq!(copy.format.as_deref(), Some("binary"));
}

#[test]
fn mdm_hostname_not_on_the_server_certificate_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    server_cert(dir.path(), "lanrev.example.com");
    write_xml(
        &dir.path().join(MDM_PLIST),
        &dict(&[("LANrevServerHostname", "old-server.example.com")]),
    );
    let inv = run(dir.path(), Vec::new());
    assert!(
        has(&inv, Code::MdmHostnameMismatch, "settings:LANrevMDMServer"),
        "{:#?}",
        inv.findings
    );
    write_xml(&dir.path().join(MDM_PLIST), &dict(&[("Other", "x")]));
    let inv = run(dir.path(), Vec::new());
    assert!(has(
        &inv,
        Code::MdmHostnameMismatch,
        "settings:LANrevMDMServer"
    ));
}

#[test]
fn folder_differing_from_the_backup_is_reported_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let s = set(dir.path());
    let live = dir.path().join(SERVER).join("CustomFieldScriptFiles");
    let copy = s.path.join("CustomFieldScriptFiles");
    for d in [&live, &copy] {
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("same.sh"), "echo same").unwrap();
        fs::write(d.join("sub/deep.sh"), "echo deep").unwrap();
    }
    let inv = run(dir.path(), vec![s.clone()]);
    assert!(
        !has(&inv, Code::FolderDiffers, "folder:CustomFieldScriptFiles"),
        "{:#?}",
        inv.findings
    );
    let state = inv
        .folders
        .iter()
        .find(|f| f.name == "CustomFieldScriptFiles")
        .unwrap();
    assert!(state.present);
    assert_eq!(
        (state.files, state.bytes, state.differs_from_set),
        (2, 18, Some(0))
    );

    fs::write(live.join("sub/deep.sh"), "echo DEEP").unwrap(); // same size, other content
    fs::write(copy.join("only-in-backup.sh"), "x").unwrap();
    let inv = run(dir.path(), vec![s]);
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::FolderDiffers)
        .expect("FOLDER_DIFFERS");
    assert!(
        f.message.contains("1 missing, 0 extra, 1 changed"),
        "{}",
        f.message
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_a_folder_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join(SERVER).join("CustomFieldScriptFiles");
    fs::create_dir_all(&live).unwrap();
    fs::write(dir.path().join("secret"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret"), live.join("escape")).unwrap();
    std::os::unix::fs::symlink(&live, live.join("loop")).unwrap();
    fs::write(live.join("ok.sh"), "ok").unwrap();
    let inv = run(dir.path(), Vec::new());
    let state = inv
        .folders
        .iter()
        .find(|f| f.name == "CustomFieldScriptFiles")
        .unwrap();
    assert_eq!(state.files, 1);
    assert!(
        has(&inv, Code::PathUnsafe, "folder:CustomFieldScriptFiles"),
        "{:#?}",
        inv.findings
    );
}

#[test]
fn a_cdata_plist_matches_its_binary_backup_copy() {
    let dir = tempfile::tempdir().unwrap();
    let s = set(dir.path());
    let live = dir.path().join(LANREV_PLIST);
    fs::create_dir_all(live.parent().unwrap()).unwrap();
    fs::write(
        &live,
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>\
         <key>Script</key><string><![CDATA[a < b]]></string>\
         <key>Name</key><string>x</string></dict></plist>",
    )
    .unwrap();
    write_binary(
        &s.path.join("com.poleposition-sw.lanrev_server.plist"),
        &dict(&[("Script", "a < b"), ("Name", "x")]),
    );
    let inv = run(dir.path(), vec![s]);
    assert!(
        !has(&inv, Code::SettingsDiffer, "settings:lanrev_server"),
        "{:#?}",
        inv.findings
    );
}

#[test]
fn a_plist_nested_too_deep_cannot_be_verified_and_is_not_called_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join(LANREV_PLIST);
    fs::create_dir_all(live.parent().unwrap()).unwrap();
    let n = 100_000;
    fs::write(
        &live,
        format!(
            "<plist version=\"1.0\"><dict><key>k</key>{}{}</dict></plist>",
            "<dict>".repeat(n),
            "</dict>".repeat(n)
        ),
    )
    .unwrap();
    let inv = run(dir.path(), Vec::new());
    let f = inv
        .findings
        .iter()
        .find(|f| f.component == "settings:lanrev_server")
        .expect("a finding");
    assert_eq!(f.code, Code::SettingsUnverifiable, "{f:#?}");
    assert!(f.message.contains("512 levels"), "{}", f.message);
    assert!(
        f.message.contains(&live.display().to_string()),
        "{}",
        f.message
    );
}

#[test]
fn an_openstep_plist_is_named_openstep() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join(LANREV_PLIST);
    fs::create_dir_all(live.parent().unwrap()).unwrap();
    fs::write(&live, "{ a = 1; b = \"two\"; }").unwrap();
    let inv = run(dir.path(), Vec::new());
    let s = inv
        .settings
        .iter()
        .find(|s| s.name == "lanrev_server")
        .unwrap();
    assert_eq!((s.format.as_deref(), s.keys), (Some("openstep"), 2));
}
