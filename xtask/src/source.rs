//! What the source checks read: the workspace's Rust files, without their test modules.

use std::path::{Path, PathBuf};

use crate::command::Result;

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `text` up to its first `#[cfg(test)]` module: the code that ships (test modules sit at the end
/// of a file, by this workspace's convention).
pub fn outside_tests(text: &str) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::outside_tests;

    #[test]
    fn test_modules_are_left_out() {
        let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() {}\n}\n";
        assert_eq!(outside_tests(text), "fn a() {}\n");
        let gated = "#[cfg(test)]\nuse x;\nfn a() {}\n";
        assert_eq!(
            outside_tests(gated),
            gated,
            "only a test module ends the code"
        );
    }
}
