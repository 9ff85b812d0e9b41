//! The shape of the source tree, checked: no source file over 500 lines of
//! code (tests aside), no cycle between the top-level modules of the
//! desktop's logic or of the server, and no API path written in the
//! desktop's logic. A file over the line would be listed as a debt with its
//! size: it may shrink, not grow, and a debt paid off must leave the list
//! (none is listed today).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

/// Files over the line today, with the lines they may not exceed.
const LONG_FILES: [(&str, usize); 0] = [];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("bindings") && !path.ends_with("node_modules") {
                sources(&path, out);
            }
        } else if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            let name = path.file_name().unwrap().to_string_lossy();
            if matches!(ext, "rs" | "ts" | "svelte") && !name.ends_with(".test.ts") {
                out.push(path);
            }
        }
    }
}

/// A file's lines of code: a Rust file's up to its tests.
fn code_lines(text: &str, rust: bool) -> usize {
    let lines = text.lines();
    if rust {
        lines.take_while(|l| l.trim() != "#[cfg(test)]").count()
    } else {
        lines.count()
    }
}

#[test]
fn no_source_file_is_over_500_lines_of_code() {
    let root = root();
    let mut files = Vec::new();
    for dir in [
        "crates/domain/src",
        "crates/server/src",
        "crates/app/src",
        "src-tauri/src",
        "ui/src",
    ] {
        sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the sources are found: {}", files.len());
    let debts: BTreeMap<&str, usize> = LONG_FILES.into_iter().collect();
    let mut problems = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let rust = relative.ends_with(".rs");
        let lines = code_lines(&std::fs::read_to_string(&file).unwrap(), rust);
        match debts.get(relative.as_str()) {
            Some(&ceiling) if lines > ceiling => {
                problems.push(format!("{relative}: {lines} lines, grew past {ceiling}"))
            }
            Some(_) if lines <= MAX_LINES => problems.push(format!("{relative}: {lines} lines, off the debt list now")),
            None if lines > MAX_LINES => problems.push(format!("{relative}: {lines} lines, over {MAX_LINES}")),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Which top-level modules of `src` each one names (`crate::x`), tests aside.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().take_while(|l| l.trim() != "#[cfg(test)]") {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                if !name.is_empty() && name != top {
                    graph.entry(top.clone()).or_default().insert(name);
                }
            }
        }
    }
    graph
}

/// The modules on a cycle through `start` (`start` included), or none.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(m) = stack.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let from_start = reach(start);
    if !from_start.contains(start) {
        return BTreeSet::new();
    }
    from_start.into_iter().filter(|m| reach(m).contains(start)).collect()
}

fn cycles(src: &str) -> BTreeSet<BTreeSet<String>> {
    let graph = module_graph(&root().join(src));
    graph
        .keys()
        .map(|m| cycle_through(&graph, m))
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn the_desktops_modules_depend_on_each_other_one_way() {
    assert_eq!(cycles("crates/app/src"), BTreeSet::new());
}

#[test]
fn the_servers_modules_depend_on_each_other_one_way() {
    assert_eq!(cycles("crates/server/src"), BTreeSet::new());
}

#[test]
fn a_cycle_is_seen() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
            .into_iter()
            .map(|(m, to)| (m.to_owned(), to.into_iter().map(str::to_owned).collect()))
            .collect();
    let expected: BTreeSet<String> = ["a", "b", "c"].into_iter().map(str::to_owned).collect();
    assert_eq!(cycle_through(&graph, "a"), expected);
    assert!(cycle_through(&graph, "d").is_empty());
}

/// The string literals of a Rust file's code (up to its tests) that begin
/// like an API path: `"/<first segment of an operation's path>…`.
fn api_paths_written(text: &str) -> Vec<String> {
    use sportello_domain::api::operations::ALL;
    let roots: BTreeSet<&str> = ALL
        .iter()
        .filter_map(|d| d.op.path.trim_start_matches('/').split('/').next())
        .collect();
    let code = text.lines().take_while(|l| l.trim() != "#[cfg(test)]");
    let mut found = Vec::new();
    for line in code.filter(|l| !l.trim_start().starts_with("//")) {
        for literal in line.split('"').skip(1).step_by(2) {
            let Some(rest) = literal.strip_prefix('/') else {
                continue;
            };
            let first = rest.split(['/', '?', '{']).next().unwrap_or_default();
            if roots.contains(first) {
                found.push(literal.to_owned());
            }
        }
    }
    found
}

/// Each API path is declared once, in `sportello_domain::api::operations`:
/// the desktop's logic calls through those declarations and writes none.
#[test]
fn the_desktop_writes_no_api_path_of_its_own() {
    let mut files = Vec::new();
    sources(&root().join("crates/app/src"), &mut files);
    let written: Vec<String> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            api_paths_written(&text)
                .into_iter()
                .map(move |p| format!("{}: {p}", f.display()))
        })
        .collect();
    assert!(written.is_empty(), "{written:#?}");
}

#[test]
fn a_written_api_path_is_seen() {
    let text = "let a = get(desk, \"/contracts?limit=1\");\n// \"/home\" in a comment\nlet b = \"/proc/x\";\n#[cfg(test)]\nlet c = \"/me\";";
    assert_eq!(api_paths_written(text), vec!["/contracts?limit=1".to_owned()]);
}
