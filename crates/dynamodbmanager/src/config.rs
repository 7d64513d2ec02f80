//! The dynamodbmanager Lambda's settings.

use clap::Args;
use platform::config::{TableName, TableNames};

/// What the dynamodbmanager Lambda reads at start-up, from the environment
/// variable each field names.
#[derive(Args, Clone, Debug)]
pub struct ManagerConfig {
    /// The managed table, used when a request names none.
    #[arg(
        id = "manager_table",
        long = "manager-table",
        env = "MANAGER_TABLE",
        value_name = "MANAGER_TABLE"
    )]
    pub table: TableName,
    /// More tables a request may name, comma-separated. The managed table
    /// is always allowed; by default it is the only one.
    #[arg(
        id = "manager_allowed_tables",
        long = "manager-allowed-tables",
        env = "MANAGER_ALLOWED_TABLES",
        value_name = "MANAGER_ALLOWED_TABLES",
        default_value = ""
    )]
    pub allowed_tables: TableNames,
}

impl ManagerConfig {
    /// Whether a request may name `table`.
    pub fn allows_table(&self, table: &str) -> bool {
        self.table.as_str() == table || self.allowed_tables.0.iter().any(|t| t.as_str() == table)
    }
}

#[cfg(test)]
mod tests {
    use platform::config::{from_pairs, ConfigError};

    use super::*;

    #[test]
    fn by_default_only_the_managed_table_is_allowed() {
        let cfg: ManagerConfig = from_pairs(&[("MANAGER_TABLE", "items-prod")]).unwrap();
        assert_eq!(cfg.table.as_str(), "items-prod");
        assert!(cfg.allows_table("items-prod"));
        assert!(!cfg.allows_table("resume-prod"));
        assert!(!cfg.allows_table("items-pro"));

        // Set but empty is the same as unset.
        let cfg: ManagerConfig = from_pairs(&[
            ("MANAGER_TABLE", "items-prod"),
            ("MANAGER_ALLOWED_TABLES", " , "),
        ])
        .unwrap();
        assert!(cfg.allowed_tables.0.is_empty());
        assert!(!cfg.allows_table("resume-prod"));
    }

    #[test]
    fn the_allow_list_extends_the_managed_table() {
        let cfg: ManagerConfig = from_pairs(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "other, items ,third.t"),
        ])
        .unwrap();
        assert!(cfg.allows_table("items"));
        assert!(cfg.allows_table("other"));
        assert!(cfg.allows_table("third.t"));
        assert!(!cfg.allows_table("Other"));
    }

    #[test]
    fn bad_manager_settings_are_named() {
        let err = from_pairs::<ManagerConfig>(&[]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MANAGER_TABLE".into()));
        let err = from_pairs::<ManagerConfig>(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "ok,no way"),
        ])
        .unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { name, .. } if name == "MANAGER_ALLOWED_TABLES")
        );
        let err = from_pairs::<ManagerConfig>(&[("MANAGER_TABLE", "x")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name, .. } if name == "MANAGER_TABLE"));
    }
}
