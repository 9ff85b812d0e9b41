//! The types `ipc.ts` gives each command against the Rust function's: the
//! answer `call<…>` expects is the function's return type, and each argument
//! the wrapper passes on as it takes it has the type of the Rust parameter,
//! both written as ts-rs writes them (`Vec<T>` is `T[]`, `Option<T>` is
//! `T | null`, `()` is `null`, a named type keeps its name).

use super::{camel, injected, listed, read};
use std::collections::BTreeMap;

/// A Rust type as its TypeScript binding reads.
fn ts(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Tuple(t) if t.elems.is_empty() => "null".to_owned(),
        syn::Type::Reference(r) => ts(&r.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last().unwrap();
            let inner = || match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .find_map(|arg| match arg {
                        syn::GenericArgument::Type(t) => Some(ts(t)),
                        _ => None,
                    })
                    .unwrap(),
                _ => panic!("{} without its type", last.ident),
            };
            match last.ident.to_string().as_str() {
                "CommandResult" | "Result" => inner(),
                "Vec" => format!("{}[]", inner()),
                "Option" => format!("{} | null", inner()),
                "bool" => "boolean".to_owned(),
                "String" | "str" => "string".to_owned(),
                "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "f64" => "number".to_owned(),
                // A type alias of the domain, bound as its map.
                "FormValues" => "Record<string, string>".to_owned(),
                // Bound under another name (`#[ts(rename)]`).
                "Lang" => "ExportLang".to_owned(),
                named => named.to_owned(),
            }
        }
        _ => panic!("a command takes or answers a type this check cannot read"),
    }
}

/// Each command: its page-sent parameters (camelCase name, TS type) and its answer.
fn signatures() -> BTreeMap<String, (BTreeMap<String, String>, String)> {
    let mut out = BTreeMap::new();
    let modules: std::collections::BTreeSet<&str> = listed().iter().map(|(m, _)| *m).collect();
    for module in modules {
        let file = syn::parse_file(&read(&format!("src-tauri/src/commands/{module}.rs"))).unwrap();
        for item in file.items {
            let syn::Item::Fn(f) = item else { continue };
            if !f
                .attrs
                .iter()
                .any(|a| a.path().segments.iter().any(|s| s.ident == "command"))
            {
                continue;
            }
            let params = f
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(t) if !injected(&t.ty) => match &*t.pat {
                        syn::Pat::Ident(name) => Some((camel(&name.ident.to_string()), ts(&t.ty))),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let answer = match &f.sig.output {
                syn::ReturnType::Default => "null".to_owned(),
                syn::ReturnType::Type(_, ty) => ts(ty),
            };
            out.insert(f.sig.ident.to_string(), (params, answer));
        }
    }
    out
}

/// One wrapper of `ipc.ts`: the command it calls, the answer it expects,
/// its own parameters (name → type) and the keys it passes as they are.
struct Wrapper {
    command: String,
    answer: String,
    params: BTreeMap<String, String>,
    passed_as_is: Vec<String>,
}

/// Splits `text` at top-level commas (outside brackets and `=>` types).
fn top_level(text: &str) -> Vec<String> {
    let (mut parts, mut part, mut depth) = (Vec::new(), String::new(), 0);
    for c in text.chars() {
        match c {
            '(' | '{' | '[' | '<' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            '>' if !part.ends_with('=') => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut part));
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    parts.push(part);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The text inside the brackets that open at the start of `text`.
fn inside(text: &str, open: char, close: char) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return &text[1..i];
            }
        }
    }
    panic!("unclosed {open} in {text}")
}

fn wrappers() -> Vec<Wrapper> {
    let ipc = read("ui/src/lib/ipc.ts");
    let body = ipc.split("export const ipc = {").nth(1).unwrap();
    // An entry starts on a line indented once with its name (`  login: (…`).
    let mut entries: Vec<String> = Vec::new();
    for line in body.lines() {
        let starts = line.starts_with("  ") && line[2..].starts_with(|c: char| c.is_ascii_alphabetic());
        match entries.last_mut() {
            Some(entry) if !starts => entry.push_str(line),
            _ => entries.push(line.to_owned()),
        }
    }
    entries
        .iter()
        .filter(|entry| entry.contains("call<"))
        .map(|entry| {
            let entry = entry.split_once(':').unwrap().1.trim_start();
            let params = top_level(inside(entry, '(', ')'))
                .into_iter()
                .map(|p| {
                    let (name, ty) = p.split_once(':').unwrap();
                    (
                        name.trim().to_owned(),
                        ty.split_whitespace().collect::<Vec<_>>().join(" "),
                    )
                })
                .collect::<BTreeMap<_, _>>();
            let at = &entry[entry.find("call<").unwrap() + 4..];
            let answer = inside(at, '<', '>').trim().to_owned();
            let after = &at[answer.len() + 2..];
            let command = after.trim_start_matches("('").split('\'').next().unwrap().to_owned();
            let args = after.split_once(',').map(|(_, rest)| rest.trim_start()).unwrap_or("");
            let passed_as_is = match args.starts_with('{') {
                true => top_level(inside(args, '{', '}'))
                    .into_iter()
                    .filter(|key| !key.contains(':'))
                    .collect(),
                false => Vec::new(),
            };
            Wrapper {
                command,
                answer,
                params,
                passed_as_is,
            }
        })
        .collect()
}

#[test]
fn ipc_ts_types_each_answer_and_argument_as_the_command_does() {
    let signatures = signatures();
    let wrappers = wrappers();
    assert_eq!(wrappers.len(), listed().len(), "one wrapper a command");
    let mut wrong = Vec::new();
    let mut arguments = 0;
    for w in &wrappers {
        let (params, answer) = &signatures[&w.command];
        if &w.answer != answer {
            wrong.push(format!(
                "{}: answers {}, ipc.ts expects {}",
                w.command, answer, w.answer
            ));
        }
        for key in &w.passed_as_is {
            let (Some(sent), Some(taken)) = (w.params.get(key), params.get(key)) else {
                continue;
            };
            arguments += 1;
            if sent != taken {
                wrong.push(format!("{}: `{key}` is {taken}, ipc.ts sends {sent}", w.command));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // What the check reads: most arguments are passed as the wrapper takes them.
    assert!(arguments >= 50, "only {arguments} arguments were compared");
}

#[test]
fn the_type_reader_writes_types_as_the_bindings_do() {
    let ty = |text: &str| ts(&syn::parse_str(text).unwrap());
    assert_eq!(ty("CommandResult<Vec<SubUser>>"), "SubUser[]");
    assert_eq!(ty("CommandResult<()>"), "null");
    assert_eq!(ty("Option<ExportDone>"), "ExportDone | null");
    assert_eq!(ty("&str"), "string");
    assert_eq!(ty("Option<i64>"), "number | null");
    assert_eq!(
        top_level("a: number, on: (x: A) => void, b: Record<string, string>"),
        ["a: number", "on: (x: A) => void", "b: Record<string, string>"]
    );
}
