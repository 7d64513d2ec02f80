//! The one check of a JSON Resume document (the crate feature `schema`).

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use crate::pointer;

/// The most violations one check reports; the rest are left out.
pub const MAX_VIOLATIONS: usize = 50;

/// The largest document stored, in bytes of compact JSON (what `GET`
/// serves). A DynamoDB item holds 400 KB; the rest is room for the key, the
/// bookkeeping attributes and the map encoding's overhead.
pub const MAX_DOCUMENT_BYTES: usize = 350_000;

/// The longest reason kept: a schema message quotes the value it refuses.
const MAX_MESSAGE_CHARS: usize = 300;

/// The official JSON Resume schema (draft-07), vendored from the npm package
/// `@jsonresume/schema` (crates/model/schema/README.md).
pub const SCHEMA: &str = include_str!("../../schema/schema.json");

/// The schema, compiled once, on first use: only the write path pays.
static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
});

/// One reason a document is refused: where (a JSON pointer, `""` for the
/// whole document) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// RFC 6901 pointer to the offending value.
    pub pointer: String,
    /// Why it is refused.
    pub message: String,
    /// Byte offset of the value in the text it was parsed from, if any.
    #[serde(skip)]
    pub offset: Option<usize>,
}

impl Violation {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = match message.char_indices().nth(MAX_MESSAGE_CHARS) {
            Some((cut, _)) => format!("{}…", &message[..cut]),
            None => message,
        };
        Self {
            pointer: pointer.into(),
            message,
            offset: None,
        }
    }

    /// 1-based line and column of the value in `text` (the text the
    /// violations came from), if known.
    pub fn line_column(&self, text: &str) -> Option<(usize, usize)> {
        self.offset
            .and_then(|at| text.get(..at))
            .map(pointer::line_column)
    }
}

/// Why a text or value is not a resume this API stores.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// The text is not JSON.
    #[error("not JSON: {message} (line {line}, column {column})")]
    NotJson {
        message: String,
        line: usize,
        column: usize,
    },
    /// Larger than one DynamoDB item holds with room.
    #[error("the document is {bytes} bytes; at most {MAX_DOCUMENT_BYTES} fit one stored item")]
    TooLarge { bytes: usize },
    /// The schema's and the project's rules refuse it: every violation (at
    /// most [`MAX_VIOLATIONS`]), in document order.
    #[error("{} violation(s) of the JSON Resume schema", .0.len())]
    Violations(Vec<Violation>),
    /// The vendored schema does not compile: a bug, not the document's fault.
    #[error("the JSON Resume schema cannot be used: {0}")]
    Unavailable(String),
}

/// Compiles the schema now rather than on the first check (a write
/// Lambda's init); an error if the vendored schema does not compile.
pub fn prepare() -> Result<(), Invalid> {
    VALIDATOR
        .as_ref()
        .map(drop)
        .map_err(|e| Invalid::Unavailable(e.clone()))
}

/// Parses `text` and checks it with [`validate`]; violations are in the
/// order of the text and know their offset in it
/// ([`Violation::line_column`]).
pub fn parse(text: &str) -> Result<Value, Invalid> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Invalid::NotJson {
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    let offsets = pointer::offsets(text);
    check(&doc, |p| offsets.get(p).copied())?;
    Ok(doc)
}

/// The one check of a resume, behind every entry point: a JSON object, at
/// most [`MAX_DOCUMENT_BYTES`], storable as one DynamoDB item, valid against
/// the official JSON Resume schema with format checks (email, uri) and its
/// date patterns. Every violation is reported, up to [`MAX_VIOLATIONS`].
pub fn validate(doc: &Value) -> Result<(), Invalid> {
    let order = pointer::preorder(doc);
    check(doc, |p| order.get(p).copied())
}

fn check(doc: &Value, offset: impl Fn(&str) -> Option<usize>) -> Result<(), Invalid> {
    if !doc.is_object() {
        let kind = crate::item::kind(doc);
        let message = format!("the top level must be an object, not {kind}");
        return Err(Invalid::Violations(vec![Violation::new("", message)]));
    }
    let bytes = serde_json::to_vec(doc).map_or(usize::MAX, |b| b.len());
    if bytes > MAX_DOCUMENT_BYTES {
        return Err(Invalid::TooLarge { bytes });
    }
    let validator = VALIDATOR
        .as_ref()
        .map_err(|e| Invalid::Unavailable(e.clone()))?;
    let mut violations: Vec<Violation> = validator
        .iter_errors(doc)
        .take(10 * MAX_VIOLATIONS)
        .map(|e| Violation::new(e.instance_path().as_str(), e.to_string()))
        .collect();
    if violations.is_empty() {
        if let Err(e) = crate::item::to_attribute(doc, "") {
            let message = format!("cannot be stored in DynamoDB: {e}");
            violations.push(Violation::new("", message));
        }
    }
    if violations.is_empty() {
        return Ok(());
    }
    for v in &mut violations {
        v.offset = offset(&v.pointer);
    }
    // Stable: the schema's order among violations of one value.
    violations.sort_by_key(|v| v.offset.unwrap_or(usize::MAX));
    violations.truncate(MAX_VIOLATIONS);
    Err(Invalid::Violations(violations))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn violations(result: Result<impl std::fmt::Debug, Invalid>) -> Vec<(String, String)> {
        match result {
            Err(Invalid::Violations(v)) => v.into_iter().map(|v| (v.pointer, v.message)).collect(),
            other => panic!("expected violations, got {other:?}"),
        }
    }

    #[test]
    fn the_schema_packages_own_examples_are_valid() {
        let examples = [
            include_str!("../../schema/examples/sample.resume.json"),
            include_str!("../../schema/examples/career-changer.resume.json"),
            include_str!("../../schema/examples/new-grad.resume.json"),
            include_str!("../../schema/examples/senior-engineer.resume.json"),
            include_str!("../../../../data/resume.json"),
        ];
        for text in examples {
            let doc = parse(text).unwrap();
            validate(&doc).unwrap();
        }
    }

    #[test]
    fn what_the_schema_refuses_is_reported_at_once_in_document_order() {
        let text = r#"{
            "work": [{"name": "Acme", "startDate": "March 2020"}],
            "basics": {"email": "not-an-email", "url": "nope",
                       "profiles": [{"url": ""}], "name": 5},
            "education": {"x": 1}
        }"#;
        let found = violations(parse(text));
        let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/work/0/startDate",
                "/basics/email",
                "/basics/url",
                "/basics/profiles/0/url",
                "/basics/name",
                "/education"
            ]
        );
        assert!(found[0].1.contains("March 2020"), "{:?}", found[0]);
        assert!(found[1].1.contains("email"), "{:?}", found[1]);
        // The same verdicts from a parsed value (there, in key order).
        let doc: Value = serde_json::from_str(text).unwrap();
        assert_eq!(violations(validate(&doc)).len(), 6);
    }

    #[test]
    fn violations_know_their_line_and_column() {
        let text = "{\n  \"basics\": {\"email\": \"x\"}\n}";
        let Err(Invalid::Violations(found)) = parse(text) else {
            panic!("expected violations");
        };
        assert_eq!(found[0].line_column(text), Some((2, 23)));
    }

    #[test]
    fn violations_are_capped() {
        let work: Vec<Value> = (0..200).map(|_| json!({"startDate": "soon"})).collect();
        assert_eq!(
            violations(validate(&json!({"work": work}))).len(),
            MAX_VIOLATIONS
        );
    }

    #[test]
    fn the_projects_own_rules_have_clear_messages() {
        let found = violations(parse("[1]"));
        assert_eq!(found[0].0, "");
        assert!(
            found[0].1.contains("top level must be an object"),
            "{found:?}"
        );
        let big = json!({"basics": {"summary": "x".repeat(MAX_DOCUMENT_BYTES)}});
        assert!(
            matches!(validate(&big), Err(Invalid::TooLarge { bytes }) if bytes > MAX_DOCUMENT_BYTES)
        );
        assert!(matches!(
            parse("{\"a\": }"),
            Err(Invalid::NotJson { line: 1, .. })
        ));
        let found = violations(validate(&json!({"x": {"$SS": []}})));
        assert!(found[0].1.contains("set cannot be empty"), "{found:?}");
    }

    #[test]
    fn unknown_properties_and_remote_refs_are_not_fetched() {
        // Extra properties are allowed; a `$ref` in a document is just data.
        validate(&json!({"x-custom": {"$ref": "http://127.0.0.1:9/x"}, "basics": {"x": 1}}))
            .unwrap();
    }
}
