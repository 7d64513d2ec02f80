//! The JSON Resume model (jsonresume.org/schema, v1.0.0) and resume ids.
//!
//! Every section is typed so that a document can be checked before it is
//! stored; unknown properties are kept at every level (`extra`), as the
//! schema allows. What is stored and served is the document itself, converted
//! losslessly by [`crate::item`], so nulls, number text and key content come
//! back exactly as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

/// Properties outside the schema.
pub type Extra = BTreeMap<String, Value>;

/// The longest id a resume may have.
pub const MAX_ID_LEN: usize = 64;

/// A resume id: 1 to 64 of `[A-Za-z0-9_.-]`, not starting with a dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResumeId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidId {
    #[error("a resume id cannot be empty")]
    Empty,
    #[error("a resume id is at most {MAX_ID_LEN} characters")]
    TooLong,
    #[error(
        "a resume id may only hold letters, digits, '-', '_' and '.', and may not start with '.'"
    )]
    BadChars,
}

impl ResumeId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        if raw.is_empty() {
            return Err(InvalidId::Empty);
        }
        if raw.len() > MAX_ID_LEN {
            return Err(InvalidId::TooLong);
        }
        let ok = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok || raw.starts_with('.') {
            return Err(InvalidId::BadChars);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ResumeId {
    type Err = InvalidId;

    fn from_str(raw: &str) -> Result<Self, InvalidId> {
        Self::parse(raw)
    }
}

impl std::fmt::Display for ResumeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON Resume document.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resume {
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    pub basics: Option<Basics>,
    pub work: Option<Vec<Work>>,
    pub volunteer: Option<Vec<Volunteer>>,
    pub education: Option<Vec<Education>>,
    pub awards: Option<Vec<Award>>,
    pub certificates: Option<Vec<Certificate>>,
    pub publications: Option<Vec<Publication>>,
    pub skills: Option<Vec<Skill>>,
    pub languages: Option<Vec<Language>>,
    pub interests: Option<Vec<Interest>>,
    pub references: Option<Vec<Reference>>,
    pub projects: Option<Vec<Project>>,
    pub meta: Option<Meta>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `basics`.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Basics {
    pub name: Option<String>,
    pub label: Option<String>,
    pub image: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub summary: Option<String>,
    pub location: Option<Location>,
    pub profiles: Option<Vec<Profile>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `location` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub region: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `profile` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub network: Option<String>,
    pub username: Option<String>,
    pub url: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `work` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Work {
    pub name: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub position: Option<String>,
    pub url: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub summary: Option<String>,
    pub highlights: Option<Vec<String>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `volunteer` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volunteer {
    pub organization: Option<String>,
    pub position: Option<String>,
    pub url: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub summary: Option<String>,
    pub highlights: Option<Vec<String>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `education` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Education {
    pub institution: Option<String>,
    pub url: Option<String>,
    pub area: Option<String>,
    pub study_type: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub score: Option<String>,
    pub courses: Option<Vec<String>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `award` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Award {
    pub title: Option<String>,
    pub date: Option<String>,
    pub awarder: Option<String>,
    pub summary: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `certificate` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    pub name: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub issuer: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `publication` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Publication {
    pub name: Option<String>,
    pub publisher: Option<String>,
    pub release_date: Option<String>,
    pub url: Option<String>,
    pub summary: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `skill` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    pub name: Option<String>,
    pub level: Option<String>,
    pub keywords: Option<Vec<String>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `language` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Language {
    pub language: Option<String>,
    pub fluency: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `interest` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interest {
    pub name: Option<String>,
    pub keywords: Option<Vec<String>>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `reference` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    pub name: Option<String>,
    pub reference: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `project` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub name: Option<String>,
    pub description: Option<String>,
    pub highlights: Option<Vec<String>>,
    pub keywords: Option<Vec<String>>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub url: Option<String>,
    pub roles: Option<Vec<String>>,
    pub entity: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// JSON Resume `meta` entry.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub canonical: Option<String>,
    pub version: Option<String>,
    pub last_modified: Option<String>,
    /// Properties outside the schema, kept as they are.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Why a JSON value is not a JSON Resume document.
#[derive(Debug, thiserror::Error)]
#[error("not a JSON Resume document: {0}")]
pub struct NotAResume(String);

/// Checks that `doc` is a JSON Resume object: every known section has the
/// schema's shape. Returns the typed view; the caller stores `doc` itself.
pub fn validate(doc: &Value) -> Result<Resume, NotAResume> {
    if !doc.is_object() {
        return Err(NotAResume(format!(
            "the top level must be an object, not {}",
            crate::item::kind(doc)
        )));
    }
    // From text, not from the `Value`: with arbitrary-precision numbers only
    // the text deserializer carries a 38-digit number through `flatten`.
    let text = serde_json::to_string(doc).map_err(|e| NotAResume(e.to_string()))?;
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| NotAResume(format!("at {}: {}", e.path(), e.inner())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_checked() {
        assert_eq!(
            ResumeId::parse("jane-doe_2.0").unwrap().as_str(),
            "jane-doe_2.0"
        );
        assert_eq!(ResumeId::parse(""), Err(InvalidId::Empty));
        assert_eq!(ResumeId::parse(&"a".repeat(65)), Err(InvalidId::TooLong));
        assert!(ResumeId::parse(&"a".repeat(64)).is_ok());
        for bad in ["../etc", "a/b", "a b", "é", "a%2F", ".hidden", "x\0"] {
            assert_eq!(ResumeId::parse(bad), Err(InvalidId::BadChars), "{bad}");
        }
    }

    #[test]
    fn typed_sections_and_extra_properties_are_read() {
        let doc: Value =
            serde_json::from_str(r#"{"x-big": 12345678901234567890123456789012345678}"#).unwrap();
        assert_eq!(validate(&doc).unwrap().extra["x-big"], doc["x-big"]);
        let doc = json!({
            "basics": {"name": "Ada", "x-pronouns": "she/her",
                       "location": {"city": "Oslo", "geo": [59.9, 10.7]},
                       "profiles": [{"network": "Mastodon", "verified": true}]},
            "work": [{"name": "Acme", "highlights": ["a"], "stack": ["rust"]}],
            "projects": [{"name": "p", "type": "application"}],
            "custom": {"deep": [1, 2]}
        });
        let r = validate(&doc).unwrap();
        let basics = r.basics.as_ref().unwrap();
        assert_eq!(basics.name.as_deref(), Some("Ada"));
        assert_eq!(basics.extra["x-pronouns"], json!("she/her"));
        assert_eq!(
            basics.location.as_ref().unwrap().extra["geo"],
            json!([59.9, 10.7])
        );
        assert_eq!(
            basics.profiles.as_ref().unwrap()[0].extra["verified"],
            json!(true)
        );
        assert_eq!(r.work.as_ref().unwrap()[0].extra["stack"], json!(["rust"]));
        assert_eq!(
            r.projects.as_ref().unwrap()[0].kind.as_deref(),
            Some("application")
        );
        assert_eq!(r.extra["custom"], json!({"deep": [1, 2]}));
        // The typed view serialises back to the same document.
        assert_eq!(serde_json::to_value(&r).unwrap(), doc);
    }

    #[test]
    fn absent_and_null_fields_are_left_out() {
        let empty: Resume = serde_json::from_value(json!({})).unwrap();
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
        let r: Resume = serde_json::from_value(json!({
            "$schema": null,
            "basics": {"name": null, "location": {"city": "Oslo"}},
            "skills": [{"name": "Rust", "level": null, "keywords": ["a"]}],
            "projects": [{"type": "app", "x-extra": null}]
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({
                "basics": {"location": {"city": "Oslo"}},
                "skills": [{"name": "Rust", "keywords": ["a"]}],
                "projects": [{"type": "app", "x-extra": null}]
            })
        );
    }

    #[test]
    fn wrong_shapes_are_refused_with_the_path() {
        let e = validate(&json!([1])).unwrap_err();
        assert!(e.to_string().contains("top level must be an object"), "{e}");
        let e = validate(&json!({"work": {"name": "x"}})).unwrap_err();
        assert!(e.to_string().contains("work"), "{e}");
        let e = validate(&json!({"basics": {"profiles": [{"url": 5}]}})).unwrap_err();
        assert!(e.to_string().contains("basics.profiles[0].url"), "{e}");
    }

    #[test]
    fn nulls_are_accepted_anywhere() {
        assert!(validate(&json!({"basics": null, "work": [{"name": null}], "x": null})).is_ok());
    }
}
