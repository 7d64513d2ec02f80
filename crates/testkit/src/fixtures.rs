//! Constants and paths tests share.

use std::path::{Path, PathBuf};

/// A desktop browser's User-Agent. The visitor counter counts a view only
/// from a browser on the site; a request without one (reqwest sends none,
/// nor does curl a browser's) counts as a bot's.
pub const BROWSER_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/// The repository root this crate was built in (where template.yaml,
/// events/ and node_modules are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
