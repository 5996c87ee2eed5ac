//! The crate arrows of `parts.toml`, checked against what cargo resolves.
//!
//! Reads the dependency graph (`cargo metadata`, for the host's platform) and fails with every
//! arrow that `parts.toml` does not allow: an unlisted workspace crate, a workspace dependency
//! outside a crate's `uses`, anything a crate links (directly or through others) that its
//! `never_links` names, and any name in a crate's own sources that its `never_in_source` lists.
//! Dev-dependencies are not followed: tests link what they test.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::command::{Result, cmd, output, root};
use crate::source::{is_test_file, outside_tests, rust_files};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parts {
    groups: BTreeMap<String, Vec<String>>,
    crates: BTreeMap<String, Part>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Part {
    #[allow(dead_code)]
    what: String,
    uses: Vec<String>,
    never_links: Vec<String>,
    #[serde(default)]
    never_in_source: Vec<String>,
}

/// A package as cargo resolved it: its name, whether it is ours, its manifest, and the packages
/// it needs to build and run (normal and build dependencies).
#[derive(Debug)]
struct Node {
    name: String,
    member: bool,
    manifest: PathBuf,
    needs: Vec<String>,
}

/// Fails with every arrow `parts.toml` does not allow.
pub fn check() -> Result<()> {
    let path = root().join("parts.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parts: Parts = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let graph = resolve()?;
    let mut problems = Vec::new();
    let members: BTreeMap<&str, &Node> = graph
        .values()
        .filter(|n| n.member)
        .map(|n| (n.name.as_str(), n))
        .collect();
    for name in members.keys() {
        if !parts.crates.contains_key(*name) {
            problems.push(format!(
                "{name} is not in parts.toml: say what it is and what it may use"
            ));
        }
    }
    for (name, part) in &parts.crates {
        let Some(node) = members.get(name.as_str()) else {
            problems.push(format!(
                "parts.toml lists {name}, which is not in the workspace"
            ));
            continue;
        };
        for dep in &node.needs {
            let dep_name = &graph[dep].name;
            if graph[dep].member && !part.uses.contains(dep_name) {
                problems.push(format!(
                    "{name} → {dep_name}: not in its `uses` in parts.toml"
                ));
            }
        }
        let forbidden = expand(&parts.groups, &part.never_links);
        for (linked, via) in closure(&graph, &node_id(&graph, name)) {
            if forbidden.contains(linked.as_str()) {
                problems.push(format!(
                    "{name} links {linked} (through {via}), which parts.toml forbids"
                ));
            }
        }
        if !part.never_in_source.is_empty() {
            let src = node.manifest.parent().map(|d| d.join("src"));
            for (file, line, needle) in scan(src.as_deref(), &part.never_in_source)? {
                problems.push(format!(
                    "{}:{line}: {name} must not use {needle} (parts.toml)",
                    file.strip_prefix(root()).unwrap_or(&file).display()
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crate arrows outside parts.toml:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// `never_links` with its groups expanded (a name that is not a group is a crate's name).
fn expand<'a>(groups: &'a BTreeMap<String, Vec<String>>, names: &'a [String]) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for name in names {
        match groups.get(name) {
            Some(members) => out.extend(members.iter().map(String::as_str)),
            None => {
                out.insert(name.as_str());
            }
        }
    }
    out
}

fn node_id(graph: &HashMap<String, Node>, name: &str) -> String {
    graph
        .iter()
        .find(|(_, n)| n.member && n.name == name)
        .map(|(id, _)| id.clone())
        .unwrap_or_default()
}

/// Every package `id` needs, with the first package through which it does.
fn closure(graph: &HashMap<String, Node>, id: &str) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut stack: Vec<(String, String)> = graph
        .get(id)
        .map(|n| {
            n.needs
                .iter()
                .map(|d| (d.clone(), graph[d].name.clone()))
                .collect()
        })
        .unwrap_or_default();
    while let Some((dep, via)) = stack.pop() {
        let name = graph[&dep].name.clone();
        if seen.contains_key(&name) {
            continue;
        }
        seen.insert(name, via.clone());
        for next in &graph[&dep].needs {
            stack.push((next.clone(), via.clone()));
        }
    }
    seen
}

/// The resolved graph, by package id.
fn resolve() -> Result<HashMap<String, Node>> {
    let host = output({
        let mut c = cmd("rustc");
        c.arg("-vV");
        c
    })?
    .lines()
    .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
    .ok_or("rustc -vV printed no host")?;
    let mut c = cmd("cargo");
    c.args([
        "metadata",
        "--format-version",
        "1",
        "--filter-platform",
        &host,
    ]);
    let meta: serde_json::Value =
        serde_json::from_str(&output(c)?).map_err(|e| format!("cargo metadata: {e}"))?;
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    let mut graph = HashMap::new();
    let packages: HashMap<&str, &serde_json::Value> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    for node in meta["resolve"]["nodes"].as_array().into_iter().flatten() {
        let id = node["id"].as_str().unwrap_or_default();
        let package = packages.get(id).ok_or_else(|| format!("no package {id}"))?;
        let needs = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].as_str() != Some("dev"))
            })
            .filter_map(|d| d["pkg"].as_str().map(str::to_owned))
            .collect();
        graph.insert(
            id.to_owned(),
            Node {
                name: package["name"].as_str().unwrap_or_default().to_owned(),
                member: members.contains(id),
                manifest: PathBuf::from(package["manifest_path"].as_str().unwrap_or_default()),
                needs,
            },
        );
    }
    Ok(graph)
}

/// Where `needles` appear in the `.rs` files under `src`, outside test modules.
fn scan(src: Option<&Path>, needles: &[String]) -> Result<Vec<(PathBuf, usize, String)>> {
    let mut found = Vec::new();
    let Some(src) = src else { return Ok(found) };
    for file in rust_files(src)? {
        if is_test_file(&file) {
            continue;
        }
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (i, line) in outside_tests(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for needle in needles {
                if code.contains(needle.as_str()) {
                    found.push((file.clone(), i + 1, needle.clone()));
                }
            }
        }
    }
    Ok(found)
}
