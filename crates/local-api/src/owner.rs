//! The resume owner's commands: `validate FILE...` and `publish FILE --id
//! ID`, with the one check of `model::resume`.

use serde_json::Value;

/// `text` (a file's content) checked as a resume, or every violation as
/// `/pointer (line L, column C): message` lines.
pub fn checked(text: &str) -> anyhow::Result<Value> {
    model::resume::parse(text).map_err(|e| anyhow::anyhow!(report(text, &e).join("\n")))
}

/// One line per reason `text` was refused: `/pointer (line L, column C):
/// message`, or the whole error when it has no pointer.
pub fn report(text: &str, error: &model::resume::Invalid) -> Vec<String> {
    let model::resume::Invalid::Violations(violations) = error else {
        return vec![error.to_string()];
    };
    violations
        .iter()
        .map(|v| match v.line_column(text) {
            Some((line, column)) => {
                format!(
                    "{} (line {line}, column {column}): {}",
                    v.pointer, v.message
                )
            }
            None => format!("{}: {}", v.pointer, v.message),
        })
        .collect()
}
