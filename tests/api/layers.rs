//! The layers hold by test, not by review: dependencies point inward only
//! (`http` → `service` → (`storage`, `fetch` →) `domain`; the binary's `cli`/`run` and the `seedgen`
//! tool sit outside them). A forbidden `crate::` path in a layer's source fails this test.

use std::path::{Path, PathBuf};

/// For each layer (a folder under `src/`), the top-level modules it must not name.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("domain", &["storage", "fetch", "service", "http", "run", "cli", "seedgen"]),
    ("storage", &["fetch", "service", "http", "run", "cli", "seedgen"]),
    ("fetch", &["storage", "service", "http", "run", "cli", "seedgen"]),
    ("service", &["http", "run", "cli", "seedgen"]),
    ("http", &["storage", "fetch", "run", "cli", "seedgen"]),
    ("seedgen", &["http", "run", "cli"]),
];

/// Every `crate::<module>` a source names outside comments, with its line number.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // `$crate::` in macros and `lantern::` paths name the crate from outside; skip `$crate`.
            if !rest[..at].ends_with('$') {
                found.push((n + 1, name));
            }
            rest = tail;
        }
        // `crate::{a, b}` groups.
        if let Some(at) = code.find("crate::{") {
            let group = &code[at + "crate::{".len()..];
            for name in group.split([',', '}']).map(|p| p.trim().split("::").next().unwrap_or_default().to_owned()) {
                if !name.is_empty() {
                    found.push((n + 1, name));
                }
            }
        }
    }
    found
}

/// The violations in one layer's source.
fn violations(layer: &str, file: &str, source: &str) -> Vec<String> {
    let forbidden = FORBIDDEN.iter().find(|(l, _)| *l == layer).map_or(&[][..], |(_, f)| *f);
    crate_paths(source)
        .into_iter()
        .filter(|(_, module)| forbidden.contains(&module.as_str()))
        .map(|(line, module)| format!("{file}:{line}: the {layer} layer names crate::{module}"))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_names_only_the_layers_inside_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (layer, _) in FORBIDDEN {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            problems.extend(violations(layer, &file.display().to_string(), &source));
        }
    }
    assert!(problems.is_empty(), "imports against the layering:\n{}", problems.join("\n"));
}

#[test]
fn the_check_catches_forbidden_imports_in_every_spelling() {
    let source = "use crate::storage::keys::NewKey;\n\
                  // crate::http in a comment is fine\n\
                  let x = crate::service::Lantern::open();\n\
                  use crate::{domain::ids, http::app};\n\
                  $crate::http::extract::query::Query\n";
    let found = violations("domain", "sample.rs", source);
    assert_eq!(
        found,
        [
            "sample.rs:1: the domain layer names crate::storage",
            "sample.rs:3: the domain layer names crate::service",
            "sample.rs:4: the domain layer names crate::http",
        ]
    );
    assert!(violations("http", "ok.rs", "use crate::service::Lantern;\nuse crate::domain::ids;").is_empty());
}
