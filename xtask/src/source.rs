//! Checks on the workspace's own Rust sources, and what they read.
//!
//! - [`check_module_cycles`]: no two modules of a crate use one another, directly or through
//!   others. Modules are compared with their siblings: `a` uses `b` when anything in `a`'s subtree
//!   names anything in `b`'s (`store::writer` naming `crate::check::Chain` is the arrow
//!   `store → check` among the crate root's modules). A module naming its parent's items, or its
//!   own children's, draws no arrow.
//! - [`check_file_sizes`]: no source file longer than [`MAX_LINES`] lines outside its tests, and no
//!   code after a test module (the checks read a file up to its test module).
//! - [`rust_files`], [`outside_tests`]: the files and the code that ships, also read by `parts`.
//!
//! Both checks read every crate's `src/` (the crates, `src-tauri`, `xtask`) and leave out test
//! files (`tests` folders, `tests.rs`) and test modules.
//!
//! # What the cycle check reads
//!
//! Each module's code without comments: its `use` trees (flattened, with `as` renames, any
//! visibility), and `crate::`, `super::` and `$crate::` paths anywhere else, string literals
//! included (`#[ts(as = "crate::…")]` names a real item). A path is followed through the modules it
//! names, then through the names a module brings in with `use` (the crate root's re-exports, a
//! `mod.rs` re-exporting its children's items), to the module that holds the item. It does not
//! see:
//! - inline modules (`mod name { … }` within a file): their code counts as the file's module's, so
//!   a `super::` inside one resolves a level too high;
//! - names brought in by a glob (`use super::*`, `pub use a::*`) and used unqualified: the arrow
//!   is drawn where the glob is written, not through it;
//! - paths made by macros (other than `$crate::`), `#[path]` attributes, and files compiled only
//!   under `#[cfg(test)]` that are neither named `tests.rs` nor in a `tests` folder;
//! - `src/main.rs` beside a `src/lib.rs` and `src/bin/`: other crates (binaries), not modules of
//!   the library.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::command::{Result, root};

/// The most lines a source file may have outside its tests.
pub const MAX_LINES: usize = 800;

/// How deep a name is followed through re-exports (`pub use`) before the check gives up on it.
const MAX_REEXPORTS: usize = 8;

/// A crate's sources: its folder (from the workspace root) and its `src` folder.
#[derive(Debug)]
struct Sources {
    folder: String,
    src: PathBuf,
}

impl Sources {
    /// The crate's short name, as findings name it (`ledger`, `src-tauri`).
    fn name(&self) -> &str {
        self.folder.rsplit('/').next().unwrap_or(&self.folder)
    }
}

/// Every crate's sources, by folder.
fn crate_sources() -> Result<Vec<Sources>> {
    let mut out = Vec::new();
    let crates = root().join("crates");
    let entries = std::fs::read_dir(&crates).map_err(|e| format!("{}: {e}", crates.display()))?;
    for entry in entries {
        let dir = entry.map_err(|e| e.to_string())?.path();
        if dir.join("src").is_dir()
            && let Some(name) = dir.file_name()
        {
            out.push(Sources {
                folder: format!("crates/{}", name.to_string_lossy()),
                src: dir.join("src"),
            });
        }
    }
    for folder in ["src-tauri", "xtask"] {
        out.push(Sources {
            folder: folder.to_owned(),
            src: root().join(folder).join("src"),
        });
    }
    out.sort_by(|a, b| a.folder.cmp(&b.folder));
    Ok(out)
}

/// Whether `file` holds only tests: in a `tests` folder, or a `tests.rs`.
pub fn is_test_file(file: &Path) -> bool {
    file.components().any(|c| c.as_os_str() == "tests")
        || file.file_name().is_some_and(|n| n == "tests.rs")
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))
}

/// `file` from the workspace root, for messages.
fn shown(file: &Path) -> String {
    let root = root();
    file.strip_prefix(&root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// Fails with every problem `found` (problems by crate folder) holds.
fn verdict(what: &str, found: Vec<(String, Vec<String>)>) -> Result<()> {
    let failing: Vec<String> = found
        .into_iter()
        .flat_map(|(_, problems)| problems)
        .collect();
    if failing.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}:\n  {}", failing.join("\n  ")))
    }
}

/// Fails naming every source file longer than [`MAX_LINES`] outside its tests, and every file
/// with code after its test module.
pub fn check_file_sizes() -> Result<()> {
    let mut found = Vec::new();
    for sources in crate_sources()? {
        let mut problems = Vec::new();
        for file in library_files(&sources.src)? {
            let text = read(&file)?;
            problems.extend(size_problems(&shown(&file), &text));
        }
        found.push((sources.folder, problems));
    }
    verdict(
        &format!("source files over {MAX_LINES} lines outside tests (split them along a seam)"),
        found,
    )
}

/// What the size check finds in one file.
fn size_problems(shown: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines = outside_tests(text).lines().count();
    if lines > MAX_LINES {
        problems.push(format!("{shown}: {lines} lines"));
    }
    if code_after_tests(text) {
        problems.push(format!(
            "{shown}: code after its test module (tests go last: the checks read up to them)"
        ));
    }
    problems
}

/// Fails naming every group of modules of a crate that use one another, with the arrows.
pub fn check_module_cycles() -> Result<()> {
    let mut found = Vec::new();
    for sources in crate_sources()? {
        let modules = modules(&sources.src)?;
        let name = sources.name().to_owned();
        let cycles = cycles(&modules)
            .into_iter()
            .map(|cycle| format!("{name}{cycle}"))
            .collect();
        found.push((sources.folder, cycles));
    }
    verdict(
        "modules that use one another in a circle (cut one arrow)",
        found,
    )
}

/// The library's files under `src`: no test files, no binaries beside a `lib.rs`.
fn library_files(src: &Path) -> Result<Vec<PathBuf>> {
    let has_lib = src.join("lib.rs").is_file();
    Ok(rust_files(src)?
        .into_iter()
        .filter(|file| !is_test_file(file))
        .filter(|file| {
            let rel = file.strip_prefix(src).unwrap_or(file);
            !(rel.starts_with("bin") || (has_lib && rel == Path::new("main.rs")))
        })
        .collect())
}

/// A crate's modules by path (`["store", "table"]`; the crate root is empty) with their code
/// outside tests.
type Modules = BTreeMap<Vec<String>, String>;

/// Reads a crate's modules.
fn modules(src: &Path) -> Result<Modules> {
    let mut out = BTreeMap::new();
    for file in library_files(src)? {
        let rel = file.strip_prefix(src).map_err(|e| e.to_string())?;
        let mut path: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if path.last().is_some_and(|l| l == "mod") || path == ["lib"] || path == ["main"] {
            path.pop();
        }
        out.insert(path, outside_tests(&read(&file)?).to_owned());
    }
    Ok(out)
}

/// What [`blank`] leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    Comments,
    CommentsAndStrings,
}

/// `text` with comments (line, block, doc) and, for [`Blank::CommentsAndStrings`], the insides of
/// string and character literals replaced by spaces; line breaks stay, so lines still count.
fn blank(text: &str, what: Blank) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let at = |i: usize| chars.get(i).copied();
    let space = |c: char| if c == '\n' { '\n' } else { ' ' };
    let strings = what == Blank::CommentsAndStrings;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let ident = |j: usize| chars[j].is_alphanumeric() || chars[j] == '_';
        // Before a raw string's `r`, a byte string's `b` is no identifier.
        let ident_before =
            i > 0 && ident(i - 1) && !(chars[i - 1] == 'b' && c == 'r' && (i < 2 || !ident(i - 2)));
        if c == '/' && at(i + 1) == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(space(chars[i]));
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let escaped = chars[i] == '\\';
                let n = if escaped { 2 } else { 1 };
                for &ch in chars.iter().skip(i).take(n) {
                    out.push(if strings { space(ch) } else { ch });
                }
                i += n;
            }
            if i < chars.len() {
                out.push('"');
                i += 1;
            }
        } else if c == 'r' && !ident_before && matches!(at(i + 1), Some('"' | '#')) {
            // A raw string, `r"…"` or `r#"…"#` (a `br` one gets here at its `r`).
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if at(i + 1 + hashes) != Some('"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let open = 2 + hashes;
            out.extend(&chars[i..i + open]);
            i += open;
            while i < chars.len() && !chars[i..].starts_with(&close) {
                out.push(if strings { space(chars[i]) } else { chars[i] });
                i += 1;
            }
            let end = (i + close.len()).min(chars.len());
            out.extend(&chars[i..end]);
            i = end;
        } else if c == '\'' {
            // A character literal (`'x'`, `'\n'`, `'"'`), or else a lifetime's quote.
            let len = if at(i + 1) == Some('\\') {
                // Past the escaped character (which may be a quote) to the closing quote.
                chars
                    .get(i + 3..)
                    .and_then(|after| after.iter().position(|&q| q == '\''))
                    .map(|p| p + 4)
            } else {
                (at(i + 2) == Some('\'')).then_some(3)
            };
            match len {
                Some(len) => {
                    out.push('\'');
                    for &ch in &chars[i + 1..i + len - 1] {
                        out.push(if strings { ' ' } else { ch });
                    }
                    out.push('\'');
                    i += len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A path a `use` tree brings in: its segments as written, and the name it is known by there
/// (its `as` rename, or its last segment; `*` for a glob).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UsePath {
    path: String,
    name: String,
}

/// Every path the `use` declarations of `code` (comments and strings blanked) bring in, of any
/// visibility (`pub(crate) use`), however the tree is laid out over lines.
fn use_paths(code: &str) -> Vec<UsePath> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 3..].chars().next();
        rest = &rest[at + 3..];
        let keyword = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && after.is_some_and(char::is_whitespace);
        if !keyword {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        // Spaces only where they mean something: around `as`.
        let mut tree = String::new();
        let mut words = rest[..end].split_whitespace().peekable();
        while let Some(word) = words.next() {
            tree.push_str(word);
            if word == "as" || words.peek() == Some(&"as") {
                tree.push(' ');
            }
        }
        if tree.starts_with(|c: char| c.is_alphabetic() || "_{:$".contains(c)) {
            found.extend(flatten(&tree));
        }
        rest = &rest[end..];
    }
    found
}

/// `a::{b, c::{d, e as f}, self}` as `a::b`, `a::c::d`, `a::c::e` (known as `f`) and `a`.
fn flatten(tree: &str) -> Vec<UsePath> {
    let Some(open) = tree.find('{') else {
        let (path, rename) = match tree.split_once(" as ") {
            Some((path, rename)) => (path.trim(), Some(rename.trim())),
            None => (tree.trim(), None),
        };
        let path = path.trim_start_matches("::");
        let name = rename.unwrap_or_else(|| path.rsplit("::").next().unwrap_or(path));
        return vec![UsePath {
            path: path.to_owned(),
            name: name.to_owned(),
        }];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0_usize, 0_usize);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|part| {
            // `self` (or `self as x`) is the prefix itself.
            let own = part == "self" || part.starts_with("self ");
            let joined = if own {
                format!("{}{}", prefix.trim_end_matches("::"), &part[4..])
            } else {
                format!("{prefix}{part}")
            };
            flatten(&joined)
        })
        .collect()
}

/// The paths a module's code names that may lead elsewhere in its crate, as segments: the `use`
/// paths (of any kind: what is not a module of the crate resolves to nothing), and the
/// `crate::`, `$crate::` and `super::` paths in the rest of the code, strings included.
fn references(code: &str) -> Vec<Vec<String>> {
    let bare = blank(code, Blank::CommentsAndStrings);
    let plain = blank(code, Blank::Comments);
    let split = |path: &str| -> Vec<String> {
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut found: Vec<Vec<String>> = use_paths(&bare).iter().map(|u| split(&u.path)).collect();
    for anchor in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(offset) = plain[from..].find(anchor) {
            let at = from + offset;
            let before = plain[..at].chars().next_back();
            let path: String = plain[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            from = at + anchor.len();
            // Inside a longer path (`super::super::`, `a::crate`), or an identifier.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            found.push(split(&path));
        }
    }
    found
}

/// A crate's modules and the names each brings in with `use`, to follow paths through.
struct Crate<'m> {
    modules: &'m Modules,
    /// Per module, each name it brings in, as an absolute path (from the crate root).
    names: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

impl<'m> Crate<'m> {
    fn new(modules: &'m Modules) -> Self {
        let mut krate = Self {
            modules,
            names: BTreeMap::new(),
        };
        for (path, code) in modules {
            let mut names = BTreeMap::new();
            for used in use_paths(&blank(code, Blank::CommentsAndStrings)) {
                let segments: Vec<String> = used.path.split("::").map(str::to_owned).collect();
                if used.name != "*"
                    && let Some(absolute) = krate.absolute(path, &segments)
                {
                    names.insert(used.name, absolute);
                }
            }
            krate.names.insert(path.clone(), names);
        }
        krate
    }

    /// `segments`, written in module `from`, from the crate root; `None` for a path outside the
    /// crate (another crate's, or the standard library's).
    fn absolute(&self, from: &[String], segments: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        let mut out = match first.as_str() {
            "crate" | "$crate" => Vec::new(),
            "self" => from.to_vec(),
            "super" => from[..from.len().saturating_sub(1)].to_vec(),
            child => {
                let mut module = from.to_vec();
                module.push(child.to_owned());
                if !self.modules.contains_key(&module) {
                    return None;
                }
                module
            }
        };
        for segment in rest {
            if segment == "super" {
                out.pop();
            } else {
                out.push(segment.clone());
            }
        }
        Some(out)
    }

    /// The module that holds what `segments`, written in module `from`, names: as deep as the
    /// path goes through modules, then through the names modules bring in with `use`.
    fn locate(&self, from: &[String], segments: &[String]) -> Vec<String> {
        let Some(absolute) = self.absolute(from, segments) else {
            return from.to_vec();
        };
        let mut path = absolute;
        let mut module: Vec<String> = Vec::new();
        for _ in 0..MAX_REEXPORTS {
            module.clear();
            let mut next = None;
            for (i, segment) in path.iter().enumerate() {
                let mut deeper = module.clone();
                deeper.push(segment.clone());
                if self.modules.contains_key(&deeper) {
                    module = deeper;
                    continue;
                }
                // A name the module brings in: where it comes from, and the rest of the path.
                next = self
                    .names
                    .get(&module)
                    .and_then(|names| names.get(segment))
                    .filter(|source| **source != deeper)
                    .map(|source| source.iter().chain(&path[i + 1..]).cloned().collect());
                break;
            }
            match next {
                Some(followed) => path = followed,
                None => break,
            }
        }
        module
    }
}

/// Every group of sibling modules that use one another, as `::parent: a ↔ b — a → b (how); …`.
fn cycles(modules: &Modules) -> Vec<String> {
    let krate = Crate::new(modules);
    // Arrows between siblings, by their parent, each with the first reference that draws it.
    let mut arrows: BTreeMap<Vec<String>, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (path, code) in modules {
        for segments in references(code) {
            let target = krate.locate(path, &segments);
            let common = path.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < path.len() && common < target.len() {
                arrows
                    .entry(path[..common].to_vec())
                    .or_default()
                    .entry((path[common].clone(), target[common].clone()))
                    .or_insert_with(|| {
                        format!("{} names {}", path.join("::"), segments.join("::"))
                    });
            }
        }
    }
    let mut out = Vec::new();
    for (parent, arrows) in arrows {
        let edges: BTreeSet<(String, String)> = arrows.keys().cloned().collect();
        for group in strongly_connected(&edges) {
            let within: Vec<String> = arrows
                .iter()
                .filter(|((a, b), _)| group.contains(a) && group.contains(b))
                .map(|((a, b), how)| format!("{a} → {b} ({how})"))
                .collect();
            let at: String = parent.iter().map(|p| format!("::{p}")).collect();
            out.push(format!(
                "{at}: {} — {}",
                group.join(" ↔ "),
                within.join("; ")
            ));
        }
    }
    out
}

/// The groups of more than one node that reach one another (Tarjan's algorithm), each sorted.
fn strongly_connected(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    let mut search = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in nodes {
        if !search.index.contains_key(node) {
            search.visit(node);
        }
    }
    search.groups
}

/// The state of one run of Tarjan's strongly connected components.
struct Tarjan<'e> {
    edges: &'e BTreeSet<(String, String)>,
    /// Order of discovery, and the lowest index reachable, per node.
    index: BTreeMap<&'e str, usize>,
    low: BTreeMap<&'e str, usize>,
    stack: Vec<&'e str>,
    on_stack: BTreeSet<&'e str>,
    groups: Vec<Vec<String>>,
}

impl<'e> Tarjan<'e> {
    fn visit(&mut self, v: &'e str) {
        let n = self.index.len();
        self.index.insert(v, n);
        self.low.insert(v, n);
        self.stack.push(v);
        self.on_stack.insert(v);
        let edges = self.edges;
        for (_, w) in edges.iter().filter(|(a, _)| a == v) {
            let w = w.as_str();
            let reach = if !self.index.contains_key(w) {
                self.visit(w);
                self.low.get(w).copied()
            } else if self.on_stack.contains(w) {
                self.index.get(w).copied()
            } else {
                None
            };
            if let Some(reach) = reach
                && let Some(low) = self.low.get_mut(v)
            {
                *low = (*low).min(reach);
            }
        }
        if self.low.get(v) == self.index.get(v) {
            let mut group = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(w);
                group.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                self.groups.push(group);
            }
        }
    }
}

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

/// `text` up to its first inline `#[cfg(test)]` module (`mod tests { … }`): the code that ships,
/// since test modules sit at the end of a file by this workspace's convention (the size check
/// fails a file with code after one). A `#[cfg(test)] mod tests;` line is kept: its file is read
/// as a test file.
pub fn outside_tests(text: &str) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines.peek().is_some_and(|next| {
                let next = next.trim();
                next.ends_with('{') && next.split_whitespace().any(|w| w == "mod")
            })
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// Whether `text` has code after the test module [`outside_tests`] stops at.
fn code_after_tests(text: &str) -> bool {
    let start = outside_tests(text).len();
    let rest = blank(&text[start..], Blank::CommentsAndStrings);
    let Some(open) = rest.find('{') else {
        return false;
    };
    let mut depth = 0_usize;
    for (i, ch) in rest[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return !rest[open + i + 1..].trim().is_empty();
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(files: &[(&str, &str)]) -> Modules {
        files
            .iter()
            .map(|(path, code)| {
                let path = path
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                (path, (*code).to_owned())
            })
            .collect()
    }

    fn paths(found: &[UsePath]) -> Vec<(&str, &str)> {
        found
            .iter()
            .map(|u| (u.path.as_str(), u.name.as_str()))
            .collect()
    }

    #[test]
    fn use_trees_are_flattened() {
        assert_eq!(
            paths(&flatten(
                "crate::{a::{B,c},d::{self},e as f,g::{self as h}}"
            )),
            [
                ("crate::a::B", "B"),
                ("crate::a::c", "c"),
                ("crate::d", "d"),
                ("crate::e", "f"),
                ("crate::g", "h"),
            ]
        );
        assert_eq!(paths(&flatten("super::*")), [("super::*", "*")]);
    }

    #[test]
    fn use_declarations_are_found_however_they_are_written() {
        let code = "pub(crate) use crate::{\n    store::{Workspace as Ws,\n\tStoreError},\n    table,\n};\nuse\tsuper::query::Filter;\nfn reuse(x: u8) {}\nlet cause = 1; pub use self::a::b;";
        assert_eq!(
            paths(&use_paths(code)),
            [
                ("crate::store::Workspace", "Ws"),
                ("crate::store::StoreError", "StoreError"),
                ("crate::table", "table"),
                ("super::query::Filter", "Filter"),
                ("self::a::b", "b"),
            ]
        );
    }

    #[test]
    fn references_skip_comments_and_keep_paths_in_strings() {
        let code = "use crate::{store::X, table};\n// use crate::commented::Out;\n/* crate::block::Out */\nlet y = super::query::f();\nlet z = super::super::up::g();\n#[ts(as = \"crate::actor::Wire\")]\nlet s = \"use crate::in_a_string::No;\";";
        let found = references(code);
        let has = |p: &[&str]| found.iter().any(|f| f == p);
        assert!(has(&["crate", "store", "X"]));
        assert!(has(&["crate", "table"]));
        assert!(has(&["super", "query", "f"]));
        assert!(has(&["super", "super", "up", "g"]));
        assert!(
            has(&["crate", "actor", "Wire"]),
            "a path in an attribute's string"
        );
        assert!(!found.iter().any(|f| f.contains(&"commented".to_owned())));
        assert!(!found.iter().any(|f| f.contains(&"block".to_owned())));
        // Not a `use` (it is in a string), but the path in it counts like the attribute's.
        assert!(has(&["crate", "in_a_string", "No"]));
        assert!(!found.iter().any(|f| f == &["super", "up", "g"]));
    }

    #[test]
    fn comments_and_strings_are_blanked_line_for_line() {
        let text = "let a = '\"'; // \"not a string\nlet b = r#\"x // y\"#; /* a /* b */ c */ let c = 'x';\nfn f<'a>(s: &'a str) {}";
        let code = blank(text, Blank::Comments);
        assert_eq!(code.lines().count(), text.lines().count());
        assert!(code.contains("let a = '\"';") && !code.contains("not a string"));
        assert!(code.contains("r#\"x // y\"#") && !code.contains("c */"));
        assert!(code.contains("let c = 'x';") && code.contains("fn f<'a>(s: &'a str)"));
        let bare = blank(text, Blank::CommentsAndStrings);
        assert!(!bare.contains("x // y") && bare.contains("let c = ' ';"));
        let escaped = "let q = '\\''; // gone\nlet r = br\"a\\\"; // gone too\n";
        let code = blank(escaped, Blank::Comments);
        assert!(code.contains("let q = '\\'';") && code.contains("br\"a\\\";"));
        assert!(!code.contains("gone"), "{code}");
    }

    #[test]
    fn a_cycle_among_siblings_is_found_with_its_arrows() {
        let found = cycles(&modules(&[
            (
                "",
                "mod query; mod store; mod table; pub use query::Filter;",
            ),
            ("store", "use crate::table::LedgerTable;"),
            ("table", "use crate::Filter;"),
            ("query", "fn f(w: &crate::store::Workspace) {}"),
        ]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(": query ↔ store ↔ table — "),
            "{found:?}"
        );
        // Through the crate root's re-export of `query::Filter`.
        assert!(found[0].contains("table → query (table names crate::Filter)"));
    }

    #[test]
    fn children_and_parents_draw_no_arrow_and_a_dag_passes() {
        let found = cycles(&modules(&[
            ("", "mod store; mod query; pub use store::Workspace;"),
            (
                "store",
                "mod codec; mod writer; pub use writer::Import; fn f() { writer::g(); }",
            ),
            ("store::codec", "use super::StoreError;"),
            (
                "store::writer",
                "use super::{codec::Block, StoreError}; use crate::Workspace;",
            ),
            (
                "query",
                "use crate::store::Workspace; use crate::Workspace as W;",
            ),
        ]));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn cycles_below_the_root_are_found_through_re_exports() {
        let found = cycles(&modules(&[
            (
                "",
                "mod org_api; mod exchange; pub(crate) use exchange::funding::Ledger;",
            ),
            (
                "exchange",
                "mod funding; mod market; pub use self::market::Pair;",
            ),
            ("exchange::funding", "use super::Pair;"),
            ("exchange::market", "use crate::Ledger as L;"),
            ("org_api", "use crate::exchange::funding;"),
        ]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("::exchange: funding ↔ market — "),
            "{found:?}"
        );
    }

    #[test]
    fn super_super_leaves_the_parent() {
        let found = cycles(&modules(&[
            ("", "mod a; mod b;"),
            ("a", "mod inner;"),
            ("a::inner", "fn f() { super::super::b::g(); }"),
            ("b", "use crate::a::inner::f;"),
        ]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("a → b (a::inner names super::super::b::g)"));
    }

    #[test]
    fn test_modules_are_left_out() {
        let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() {}\n}\n";
        assert_eq!(outside_tests(text), "fn a() {}\n");
        assert!(!code_after_tests(text));
        let gated = "#[cfg(test)]\nuse x;\nfn a() {}\n";
        assert_eq!(
            outside_tests(gated),
            gated,
            "only a test module ends the code"
        );
        let declared = "mod a;\n#[cfg(test)]\nmod tests;\npub mod view;\n";
        assert_eq!(
            outside_tests(declared),
            declared,
            "a test file is read apart"
        );
    }

    #[test]
    fn code_after_a_test_module_is_a_finding() {
        let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() { let s = \"}\"; }\n}\n\nfn hidden() {}\n";
        assert!(code_after_tests(text));
        assert_eq!(size_problems("x.rs", text).len(), 1);
        let long = "fn a() {}\n".repeat(MAX_LINES + 1);
        assert_eq!(
            size_problems("x.rs", &long),
            [format!("x.rs: {} lines", MAX_LINES + 1)]
        );
        assert!(size_problems("x.rs", &"fn a() {}\n".repeat(MAX_LINES)).is_empty());
    }
}
