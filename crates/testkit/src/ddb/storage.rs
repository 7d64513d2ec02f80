//! Where DynamoDB Local keeps its data and writes its output.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{Error, Result};

/// Where DynamoDB Local keeps its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `-inMemory`: gone when Java stops.
    InMemory,
    /// `-sharedDb -dbPath DIR`: kept in DIR (created if missing), surviving a restart.
    Dir(PathBuf),
}

impl Storage {
    /// DynamoDB Local's arguments for this storage; creates the folder.
    pub(crate) fn args(&self) -> Result<Vec<String>> {
        match self {
            Self::InMemory => Ok(vec!["-inMemory".to_owned()]),
            Self::Dir(dir) => {
                create_dir(dir)?;
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                Ok(vec![
                    "-sharedDb".to_owned(),
                    "-dbPath".to_owned(),
                    dir.display().to_string(),
                ])
            }
        }
    }
}

/// Where Java's output goes: `log`, else `ddb.log` in a fresh folder in the
/// temp dir. Its folder is created.
pub(crate) fn log_file(log: Option<&Path>, port: u16) -> Result<PathBuf> {
    let log = match log {
        Some(log) => log.to_path_buf(),
        None => {
            let dir = std::env::temp_dir().join(format!("ddb-local-{}-{port}", std::process::id()));
            create_dir(&dir)?;
            dir.join("ddb.log")
        }
    };
    if let Some(parent) = non_empty_parent(&log) {
        create_dir(parent)?;
    }
    Ok(log)
}

/// The folder Java runs in: the log's (DynamoDB Local writes beside it).
pub(crate) fn work_dir(log: &Path) -> PathBuf {
    non_empty_parent(log).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn non_empty_parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// Appends the line that says which start the output below belongs to.
pub(crate) fn log_header(log: &Path, port: u16, storage: &Storage) -> Result<()> {
    let mut file = open_log(log)?;
    let _ = writeln!(
        file,
        "=== starting DynamoDB Local on port {port} ({storage:?}) ==="
    );
    Ok(())
}

pub(crate) fn open_log(log: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| Error(format!("cannot open {}: {e}", log.display())))
}

pub(crate) fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error(format!("cannot create {}: {e}", dir.display())))
}
