//! Configuration from the environment. Each Lambda reads its own struct at
//! start-up; a missing or invalid variable stops it with a clear message.
//! The structs are plain data, so the local server and tests build them too.

use http::HeaderValue;

use crate::http::Cors;
use crate::resume::ResumeId;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Where variables come from: the process environment, or a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

pub fn required(src: &impl Source, name: &'static str) -> Result<String, ConfigError> {
    src.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// A DynamoDB table name: 3 to 255 of `[A-Za-z0-9_.-]`.
pub fn table_name(src: &impl Source, name: &'static str) -> Result<String, ConfigError> {
    let value = required(src, name)?;
    validate_table_name(&value).map_err(|reason| ConfigError::Invalid { name, reason })?;
    Ok(value)
}

pub fn validate_table_name(value: &str) -> Result<(), String> {
    let ok_len = (3..=255).contains(&value.len());
    let ok_chars = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"
        ))
    }
}

/// `ALLOWED_ORIGINS`: a comma-separated list of exact origins such as
/// `https://me.example.com,http://localhost:8080`. It must be set; an empty
/// value allows no cross-origin caller.
pub fn allowed_origins(src: &impl Source) -> Result<Cors, ConfigError> {
    const NAME: &str = "ALLOWED_ORIGINS";
    let raw = src.get(NAME).ok_or(ConfigError::Missing(NAME))?;
    let origins =
        parse_origins(&raw).map_err(|reason| ConfigError::Invalid { name: NAME, reason })?;
    Ok(Cors::new(origins))
}

pub fn parse_origins(raw: &str) -> Result<Vec<HeaderValue>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|origin| {
            let (scheme, rest) = origin.split_once("://").ok_or_else(|| {
                format!("{origin:?} has no scheme (want e.g. https://example.com)")
            })?;
            if !matches!(scheme, "http" | "https") {
                return Err(format!("{origin:?}: scheme must be http or https"));
            }
            if rest.is_empty() || rest.contains('/') || rest.contains('*') {
                return Err(format!(
                    "{origin:?} must be scheme://host[:port], with no path and no wildcard"
                ));
            }
            HeaderValue::from_str(origin)
                .map_err(|_| format!("{origin:?} is not a valid header value"))
        })
        .collect()
}

/// The resume Lambda's settings.
#[derive(Clone, Debug)]
pub struct ResumeConfig {
    /// `RESUME_TABLE`
    pub table: String,
    /// `RESUME_ID`: the resume `GET /resume` serves.
    pub default_id: ResumeId,
    /// `ALLOWED_ORIGINS`
    pub cors: Cors,
}

impl ResumeConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let default_id = required(src, "RESUME_ID")?;
        Ok(Self {
            table: table_name(src, "RESUME_TABLE")?,
            default_id: ResumeId::parse(&default_id).map_err(|e| ConfigError::Invalid {
                name: "RESUME_ID",
                reason: e.to_string(),
            })?,
            cors: allowed_origins(src)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_config_reads_every_variable() {
        let cfg = ResumeConfig::from_source(&[
            ("RESUME_TABLE", "resume-prod"),
            ("RESUME_ID", "jane"),
            (
                "ALLOWED_ORIGINS",
                "https://jane.example, http://localhost:8080",
            ),
        ])
        .unwrap();
        assert_eq!(cfg.table, "resume-prod");
        assert_eq!(cfg.default_id.as_str(), "jane");
        assert!(cfg
            .cors
            .allows(&HeaderValue::from_static("http://localhost:8080")));
        assert!(cfg
            .cors
            .allows(&HeaderValue::from_static("https://jane.example")));
        assert!(!cfg
            .cors
            .allows(&HeaderValue::from_static("https://evil.example")));
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err =
            ResumeConfig::from_source(&[("RESUME_ID", "x"), ("ALLOWED_ORIGINS", "")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("RESUME_TABLE"));
        assert_eq!(
            err.to_string(),
            "environment variable RESUME_TABLE is not set"
        );
    }

    #[test]
    fn invalid_values_are_refused_with_a_reason() {
        let base = |table, id, origins| {
            ResumeConfig::from_source(&[
                ("RESUME_TABLE", table),
                ("RESUME_ID", id),
                ("ALLOWED_ORIGINS", origins),
            ])
        };
        assert!(matches!(
            base("a b", "x", ""),
            Err(ConfigError::Invalid {
                name: "RESUME_TABLE",
                ..
            })
        ));
        assert!(matches!(
            base("tbl", "../etc", ""),
            Err(ConfigError::Invalid {
                name: "RESUME_ID",
                ..
            })
        ));
        for bad in [
            "example.com",
            "ftp://x.example",
            "https://x.example/path",
            "https://*.example",
        ] {
            assert!(
                matches!(
                    base("tbl", "x", bad),
                    Err(ConfigError::Invalid {
                        name: "ALLOWED_ORIGINS",
                        ..
                    })
                ),
                "{bad}"
            );
        }
        // An empty allow-list is valid: no cross-origin callers.
        assert!(base("tbl", "x", "").is_ok());
    }
}
