//! Checks of the Markdown docs (`README.md`, `docs/*.md`) against the
//! repository, for `tests/docs.rs`: relative links and `#anchors` resolve,
//! every `make X` is a Makefile target, every CloudFormation parameter they
//! name exists, and every parameter default they restate is the template's.
//! Pure functions over text; the unit tests below feed them broken pages.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_norway::Value;

/// A regex from a pattern written in this module: a bad one is this module's
/// bug, which its unit tests meet first, so it panics instead of returning
/// an error every caller would have to carry.
#[allow(clippy::expect_used)]
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern in iac_checks::docs")
}

/// What a repository path is, for link checks: a directory, or a file with
/// its text (`None` for a file that is not UTF-8 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A directory.
    Dir,
    /// A file, with its text when it is UTF-8.
    File(Option<String>),
}

/// A page split into what Markdown renders as prose and what it renders as
/// code: fenced blocks, and inline code spans (backticks, within a paragraph).
#[derive(Debug, Default)]
pub struct Parts {
    /// Prose lines with the fenced blocks blanked, as `(line number, text)`.
    pub prose: Vec<(usize, String)>,
    /// Each fenced block's text and each inline code span's text.
    pub code: Vec<String>,
    /// Headings (`#` to `######` outside fences), their text as written.
    pub headings: Vec<String>,
}

/// Splits a Markdown page into prose, code and headings.
pub fn parts(text: &str) -> Parts {
    let mut parts = Parts::default();
    let mut fence: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            match fence.take() {
                Some(block) => parts.code.push(block),
                None => fence = Some(String::new()),
            }
            parts.prose.push((n + 1, String::new()));
            continue;
        }
        if let Some(block) = fence.as_mut() {
            block.push_str(line);
            block.push('\n');
            parts.prose.push((n + 1, String::new()));
            continue;
        }
        if let Some(heading) = heading_text(line) {
            parts.headings.push(heading.to_owned());
        }
        parts.prose.push((n + 1, line.to_owned()));
    }
    // Inline code spans never cross a blank line (a paragraph's end).
    let prose: Vec<&str> = parts.prose.iter().map(|(_, l)| l.as_str()).collect();
    for paragraph in prose.join("\n").split("\n\n") {
        let pieces: Vec<&str> = paragraph.split('`').collect();
        // An unmatched last backtick opens no span.
        let spans = if pieces.len() % 2 == 0 {
            pieces.len() - 1
        } else {
            pieces.len()
        };
        parts.code.extend(
            pieces[..spans]
                .iter()
                .skip(1)
                .step_by(2)
                .filter(|s| !s.is_empty())
                .map(|s| s.replace('\n', " ")),
        );
    }
    parts
}

/// The text of an ATX heading line (`## Deploy` gives `Deploy`), if it is one.
fn heading_text(line: &str) -> Option<&str> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let rest = &line[hashes..];
    ((1..=6).contains(&hashes) && rest.starts_with(' '))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// GitHub's anchor for a heading: the rendered text in lower case, with
/// everything but letters, digits, `-`, `_` and spaces dropped, and each
/// space a `-` (`Spend caps (free)` gives `spend-caps-free`).
pub fn slug(heading: &str) -> String {
    static LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]*)\]\([^)]*\)"));
    let rendered = LINK.replace_all(heading, "$1");
    rendered
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings; a repeated one gets `-1`, `-2`, ...
pub fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for heading in parts(text).headings {
        let base = slug(&heading);
        let count = seen.entry(base.clone()).or_insert(0);
        anchors.insert(match *count {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        });
        *count += 1;
    }
    anchors
}

/// The relative link targets in a page's prose, as `(line, target)`:
/// `[text](target)` outside code, without web (`scheme:`) addresses.
pub fn relative_links(text: &str) -> Vec<(usize, String)> {
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| re(r#"\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#));
    static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"`[^`]*`"));
    let mut links = Vec::new();
    for (n, line) in parts(text).prose {
        let line = CODE.replace_all(&line, "``");
        for target in LINK.captures_iter(&line).map(|c| c[1].to_owned()) {
            let scheme = target.split_once(':').map(|(s, _)| s);
            if !scheme.is_some_and(|s| s.chars().all(|c| c.is_ascii_alphanumeric())) {
                links.push((n, target));
            }
        }
    }
    links
}

/// `base_dir` joined with a relative `target`, `.` and `..` resolved, or
/// `None` when it climbs out of the repository.
pub fn resolve(base_dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Every relative link of `page` (a repository path such as
/// `docs/deploy.md`) that does not resolve: the path is missing from the
/// repository (`lookup` gives `None`), or its `#anchor` is not a heading of
/// the Markdown file it names. One message per broken link.
pub fn link_problems(
    page: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<Entry>,
) -> Vec<String> {
    let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
    let mut problems = Vec::new();
    for (line, target) in relative_links(text) {
        let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
        let (file, entry) = if path.is_empty() {
            (page.to_owned(), Some(Entry::File(Some(text.to_owned()))))
        } else {
            match resolve(dir, path) {
                Some(file) => {
                    let entry = lookup(&file);
                    (file, entry)
                }
                None => (path.to_owned(), None),
            }
        };
        let problem = match (&entry, anchor) {
            (None, _) => Some(format!("{file} does not exist")),
            (Some(_), "") => None,
            (Some(Entry::File(Some(md))), anchor) if file.ends_with(".md") => (!anchors(md)
                .contains(anchor))
            .then(|| format!("{file} has no heading whose anchor is #{anchor}")),
            (Some(_), _) => Some(format!(
                "#{anchor} points into {file}, which is not a Markdown page"
            )),
        };
        if let Some(problem) = problem {
            problems.push(format!("{page}:{line}: ({target}): {problem}"));
        }
    }
    problems
}

/// The targets a Makefile defines (`name:` or `a b: deps` at the start of a
/// line; variable assignments such as `X := 1` and `.PHONY` are not targets).
pub fn make_targets(makefile: &str) -> BTreeSet<String> {
    static RULE: LazyLock<Regex> =
        LazyLock::new(|| re(r"^([A-Za-z0-9_][A-Za-z0-9_. -]*?)\s*:(?:[^=]|$)"));
    makefile
        .lines()
        .filter_map(|line| RULE.captures(line))
        .flat_map(|c| {
            c[1].split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `make` targets named in a page's code (fenced blocks and inline code
/// spans): `make dev`, `CONFIG_ENV=prod make site`, and each further word of
/// `make actionlint deploy-role-check`, up to the first that is not a target
/// name (`ARCH=arm64`, `&&`, `(`, a box-drawing line).
pub fn named_make_targets(text: &str) -> BTreeSet<String> {
    static MAKE: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?:^|[\s;&|(])make((?:[ \t]+[a-z][a-z0-9-]*)+)"));
    parts(text)
        .code
        .iter()
        .flat_map(|code| {
            MAKE.captures_iter(code)
                .flat_map(|c| {
                    c[1].split_whitespace()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A template's parameters and their defaults (`""` when it has none), as
/// text: numbers and booleans as YAML writes them.
pub fn parameter_defaults(template: &Value) -> BTreeMap<String, String> {
    let Some(parameters) = template.get("Parameters").and_then(Value::as_mapping) else {
        return BTreeMap::new();
    };
    parameters
        .iter()
        .filter_map(|(name, spec)| {
            let default = match spec.get("Default") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => String::new(),
            };
            Some((name.as_str()?.to_owned(), default))
        })
        .collect()
}

/// How a page names CloudFormation parameters, each rule precise enough to
/// hold: the parameters each names, with the template file they belong to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NamedParameters {
    /// `Name=value` after `--parameter-overrides` or in `parameter_overrides
    /// = "..."`, keyed by the template the command deploys (its
    /// `--template-file`, else `template.yaml`).
    pub overrides: BTreeMap<String, BTreeSet<String>>,
    /// A lone `Name=value` code span (CamelCase name): a parameter of one of
    /// the repository's templates.
    pub assignments: BTreeSet<String>,
    /// `parameter \`Name\`` and the guided deploy's `Parameter Name [default]`
    /// prompts: parameters of `template.yaml`, with the default the page
    /// restates (`Parameter X [d]`, or `` `X` (d) ``) where it restates one.
    pub app: BTreeMap<String, Option<String>>,
}

/// The CloudFormation parameters a page names (see [`NamedParameters`]).
pub fn named_parameters(text: &str) -> NamedParameters {
    static OVERRIDES: LazyLock<Regex> =
        LazyLock::new(|| re(r#"(?:--parameter-overrides|parameter_overrides\s*=)\s*"?(.*)"#));
    static TEMPLATE_FILE: LazyLock<Regex> = LazyLock::new(|| re(r"--template-file\s+(\S+)"));
    static ASSIGNED: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z][A-Za-z0-9]*)="));
    static LONE: LazyLock<Regex> = LazyLock::new(|| re(r"^([A-Z][a-z][A-Za-z0-9]*)=\S*$"));
    static PROMPT: LazyLock<Regex> =
        LazyLock::new(|| re(r"^Parameter ([A-Za-z0-9]+) \[([^\]]*)\]$"));
    let mut named = NamedParameters::default();
    let parts = parts(text);
    for code in &parts.code {
        // A shell command continues over `\` line ends.
        let joined = code.replace("\\\n", " ");
        for command in joined.lines() {
            let Some(overrides) = OVERRIDES.captures(command) else {
                continue;
            };
            let template = TEMPLATE_FILE
                .captures(command)
                .map_or("template.yaml".to_owned(), |c| c[1].to_owned());
            let names = ASSIGNED
                .captures_iter(&overrides[1])
                .map(|c| c[1].to_owned());
            named.overrides.entry(template).or_default().extend(names);
        }
        if let Some(lone) = LONE.captures(code.trim()) {
            named.assignments.insert(lone[1].to_owned());
        }
        if let Some(prompt) = PROMPT.captures(code.trim()) {
            named
                .app
                .insert(prompt[1].to_owned(), Some(prompt[2].to_owned()));
        }
    }
    named.app.extend(prose_parameters(&parts));
    named
}

/// `parameter(s) \`Name\`` and `` `Name` (default) `` in prose.
fn prose_parameters(parts: &Parts) -> BTreeMap<String, Option<String>> {
    static AFTER_WORD: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i:parameters?)\s+`([A-Z][A-Za-z0-9]*)[`=]"));
    static WITH_DEFAULT: LazyLock<Regex> =
        LazyLock::new(|| re(r"`([A-Z][a-z][A-Za-z0-9]*)` \(([0-9][0-9,]*)\)"));
    let prose: Vec<&str> = parts.prose.iter().map(|(_, l)| l.as_str()).collect();
    let prose = prose.join("\n");
    let mut app = BTreeMap::new();
    for c in AFTER_WORD.captures_iter(&prose) {
        app.entry(c[1].to_owned()).or_insert(None);
    }
    for c in WITH_DEFAULT.captures_iter(&prose) {
        app.insert(c[1].to_owned(), Some(c[2].replace(',', "")));
    }
    app
}

/// What is wrong with the parameters `page` names: a name no template of
/// the repository has, or a restated default that is not the template's.
/// `templates` maps a template's path (`template.yaml`,
/// `deploy/github-oidc-role.yaml`) to its parameters' defaults.
pub fn parameter_problems(
    page: &str,
    named: &NamedParameters,
    templates: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<String> {
    let empty = BTreeMap::new();
    let app = templates.get("template.yaml").unwrap_or(&empty);
    let mut problems = Vec::new();
    for (template, names) in &named.overrides {
        let Some(defaults) = templates.get(template) else {
            problems.push(format!(
                "{page}: overrides for {template}, which is not a known template"
            ));
            continue;
        };
        for name in names.iter().filter(|n| !defaults.contains_key(*n)) {
            problems.push(format!("{page}: {name}= is not a parameter of {template}"));
        }
    }
    for name in &named.assignments {
        if !templates.values().any(|t| t.contains_key(name)) {
            problems.push(format!(
                "{page}: `{name}=` names no parameter of {:?}",
                templates.keys()
            ));
        }
    }
    for (name, default) in &named.app {
        match (app.get(name), default) {
            (None, _) => problems.push(format!(
                "{page}: {name} is not a parameter of template.yaml"
            )),
            (Some(real), Some(said)) if real != said => problems.push(format!(
                "{page}: says {name} defaults to {said:?}; template.yaml says {real:?}"
            )),
            _ => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Deploy\n\n## First deploy, step by step\n\n### 6. Tear down\n\n\
        ```sh\n# not a heading\nmake build ARCH=arm64 && make deploy\n```\n\n\
        ## Spend caps (free)\n\n## `sam local` (Docker)\n\n## Spend caps (free)\n";

    #[test]
    fn anchors_are_githubs() {
        let anchors = anchors(PAGE);
        for a in [
            "deploy",
            "first-deploy-step-by-step",
            "6-tear-down",
            "spend-caps-free",
            "spend-caps-free-1",
            "sam-local-docker",
        ] {
            assert!(anchors.contains(a), "{a}: {anchors:?}");
        }
        assert!(!anchors.contains("not-a-heading"), "{anchors:?}");
        assert_eq!(
            slug("Edge protection (optional, about $8 a month)"),
            "edge-protection-optional-about-8-a-month"
        );
        assert_eq!(slug("The [resume](x.md) API"), "the-resume-api");
    }

    fn repo(path: &str) -> Option<Entry> {
        match path {
            "docs" | "crates" => Some(Entry::Dir),
            "docs/deploy.md" => Some(Entry::File(Some(PAGE.to_owned()))),
            "template.yaml" => Some(Entry::File(Some("Parameters: {}".to_owned()))),
            _ => None,
        }
    }

    #[test]
    fn good_links_pass() {
        let page = "[a](docs/deploy.md#6-tear-down) [b](docs/) [c](crates) [d](#here) [e](https://x.example/#nope)\n\
            `[not](a-link.md)`\n\n```\n[not](either.md)\n```\n\n## Here\n";
        assert_eq!(
            link_problems("README.md", page, &repo),
            Vec::<String>::new()
        );
        let from_docs = "[up](../template.yaml) [same](deploy.md#spend-caps-free-1)";
        assert_eq!(
            link_problems("docs/x.md", from_docs, &repo),
            Vec::<String>::new()
        );
    }

    #[test]
    fn broken_links_fail() {
        for (page, text, says) in [
            (
                "README.md",
                "[a](docs/missing.md)",
                "docs/missing.md does not exist",
            ),
            (
                "README.md",
                "[a](docs/deploy.md#6-teardown)",
                "no heading whose anchor is #6-teardown",
            ),
            (
                "README.md",
                "[a](#nowhere)\n## Here",
                "README.md has no heading whose anchor is #nowhere",
            ),
            (
                "docs/x.md",
                "[a](template.yaml)",
                "docs/template.yaml does not exist",
            ),
            ("docs/x.md", "[a](../../etc/passwd)", "does not exist"),
            (
                "README.md",
                "[a](template.yaml#Parameters)",
                "not a Markdown page",
            ),
        ] {
            let problems = link_problems(page, text, &repo);
            assert!(
                problems.len() == 1 && problems[0].contains(says),
                "{text}: {problems:?}"
            );
        }
    }

    #[test]
    fn make_targets_are_read_from_rules_not_variables() {
        let makefile = ".PHONY: a b\nRESUME_FILE ?= x\nCARGO := cargo\ndev: deps ## x\n\tcmd: y\nlint unit:\nsam-local: venv\n";
        let targets = make_targets(makefile);
        assert_eq!(
            targets,
            ["dev", "lint", "sam-local", "unit"]
                .map(String::from)
                .into()
        );
    }

    #[test]
    fn make_targets_named_in_code_only() {
        let page = "Run `make dev`, then `CONFIG_ENV=prod make site` or `make actionlint deploy-role-check`.\n\
            We make sure of it (prose).\n\n```sh\nmake build ARCH=arm64 && make deploy\n\
            │ make lint · make unit │\n```\n";
        let named = named_make_targets(page);
        let want = [
            "actionlint",
            "build",
            "deploy",
            "deploy-role-check",
            "dev",
            "lint",
            "site",
            "unit",
        ];
        assert_eq!(named, want.map(String::from).into());
    }

    fn templates() -> BTreeMap<String, BTreeMap<String, String>> {
        let app = "Parameters:\n  ResumeId: {Type: String, Default: example}\n  EdgeRateLimitPerIp: {Type: Number, Default: 300}\n  AlarmEmail: {Type: String, Default: ''}\n";
        let role = "Parameters:\n  Repository: {Type: String}\n";
        [
            ("template.yaml", app),
            ("deploy/github-oidc-role.yaml", role),
        ]
        .map(|(path, text)| {
            (
                path.to_owned(),
                parameter_defaults(&serde_norway::from_str(text).unwrap()),
            )
        })
        .into()
    }

    #[test]
    fn parameters_the_docs_name_exist_with_their_defaults() {
        let page = "the stack parameter `ResumeId` (set `ResumeId=me`); `EdgeRateLimitPerIp` (300);\n\
            | `Parameter AlarmEmail []` | Enter |\n\n```sh\nsam deploy --template-file deploy/github-oidc-role.yaml \\\n  \
            --parameter-overrides Repository=OWNER/REPO\nsam deploy --parameter-overrides ResumeId=me\n```\n\
            `parameter_overrides = \"ResumeId=me\"`";
        let named = named_parameters(page);
        assert_eq!(
            named.overrides["deploy/github-oidc-role.yaml"],
            ["Repository".to_owned()].into()
        );
        assert_eq!(
            named.overrides["template.yaml"],
            ["ResumeId".to_owned()].into()
        );
        assert_eq!(named.app["AlarmEmail"], Some(String::new()));
        assert_eq!(named.app["EdgeRateLimitPerIp"], Some("300".to_owned()));
        assert_eq!(
            parameter_problems("p", &named, &templates()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unknown_parameters_and_wrong_defaults_fail() {
        for (text, says) in [
            (
                "the parameter `ResumeID`",
                "ResumeID is not a parameter of template.yaml",
            ),
            (
                "`Parameter ResumeId [me]`",
                "says ResumeId defaults to \"me\"",
            ),
            (
                "`EdgeRateLimitPerIp` (30)",
                "says EdgeRateLimitPerIp defaults to \"30\"",
            ),
            ("`Reposit=x`", "`Reposit=` names no parameter"),
            (
                "```\nsam deploy --parameter-overrides Repository=x\n```",
                "Repository= is not a parameter of template.yaml",
            ),
            (
                "```\nsam deploy --template-file other.yaml --parameter-overrides A=1\n```",
                "other.yaml, which is not a known template",
            ),
        ] {
            let problems = parameter_problems("p", &named_parameters(text), &templates());
            assert!(
                problems.len() == 1 && problems[0].contains(says),
                "{text}: {problems:?}"
            );
        }
    }
}
