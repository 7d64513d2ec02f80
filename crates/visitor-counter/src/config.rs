//! The visitor counter Lambda's settings. There is no salt setting: the
//! salt is made per UTC day, in the salts table (`crate::store`'s salts).

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
