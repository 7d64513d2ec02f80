//! The visitor counter Lambda's settings. There is no salt setting: the
//! salt is made per UTC day, in the salts table (`crate::store`'s salts).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use clap::Args;
use platform::config::TableName;
use platform::dynamo::{TableSpec, COUNTER_TABLE, SALTS_TABLE, VISITS_TABLE};

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
    /// The day salts' table: no backups, TTL (`platform::dynamo::SALTS_TABLE`).
    #[arg(
        id = "salts_table",
        long = "salts-table",
        env = "SALTS_TABLE",
        value_name = "SALTS_TABLE"
    )]
    pub salts_table: TableName,
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
    /// The value the site's CloudFront distribution puts in
    /// `X-Origin-Verify` (an origin custom header). Only a request carrying
    /// it is believed about its viewer's address (`CloudFront-Viewer-Address`,
    /// see `visitor_counter::visitor`). Unset or empty: none is.
    #[arg(
        id = "origin_verify_secret",
        long = "origin-verify-secret",
        env = "ORIGIN_VERIFY_SECRET",
        value_name = "ORIGIN_VERIFY_SECRET",
        default_value = "",
        hide_default_value = true,
        hide_env_values = true
    )]
    pub origin_verify_secret: OriginVerify,
}

impl CounterConfig {
    pub const DEFAULT_VISIT_TTL_DAYS: u32 = 90;
    pub const MAX_VISIT_TTL_DAYS: u32 = 3650;

    /// The counter's tables, each with its key schema and the name it has
    /// here: what a local stack or a test creates.
    pub fn tables(&self) -> [(TableSpec, &str); 3] {
        [
            (COUNTER_TABLE, self.counter_table.as_str()),
            (VISITS_TABLE, self.visits_table.as_str()),
            (SALTS_TABLE, self.salts_table.as_str()),
        ]
    }
}

/// `ORIGIN_VERIFY_SECRET`: empty (no request is taken as coming through
/// the distribution), or 32 to 256 visible ASCII characters. Its `Debug`
/// never shows the value.
#[derive(Clone, Default)]
pub struct OriginVerify(Option<Arc<[u8]>>);

impl OriginVerify {
    pub const MIN_CHARS: usize = 32;
    pub const MAX_CHARS: usize = 256;

    /// Whether a secret is set.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `candidate` is the secret; always false when none is set.
    /// Constant-time in where the two differ, so an answer's timing tells a
    /// guesser nothing about how much of a guess was right.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.0
            .as_deref()
            .is_some_and(|secret| bool::from(secret.ct_eq(candidate)))
    }
}

impl FromStr for OriginVerify {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Ok(Self(None));
        }
        let (min, max) = (Self::MIN_CHARS, Self::MAX_CHARS);
        // CloudFront sends the value as configured: a space or a control
        // character would be a copy-paste accident, not a secret.
        let visible = raw.bytes().all(|b| b.is_ascii_graphic());
        if visible && (min..=max).contains(&raw.len()) {
            Ok(Self(Some(raw.as_bytes().into())))
        } else {
            // The value is not repeated: it is meant to be a secret.
            Err(format!(
                "must be empty or {min} to {max} visible ASCII characters (no spaces)"
            ))
        }
    }
}

impl fmt::Debug for OriginVerify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.is_set() { "<set>" } else { "<unset>" };
        f.debug_tuple("OriginVerify").field(&shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use platform::config::{from_pairs, ConfigError};

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<CounterConfig, ConfigError> {
        let mut all = vec![
            ("COUNTER_TABLE", "counter"),
            ("VISITS_TABLE", "visits"),
            ("SALTS_TABLE", "salts"),
        ];
        all.extend_from_slice(pairs);
        from_pairs(&all)
    }

    #[test]
    fn counter_config_reads_every_variable() {
        let cfg: CounterConfig = from_pairs(&[
            ("COUNTER_TABLE", "counter-prod"),
            ("VISITS_TABLE", "visits-prod"),
            ("SALTS_TABLE", "salts-prod"),
            ("VISIT_TTL_DAYS", "30"),
        ])
        .unwrap();
        assert_eq!(cfg.counter_table.as_str(), "counter-prod");
        assert_eq!(cfg.visits_table.as_str(), "visits-prod");
        assert_eq!(cfg.salts_table.as_str(), "salts-prod");
        let specs: Vec<_> = cfg.tables().iter().map(|(s, n)| (s.env, *n)).collect();
        assert_eq!(
            specs,
            [
                ("COUNTER_TABLE", "counter-prod"),
                ("VISITS_TABLE", "visits-prod"),
                ("SALTS_TABLE", "salts-prod")
            ]
        );
        assert_eq!(cfg.visit_ttl_days, 30);
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
    fn the_origin_secret_is_off_unless_set_and_is_checked_without_being_shown() {
        assert!(!config(&[]).unwrap().origin_verify_secret.is_set());
        let off = config(&[("ORIGIN_VERIFY_SECRET", "")]).unwrap();
        assert!(!off.origin_verify_secret.is_set());
        // Off matches nothing, not even an empty header.
        assert!(!off.origin_verify_secret.matches(b""));
        let secret = "s3cr3t-".repeat(6);
        let on = config(&[("ORIGIN_VERIFY_SECRET", &secret)]).unwrap();
        let verify = &on.origin_verify_secret;
        assert!(verify.matches(secret.as_bytes()));
        assert!(!verify.matches(&secret.as_bytes()[1..]));
        assert!(!verify.matches(format!("{secret}x").as_bytes()));
        assert!(!verify.matches(secret.to_uppercase().as_bytes()));
        assert!(!format!("{on:?}").contains(&secret), "{on:?}");
        assert!(format!("{on:?}").contains("<set>"));
        let at_most = "x".repeat(OriginVerify::MAX_CHARS);
        assert!(config(&[("ORIGIN_VERIFY_SECRET", &at_most)]).is_ok());
        let short = "x".repeat(OriginVerify::MIN_CHARS - 1);
        let long = "x".repeat(OriginVerify::MAX_CHARS + 1);
        let spaced = format!("{secret} x");
        let control = format!("{secret}\tx");
        for bad in [
            short.as_str(),
            &long,
            &spaced,
            &control,
            "é".repeat(40).as_str(),
        ] {
            let err = config(&[("ORIGIN_VERIFY_SECRET", bad)]).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { name, reason }
                    if name == "ORIGIN_VERIFY_SECRET" && !reason.contains(bad)),
                "{err}"
            );
        }
    }

    #[test]
    fn the_salt_settings_are_gone() {
        // No setting reads them any more: the salt is made per day.
        for name in ["VISITOR_SALT", "VISITOR_SALT_SECRET_ARN"] {
            assert!(
                matches!(config(&[(name, "x")]), Err(ConfigError::Other(m)) if m.contains(name)),
                "{name}"
            );
        }
    }
}
