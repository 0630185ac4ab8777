//! ePO sync on the demo's failover scenario: order of writes, result, undo, refusals.

use super::*;
use crate::demo::{self, DemoOptions, Scenario};
use crate::dpsync::plan_sync;
use crate::journal::{self, Journal};
use crate::plan::{DiskProbe, StepKind};

struct Fx {
    _tmp: tempfile::TempDir,
    ctx: Context,
}

fn fixture(scenario: Scenario) -> Fx {
    let tmp = tempfile::tempdir().unwrap();
    let profile = crate::profile::load("epo-windows").unwrap();
    let inst = demo::generate(
        &tmp.path().join("root"),
        &profile,
        &DemoOptions {
            scenario,
            ..DemoOptions::default()
        },
    )
    .unwrap();
    let mut ctx = Context::new(profile, &inst.root);
    ctx.state_dir = tmp.path().join("state");
    ctx.clock = crate::Clock::parse_fixed("2026-11-22T08:00:00Z").unwrap();
    Fx { _tmp: tmp, ctx }
}

fn repo(f: &Fx, name: &str) -> PathBuf {
    f.ctx.root.join("mnt/epo-repositories").join(name)
}

use crate::dpsync::tests::snapshot;

fn verified(f: &Fx, name: &str) -> RepoReport {
    let root = Root::open(&repo(f, name)).unwrap();
    verify::verify(
        &root,
        &|_: &Path, _: &crate::inventory::RepositoryVerification| {},
    )
}

fn run(f: &Fx, mut plan: crate::plan::Plan) {
    let lock = journal::prepare(&f.ctx, &mut plan, false).unwrap().unwrap();
    assert!(plan.ready(), "{plan}");
    journal::execute(&f.ctx, &lock, &plan, &|_| {}).unwrap();
}

const STALE: [&str; 3] = ["Repo-Sydney", "Repo-Tokyo", "Repo-Paris"];

fn names() -> Vec<String> {
    STALE.iter().map(|s| s.to_string()).collect()
}

#[test]
fn writes_come_in_replication_order_per_repository() {
    let f = fixture(Scenario::DpFailover);
    let sync = request(&f.ctx, &names(), None, false, &()).unwrap();
    assert_eq!(sync.request.source.name, "Repo-London");
    let (plan, preview) = plan_sync(&f.ctx.root, &sync.request, &()).unwrap();
    for t in &preview.targets {
        let steps = &plan.steps[t.steps.0..t.steps.1];
        let name = |i: usize| {
            steps[i]
                .target
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(name(0), SITESTAT, "{plan}");
        assert!(matches!(steps[0].kind, StepKind::WriteFile { .. }));
        assert_eq!(name(steps.len() - 1), SITESTAT);
        let logs: Vec<usize> = (0..steps.len())
            .filter(|&i| name(i) == REPLICA_LOG)
            .collect();
        let catalog = (0..steps.len()).rfind(|&i| name(i) == CATALOG);
        let content: Vec<usize> = (1..steps.len() - 1)
            .filter(|&i| name(i) != REPLICA_LOG && name(i) != CATALOG)
            .collect();
        assert!(!content.is_empty(), "{}: {plan}", t.name);
        assert!(
            content.iter().all(|&c| logs.iter().all(|&l| c < l)),
            "{plan}"
        );
        if t.name == "Repo-Paris" {
            // Bit rot only: its replica.logs and catalog.z already equal the source's.
            assert!(logs.is_empty() && catalog.is_none(), "{plan}");
        } else {
            let catalog = catalog.unwrap();
            assert!(!logs.is_empty(), "{}: {plan}", t.name);
            assert!(logs.iter().all(|&l| l < catalog), "{plan}");
            assert_eq!(catalog, steps.len() - 2, "{plan}");
        }
    }
    let v: Vec<(&str, Option<&str>)> = sync
        .versions
        .iter()
        .map(|v| (v.name.as_str(), v.from.as_deref()))
        .collect();
    assert_eq!(
        v,
        [
            ("Repo-Sydney", Some(demo::epo::OLD_VERSION)),
            ("Repo-Tokyo", Some(demo::epo::OLD_VERSION)),
            ("Repo-Paris", Some(demo::epo::NEW_VERSION)),
        ]
    );
}

#[test]
fn sync_brings_every_repository_up_to_the_source_and_undo_restores_them_byte_identical() {
    let f = fixture(Scenario::DpFailover);
    let before: Vec<_> = STALE.iter().map(|n| snapshot(&repo(&f, n))).collect();
    let sync = request(&f.ctx, &names(), None, false, &()).unwrap();
    let (plan, preview) = plan_sync(&f.ctx.root, &sync.request, &()).unwrap();
    // Bit rot in one file: only that file is copied (plus the closing SiteStat.xml writes).
    let paris = preview
        .targets
        .iter()
        .find(|t| t.name == "Repo-Paris")
        .unwrap();
    assert_eq!(paris.copy, 1, "{plan}");
    run(&f, plan);
    let london = verified(&f, "Repo-London");
    for n in STALE {
        let r = verified(&f, n);
        assert!(r.verifies(), "{n}: {:?} {:?}", r.samples, r.problems);
        assert_eq!(r.fingerprint, london.fingerprint, "{n}");
        let s = r.sitestat.unwrap().unwrap();
        assert_eq!(
            (s.status, s.catalog_version.as_str()),
            (Status::Enabled, demo::epo::NEW_VERSION)
        );
        // Nothing stashed inside the repository.
        assert!(!repo(&f, n).join(".drconsole-stash").exists());
    }
    // A second request finds nothing to do.
    let again = request(&f.ctx, &names(), None, false, &()).unwrap();
    assert_eq!(again.up_to_date, names());
    assert!(again.request.targets.is_empty());

    let j = Journal::of(&f.ctx);
    let tx = journal::default_undo_target(&j).unwrap();
    let plan = journal::build_undo_plan(&j, &tx, &f.ctx.root, false, &DiskProbe).unwrap();
    run(&f, plan);
    for (n, b) in STALE.iter().zip(before) {
        assert_eq!(snapshot(&repo(&f, n)), b, "{n}");
    }
}

#[test]
fn a_source_that_does_not_verify_is_refused_naming_the_bad_file() {
    let f = fixture(Scenario::DpFailover);
    let err = request(
        &f.ctx,
        &["Repo-Sydney".into()],
        Some("Repo-Paris"),
        false,
        &(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, EpoSyncError::SourceUnverified { .. }),
        "{text}"
    );
    assert!(text.contains("setupEP.exe"), "{text}");
    let err = request(
        &f.ctx,
        &["Repo-Sydney".into()],
        Some("Repo-Tokyo"),
        false,
        &(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Disabled"), "{err}");
}

#[test]
fn a_folder_source_and_unknown_or_unreachable_targets() {
    let f = fixture(Scenario::DpFailover);
    let dir = repo(&f, "Repo-London").display().to_string();
    let ok = request(&f.ctx, &["Repo-Sydney".into()], Some(&dir), false, &()).unwrap();
    assert_eq!(ok.request.targets.len(), 1);
    let err = request(&f.ctx, &["Nowhere".into()], None, false, &()).unwrap_err();
    assert!(matches!(err, EpoSyncError::Unknown { .. }), "{err}");
    let err = request(&f.ctx, &["Repo-Denver".into()], None, false, &()).unwrap_err();
    assert!(matches!(err, EpoSyncError::Target { .. }), "{err}");
    let err = request(&f.ctx, &["Repo-London".into()], None, false, &()).unwrap_err();
    assert!(matches!(err, EpoSyncError::TargetIsSource(_)), "{err}");
}

#[test]
fn healthy_repositories_are_up_to_date_and_full_still_plans_them() {
    let f = fixture(Scenario::Healthy);
    let sync = request(&f.ctx, &["Repo-Paris".into()], None, false, &()).unwrap();
    assert_eq!(sync.request.source.name, "master");
    assert_eq!(sync.up_to_date, ["Repo-Paris"]);
    let full = request(&f.ctx, &["Repo-Paris".into()], None, true, &()).unwrap();
    assert_eq!(full.request.targets.len(), 1);
    let (plan, preview) = plan_sync(&f.ctx.root, &full.request, &()).unwrap();
    // Identical content: nothing copied, but every replica.log, catalog.z and SiteStat.xml written.
    assert_eq!(preview.targets[0].copy, 0, "{plan}");
    run(&f, plan);
    assert!(verified(&f, "Repo-Paris").verifies());
}

#[test]
fn targets_verified_while_choosing_the_source_are_not_verified_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("A"), tmp.path().join("B"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let target = |name: &str, dir: &Path| Target {
        name: name.into(),
        origin: "--repo",
        address: dir.display().to_string(),
        place: Place::Given(dir.to_path_buf()),
    };
    let quiet = |_: crate::inventory::Progress| {};
    let done = repositories::verify_all(vec![target("A", &a)], &quiet);
    // A changes after its verification: a fresh one would count the new folder.
    std::fs::create_dir(a.join("new")).unwrap();
    let folders = |c: &Checked| c.report.as_ref().unwrap().counts.folders;
    let got = reuse_or_verify(vec![target("B", &b), target("A", &a)], done, &quiet);
    let names: Vec<&str> = got.iter().map(|c| c.target.name.as_str()).collect();
    assert_eq!(names, ["B", "A"], "the wanted order is kept");
    assert_eq!(folders(&got[1]), 1, "A's report is the one already made");
    // The same name at another folder is another repository: verified afresh.
    let done = repositories::verify_all(vec![target("A", &b)], &quiet);
    let got = reuse_or_verify(vec![target("A", &a)], done, &quiet);
    assert_eq!(folders(&got[0]), 2);
}
