//! `local-api seed`: checks an owner's JSON Resume file and stores it, without
//! ever replacing a different stored document unless asked to.
//!
//! Errors point into the file as written: `FILE:LINE:COLUMN`, the JSON pointer
//! of the bad value, and what is wrong with it.

use std::path::Path;

use anyhow::{bail, Context};
use aws_sdk_dynamodb::Client;
use model::resume::{Invalid, ResumeId};
use serde_json::Value;

/// What to do when the table already holds a different document under the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfDifferent {
    /// Fail, naming the flags that would go on (the default).
    Refuse,
    /// Leave the stored document as it is and succeed (`make dev`).
    Keep,
    /// Overwrite it.
    Replace,
}

/// What [`seed_file`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    /// Nothing was stored under the id; now the file is.
    Stored { name: String },
    /// The same document is stored already; nothing was written.
    Unchanged { name: String },
    /// A different document was stored; the file replaced it.
    Replaced { name: String, old: String },
    /// A different document is stored and was left alone.
    Kept { name: String, stored: String },
}

/// Reads and checks `file` (see [`check`]), then stores it under `id` in
/// `table` as `if_different` says.
pub async fn seed_file(
    client: Client,
    table: &str,
    id: &str,
    file: &Path,
    if_different: IfDifferent,
) -> anyhow::Result<Seeded> {
    let id = ResumeId::parse(id).context("invalid resume id")?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc = check(&file.display().to_string(), &text)?;
    let name = name_of(&doc);
    let store = resume::Store(platform::dynamo::Table::new(client, table));
    let stored = store
        .get(&id)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read resume '{id}' from table {table}: {e}"))?;
    let outcome = match stored {
        None => Seeded::Stored { name },
        Some(stored) if same_document(&stored, &doc) => return Ok(Seeded::Unchanged { name }),
        Some(stored) => {
            let old = match model::resume::validate(&stored) {
                Ok(()) => name_of(&stored),
                Err(_) => "not a JSON Resume document".into(),
            };
            match if_different {
                IfDifferent::Keep => return Ok(Seeded::Kept { name, stored: old }),
                IfDifferent::Replace => Seeded::Replaced { name, old },
                IfDifferent::Refuse => bail!(
                    "table {table} already holds a different resume under '{id}' ({old}); \
                     nothing was written. Pass --replace to overwrite it with {}, \
                     or --id to store the file under another id",
                    file.display()
                ),
            }
        }
    };
    store.put(&id, &doc).await?;
    Ok(outcome)
}

/// Equal documents, numbers compared by value: DynamoDB keeps a number's
/// value and digits, not its spelling (`1.50` may come back as `1.5`).
fn same_document(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(&x.to_string(), &y.to_string()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_document(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| same_document(p, q)))
        }
        _ => a == b,
    }
}

/// The same text, or the same value where an `f64` holds it exactly enough
/// (at most 15 significant digits each, so 38-digit numbers are never
/// rounded into equality).
fn same_number(x: &str, y: &str) -> bool {
    let digits = |t: &str| {
        let mantissa = t.split(['e', 'E']).next().unwrap_or(t);
        mantissa
            .trim_start_matches(['-', '0', '.'])
            .chars()
            .filter(char::is_ascii_digit)
            .count()
    };
    x == y
        || (digits(x) <= 15
            && digits(y) <= 15
            && matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q))
}

fn name_of(doc: &Value) -> String {
    doc.pointer("/basics/name")
        .and_then(Value::as_str)
        .unwrap_or("no basics.name")
        .to_owned()
}

/// Parses `text` (the file `file`, named in messages) and checks it with the
/// one JSON Resume check (`model::resume`). A failure names
/// `FILE:LINE:COLUMN` in the text as written and, for a bad value, its JSON
/// pointer: one line per violation.
pub fn check(file: &str, text: &str) -> anyhow::Result<Value> {
    model::resume::parse(text).map_err(|e| anyhow::anyhow!(describe(file, text, &e)))
}

fn describe(file: &str, text: &str, error: &Invalid) -> String {
    match error {
        Invalid::NotJson {
            message,
            line,
            column,
        } => {
            let suffix = format!(" at line {line} column {column}");
            let message = message.strip_suffix(&suffix).unwrap_or(message);
            format!("{file}:{line}:{column}: not JSON: {message}")
        }
        Invalid::Violations(violations) => violations
            .iter()
            .map(|v| {
                let at = if v.pointer.is_empty() {
                    "the top level"
                } else {
                    v.pointer.as_str()
                };
                match v.line_column(text) {
                    Some((line, column)) => format!(
                        "{file}:{line}:{column}: not a JSON Resume document: at {at}: {}",
                        v.message
                    ),
                    None => format!("{file}: not a JSON Resume document: at {at}: {}", v.message),
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{file}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_is_located_in_the_file_as_written() {
        let text = "{\n  \"basics\": {\"name\": \"Ada\"},\n  \"work\": [\n    {\n      \"name\": \"X\",\n      \"startDate\": 2021\n    }\n  ]\n}\n";
        let err = check("me.json", text).unwrap_err().to_string();
        assert!(err.starts_with("me.json:6:"), "{err}");
        assert!(err.contains("at /work/0/startDate: "), "{err}");
        assert!(!err.contains("line 1 column"), "{err}");
    }

    #[test]
    fn pointers_name_keys_and_indexes() {
        let text = "{\"basics\": {\"profiles\": [{}, {\"url\": 1}]}}";
        let err = check("f", text).unwrap_err().to_string();
        assert!(err.contains("at /basics/profiles/1/url:"), "{err}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = check(
            "f.json",
            "{\n  \"basics\": {\n    \"name\": \"Ada\",\n  }\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("f.json:4:3: not JSON: "), "{err}");
        assert!(!err.contains(" at line "), "{err}");
    }

    #[test]
    fn documents_are_the_same_when_only_number_spelling_differs() {
        let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        let a = parse(r#"{"education": [{"gpa": 3.80, "x": [1e2, "a"]}]}"#);
        let b = parse(r#"{"education": [{"gpa": 3.8, "x": [100, "a"]}]}"#);
        assert!(same_document(&a, &b));
        assert!(!same_document(
            &a,
            &parse(r#"{"education": [{"gpa": 3.9, "x": [100, "a"]}]}"#)
        ));
        assert!(!same_document(
            &a,
            &parse(r#"{"education": [{"gpa": 3.8, "x": [100]}]}"#)
        ));
        assert!(!same_document(
            &a,
            &parse(r#"{"education": [{"gpa": 3.8, "x": [100, "a"]}], "y": 1}"#)
        ));
        // Beyond f64's precision only the same digits are the same number.
        let big = parse("12345678901234567890123456789012345678");
        assert!(!same_document(
            &big,
            &parse("12345678901234567890123456789012345679")
        ));
        assert!(same_document(&big, &big.clone()));
    }

    #[test]
    fn a_valid_document_passes() {
        let doc = check("f", "{\"basics\": {\"name\": \"Ada\"}}").unwrap();
        assert_eq!(doc["basics"]["name"], "Ada");
        assert_eq!(name_of(&doc), "Ada");
        let err = check("f", "[1]").unwrap_err().to_string();
        assert!(err.contains("the top level"), "{err}");
    }
}
