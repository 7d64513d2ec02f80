#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The code's shape, read from the source as text:
//!
//! - every Lambda crate has the same modules (`lib.rs` with the router and
//!   its state, `config.rs`, `store.rs`, `handlers.rs`, `main.rs`);
//! - in no crate does a module import one that imports it back, directly or
//!   through others (a child's `super::` and a parent's use of its child
//!   count as imports too), whether modules are taken one by one or with
//!   their children folded into them (`request::items` is part of
//!   `request`).
//!
//! Imports are what a module names through `crate::`, `super::` or one of
//! its own child modules, outside `#[cfg(test)]` code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use iac_checks::cycle_from;

const LAMBDA_CRATES: [&str; 3] = ["resume", "visitor-counter", "dynamodbmanager"];
const LAMBDA_MODULES: [&str; 5] = ["lib.rs", "main.rs", "config.rs", "store.rs", "handlers.rs"];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The module path of a file of `src`: `""` for the crate root,
/// `store::salts` for `src/store/salts.rs`. `None` for binaries' roots
/// other than `lib.rs` (they are crates of their own).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [root] if root == "lib" => Some(String::new()),
        [root] if root == "main" => None,
        [first, ..] if first == "bin" => None,
        [.., last] if last == "mod" => Some(parts[..parts.len() - 1].join("::")),
        _ => Some(parts.join("::")),
    }
}

/// The code of a file without its test module (everything from a
/// top-level `#[cfg(test)]` on) and without comments.
fn code(text: &str) -> String {
    let end = text.find("\n#[cfg(test)]").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths named after `prefix::` in `code`: `crate::store::Store` gives
/// `["store", "Store"]`; `crate::{a, b::c}` gives `["a"]` and `["b", "c"]`.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let needle = format!("{prefix}::");
    for (at, _) in code.match_indices(&needle) {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + needle.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            found.extend(inner.split(',').map(|p| segments(p.trim())));
        } else {
            found.push(segments(rest));
        }
    }
    found
}

fn segments(path: &str) -> Vec<String> {
    let end = path
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(path.len());
    path[..end]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The longest known module that `path` (from the crate root) starts with.
fn target(modules: &BTreeSet<String>, path: &[String]) -> String {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
        .unwrap_or_default()
}

fn parent(module: &str) -> String {
    module
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.to_owned())
}

fn join(base: &str, path: &[String]) -> Vec<String> {
    let mut full: Vec<String> = base
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    full.extend(path.iter().cloned());
    full
}

/// Each module of `src` and the modules it imports.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<(String, String)> = rust_files(src)
        .into_iter()
        .filter_map(|f| {
            Some((
                module_of(src, &f)?,
                code(&std::fs::read_to_string(&f).unwrap()),
            ))
        })
        .collect();
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = BTreeMap::new();
    for (module, code) in &files {
        let mut named: Vec<Vec<String>> = paths_after(code, "crate");
        named.extend(
            paths_after(code, "super")
                .iter()
                .map(|p| join(&parent(module), p)),
        );
        for child in modules
            .iter()
            .filter(|m| parent(m) == *module && !m.is_empty())
        {
            let leaf = child.rsplit("::").next().unwrap();
            named.extend(paths_after(code, leaf).iter().map(|p| join(child, p)));
        }
        let targets = named
            .iter()
            .map(|p| target(&modules, p))
            .filter(|t| t != module)
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The graph with every module folded into its top-level module.
fn folded(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &String| m.split("::").next().unwrap_or_default().to_owned();
    let mut folded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, targets) in graph {
        let entry = folded.entry(top(module)).or_default();
        entry.extend(targets.iter().map(top).filter(|t| *t != top(module)));
    }
    folded
}

#[test]
fn every_lambda_crate_has_the_same_modules() {
    for krate in LAMBDA_CRATES {
        let src = crates_dir().join(krate).join("src");
        for module in LAMBDA_MODULES {
            assert!(src.join(module).is_file(), "{krate} has no src/{module}");
        }
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        for needle in ["pub fn router(", "pub fn routes(", "struct AppState"] {
            assert!(lib.contains(needle), "{krate}'s lib.rs has no {needle}");
        }
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(crates_dir()).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let graph = imports(&src);
        for graph in [folded(&graph), graph] {
            for module in graph.keys() {
                if let Some(cycle) = cycle_from(&graph, module) {
                    let shown: Vec<&str> = cycle
                        .iter()
                        .map(|m| if m.is_empty() { "lib" } else { m.as_str() })
                        .collect();
                    cycles.push(format!("{}: {}", src.display(), shown.join(" -> ")));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_reader_sees_imports_and_cycles() {
    // The parser itself, on a crate made up here: a child's `super::` and
    // its parent's use of it make a cycle; `crate::` paths are followed.
    let dir = std::env::temp_dir().join(format!("layout-check-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("store")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod store;\npub mod salt;\npub use store::Store;\n",
    )
    .unwrap();
    std::fs::write(src.join("salt.rs"), "pub struct Salt;\n").unwrap();
    std::fs::write(
        src.join("store.rs"),
        "mod days;\nuse crate::salt::Salt;\npub struct Store;\nfn f() { days::g() }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("store/days.rs"),
        "use super::Store;\npub fn g() {}\n#[cfg(test)]\nuse crate::Store;\n",
    )
    .unwrap();
    let graph = imports(&src);
    assert_eq!(graph[""], BTreeSet::from(["store".to_owned()]));
    assert_eq!(
        graph["store"],
        BTreeSet::from(["salt".to_owned(), "store::days".to_owned()])
    );
    assert_eq!(graph["store::days"], BTreeSet::from(["store".to_owned()]));
    assert!(cycle_from(&graph, "store").is_some());
    assert!(cycle_from(&graph, "salt").is_none());
    // Folded, the child's import of its parent is the module's own.
    let folded = folded(&graph);
    assert_eq!(folded["store"], BTreeSet::from(["salt".to_owned()]));
    assert!(cycle_from(&folded, "store").is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
