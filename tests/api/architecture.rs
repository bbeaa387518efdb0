//! The house rules of ARCHITECTURE.md, checked on the source text: dependencies between the
//! top-level modules point one way, role decisions live in `authz/` only, `api/` holds no
//! diesel, `domain/` knows no HTTP and no SQL, and no source file grows past what a newcomer
//! can read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`, relative to the repository root.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path.strip_prefix(root()).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

fn read(path: &Path) -> String {
    fs::read_to_string(root().join(path)).unwrap()
}

/// The top-level module a file of `src/` belongs to: `src/api/x.rs` → `api`.
fn module_of(path: &Path) -> Option<String> {
    let rest = path.strip_prefix("src").ok()?;
    let first = rest.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules a source text refers to through `crate::`, including the members of
/// `use crate::{a, b::c}` groups.
fn references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (index, _) in text.match_indices("crate::") {
        let rest = &text[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for member in group[..end].split(',') {
                let name: String = member
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(Path::new("src")) {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let targets = graph.entry(module.clone()).or_default();
        let code: String = read(&file)
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for target in references(&code) {
            if target != module {
                targets.insert(target);
            }
        }
    }
    graph
}

/// A cycle in the graph, as the list of modules on it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_depend_on_each_other_without_a_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("api") && graph.contains_key("domain"));
    assert_eq!(find_cycle(&graph), None, "module graph: {graph:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        references("use crate::{auth::X, db};\nlet x = crate::domain::time::now();"),
        BTreeSet::from(["auth".into(), "db".into(), "domain".into()])
    );
}

#[test]
fn the_domain_knows_no_http_no_sql_and_no_other_layer() {
    let graph = module_graph();
    let domain = graph.get("domain").cloned().unwrap_or_default();
    assert!(domain.is_empty(), "domain depends on {domain:?}");
    for file in rust_files(Path::new("src/domain")) {
        let code: Vec<String> = read(&file)
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(str::to_owned)
            .collect();
        for word in ["actix", "diesel"] {
            assert!(
                !code.iter().any(|line| line.contains(word)),
                "{} uses {word}",
                file.display()
            );
        }
    }
}

#[test]
fn handlers_hold_no_diesel() {
    for file in rust_files(Path::new("src/api")) {
        let text = read(&file);
        assert!(
            !text.contains("diesel::") && !text.contains("use diesel"),
            "{} uses diesel; database work belongs in db/",
            file.display()
        );
    }
}

#[test]
fn no_role_is_decided_outside_authz() {
    // A decision is a match arm or a pattern on a role variant; building a role (a system
    // actor, a development token) is not.
    let variant = regex_free_variants();
    let mut decisions = Vec::new();
    for file in rust_files(Path::new("src")) {
        let allowed = file.starts_with("src/authz") || file == Path::new("src/domain/principal.rs");
        if allowed {
            continue;
        }
        for (number, line) in read(&file).lines().enumerate() {
            let mentions_variant = variant.iter().any(|v| line.contains(v));
            let decides = line.contains("=>")
                || line.contains("matches!(")
                || line.contains("if let ")
                || line.contains("let Role")
                || line.trim_start().starts_with('|');
            if mentions_variant && decides {
                decisions.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        decisions.is_empty(),
        "role decisions outside authz/:\n{}",
        decisions.join("\n")
    );
}

fn regex_free_variants() -> Vec<String> {
    [
        "Programmabureau",
        "Stadsdeel",
        "Vakdienst",
        "Partner",
        "Admin",
    ]
    .iter()
    .flat_map(|v| [format!("Role::{v}"), format!("RoleKind::{v}")])
    .collect()
}

#[test]
fn no_source_file_is_longer_than_a_newcomer_can_read() {
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches"] {
        for file in rust_files(Path::new(dir)) {
            let lines = read(&file).lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} has {lines} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}
