//! The resume owner's commands: `validate FILE...` and `publish FILE`, with
//! the one check of `model::resume`. `publish` is the one way an owner's file
//! is stored (`make resume-publish`, `make dev`, the pipeline).

use std::path::Path;

use model::resume::ResumeId;
use serde_json::Value;

/// `text` (a file's content) checked as a resume, or every violation as
/// `/pointer: message (line L, column C)` lines.
pub fn checked(text: &str) -> anyhow::Result<Value> {
    model::resume::parse(text).map_err(|e| anyhow::anyhow!(lines(text, &e).join("\n")))
}

/// `validate FILE...`: prints `file: /pointer: message (line L, column C)`
/// for every violation of every file (or `file: valid`). Returns whether all
/// were valid.
pub fn validate_files(files: &[std::path::PathBuf]) -> bool {
    let mut all_valid = true;
    for file in files {
        let name = file.display();
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                println!("{name}: cannot read: {e}");
                all_valid = false;
                continue;
            }
        };
        match model::resume::parse(&text) {
            Ok(_) => println!("{name}: valid"),
            Err(e) => {
                all_valid = false;
                for line in lines(&text, &e) {
                    println!("{name}: {line}");
                }
            }
        }
    }
    all_valid
}

/// `/pointer: message (line L, column C)` for each violation, or the whole
/// error when it has no pointer (not JSON, too large).
fn lines(text: &str, error: &model::resume::Invalid) -> Vec<String> {
    let model::resume::Invalid::Violations(violations) = error else {
        return vec![error.to_string()];
    };
    violations
        .iter()
        .map(|v| match v.line_column(text) {
            Some((line, column)) => {
                format!(
                    "{}: {} (line {line}, column {column})",
                    v.pointer, v.message
                )
            }
            None => format!("{}: {}", v.pointer, v.message),
        })
        .collect()
}

/// What `publish` found, or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// There was no resume with this id.
    Created,
    /// The stored resume differed in these top-level sections.
    Updated(Vec<String>),
    /// The stored resume is this document: nothing written.
    Unchanged,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Created => f.write_str("created"),
            Self::Updated(sections) => write!(f, "updated ({})", sections.join(", ")),
            Self::Unchanged => f.write_str("unchanged"),
        }
    }
}

/// The top-level keys whose values differ between `old` and `new`
/// (added, removed or changed), in key order.
pub fn changed_sections(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (old, new) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect()
}

/// The stack a resume is published to.
#[derive(Clone, Debug)]
pub struct Stack {
    /// How messages name it: a CloudFormation stack name, or `make dev`.
    pub name: String,
    /// The id its `GET /resume` serves: the template's `ResumeId` parameter
    /// (its `ResumeId` output), the functions' `RESUME_ID`.
    pub resume_id: ResumeId,
}

/// The id to publish `file` under: the stack's own. An explicit `id` may
/// repeat it but not change it, since the stack would never serve the file
/// at `GET /resume`; the error names the file, the id and the stack.
pub fn publish_id(file: &Path, id: Option<&str>, stack: &Stack) -> anyhow::Result<ResumeId> {
    let served = &stack.resume_id;
    match id {
        None => Ok(served.clone()),
        Some(id) if id == served.as_str() => Ok(served.clone()),
        Some(id) => {
            ResumeId::parse(id).map_err(|e| anyhow::anyhow!("invalid resume id '{id}': {e}"))?;
            anyhow::bail!(
                "{file} was not published as resume '{id}': stack {stack} serves resume \
                 '{served}' at GET /resume (its ResumeId), never '{id}'. Publish it without \
                 an id (it goes under '{served}'), or deploy the stack with ResumeId={id} first",
                file = file.display(),
                stack = stack.name,
            )
        }
    }
}

/// `publish`: stores the checked `text` under `id` only if the stored
/// document differs as DynamoDB stores it (`model::item::as_stored`: `1.50`
/// and `1.5` are the same number), conditional on the revision it compared
/// with (a concurrent write fails it rather than being overwritten). With
/// `dry_run`, only says what it would do.
pub async fn publish(
    store: &resume::Store,
    id: &ResumeId,
    text: &str,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    let doc = checked(text)?;
    let wanted = model::item::as_stored(&doc)
        .map_err(|e| anyhow::anyhow!("cannot store the document: {e}"))?;
    let current = store
        .current(id)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read resume '{id}': {e}"))?;
    let (outcome, expected) = match current {
        None => (Outcome::Created, resume::store::Expected::Absent),
        Some(stored) => {
            let have = model::item::as_stored(&stored.doc).unwrap_or(stored.doc);
            if have == wanted {
                return Ok(Outcome::Unchanged);
            }
            (
                Outcome::Updated(changed_sections(&have, &wanted)),
                resume::store::Expected::Revision(stored.revision),
            )
        }
    };
    if !dry_run {
        match store.put_if(id, &doc, expected).await {
            Ok(()) => {}
            // A retried attempt fails its condition on the write of the
            // attempt that timed out: the document is stored all the same.
            Err(platform::ApiError::Conflict(_)) if stored_is(store, id, &wanted).await => {}
            Err(e) => anyhow::bail!("cannot store resume '{id}': {e}"),
        }
    }
    Ok(outcome)
}

/// Whether `id` now holds `wanted` (in [`model::item::as_stored`] form).
async fn stored_is(store: &resume::Store, id: &ResumeId, wanted: &Value) -> bool {
    match store.current(id).await {
        Ok(Some(stored)) => model::item::as_stored(&stored.doc).is_ok_and(|have| &have == wanted),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_sections_names_added_removed_and_changed_keys() {
        let old = json!({"basics": {"name": "A"}, "work": [], "skills": [1]});
        let new = json!({"basics": {"name": "B"}, "work": [], "awards": []});
        assert_eq!(changed_sections(&old, &new), ["awards", "basics", "skills"]);
        assert!(changed_sections(&new, &new).is_empty());
    }

    #[test]
    fn violations_are_reported_with_pointer_line_and_column() {
        let text = "{\n  \"basics\": {\"email\": \"x\"}\n}";
        let err = checked(text).unwrap_err().to_string();
        assert!(err.starts_with("/basics/email: "), "{err}");
        assert!(err.ends_with("(line 2, column 23)"), "{err}");
        let Err(e) = model::resume::parse(text) else {
            panic!("expected violations")
        };
        let out = lines(text, &e);
        assert!(out[0].starts_with("/basics/email: "), "{out:?}");
        assert!(out[0].ends_with("(line 2, column 23)"), "{out:?}");
    }

    #[test]
    fn the_id_is_the_stacks_and_another_names_file_id_and_stack() {
        let stack = Stack {
            name: "resume-backend-prod".into(),
            resume_id: ResumeId::parse("me").unwrap(),
        };
        let file = Path::new("data/resume.json");
        assert_eq!(publish_id(file, None, &stack).unwrap().as_str(), "me");
        assert_eq!(publish_id(file, Some("me"), &stack).unwrap().as_str(), "me");
        let err = publish_id(file, Some("example"), &stack)
            .unwrap_err()
            .to_string();
        for name in [
            "data/resume.json",
            "'example'",
            "resume-backend-prod",
            "'me'",
        ] {
            assert!(err.contains(name), "{name} not in: {err}");
        }
        let err = publish_id(file, Some("../x"), &stack).unwrap_err();
        assert!(err.to_string().contains("invalid resume id"), "{err}");
    }

    #[test]
    fn validate_files_fails_on_any_invalid_or_unreadable_file() {
        let dir = std::env::temp_dir().join(format!("owner-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.json");
        let bad = dir.join("bad.json");
        std::fs::write(&good, r#"{"basics": {"name": "A"}}"#).unwrap();
        std::fs::write(&bad, r#"{"basics": {"email": "x"}}"#).unwrap();
        assert!(validate_files(std::slice::from_ref(&good)));
        assert!(!validate_files(&[good.clone(), bad]));
        assert!(!validate_files(&[dir.join("missing.json")]));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
