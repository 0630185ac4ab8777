//! Build facts for `drconsole --version` and `doctor`: the git commit the binary was built from
//! (when built in a git checkout) and the target triple.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown-target".into());
    let commit = std::env::var("DRCONSOLE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=DRCONSOLE_COMMIT={commit}");
    println!("cargo:rustc-env=DRCONSOLE_TARGET={target}");
    println!("cargo:rustc-env=DRCONSOLE_VERSION={version} (commit {commit}, {target})");
    println!("cargo:rerun-if-env-changed=DRCONSOLE_COMMIT");
    // Rebuild the facts when HEAD moves: HEAD itself and the branch refs (a worktree keeps its
    // HEAD apart from the shared refs).
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        for path in ["refs/heads", "packed-refs"] {
            let full = std::path::Path::new(&common).join(path);
            if full.exists() {
                println!("cargo:rerun-if-changed={}", full.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
