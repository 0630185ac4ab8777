//! McAfee ePO support end to end on generated installations: the `epo-windows` profile's
//! `check` (repository verification, keystore, findings), `--repo`, bad repository files,
//! `inspect`, and `dp sync` (its result, undo, and a crash at any point of it).

mod common;

use common::{Demo, codes, drconsole, with_code};
use drconsole::demo::Scenario;
use drconsole::demo::epo::{NEW_VERSION, OLD_VERSION};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

fn epo(scenario: Scenario) -> Demo {
    Demo::with_profile(scenario, "epo-windows")
}

fn repos(d: &Demo) -> PathBuf {
    d.root().join("mnt/epo-repositories")
}

fn install(d: &Demo) -> PathBuf {
    d.root()
        .join("Program Files (x86)/McAfee/ePolicy Orchestrator")
}

fn check(d: &Demo, extra: &[&str]) -> (i32, Value) {
    let mut a = vec!["--profile", "epo-windows"];
    a.extend_from_slice(extra);
    d.check_json(&a)
}

fn point<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["distribution_points"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no point {name} in {json}"))
}

fn messages(json: &Value, code: &str) -> String {
    with_code(json, code)
        .iter()
        .map(|f| format!("{} {}", f["component"], f["message"]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_healthy_epo_installation_raises_nothing_and_lists_every_repository() {
    let d = epo(Scenario::Healthy);
    let (code, json) = check(&d, &[]);
    assert_eq!(codes(&json), Vec::<String>::new(), "{json:#}");
    assert_eq!(code, 0);
    let pts = json["distribution_points"].as_array().unwrap();
    assert_eq!(pts.len(), 6);
    for p in pts {
        let r = &p["repository"];
        assert_eq!(r["status"], "Enabled", "{p:#}");
        assert_eq!(r["catalog_version"], NEW_VERSION);
        assert_eq!(r["catalog"], "ok");
        assert_eq!(r["verified"], true);
        let v = &r["verification"];
        assert_eq!(v["files_listed"], v["files_verified"], "{p:#}");
        assert!(v["files_listed"].as_u64().unwrap() > 10);
        assert_eq!(v["missing"], 0);
    }
    assert_eq!(point(&json, "master")["repository"]["role"], "master");
    assert_eq!(
        point(&json, "master")["repository"]["recommended_source"],
        true
    );
}

#[test]
fn the_master_died_scenario_gives_the_seed_findings_and_recommends_the_fresh_repository() {
    let d = epo(Scenario::DpFailover);
    let (code, json) = check(&d, &[]);
    assert_eq!(code, 2, "{json:#}");
    let c = codes(&json);
    for want in [
        "EPO_KEYS_MISSING",
        "DP_NO_MASTER",
        "DP_STALE",
        "DP_DISABLED",
        "DP_HASH_MISMATCH",
        "DP_CATALOG_DAMAGED",
        "DP_UNREACHABLE",
    ] {
        assert!(c.iter().any(|x| x == want), "{want} missing from {c:?}");
    }
    assert_eq!(
        with_code(&json, "EPO_KEYS_MISSING")[0]["severity"],
        "critical"
    );
    assert!(
        messages(&json, "DP_NO_MASTER").contains("Repo-London"),
        "{json:#}"
    );
    let stale: Vec<&str> = with_code(&json, "DP_STALE")
        .iter()
        .filter_map(|f| f["component"].as_str())
        .collect();
    assert_eq!(stale, ["dp:Repo-Sydney", "dp:Repo-Tokyo"]);
    assert!(messages(&json, "DP_DISABLED").contains("dp:Repo-Tokyo"));
    let hash = messages(&json, "DP_HASH_MISMATCH");
    assert!(
        hash.contains("setupEP.exe") && hash.contains("dp:Repo-Paris"),
        "{hash}"
    );
    assert!(messages(&json, "DP_UNREACHABLE").contains("dp:Repo-Denver"));
    assert!(messages(&json, "DP_CATALOG_DAMAGED").contains("dp:Repo-Tokyo"));
    let london = &point(&json, "Repo-London")["repository"];
    assert_eq!(london["recommended_source"], true);
    assert_eq!(
        point(&json, "Repo-Sydney")["repository"]["catalog_version"],
        OLD_VERSION
    );
    // Nothing about the healthy fresh repository.
    let about_london = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["component"] == "dp:Repo-London")
        .count();
    assert_eq!(about_london, 0, "{json:#}");
}

#[test]
fn a_repo_option_is_verified_and_a_missing_folder_is_unreachable_not_a_usage_error() {
    let d = epo(Scenario::Healthy);
    let (code, json) = check(
        &d,
        &[
            "--repo",
            "Extra=mnt/epo-repositories/Repo-Paris",
            "--repo",
            "Gone=/nonexistent/epo-share",
        ],
    );
    assert_eq!(point(&json, "Extra")["repository"]["verified"], true);
    assert_eq!(point(&json, "Extra")["repository"]["origin"], "--repo");
    assert_eq!(codes(&json), ["DP_UNREACHABLE"], "{json:#}");
    assert!(messages(&json, "DP_UNREACHABLE").contains("dp:Gone"));
    assert_eq!(code, 2);
    let out = d.run(&["--profile", "epo-windows", "--repo", "a/b=/tmp", "check"]);
    assert_eq!(out.status.code(), Some(64));
    let out = d.run(&["--profile", "epo-windows", "--repo", "nodir", "check"]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn missing_or_truncated_content_and_an_older_catalog_are_found_against_the_master() {
    let d = epo(Scenario::Healthy);
    let paris = repos(&d).join("Repo-Paris");
    std::fs::remove_file(paris.join("Current/EPOAGENT3000/Install/0409/FramePkg.exe")).unwrap();
    let dat = paris.join("Current/VSCANDAT1000/DAT/0000/avvnames.dat");
    let bytes = std::fs::read(&dat).unwrap();
    std::fs::write(&dat, &bytes[..bytes.len() - 100]).unwrap();
    std::fs::write(paris.join("unlisted.txt"), b"x").unwrap();
    let sydney = repos(&d).join("Repo-Sydney/SiteStat.xml");
    std::fs::write(
        &sydney,
        format!("<SiteStatus Status=\"Enabled\" CatalogVersion=\"{OLD_VERSION}\"></SiteStatus>"),
    )
    .unwrap();
    let (_, json) = check(&d, &[]);
    let hash = messages(&json, "DP_HASH_MISMATCH");
    assert!(
        hash.contains("missing: Current/EPOAGENT3000/Install/0409/FramePkg.exe"),
        "{hash}"
    );
    assert!(
        hash.contains("truncated: Current/VSCANDAT1000/DAT/0000/avvnames.dat"),
        "{hash}"
    );
    let v = &point(&json, "Repo-Paris")["repository"]["verification"];
    assert_eq!(
        (
            v["missing"].as_u64(),
            v["truncated"].as_u64(),
            v["unlisted"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let stale = messages(&json, "DP_STALE");
    assert!(
        stale.contains("dp:Repo-Sydney") && stale.contains("master"),
        "{stale}"
    );
}

#[test]
fn bad_repository_files_are_findings_naming_file_and_line_and_nothing_outside_is_used() {
    let d = epo(Scenario::Healthy);
    let tokyo = repos(&d).join("Repo-Tokyo");
    let folder = tokyo.join("Current/EPOAGENT3000/Install/0409");
    std::fs::write(
        folder.join("replica.log"),
        b"[General]\r\nNumItems=2\r\n[ITEM_1]\r\nName=FramePkg.exe\r\nType=File\r\nSize=banana\r\n[ITEM_2]\r\ngarbage line\r\n",
    )
    .unwrap();
    std::fs::write(
        tokyo.join("SiteStat.xml"),
        b"<?xml version=\"1.0\"?>\n<SiteStatus Status=\"Enabled\"\n",
    )
    .unwrap();
    // A listing whose name climbs out, pointing at a real file outside with its true hashes.
    let outside = d.root().join("outside.bin");
    std::fs::write(&outside, b"secret").unwrap();
    let h = drconsole::epo::verify::hash_reader(&b"secret"[..]).unwrap();
    let paris = repos(&d).join("Repo-Paris/Current");
    std::fs::write(
        paris.join("replica.log"),
        format!(
            "[General]\r\nNumItems=3\r\n[ITEM_1]\r\nName=EPOAGENT3000\r\nType=Directory\r\n[ITEM_2]\r\nName=ENDP_AM_1070\r\nType=Directory\r\n[ITEM_3]\r\nName=..\\..\\..\\..\\outside.bin\r\nType=File\r\nSize=6\r\nHash={}\r\nHash256={}\r\n",
            h.sha1, h.sha256
        ),
    )
    .unwrap();
    let (code, json) = check(&d, &[]);
    assert_eq!(code, 2);
    let meta = messages(&json, "DP_METADATA_INVALID");
    assert!(
        meta.contains("SiteStat.xml line 2") || meta.contains("SiteStat.xml line 3"),
        "{meta}"
    );
    let tokyo_meta = with_code(&json, "DP_METADATA_INVALID")
        .into_iter()
        .find(|f| f["component"] == "dp:Repo-Tokyo")
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        tokyo_meta.contains("line 6") || meta.contains("Install/0409/replica.log line 6"),
        "{meta}"
    );
    let unsafe_ = messages(&json, "DP_PATH_UNSAFE");
    assert!(unsafe_.contains("Current/replica.log line 10"), "{unsafe_}");
    let v = &point(&json, "Repo-Paris")["repository"]["verification"];
    let healthy = &point(&json, "Repo-London")["repository"]["verification"];
    // The escaping entry was neither hashed nor counted as verified.
    assert_eq!(v["files_verified"], healthy["files_verified"], "{v:#}");
    assert_eq!(v["bytes_hashed"], healthy["bytes_hashed"]);
}

#[test]
fn the_keystore_needs_both_key_pairs_as_zip_archives() {
    let d = epo(Scenario::Healthy);
    let ks = install(&d).join("DB/Keystore");
    std::fs::remove_file(ks.join("sm2048EPO01.zip")).unwrap();
    let (_, json) = check(&d, &[]);
    assert_eq!(codes(&json), ["EPO_KEYS_MISSING"]);
    let m = messages(&json, "EPO_KEYS_MISSING");
    assert!(
        m.contains("sm2048*.zip") && !m.contains("lacks sm*.zip"),
        "{m}"
    );
    std::fs::write(ks.join("sm2048EPO01.zip"), b"not a zip").unwrap();
    let (_, json) = check(&d, &[]);
    assert!(
        messages(&json, "EPO_KEYS_MISSING").contains("not a zip"),
        "{json:#}"
    );
}

#[test]
fn inspect_recognises_epo_repository_files() {
    let d = epo(Scenario::DpFailover);
    let r = repos(&d);
    let out = drconsole(&[
        "inspect".to_string(),
        "--json".into(),
        r.join("Repo-London/catalog.z").display().to_string(),
        r.join("Repo-Tokyo/catalog.z").display().to_string(),
        r.join("Repo-London/Current/replica.log")
            .display()
            .to_string(),
        r.join("Repo-Tokyo/SiteStat.xml").display().to_string(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = json["files"].as_array().unwrap();
    let kv: Vec<(&str, &str)> = f
        .iter()
        .map(|x| (x["kind"].as_str().unwrap(), x["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kv,
        [
            ("epo_catalog", "complete"),
            ("epo_catalog", "damaged"),
            ("epo_replica_log", "readable"),
            ("epo_site_stat", "readable"),
        ]
    );
    assert!(f[3]["details"][0].as_str().unwrap().contains("Disabled"));
    assert_eq!(out.status.code(), Some(2));
}

// ---- dp sync ----

const TARGETS: [&str; 3] = ["Repo-Sydney", "Repo-Tokyo", "Repo-Paris"];

type Snap = Vec<(PathBuf, Vec<u8>, u32)>;

fn snapshot(dir: &Path) -> Snap {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(dir).unwrap().to_path_buf();
        if m.is_dir() {
            out.push((rel, Vec::new(), m.permissions().mode() & 0o7777));
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            out.push((
                rel,
                std::fs::read(&p).unwrap(),
                m.permissions().mode() & 0o7777,
            ));
        }
    }
    out.sort();
    out
}

fn targets(d: &Demo) -> Vec<Snap> {
    TARGETS
        .iter()
        .map(|n| snapshot(&repos(d).join(n)))
        .collect()
}

fn sync_args() -> Vec<&'static str> {
    let mut a = vec!["--profile", "epo-windows", "dp", "sync"];
    a.extend(TARGETS);
    a.push("--yes");
    a
}

#[test]
fn dp_sync_brings_stale_repositories_up_to_the_recommended_source_and_undo_restores_them() {
    let d = epo(Scenario::DpFailover);
    let before = targets(&d);
    let dry = d.run(&[&sync_args()[..4], &TARGETS, &["--dry-run"]].concat());
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains(&format!(
            "Repo-Sydney: catalog version {OLD_VERSION} -> {NEW_VERSION}"
        )),
        "{text}"
    );
    assert_eq!(targets(&d), before, "a dry run changed nothing");
    let out = d.run(&sync_args());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, json) = check(&d, &[]);
    for n in TARGETS {
        let r = &point(&json, n)["repository"];
        assert_eq!(r["verified"], true, "{n}: {json:#}");
        assert_eq!(r["catalog_version"], NEW_VERSION);
        assert_eq!(r["status"], "Enabled");
    }
    let undo = d.run(&["--profile", "epo-windows", "undo", "--yes"]);
    assert_eq!(
        undo.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undo.stderr)
    );
    assert_eq!(targets(&d), before);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        let dst = to.join(e.file_name());
        if m.is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
        std::fs::set_permissions(&dst, m.permissions()).unwrap();
    }
}

fn reset(d: &Demo, template: &Path) {
    let r = repos(d);
    std::fs::remove_dir_all(&r).unwrap();
    copy_tree(&template.join("repos"), &r);
    let _ = std::fs::remove_dir_all(&d.state);
}

/// Clients skip the repository: SiteStat.xml says Disabled, or is absent for the instant
/// between the old one moving into the stash and the new one being renamed into place.
fn skipped_by_clients(dir: &Path) -> bool {
    match std::fs::read(dir.join("SiteStat.xml")) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        Ok(b) => drconsole::epo::sitestat::parse(&b)
            .is_ok_and(|s| s.status == drconsole::epo::sitestat::Status::Disabled),
    }
}

#[test]
fn a_dp_sync_killed_at_any_point_leaves_each_repository_whole_or_disabled_and_recovery_rolls_back()
{
    let d = epo(Scenario::DpFailover);
    let template = d.dir.path().join("template");
    copy_tree(&repos(&d), &template.join("repos"));
    let before = targets(&d);
    // Tokyo starts Disabled (a replication died there); the others start Enabled.
    let out = d.run(&sync_args());
    assert_eq!(out.status.code(), Some(0));
    let after = targets(&d);
    let mut killed = 0;
    let mut n = 1u64;
    loop {
        reset(&d, &template);
        let mut args = d.args();
        args.extend(sync_args().iter().map(|s| s.to_string()));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_drconsole"))
            .args(&args)
            .env("DRCONSOLE_CRASH_AFTER", n.to_string())
            .output()
            .unwrap();
        if o.status.signal() != Some(9) {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(targets(&d), after);
            break;
        }
        killed += 1;
        // Before recovery: each repository is as before, as after, or skipped by clients.
        for (i, name) in TARGETS.iter().enumerate() {
            let dir = repos(&d).join(name);
            // A temporary file beside a target (never listed in a replica.log, so clients and
            // replication ignore it) is removed by recovery; it is not content.
            let now: Snap = snapshot(&dir)
                .into_iter()
                .filter(|(p, _, _)| {
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !(n.starts_with('.') && n.contains(".drconsole-") && n.ends_with(".tmp"))
                })
                .collect();
            assert!(
                now == before[i] || now == after[i] || skipped_by_clients(&dir),
                "{name} is Enabled with mixed content after a kill at point {n}"
            );
        }
        // The next start rolls the transaction back.
        let o = d.run(&["--profile", "epo-windows", "journal"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            targets(&d),
            before,
            "not rolled back after a kill at point {n}"
        );
        // Every 7th point (a prime, so the kills fall on every kind of durability point; a
        // batched sync has fewer points than one fsync-per-step, so 13 left too few kills).
        n += 7;
    }
    assert!(killed > 15, "only {killed} kills");
}

#[test]
fn a_refused_sync_names_a_hostile_source_listing_escaped() {
    let d = epo(Scenario::Healthy);
    let paris = repos(&d).join("Repo-Paris/Current");
    std::fs::write(
        paris.join("replica.log"),
        "[General]\r\nNumItems=3\r\n[ITEM_1]\r\nName=EPOAGENT3000\r\nType=Directory\r\n[ITEM_2]\r\nName=ENDP_AM_1070\r\nType=Directory\r\n[ITEM_3]\r\nName=..\\\x1b[2Jevil.bin\r\nType=File\r\nSize=6\r\nHash=\r\nHash256=\r\n",
    )
    .unwrap();
    let out = d.run(&[
        "--profile",
        "epo-windows",
        "dp",
        "sync",
        "Repo-Tokyo",
        "--from",
        "Repo-Paris",
        "--dry-run",
    ]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "an unverified source is refused"
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains('\x1b'),
        "raw escape reached the terminal: {all:?}"
    );
    assert!(all.contains("\\x1b[2Jevil.bin"), "{all}");
}
