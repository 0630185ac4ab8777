//! The documentation under docs/ that can drift from the code is generated from it and checked
//! here: the finding-code table (from `Code::ALL`) and the console's key table (from the keymap).
//! `UPDATE_DOCS=1 cargo test --test docs` rewrites the generated blocks; links are checked too.

use drconsole::findings::Code;
use drconsole::tui::keymap::KEYMAP;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "UPDATE_DOCS=1 cargo test --test docs";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Markdown table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn finding_table() -> String {
    let mut out = String::from("| code | severity | what to do |\n|---|---|---|\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.severity(),
            cell(code.hint())
        ));
    }
    out
}

fn key_table() -> String {
    let mut out = String::from(
        "| key | does | where | changes files | config name |\n|---|---|---|---|---|\n",
    );
    for binding in KEYMAP {
        let keys = binding
            .keys
            .iter()
            .map(|k| format!("`{}`", cell(&drconsole::tui::keymap::key_name(*k))))
            .collect::<Vec<_>>()
            .join(", ");
        let panes = match binding.panes {
            None => "everywhere".to_string(),
            Some(panes) => panes
                .iter()
                .map(|p| p.title())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let dangerous = if binding.journal_only {
            "journal only (hidden with `--read-only`)"
        } else if binding.dangerous {
            "yes (hidden with `--read-only`)"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {keys} | {} | {panes} | {dangerous} | `{}` |\n",
            cell(binding.description),
            drconsole::tui::remap::command_name(binding.command)
        ));
    }
    out
}

/// Replace the block between `<!-- BEGIN GENERATED: NAME ... -->` and
/// `<!-- END GENERATED: NAME -->` in `file` with `content`, or check that it holds it.
fn generated_block(file: &str, name: &str, content: &str) {
    let path = repo().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let begin_tag = format!("<!-- BEGIN GENERATED: {name}");
    let end_tag = format!("<!-- END GENERATED: {name} -->");
    let begin = text
        .find(&begin_tag)
        .unwrap_or_else(|| panic!("{file} lacks the marker `{begin_tag} ... -->`"));
    let body_start = begin
        + text[begin..]
            .find("-->\n")
            .unwrap_or_else(|| panic!("{file}: unterminated `{begin_tag}` marker"))
        + 4;
    let body_end = text[body_start..]
        .find(&end_tag)
        .map(|i| body_start + i)
        .unwrap_or_else(|| panic!("{file} lacks the marker `{end_tag}`"));
    if text[body_start..body_end] == *content {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{content}{}", &text[..body_start], &text[body_end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{file}: {e}"));
        return;
    }
    panic!(
        "{file}: the generated {name} table is out of date; run `{REGENERATE}` and commit the result.\n\
         expected:\n{content}\nfound:\n{}",
        &text[body_start..body_end]
    );
}

#[test]
fn finding_code_table_lists_the_catalogue() {
    generated_block("docs/findings.md", "finding codes", &finding_table());
}

#[test]
fn console_key_table_lists_the_keymap() {
    generated_block("docs/console.md", "keys", &key_table());
}

/// Relative link targets in a Markdown file (`](target)`), without their `#anchor`.
fn relative_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        if !target.contains("://") && !target.starts_with('#') && !target.starts_with("mailto:") {
            let file = target.split('#').next().unwrap_or(target);
            links.push(file.to_string());
        }
        rest = &rest[end..];
    }
    links
}

fn docs_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages
}

fn check_links(file: &Path, broken: &mut Vec<String>) {
    let text = std::fs::read_to_string(file).expect("markdown file");
    let folder = file.parent().expect("a folder");
    for link in relative_links(&text) {
        if !folder.join(&link).exists() {
            broken.push(format!("{}: {link}", file.display()));
        }
    }
}

#[test]
fn links_in_readme_and_docs_lead_to_files() {
    let mut broken = Vec::new();
    check_links(&repo().join("README.md"), &mut broken);
    for page in docs_pages() {
        check_links(&page, &mut broken);
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn readme_links_every_docs_page() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let linked = relative_links(&readme);
    let unlinked: Vec<String> = docs_pages()
        .iter()
        .filter_map(|p| {
            p.file_name()
                .map(|n| format!("docs/{}", n.to_string_lossy()))
        })
        .filter(|page| !linked.iter().any(|l| l == page))
        .collect();
    assert!(
        unlinked.is_empty(),
        "docs pages README.md does not link: {unlinked:?}"
    );
}
