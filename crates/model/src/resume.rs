//! Resume ids, and the one check of a JSON Resume document: the official
//! schema (`@jsonresume/schema`, draft-07, vendored in crates/model/schema)
//! plus this project's own rules (`validate`, `parse`; with the crate's
//! `schema` feature, so that only the functions that check documents link
//! jsonschema and its full-featured `regex`).
//!
//! Documents stay plain JSON: what is stored and served is the document
//! itself, converted losslessly by [`crate::item`], so number text and key
//! content come back exactly as written.

#[cfg(feature = "schema")]
mod check;
#[cfg(feature = "schema")]
pub use check::*;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
