//! The dynamodbmanager Lambda's settings.

use clap::Args;
use platform::config::{TableName, TableNames};
use platform::{ApiError, ApiResult};

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

    /// The table a request may use: the managed one when it names none,
    /// else the named one if the allow-list holds it; 403 otherwise.
    pub fn resolve_table<'a>(&'a self, named: Option<&'a str>) -> ApiResult<&'a str> {
        match named {
            None => Ok(self.table.as_str()),
            Some(name) if self.allows_table(name) => Ok(name),
            Some(name) => Err(ApiError::Forbidden(format!(
                "table {name:?} is not managed by this API; omit \"tableName\" to use the managed table"
            ))),
        }
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
    fn only_allowed_tables_resolve() {
        let config: ManagerConfig = from_pairs(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "other"),
        ])
        .unwrap();
        assert_eq!(config.resolve_table(None).unwrap(), "items");
        assert_eq!(config.resolve_table(Some("items")).unwrap(), "items");
        assert_eq!(config.resolve_table(Some("other")).unwrap(), "other");
        let e = config.resolve_table(Some("resume-prod")).unwrap_err();
        assert_eq!(e.status(), http::StatusCode::FORBIDDEN);
        assert!(e.to_string().contains("\"resume-prod\""), "{e}");
        assert!(config.resolve_table(Some("")).is_err());
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
