//! The resume Lambda's settings.

use clap::Args;
use model::resume::ResumeId;
use platform::config::TableName;

/// What the resume Lambda reads at start-up, from the environment variable
/// each field names.
#[derive(Args, Clone, Debug)]
pub struct ResumeConfig {
    /// The table resumes are stored in.
    #[arg(
        id = "resume_table",
        long = "resume-table",
        env = "RESUME_TABLE",
        value_name = "RESUME_TABLE"
    )]
    pub table: TableName,
    /// The resume `GET /resume` serves.
    #[arg(
        id = "resume_id",
        long = "resume-id",
        env = "RESUME_ID",
        value_name = "RESUME_ID"
    )]
    pub default_id: ResumeId,
}

#[cfg(test)]
mod tests {
    use platform::config::{from_pairs, ConfigError};

    use super::*;

    #[test]
    fn resume_config_reads_every_variable() {
        let cfg: ResumeConfig =
            from_pairs(&[("RESUME_TABLE", "resume-prod"), ("RESUME_ID", "jane")]).unwrap();
        assert_eq!(cfg.table.as_str(), "resume-prod");
        assert_eq!(cfg.default_id.as_str(), "jane");
    }

    #[test]
    fn missing_and_invalid_values_are_named() {
        let err = from_pairs::<ResumeConfig>(&[("RESUME_ID", "x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("RESUME_TABLE".into()));
        let base =
            |table, id| from_pairs::<ResumeConfig>(&[("RESUME_TABLE", table), ("RESUME_ID", id)]);
        assert!(matches!(
            base("a b", "x"),
            Err(ConfigError::Invalid { name, .. }) if name == "RESUME_TABLE"
        ));
        assert!(matches!(
            base("tbl", "../etc"),
            Err(ConfigError::Invalid { name, .. }) if name == "RESUME_ID"
        ));
    }
}
