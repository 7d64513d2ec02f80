//! Settings from the environment, one system for every Lambda and the local
//! server: each Lambda's settings are a struct deriving [`clap::Args`], whose
//! fields name their environment variable (`env = "RESUME_TABLE"`) and parse
//! into validated types ([`TableName`], [`AllowedOrigins`], the resume id)
//! through `FromStr`. [`from_env`] reads them at start-up and turns clap's
//! error into one line naming the variable; `local-api` flattens the same
//! structs into its command line.

use std::fmt;
use std::str::FromStr;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Command, FromArgMatches};

pub use crate::http::AllowedOrigins;

/// Why the settings cannot be read. Each names the environment variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(String),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: String, reason: String },
    #[error("invalid settings: {0}")]
    Other(String),
}

/// Reads `T` from the process environment alone (command-line arguments
/// are not settings in Lambda).
pub fn from_env<T: Args + FromArgMatches>() -> Result<T, ConfigError> {
    parse::<T>(std::iter::empty())
}

/// Reads `T` from `pairs` of environment variable name and value, as if
/// they were the environment, and from nothing else. For tests.
pub fn from_pairs<T: Args + FromArgMatches>(pairs: &[(&str, &str)]) -> Result<T, ConfigError> {
    let command = T::augment_args(Command::new("settings"));
    let mut args = Vec::new();
    for (name, value) in pairs {
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == *name))
            .and_then(|a| a.get_long())
            .ok_or_else(|| ConfigError::Other(format!("no setting reads {name}")))?;
        args.push(format!("--{arg}={value}"));
    }
    parse_without_env::<T>(args)
}

fn parse<T: Args + FromArgMatches>(
    args: impl IntoIterator<Item = String>,
) -> Result<T, ConfigError> {
    let command = T::augment_args(Command::new("settings").no_binary_name(true));
    let matches = command
        .clone()
        .try_get_matches_from(args)
        .map_err(|e| config_error(&command, &e))?;
    T::from_arg_matches(&matches).map_err(|e| config_error(&command, &e))
}

fn parse_without_env<T: Args + FromArgMatches>(args: Vec<String>) -> Result<T, ConfigError> {
    // The same command with every `env` dropped, so that tests see only
    // their own pairs whatever the test process's environment holds.
    let named = T::augment_args(Command::new("settings").no_binary_name(true));
    let mut command = named.clone();
    let ids: Vec<_> = command
        .get_arguments()
        .map(|a| a.get_id().clone())
        .collect();
    for id in ids {
        command = command.mut_arg(id, |a| a.env(None::<&str>));
    }
    let matches = command
        .try_get_matches_from(args)
        .map_err(|e| config_error(&named, &e))?;
    T::from_arg_matches(&matches).map_err(|e| config_error(&named, &e))
}

/// clap's error as one line that names the environment variable.
fn config_error(command: &Command, err: &clap::Error) -> ConfigError {
    let strings = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    // clap names an argument by its usage, `--resume-table <RESUME_TABLE>`.
    let env_of = |usage: &str| {
        command
            .get_arguments()
            .find(|a| {
                a.get_long().is_some_and(|l| {
                    usage.starts_with(&format!("--{l} ")) || usage == format!("--{l}")
                })
            })
            .and_then(|a| a.get_env())
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| usage.to_owned())
    };
    match err.kind() {
        ErrorKind::MissingRequiredArgument => ConfigError::Missing(
            strings(ContextKind::InvalidArg)
                .iter()
                .map(|u| env_of(u))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let name = strings(ContextKind::InvalidArg)
                .first()
                .map(|u| env_of(u))
                .unwrap_or_default();
            let reason = std::error::Error::source(err)
                .map(ToString::to_string)
                .unwrap_or_else(|| {
                    let value = strings(ContextKind::InvalidValue).join(", ");
                    format!("{value:?} is not one of the accepted values")
                });
            ConfigError::Invalid { name, reason }
        }
        ErrorKind::ArgumentConflict => {
            let names: Vec<_> = strings(ContextKind::InvalidArg)
                .iter()
                .chain(strings(ContextKind::PriorArg).iter())
                .map(|u| env_of(u))
                .collect();
            ConfigError::Invalid {
                name: names.first().cloned().unwrap_or_default(),
                reason: format!("set only one of {}", names.join(", ")),
            }
        }
        _ => ConfigError::Other(err.kind().to_string()),
    }
}

/// A DynamoDB table name: 3 to 255 of `[A-Za-z0-9_.-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableName(String);

impl TableName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TableName {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let ok_len = (3..=255).contains(&value.len());
        let ok_chars = value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if ok_len && ok_chars {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "{value:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"
            ))
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TableName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<TableName> for String {
    fn from(name: TableName) -> Self {
        name.0
    }
}

/// A comma-separated list of table names; blanks are skipped, so an empty
/// value is an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableNames(pub Vec<TableName>);

impl FromStr for TableNames {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(TableName::from_str)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// A custom domain's base-path mapping, e.g. `v1` for
/// `https://api.me.example/v1/resume`: empty (the default, and a mapping at
/// the domain's root), or segments of `[A-Za-z0-9._~-]`. Leading and
/// trailing slashes are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BasePath(Option<String>);

impl BasePath {
    /// `/v1`, or `None` for no base path.
    pub fn as_prefix(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl FromStr for BasePath {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_matches('/');
        if trimmed.is_empty() || trimmed == "(none)" {
            return Ok(Self(None));
        }
        let ok = trimmed.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
        });
        if ok {
            Ok(Self(Some(format!("/{trimmed}"))))
        } else {
            Err(format!(
                "{raw:?} is not a base path (segments of A-Z a-z 0-9 . _ ~ -, e.g. v1)"
            ))
        }
    }
}

/// The settings every HTTP-serving Lambda shares.
#[derive(Args, Clone, Debug)]
pub struct HttpConfig {
    /// Browser origins allowed to call the API across origins: exact
    /// `scheme://host[:port]` values, comma-separated. Empty allows none.
    #[arg(
        id = "allowed_origins",
        long = "allowed-origins",
        env = "ALLOWED_ORIGINS",
        value_name = "ALLOWED_ORIGINS"
    )]
    pub allowed_origins: AllowedOrigins,
    /// The base path of a custom domain's mapping to this API (`v1`), which
    /// API Gateway leaves in front of every path; empty for none.
    #[arg(
        id = "api_base_path",
        long = "api-base-path",
        env = "API_BASE_PATH",
        value_name = "API_BASE_PATH",
        default_value = ""
    )]
    pub base_path: BasePath,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Args, Debug)]
    struct Example {
        #[arg(
            long = "example-table",
            env = "EXAMPLE_TABLE",
            value_name = "EXAMPLE_TABLE"
        )]
        table: TableName,
        #[command(flatten)]
        http: HttpConfig,
    }

    #[test]
    fn pairs_are_read_by_their_variable_names() {
        let cfg: Example = from_pairs(&[
            ("EXAMPLE_TABLE", "resume-prod"),
            (
                "ALLOWED_ORIGINS",
                "https://jane.example, http://localhost:8080",
            ),
        ])
        .unwrap();
        assert_eq!(cfg.table.as_str(), "resume-prod");
        assert!(cfg
            .http
            .allowed_origins
            .allows(&http::HeaderValue::from_static("http://localhost:8080")));
        assert!(!cfg
            .http
            .allowed_origins
            .allows(&http::HeaderValue::from_static("https://evil.example")));
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = from_pairs::<Example>(&[("ALLOWED_ORIGINS", "")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("EXAMPLE_TABLE".into()));
        assert_eq!(
            err.to_string(),
            "environment variable EXAMPLE_TABLE is not set"
        );
        let err = from_pairs::<Example>(&[("EXAMPLE_TABLE", "tbl")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ALLOWED_ORIGINS".into()));
    }

    #[test]
    fn an_invalid_value_is_named_with_its_reason() {
        let err = from_pairs::<Example>(&[("EXAMPLE_TABLE", "a b"), ("ALLOWED_ORIGINS", "")])
            .unwrap_err();
        let ConfigError::Invalid { name, reason } = err else {
            panic!("{err:?}")
        };
        assert_eq!(name, "EXAMPLE_TABLE");
        assert!(reason.contains("is not a DynamoDB table name"), "{reason}");
        for bad in [
            "example.com",
            "ftp://x.example",
            "https://x.example/path",
            "https://*.example",
        ] {
            let err = from_pairs::<Example>(&[("EXAMPLE_TABLE", "tbl"), ("ALLOWED_ORIGINS", bad)])
                .unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { name, .. } if name == "ALLOWED_ORIGINS"),
                "{bad}: {err:?}"
            );
        }
        // An empty allow-list is valid: no cross-origin callers.
        assert!(
            from_pairs::<Example>(&[("EXAMPLE_TABLE", "tbl"), ("ALLOWED_ORIGINS", "")]).is_ok()
        );
    }

    #[test]
    fn base_paths_are_normalised_and_checked() {
        let prefix = |raw: &str| {
            raw.parse::<BasePath>()
                .map(|b| b.as_prefix().map(str::to_owned))
        };
        assert_eq!(prefix("").unwrap(), None);
        assert_eq!(prefix("/").unwrap(), None);
        assert_eq!(prefix("(none)").unwrap(), None);
        assert_eq!(prefix("v1").unwrap().as_deref(), Some("/v1"));
        assert_eq!(prefix("/api/v1/").unwrap().as_deref(), Some("/api/v1"));
        for bad in ["a b", "../x", "v1//x", "v?1", "%2e"] {
            assert!(prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn table_names_are_checked() {
        assert!("items".parse::<TableName>().is_ok());
        assert!("x".parse::<TableName>().is_err());
        assert!("no way".parse::<TableName>().is_err());
        assert_eq!(
            " a-1 , ,b.2".parse::<TableNames>().unwrap().0,
            ["a-1".parse::<TableName>().unwrap(), "b.2".parse().unwrap()]
        );
        assert!("ok,no way".parse::<TableNames>().is_err());
    }
}
