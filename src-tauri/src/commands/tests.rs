//! The list in `list.rs` against what it names and what calls it: every
//! listed command is a `#[tauri::command]` function of its module and every
//! such function is listed; the capability file allows exactly the list;
//! `ui/src/lib/ipc.ts` calls each command once, with the arguments its Rust
//! function takes (camelCase) and no others, and types no answer `unknown`;
//! `types.rs` checks the types of those answers and arguments.

use std::collections::{BTreeMap, BTreeSet};

mod types;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

macro_rules! pairs {
    ($($module:ident::$name:ident),* $(,)?) => {
        vec![$((stringify!($module), stringify!($name))),*]
    };
}

/// (module, command) of the list.
fn listed() -> Vec<(&'static str, &'static str)> {
    with_commands!(pairs)
}

/// Parameters Tauri fills in itself, not sent from the page.
fn injected(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else { return false };
    let last = path
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    matches!(
        last.as_str(),
        "App" | "State" | "AppHandle" | "Request" | "WebviewWindow"
    )
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The `#[tauri::command]` functions of `module`, each with the names of
/// the arguments the page sends.
fn command_functions(module: &str) -> BTreeMap<String, BTreeSet<String>> {
    let file = syn::parse_file(&read(&format!("src-tauri/src/commands/{module}.rs"))).unwrap();
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(f)
                if f.attrs
                    .iter()
                    .any(|a| a.path().segments.iter().any(|s| s.ident == "command")) =>
            {
                Some(f)
            }
            _ => None,
        })
        .map(|f| {
            let args = f
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(t) if !injected(&t.ty) => match &*t.pat {
                        syn::Pat::Ident(name) => Some(camel(&name.ident.to_string())),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            (f.sig.ident.to_string(), args)
        })
        .collect()
}

/// Every `call<…>('name', { a, b: … })` of `ipc.ts`: the name and the keys
/// of its argument object (none when it sends raw bytes or nothing).
fn ipc_calls() -> Vec<(String, BTreeSet<String>)> {
    let ipc = read("ui/src/lib/ipc.ts");
    let mut calls = Vec::new();
    for rest in ipc.split("call<").skip(1) {
        let Some((answer, after)) = rest.split_once(">('") else {
            continue;
        };
        assert_ne!(
            answer.trim(),
            "unknown",
            "ipc.ts types an answer `unknown`: {}",
            &after[..40.min(after.len())]
        );
        let (name, args) = after.split_once('\'').unwrap();
        calls.push((name.to_owned(), object_keys(args)));
    }
    calls
}

/// The top-level keys of the object literal that `args` starts with
/// (`, { a, b: x }`), empty when it starts with anything else.
fn object_keys(args: &str) -> BTreeSet<String> {
    let Some(body) = args.trim_start().strip_prefix(',').map(str::trim_start) else {
        return BTreeSet::new();
    };
    let Some(body) = body.strip_prefix('{') else {
        return BTreeSet::new();
    };
    let mut keys = BTreeSet::new();
    let (mut depth, mut entry) = (0, String::new());
    for c in body.chars() {
        match c {
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' if depth == 0 => break,
            '}' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                keys.insert(key(&entry));
                entry.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            entry.push(c);
        }
    }
    if !entry.trim().is_empty() {
        keys.insert(key(&entry));
    }
    keys
}

fn key(entry: &str) -> String {
    entry.split(':').next().unwrap().trim().to_owned()
}

#[test]
fn the_list_names_every_command_function_and_nothing_else() {
    let listed = listed();
    let modules: BTreeSet<&str> = listed.iter().map(|(m, _)| *m).collect();
    let mut in_list: BTreeSet<(String, String)> = listed.iter().map(|(m, n)| (m.to_string(), n.to_string())).collect();
    assert_eq!(in_list.len(), listed.len(), "a command is listed twice");
    for module in [
        "account",
        "documents",
        "exports",
        "home",
        "links",
        "screens",
        "session",
        "settings",
        "shop",
        "updates",
    ] {
        for name in command_functions(module).into_keys() {
            assert!(
                in_list.remove(&(module.to_owned(), name.clone())),
                "commands::{module}::{name} is a command but not in list.rs"
            );
        }
    }
    assert!(
        in_list.is_empty(),
        "listed but not a command function: {in_list:?} (modules {modules:?})"
    );
}

#[test]
fn the_capability_allows_exactly_the_list() {
    let capability: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/default.json")).unwrap();
    let allowed: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = listed()
        .iter()
        .map(|(_, name)| format!("allow-{}", name.replace('_', "-")))
        .collect();
    assert_eq!(allowed, expected);
}

#[test]
fn ipc_ts_calls_each_command_once_with_its_arguments() {
    let mut functions = BTreeMap::new();
    for (module, _) in listed() {
        functions.extend(command_functions(module));
    }
    let calls = ipc_calls();
    let called: BTreeSet<&str> = calls.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(called.len(), calls.len(), "ipc.ts calls a command from two places");
    let listed: BTreeSet<&str> = listed().iter().map(|(_, name)| *name).collect();
    assert_eq!(called, listed, "ipc.ts against list.rs");
    for (name, keys) in &calls {
        assert_eq!(keys, &functions[name], "the arguments ipc.ts sends to `{name}`");
    }
}

#[test]
fn the_argument_reader_sees_keys_and_shorthands() {
    assert_eq!(
        object_keys(", { id, accept: { payment_method: method, billing } })"),
        BTreeSet::from(["id".to_owned(), "accept".to_owned()])
    );
    assert_eq!(object_keys(", bytes, { 'x-file-name': name })"), BTreeSet::new());
    assert_eq!(object_keys(")"), BTreeSet::new());
}
