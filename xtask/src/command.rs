//! Running the workspace's tools: the workspace root, a command started there, running one
//! (echoed first) or reading what it prints, and the error every step returns.

use std::path::{Path, PathBuf};
use std::process::Command;

/// An error that says which step failed.
pub type Result<T> = std::result::Result<T, String>;

/// The workspace root.
pub fn root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `program`, to be run in the workspace root.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    c
}

/// The command line, as echoed and named in errors.
pub fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `c` (echoed first); an error unless it succeeds.
pub fn run(mut c: Command) -> Result<()> {
    let what = describe(&c);
    eprintln!("+ {what}");
    let status = c
        .status()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed ({status})"))
    }
}

/// Runs `c` and returns what it printed; an error (with its stderr) unless it succeeds.
pub fn output(mut c: Command) -> Result<String> {
    let what = describe(&c);
    let out = c
        .output()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{what}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
