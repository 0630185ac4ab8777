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

/// Run `python3 -c script args…`; `None` (with the reason printed) when python3 or plistlib
/// is not there.
fn python(script: &str, args: &[&Path]) -> Option<String> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!("python failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("skipping the plistlib cross-check: python3 not runnable ({e})");
            None
        }
    }
}

/// Give a binary plist's offset table entries `width` bytes (Apple's reader, plistlib and
/// libplist accept 1–8), rebuilding the table at the end and pointing the trailer at it.
fn widen_offsets(data: &[u8], width: usize) -> Vec<u8> {
    let body_end = data.len() - 32;
    let t = &data[body_end..];
    let be = |b: &[u8]| b.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x));
    let old = t[6] as usize;
    let n = be(&t[8..16]) as usize;
    let table_at = be(&t[24..32]) as usize;
    let mut out = data[..body_end].to_vec();
    let new_table_at = out.len() as u64;
    for i in 0..n {
        let off = be(&data[table_at + i * old..table_at + (i + 1) * old]);
        out.extend_from_slice(&off.to_be_bytes()[8 - width..]);
    }
    out.extend_from_slice(&t[..6]);
    out.push(width as u8);
    out.extend_from_slice(&t[7..24]);
    out.extend_from_slice(&new_table_at.to_be_bytes());
    out
}

#[test]
fn cdata_sections_read_their_text_like_plistlib() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set.plist"), dir.path().join("live.plist"));
    std::fs::write(
        &live,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>Script</key><string><![CDATA[if a < b && c > d then]]></string>\
         <key>Mixed</key><string>x<![CDATA[<y>]]>z</string>\
         </dict></plist>\n",
    )
    .unwrap();
    // plistlib reads the CDATA file and writes the same values as a binary plist.
    let script = "import plistlib,sys\n\
                  v=plistlib.load(open(sys.argv[1],'rb'))\n\
                  plistlib.dump(v,open(sys.argv[2],'wb'),fmt=plistlib.FMT_BINARY)\n\
                  print(v['Script'])";
    let Some(said) = python(script, &[&live, &set]) else {
        return;
    };
    assert_eq!(said.trim_end(), "if a < b && c > d then");
    let d = diff_settings(&set, &live).unwrap();
    assert!(!d.differs(), "{:?}", d.changes);
    let d = diff_settings(&live, &live).unwrap();
    assert!(!d.differs(), "{:?}", d.changes);
}

#[test]
fn internal_entities_expand_like_an_xml_parser() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set.plist"), dir.path().join("live.plist"));
    std::fs::write(
        &live,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n  <!ENTITY host \"am.example.com\">\n\
         <!ENTITY url 'https://&host;:8443/'>\n]>\n<plist version=\"1.0\"><dict>\
         <key>Host</key><string>&host;</string><key>URL</key><string>&url;</string>\
         </dict></plist>\n",
    )
    .unwrap();
    // plistlib refuses entity declarations; Python's ElementTree (expat) expands them.
    let script = "import sys,xml.etree.ElementTree as ET\n\
                  s=ET.parse(sys.argv[1]).getroot().findall('./dict/string')\n\
                  print('|'.join(x.text for x in s))";
    let expected = python(script, &[&live])
        .map(|s| s.trim_end().to_string())
        .unwrap_or_else(|| "am.example.com|https://am.example.com:8443/".into());
    let mut d = Dictionary::new();
    let (host, url) = expected.split_once('|').unwrap();
    d.insert("Host".into(), host.into());
    d.insert("URL".into(), url.into());
    write_binary(&set, &d);
    let diff = diff_settings(&set, &live).unwrap();
    assert!(!diff.differs(), "{:?}", diff.changes);
    assert_eq!(host, "am.example.com");
}

#[test]
fn an_undeclared_entity_is_an_error_not_an_empty_string() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.plist");
    std::fs::write(
        &live,
        "<plist version=\"1.0\"><dict><key>Host</key><string>&host;</string></dict></plist>",
    )
    .unwrap();
    let err = diff_settings(&live, &live).unwrap_err().to_string();
    assert!(
        err.contains("live.plist") && err.contains("&host;"),
        "{err}"
    );
}

#[test]
fn a_nan_real_in_the_same_file_is_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let (bin, xml) = (dir.path().join("nan.plist"), dir.path().join("nan.xml"));
    let script = "import plistlib,sys\n\
                  v={'Ratio': float('nan'), 'List': [float('nan'), 1.5]}\n\
                  plistlib.dump(v,open(sys.argv[1],'wb'),fmt=plistlib.FMT_BINARY)\n\
                  plistlib.dump(v,open(sys.argv[2],'wb'))";
    if python(script, &[&bin, &xml]).is_none() {
        let mut d = Dictionary::new();
        d.insert("Ratio".into(), Value::Real(f64::NAN));
        d.insert(
            "List".into(),
            Value::Array(vec![Value::Real(f64::NAN), Value::Real(1.5)]),
        );
        write_binary(&bin, &d);
        write_xml(&xml, &d);
    }
    for (a, b) in [(&bin, &bin), (&xml, &xml), (&bin, &xml)] {
        let d = diff_settings(a, b).unwrap();
        assert!(!d.differs(), "{:?}", d.changes);
    }
}

/// `depth` arrays, each holding the next, as a binary plist (4-byte offsets and references).
fn deep_binary(depth: usize) -> Vec<u8> {
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    for i in 0..depth {
        offsets.push(out.len() as u32);
        if i + 1 == depth {
            out.push(0xA0);
        } else {
            out.push(0xA1);
            out.extend_from_slice(&(i as u32 + 1).to_be_bytes());
        }
    }
    let table_at = out.len() as u64;
    for o in offsets {
        out.extend_from_slice(&o.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 4, 4]);
    out.extend_from_slice(&(depth as u64).to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&table_at.to_be_bytes());
    out
}

#[test]
fn a_plist_nested_100000_levels_is_refused_with_the_limit_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (xml, bin) = (dir.path().join("deep.plist"), dir.path().join("deep.bin"));
    let n = 100_000;
    let mut text = String::from("<plist version=\"1.0\"><dict><key>k</key>");
    text.push_str(&"<array>".repeat(n));
    text.push_str(&"</array>".repeat(n));
    text.push_str("</dict></plist>");
    std::fs::write(&xml, text).unwrap();
    std::fs::write(&bin, deep_binary(n)).unwrap();
    for f in [&xml, &bin] {
        let err = diff_settings(f, f).unwrap_err().to_string();
        assert!(err.contains("512 levels"), "{err}");
        assert!(err.contains("cannot verify"), "{err}");
    }
    // Nesting within the limit is read and compared.
    std::fs::write(&bin, deep_binary(200)).unwrap();
    assert!(!diff_settings(&bin, &bin).unwrap().differs());
}

#[test]
fn openstep_plists_are_read_and_named_openstep() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set.plist"), dir.path().join("live.plist"));
    std::fs::write(
        &live,
        "// written by hand\n{\n  Host = \"am.example.com\";\n  Servers = (dp1, dp2);\n  \
         MDM = { Port = 3971; };\n}\n",
    )
    .unwrap();
    let mut d = Dictionary::new();
    d.insert("Host".into(), "am.example.com".into());
    d.insert(
        "Servers".into(),
        Value::Array(vec!["dp1".into(), "dp2".into()]),
    );
    let mut mdm = Dictionary::new();
    // OpenStep has only strings: the number reads as the string "3971".
    mdm.insert("Port".into(), "3971".into());
    d.insert("MDM".into(), Value::Dictionary(mdm));
    write_xml(&set, &d);
    let diff = diff_settings(&set, &live).unwrap();
    assert_eq!(diff.live_format.as_deref(), Some("openstep"));
    assert!(!diff.differs(), "{:?}", diff.changes);
}

#[test]
fn binary_plists_with_5_to_7_byte_offsets_read_like_plistlib() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("values.xml");
    write_xml(&xml, &base());
    let bin = dir.path().join("values.bin");
    write_binary(&bin, &base());
    let original = std::fs::read(&bin).unwrap();
    for width in [3usize, 5, 6, 7, 8] {
        let wide = dir.path().join(format!("wide{width}.plist"));
        std::fs::write(&wide, widen_offsets(&original, width)).unwrap();
        // plistlib reads the widened file to the same values.
        let script = "import plistlib,sys\n\
                      a=plistlib.load(open(sys.argv[1],'rb'))\n\
                      b=plistlib.load(open(sys.argv[2],'rb'))\n\
                      print(a==b)";
        if let Some(same) = python(script, &[&wide, &xml]) {
            assert_eq!(same.trim(), "True", "plistlib, width {width}");
        }
        let d = diff_settings(&wide, &xml).unwrap();
        assert!(!d.differs(), "width {width}: {:?}", d.changes);
        assert_eq!(d.set_format.as_deref(), Some("binary"));
    }
}

#[test]
fn plist_errors_are_sentences_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("values.bin");
    write_binary(&bin, &base());
    let mut data = std::fs::read(&bin).unwrap();
    let n = data.len();
    data[n - 26] = 9; // no reader accepts 9-byte offsets
    let bad = dir.path().join("odd-offsets.plist");
    std::fs::write(&bad, &data).unwrap();
    let err = diff_settings(&bad, &bad).unwrap_err().to_string();
    assert!(err.contains("odd-offsets.plist"), "{err}");
    assert!(err.contains("object offsets"), "{err}");
    assert!(!err.contains("InvalidTrailer"), "{err}");
}

#[test]
fn mangled_plists_never_panic() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("values.bin");
    write_binary(&bin, &base());
    let wide = widen_offsets(&std::fs::read(&bin).unwrap(), 6);
    let xml = b"<?xml version=\"1.0\"?><!DOCTYPE plist [<!ENTITY a \"x&b;\"><!ENTITY b 'y'>]>\
        <plist><dict><key>k</key><string>&a;<![CDATA[<c>]]></string></dict></plist>"
        .to_vec();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for seed in [wide, xml] {
        for _ in 0..3000 {
            let mut data = seed.clone();
            for _ in 0..rng.random_range(1..6) {
                let i = rng.random_range(0..data.len());
                data[i] = rng.random();
            }
            let _ = drconsole::inventory::plistfile::parse(&data);
        }
    }
}
