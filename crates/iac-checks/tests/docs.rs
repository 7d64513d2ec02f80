#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The docs are tested (issue 29): in `README.md` and every `docs/*.md`,
//! each relative link and `#anchor` resolves, each `make X` is a Makefile
//! target, each CloudFormation parameter named exists in its template, and
//! each parameter default restated is the template's. The checks are
//! `iac_checks::docs`, whose unit tests show each one failing on a broken page.

use std::collections::BTreeMap;

use iac_checks::docs::{self, Entry};
use iac_checks::workspace_root;

/// `README.md` and `docs/*.md`, as (repository path, text).
fn pages() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut pages = vec!["README.md".to_owned()];
    let mut listed: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    listed.sort();
    pages.extend(listed);
    pages
        .into_iter()
        .map(|page| {
            let text = std::fs::read_to_string(root.join(&page)).unwrap();
            (page, text)
        })
        .collect()
}

fn lookup(path: &str) -> Option<Entry> {
    let full = workspace_root().join(path);
    let meta = std::fs::metadata(&full).ok()?;
    Some(if meta.is_dir() {
        Entry::Dir
    } else {
        Entry::File(std::fs::read_to_string(&full).ok())
    })
}

#[test]
fn the_pages_are_there() {
    let pages: Vec<String> = pages().into_iter().map(|(p, _)| p).collect();
    for page in [
        "deploy",
        "pipeline",
        "resume",
        "visitor-counter",
        "dynamodbmanager",
        "operating",
        "security",
        "development",
        "PERFORMANCE",
    ] {
        assert!(
            pages.contains(&format!("docs/{page}.md")),
            "docs/{page}.md: {pages:?}"
        );
    }
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let problems: Vec<String> = pages()
        .iter()
        .flat_map(|(page, text)| docs::link_problems(page, text, &lookup))
        .collect();
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_make_target_named_exists() {
    let makefile = std::fs::read_to_string(workspace_root().join("Makefile")).unwrap();
    let targets = docs::make_targets(&makefile);
    assert!(
        targets.contains("dev") && targets.contains("test"),
        "{targets:?}"
    );
    let problems: Vec<String> = pages()
        .iter()
        .flat_map(|(page, text)| {
            docs::named_make_targets(text)
                .into_iter()
                .filter(|t| !targets.contains(t))
                .map(move |t| format!("{page}: `make {t}` is not a Makefile target"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_parameter_named_exists_with_its_default() {
    let templates: BTreeMap<String, BTreeMap<String, String>> =
        ["template.yaml", "deploy/github-oidc-role.yaml"]
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(workspace_root().join(path)).unwrap();
                let value = serde_norway::from_str(&text).unwrap();
                (path.to_owned(), docs::parameter_defaults(&value))
            })
            .collect();
    assert!(templates["template.yaml"].contains_key("ResumeId"));
    let problems: Vec<String> = pages()
        .iter()
        .flat_map(|(page, text)| {
            docs::parameter_problems(page, &docs::named_parameters(text), &templates)
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The README is the front door (issue 29): at most 250 lines.
#[test]
fn the_readme_is_short() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; move detail to docs/"
    );
}
