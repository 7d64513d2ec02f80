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

/// The dynamodbmanager Lambda's settings.
#[derive(Clone, Debug)]
pub struct ManagerConfig {
    /// `MANAGER_TABLE`: the managed table, used when a request names none.
    pub table: String,
    /// `MANAGER_ALLOWED_TABLES`: an optional comma-separated list of the
    /// tables a request may name. The managed table is always allowed; by
    /// default it is the only one.
    pub allowed_tables: Vec<String>,
    /// `ALLOWED_ORIGINS`
    pub cors: Cors,
}

impl ManagerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        const ALLOWED: &str = "MANAGER_ALLOWED_TABLES";
        let table = table_name(src, "MANAGER_TABLE")?;
        let mut allowed_tables = vec![table.clone()];
        for name in src.get(ALLOWED).unwrap_or_default().split(',') {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            validate_table_name(name).map_err(|reason| ConfigError::Invalid {
                name: ALLOWED,
                reason,
            })?;
            if !allowed_tables.iter().any(|t| t == name) {
                allowed_tables.push(name.to_owned());
            }
        }
        Ok(Self {
            table,
            allowed_tables,
            cors: allowed_origins(src)?,
        })
    }

    /// Whether a request may name `table`.
    pub fn allows_table(&self, table: &str) -> bool {
        self.allowed_tables.iter().any(|t| t == table)
    }
}

#[cfg(test)]
mod manager_config_tests {
    use super::*;

    #[test]
    fn by_default_only_the_managed_table_is_allowed() {
        let cfg = ManagerConfig::from_source(&[
            ("MANAGER_TABLE", "items-prod"),
            ("ALLOWED_ORIGINS", "https://a.example"),
        ])
        .unwrap();
        assert_eq!(cfg.table, "items-prod");
        assert_eq!(cfg.allowed_tables, ["items-prod"]);
        assert!(cfg.allows_table("items-prod"));
        assert!(!cfg.allows_table("resume-prod"));
        assert!(!cfg.allows_table("items-pro"));
        assert!(cfg
            .cors
            .allows(&HeaderValue::from_static("https://a.example")));

        // Set but empty is the same as unset.
        let cfg = ManagerConfig::from_source(&[
            ("MANAGER_TABLE", "items-prod"),
            ("MANAGER_ALLOWED_TABLES", " , "),
            ("ALLOWED_ORIGINS", ""),
        ])
        .unwrap();
        assert_eq!(cfg.allowed_tables, ["items-prod"]);
    }

    #[test]
    fn the_allow_list_extends_the_managed_table() {
        let cfg = ManagerConfig::from_source(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "other, items ,third.t"),
            ("ALLOWED_ORIGINS", ""),
        ])
        .unwrap();
        assert_eq!(cfg.allowed_tables, ["items", "other", "third.t"]);
        assert!(cfg.allows_table("other"));
        assert!(!cfg.allows_table("Other"));
    }

    #[test]
    fn bad_manager_settings_are_named() {
        let err = ManagerConfig::from_source(&[("ALLOWED_ORIGINS", "")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MANAGER_TABLE"));
        let err = ManagerConfig::from_source(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "ok,no way"),
            ("ALLOWED_ORIGINS", ""),
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "MANAGER_ALLOWED_TABLES",
                ..
            }
        ));
        let err = ManagerConfig::from_source(&[("MANAGER_TABLE", "x"), ("ALLOWED_ORIGINS", "")])
            .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "MANAGER_TABLE",
                ..
            }
        ));
        let err = ManagerConfig::from_source(&[("MANAGER_TABLE", "items")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ALLOWED_ORIGINS"));
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

/// The secret key that visitor IPs are hashed under (HMAC-SHA256). Its
/// `Debug` never shows the value, so it cannot leak through a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(std::sync::Arc<str>);

impl Salt {
    /// Shorter keys make the IP hashes easy to brute-force.
    pub const MIN_LEN: usize = 16;

    pub fn new(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.len() < Self::MIN_LEN {
            return Err(format!(
                "the salt must be at least {} characters long",
                Self::MIN_LEN
            ));
        }
        Ok(Self(value.into()))
    }

    /// A fresh random salt (64 hex digits, 244 random bits from the OS
    /// generator by way of two v4 UUIDs), for local runs.
    pub fn random() -> Self {
        let value = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self(value.into())
    }

    /// The key bytes. Only the hashing code should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

impl std::str::FromStr for Salt {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// Where the visitor counter's salt comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaltSource {
    /// `VISITOR_SALT`: the value itself (local runs, `sam local`).
    Value(Salt),
    /// `VISITOR_SALT_SECRET_ARN`: a Secrets Manager secret whose string is the
    /// salt, read once at start-up (deployed Lambdas).
    Secret(String),
}

/// The visitor counter Lambda's settings.
#[derive(Clone, Debug)]
pub struct CounterConfig {
    /// `COUNTER_TABLE`: the total, the daily unique counts and the
    /// seen-today markers.
    pub counter_table: String,
    /// `VISITS_TABLE`: the visit log.
    pub visits_table: String,
    /// `VISIT_TTL_DAYS`: how long a visit-log item lives (default 90).
    pub visit_ttl_days: u32,
    /// The resolved HMAC key, from [`SaltSource`].
    pub salt: Salt,
    /// `ALLOWED_ORIGINS`
    pub cors: Cors,
}

impl CounterConfig {
    pub const DEFAULT_VISIT_TTL_DAYS: u32 = 90;
    pub const MAX_VISIT_TTL_DAYS: u32 = 3650;

    /// Where the salt comes from: `VISITOR_SALT_SECRET_ARN` or `VISITOR_SALT`,
    /// exactly one of them.
    pub fn salt_source(src: &impl Source) -> Result<SaltSource, ConfigError> {
        const ARN: &str = "VISITOR_SALT_SECRET_ARN";
        const VALUE: &str = "VISITOR_SALT";
        let nonempty = |name| src.get(name).filter(|v| !v.trim().is_empty());
        match (nonempty(ARN), nonempty(VALUE)) {
            (Some(_), Some(_)) => Err(ConfigError::Invalid {
                name: VALUE,
                reason: format!("set {ARN} or {VALUE}, not both"),
            }),
            (Some(arn), None) => {
                let arn = arn.trim().to_owned();
                if arn.starts_with("arn:") && arn.contains(":secretsmanager:") {
                    Ok(SaltSource::Secret(arn))
                } else {
                    Err(ConfigError::Invalid {
                        name: ARN,
                        reason: "not a Secrets Manager ARN (arn:...:secretsmanager:...)".into(),
                    })
                }
            }
            (None, Some(value)) => {
                Salt::new(&value)
                    .map(SaltSource::Value)
                    .map_err(|reason| ConfigError::Invalid {
                        name: VALUE,
                        reason,
                    })
            }
            (None, None) => Err(ConfigError::Missing(ARN)),
        }
    }

    /// Everything but the salt from `src`; the salt as resolved by the caller.
    pub fn from_source_with_salt(src: &impl Source, salt: Salt) -> Result<Self, ConfigError> {
        const TTL: &str = "VISIT_TTL_DAYS";
        let visit_ttl_days = match src.get(TTL).map(|v| v.trim().to_owned()) {
            None => Self::DEFAULT_VISIT_TTL_DAYS,
            Some(v) if v.is_empty() => Self::DEFAULT_VISIT_TTL_DAYS,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=Self::MAX_VISIT_TTL_DAYS).contains(d))
                .ok_or_else(|| ConfigError::Invalid {
                    name: TTL,
                    reason: format!(
                        "{v:?} is not a whole number of days from 1 to {}",
                        Self::MAX_VISIT_TTL_DAYS
                    ),
                })?,
        };
        Ok(Self {
            counter_table: table_name(src, "COUNTER_TABLE")?,
            visits_table: table_name(src, "VISITS_TABLE")?,
            visit_ttl_days,
            salt,
            cors: allowed_origins(src)?,
        })
    }

    /// All settings from `src`, with the salt given in `VISITOR_SALT`. A
    /// salt kept in Secrets Manager needs fetching: see the visitor-counter
    /// crate's `config_from_env`.
    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        match Self::salt_source(src)? {
            SaltSource::Value(salt) => Self::from_source_with_salt(src, salt),
            SaltSource::Secret(_) => Err(ConfigError::Invalid {
                name: "VISITOR_SALT_SECRET_ARN",
                reason: "the secret must be fetched first; set VISITOR_SALT instead".into(),
            }),
        }
    }
}

#[cfg(test)]
mod counter_config_tests {
    use super::*;

    const SALT: &str = "0123456789abcdef0123";

    #[test]
    fn counter_config_reads_every_variable() {
        let cfg = CounterConfig::from_source(&[
            ("COUNTER_TABLE", "counter-prod"),
            ("VISITS_TABLE", "visits-prod"),
            ("VISIT_TTL_DAYS", "30"),
            ("VISITOR_SALT", SALT),
            ("ALLOWED_ORIGINS", "https://jane.example"),
        ])
        .unwrap();
        assert_eq!(cfg.counter_table, "counter-prod");
        assert_eq!(cfg.visits_table, "visits-prod");
        assert_eq!(cfg.visit_ttl_days, 30);
        assert_eq!(cfg.salt.expose(), SALT);
        assert!(cfg
            .cors
            .allows(&HeaderValue::from_static("https://jane.example")));
    }

    #[test]
    fn the_ttl_defaults_to_90_days_and_is_checked() {
        let with_ttl = |ttl| {
            CounterConfig::from_source(&[
                ("COUNTER_TABLE", "counter"),
                ("VISITS_TABLE", "visits"),
                ("VISIT_TTL_DAYS", ttl),
                ("VISITOR_SALT", SALT),
                ("ALLOWED_ORIGINS", ""),
            ])
        };
        assert_eq!(with_ttl("").unwrap().visit_ttl_days, 90);
        assert_eq!(with_ttl("3650").unwrap().visit_ttl_days, 3650);
        for bad in ["0", "-1", "1.5", "ninety", "3651"] {
            assert!(
                matches!(
                    with_ttl(bad),
                    Err(ConfigError::Invalid {
                        name: "VISIT_TTL_DAYS",
                        ..
                    })
                ),
                "{bad}"
            );
        }
        let unset = CounterConfig::from_source(&[
            ("COUNTER_TABLE", "counter"),
            ("VISITS_TABLE", "visits"),
            ("VISITOR_SALT", SALT),
            ("ALLOWED_ORIGINS", ""),
        ])
        .unwrap();
        assert_eq!(unset.visit_ttl_days, CounterConfig::DEFAULT_VISIT_TTL_DAYS);
    }

    #[test]
    fn the_salt_comes_from_exactly_one_place() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:visitor-salt-AbCdEf";
        assert_eq!(
            CounterConfig::salt_source(&[("VISITOR_SALT_SECRET_ARN", arn)]).unwrap(),
            SaltSource::Secret(arn.into())
        );
        assert_eq!(
            CounterConfig::salt_source(&[("VISITOR_SALT", SALT)]).unwrap(),
            SaltSource::Value(Salt::new(SALT).unwrap())
        );
        assert_eq!(
            CounterConfig::salt_source(&[("VISITOR_SALT", " ")]).unwrap_err(),
            ConfigError::Missing("VISITOR_SALT_SECRET_ARN")
        );
        assert!(matches!(
            CounterConfig::salt_source(&[("VISITOR_SALT_SECRET_ARN", arn), ("VISITOR_SALT", SALT)]),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(matches!(
            CounterConfig::salt_source(&[("VISITOR_SALT_SECRET_ARN", "my-secret")]),
            Err(ConfigError::Invalid {
                name: "VISITOR_SALT_SECRET_ARN",
                ..
            })
        ));
        assert!(matches!(
            CounterConfig::salt_source(&[("VISITOR_SALT", "short")]),
            Err(ConfigError::Invalid {
                name: "VISITOR_SALT",
                ..
            })
        ));
        // A secret ARN cannot be used without fetching it.
        assert!(CounterConfig::from_source(&[
            ("COUNTER_TABLE", "counter"),
            ("VISITS_TABLE", "visits"),
            ("VISITOR_SALT_SECRET_ARN", arn),
            ("ALLOWED_ORIGINS", ""),
        ])
        .is_err());
    }

    #[test]
    fn the_salt_never_shows_in_debug_output() {
        let salt = Salt::new(SALT).unwrap();
        assert_eq!(format!("{salt:?}"), "Salt(<redacted>)");
        let cfg = CounterConfig::from_source(&[
            ("COUNTER_TABLE", "counter"),
            ("VISITS_TABLE", "visits"),
            ("VISITOR_SALT", SALT),
            ("ALLOWED_ORIGINS", ""),
        ])
        .unwrap();
        assert!(!format!("{cfg:?}").contains(SALT));
        assert!(!format!("{:?}", SaltSource::Value(salt)).contains(SALT));
    }

    #[test]
    fn random_salts_are_long_and_differ() {
        let (a, b) = (Salt::random(), Salt::random());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(Salt::new(a.expose()).is_ok());
    }
}
