//! The visitor counter Lambda's settings, and its salt.

use std::sync::Arc;

use clap::Args;
use platform::config::{ConfigError, TableName};
use secrecy::{ExposeSecret, SecretString};

/// The secret key that visitor IPs are hashed under (HMAC-SHA256). A
/// `secrecy` secret: its `Debug` never shows the value, and it is zeroed
/// when dropped.
#[derive(Clone)]
pub struct Salt(Arc<SecretString>);

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
        Ok(Self(Arc::new(SecretString::from(value))))
    }

    /// A fresh random salt (64 hex digits, 244 random bits from the OS
    /// generator by way of two v4 UUIDs), for local runs.
    pub fn random() -> Self {
        let value = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self(Arc::new(SecretString::from(value)))
    }

    /// The key bytes. Only the hashing code should call this.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Salt {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

/// A setting's text that must not reach a log: `Debug` is redacted.
#[derive(Clone)]
pub struct SecretText(Arc<SecretString>);

impl std::str::FromStr for SecretText {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(Arc::new(SecretString::from(s))))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the visitor counter's salt comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SaltSource {
    /// `VISITOR_SALT`: the value itself (local runs, `sam local`).
    Value(Salt),
    /// `VISITOR_SALT_SECRET_ARN`: a Secrets Manager secret whose string is the
    /// salt, read once at start-up (deployed Lambdas).
    Secret(String),
}

/// What the visitor counter reads at start-up, from the environment
/// variable each field names.
#[derive(Args, Clone, Debug)]
pub struct CounterConfig {
    /// The table of the total, the daily unique counts and the seen-today
    /// markers.
    #[arg(
        id = "counter_table",
        long = "counter-table",
        env = "COUNTER_TABLE",
        value_name = "COUNTER_TABLE"
    )]
    pub counter_table: TableName,
    /// The visit log's table.
    #[arg(
        id = "visits_table",
        long = "visits-table",
        env = "VISITS_TABLE",
        value_name = "VISITS_TABLE"
    )]
    pub visits_table: TableName,
    /// Days a visit-log item lives before DynamoDB TTL removes it (1-3650).
    #[arg(
        id = "visit_ttl_days",
        long = "visit-ttl-days",
        env = "VISIT_TTL_DAYS",
        value_name = "VISIT_TTL_DAYS",
        default_value_t = Self::DEFAULT_VISIT_TTL_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(Self::MAX_VISIT_TTL_DAYS))
    )]
    pub visit_ttl_days: u32,
    /// The salt itself (local runs); blank means unset.
    #[arg(
        id = "visitor_salt",
        long = "visitor-salt",
        env = "VISITOR_SALT",
        value_name = "VISITOR_SALT",
        hide_env_values = true
    )]
    pub visitor_salt: Option<SecretText>,
    /// A Secrets Manager secret holding the salt (deployed); blank means unset.
    #[arg(
        id = "visitor_salt_secret_arn",
        long = "visitor-salt-secret-arn",
        env = "VISITOR_SALT_SECRET_ARN",
        value_name = "VISITOR_SALT_SECRET_ARN"
    )]
    pub visitor_salt_secret_arn: Option<String>,
}

impl CounterConfig {
    pub const DEFAULT_VISIT_TTL_DAYS: u32 = 90;
    pub const MAX_VISIT_TTL_DAYS: u32 = 3650;

    /// Where the salt comes from: `VISITOR_SALT_SECRET_ARN` or `VISITOR_SALT`,
    /// exactly one of them.
    pub fn salt_source(&self) -> Result<SaltSource, ConfigError> {
        const ARN: &str = "VISITOR_SALT_SECRET_ARN";
        const VALUE: &str = "VISITOR_SALT";
        let nonempty = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let invalid = |name: &str, reason: String| ConfigError::Invalid {
            name: name.into(),
            reason,
        };
        match (
            nonempty(self.visitor_salt_secret_arn.as_deref()),
            nonempty(self.visitor_salt.as_ref().map(|s| s.0.expose_secret())),
        ) {
            (Some(_), Some(_)) => Err(invalid(VALUE, format!("set {ARN} or {VALUE}, not both"))),
            (Some(arn), None) if arn.starts_with("arn:") && arn.contains(":secretsmanager:") => {
                Ok(SaltSource::Secret(arn))
            }
            (Some(_), None) => Err(invalid(
                ARN,
                "not a Secrets Manager ARN (arn:...:secretsmanager:...)".into(),
            )),
            (None, Some(value)) => Salt::new(&value)
                .map(SaltSource::Value)
                .map_err(|reason| invalid(VALUE, reason)),
            (None, None) => Err(ConfigError::Missing(ARN.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use platform::config::from_pairs;

    use super::*;

    const SALT: &str = "0123456789abcdef0123";

    fn config(pairs: &[(&str, &str)]) -> Result<CounterConfig, ConfigError> {
        let mut all = vec![("COUNTER_TABLE", "counter"), ("VISITS_TABLE", "visits")];
        all.extend_from_slice(pairs);
        from_pairs(&all)
    }

    #[test]
    fn counter_config_reads_every_variable() {
        let cfg: CounterConfig = from_pairs(&[
            ("COUNTER_TABLE", "counter-prod"),
            ("VISITS_TABLE", "visits-prod"),
            ("VISIT_TTL_DAYS", "30"),
            ("VISITOR_SALT", SALT),
        ])
        .unwrap();
        assert_eq!(cfg.counter_table.as_str(), "counter-prod");
        assert_eq!(cfg.visits_table.as_str(), "visits-prod");
        assert_eq!(cfg.visit_ttl_days, 30);
        assert_eq!(
            cfg.salt_source().unwrap(),
            SaltSource::Value(Salt::new(SALT).unwrap())
        );
    }

    #[test]
    fn the_ttl_defaults_to_90_days_and_is_checked() {
        let with_ttl = |ttl| config(&[("VISIT_TTL_DAYS", ttl)]);
        assert_eq!(config(&[]).unwrap().visit_ttl_days, 90);
        assert_eq!(with_ttl("3650").unwrap().visit_ttl_days, 3650);
        for bad in ["0", "-1", "1.5", "ninety", "3651", ""] {
            assert!(
                matches!(with_ttl(bad), Err(ConfigError::Invalid { name, .. }) if name == "VISIT_TTL_DAYS"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_salt_comes_from_exactly_one_place() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:visitor-salt-AbCdEf";
        let source = |pairs: &[(&str, &str)]| config(pairs).unwrap().salt_source();
        assert_eq!(
            source(&[("VISITOR_SALT_SECRET_ARN", arn), ("VISITOR_SALT", "")]).unwrap(),
            SaltSource::Secret(arn.into())
        );
        assert_eq!(
            source(&[("VISITOR_SALT", SALT), ("VISITOR_SALT_SECRET_ARN", "")]).unwrap(),
            SaltSource::Value(Salt::new(SALT).unwrap())
        );
        assert_eq!(
            source(&[("VISITOR_SALT", " ")]).unwrap_err(),
            ConfigError::Missing("VISITOR_SALT_SECRET_ARN".into())
        );
        assert!(matches!(
            source(&[("VISITOR_SALT_SECRET_ARN", arn), ("VISITOR_SALT", SALT)]),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(matches!(
            source(&[("VISITOR_SALT_SECRET_ARN", "my-secret")]),
            Err(ConfigError::Invalid { name, .. }) if name == "VISITOR_SALT_SECRET_ARN"
        ));
        assert!(matches!(
            source(&[("VISITOR_SALT", "short")]),
            Err(ConfigError::Invalid { name, .. }) if name == "VISITOR_SALT"
        ));
    }

    #[test]
    fn the_salt_never_shows_in_debug_output() {
        let salt = Salt::new(SALT).unwrap();
        assert_eq!(format!("{salt:?}"), "Salt(<redacted>)");
        assert!(!format!("{:?}", SaltSource::Value(salt)).contains(SALT));
        let cfg = config(&[("VISITOR_SALT", SALT)]).unwrap();
        assert!(!format!("{cfg:?}").contains(SALT));
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
