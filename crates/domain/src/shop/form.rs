//! The per-service forms (E1). Each service declares its fields on the server;
//! the same rules check a filled form as the user types on the desktop and
//! again on the server when the order or quote arrives.
//!
//! A filled form is a flat map of text: `key` for a single field, `key.part`
//! for the parts of an address or of cadastral data, an attachment id for a
//! file. Flat text keeps the desktop's form, the stored order and the record
//! layouts (which name these keys) in one simple shape.

use crate::coded_enum;
use crate::ids::TaxCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

coded_enum! {
    pub enum FieldKind {
        Text = "text",
        /// A codice fiscale or a partita IVA.
        TaxCode = "tax_code",
        /// street, postcode, city, province.
        Address = "address",
        /// municipality, register (urban or land), sheet, parcel and optionally sub.
        Cadastral = "cadastral",
        /// One of `choices`.
        Choice = "choice",
        /// An uploaded PDF, PNG or JPEG (its attachment id).
        File = "file",
    }
}

/// One field of a service's form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct FormField {
    pub key: String,
    pub label_it: String,
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The values a choice takes (empty for other kinds).
    #[serde(default)]
    pub choices: Vec<String>,
}

/// A filled form: see the module's documentation for the keys.
pub type FormValues = BTreeMap<String, String>;

/// The longest text a field takes.
pub const MAX_TEXT_CHARS: usize = 200;

/// The parts of a composite field: (part, required).
pub fn parts(kind: FieldKind) -> &'static [(&'static str, bool)] {
    match kind {
        FieldKind::Address => &[("street", true), ("postcode", true), ("city", true), ("province", true)],
        FieldKind::Cadastral => &[
            ("municipality", true),
            ("register", true),
            ("sheet", true),
            ("parcel", true),
            ("sub", false),
        ],
        _ => &[],
    }
}

/// The values a cadastral register takes: buildings (Catasto Fabbricati) or land (Catasto Terreni).
pub const REGISTERS: &[&str] = &["urban", "land"];

/// What is wrong with one key of a form: `required`, `too_long`, `invalid`, `not_a_choice` or `unknown`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub key: String,
    pub problem: &'static str,
}

fn digits(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.chars().all(|c| c.is_ascii_digit())
}

/// Checks and normalizes one value; `part` is empty for a single field.
fn value(kind: FieldKind, part: &str, text: &str, choices: &[String]) -> Result<String, &'static str> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("too_long");
    }
    match (kind, part) {
        (FieldKind::TaxCode, _) => text.parse::<TaxCode>().map(|c| c.to_string()).map_err(|_| "invalid"),
        (FieldKind::Choice, _) if !choices.iter().any(|c| c == text) => Err("not_a_choice"),
        (FieldKind::Address, "postcode") if !digits(text, 5) || text.len() != 5 => Err("invalid"),
        (FieldKind::Address, "province") => {
            let upper = text.to_ascii_uppercase();
            match upper.len() == 2 && upper.chars().all(|c| c.is_ascii_uppercase()) {
                true => Ok(upper),
                false => Err("invalid"),
            }
        }
        (FieldKind::Cadastral, "register") if !REGISTERS.contains(&text) => Err("not_a_choice"),
        (FieldKind::Cadastral, "sheet" | "sub") if !digits(text, 5) => Err("invalid"),
        (FieldKind::Cadastral, "parcel") if !(text.len() <= 6 && text.chars().all(|c| c.is_ascii_alphanumeric())) => {
            Err("invalid")
        }
        _ => Ok(text.to_owned()),
    }
}

/// Every key a form may hold, with what it takes: (key, kind, part, required).
fn keys(fields: &[FormField]) -> Vec<(String, &FormField, &'static str, bool)> {
    let mut keys = Vec::new();
    for field in fields {
        match parts(field.kind) {
            [] => keys.push((field.key.clone(), field, "", field.required)),
            composite => {
                for (part, needed) in composite {
                    keys.push((format!("{}.{part}", field.key), field, *part, field.required && *needed));
                }
            }
        }
    }
    keys
}

/// Checks a filled form against its fields: trimmed, normalized values, or
/// every problem at once (so the form can mark all of them).
pub fn check(fields: &[FormField], values: &FormValues) -> Result<FormValues, Vec<FieldProblem>> {
    let keys = keys(fields);
    let mut problems: Vec<FieldProblem> = values
        .keys()
        .filter(|k| !keys.iter().any(|(key, ..)| key == *k))
        .map(|k| FieldProblem {
            key: k.clone(),
            problem: "unknown",
        })
        .collect();
    let mut clean = FormValues::new();
    for (key, field, part, required) in keys {
        let text = values.get(&key).map_or("", |v| v.trim());
        if text.is_empty() {
            if required {
                problems.push(FieldProblem {
                    key,
                    problem: "required",
                });
            }
            continue;
        }
        match value(field.kind, part, text, &field.choices) {
            Ok(v) => {
                clean.insert(key, v);
            }
            Err(problem) => problems.push(FieldProblem { key, problem }),
        }
    }
    match problems.is_empty() {
        true => Ok(clean),
        false => Err(problems),
    }
}

/// The attachment ids a filled form refers to (its file fields).
pub fn attachment_ids<'a>(fields: &[FormField], values: &'a FormValues) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|f| f.kind == FieldKind::File)
        .filter_map(|f| values.get(&f.key).map(String::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label_it: key.into(),
            label_en: key.into(),
            kind,
            required,
            choices: if kind == FieldKind::Choice {
                vec!["ordinaria".into(), "urgente".into()]
            } else {
                vec![]
            },
        }
    }

    fn form() -> Vec<FormField> {
        vec![
            field("soggetto", FieldKind::TaxCode, true),
            field("immobile", FieldKind::Cadastral, true),
            field("recapito", FieldKind::Address, false),
            field("priorita", FieldKind::Choice, true),
            field("note", FieldKind::Text, false),
            field("delega", FieldKind::File, false),
        ]
    }

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_complete_form_is_trimmed_and_normalized() {
        let filled = values(&[
            ("soggetto", " rssmra80a01h501u "),
            ("immobile.municipality", "Piacenza"),
            ("immobile.register", "urban"),
            ("immobile.sheet", "42"),
            ("immobile.parcel", "118A"),
            ("recapito.street", "Via Roma 1"),
            ("recapito.postcode", "29121"),
            ("recapito.city", "Piacenza"),
            ("recapito.province", "pc"),
            ("priorita", "urgente"),
            ("note", "  "),
        ]);
        let clean = check(&form(), &filled).unwrap();
        assert_eq!(clean["soggetto"], "RSSMRA80A01H501U");
        assert_eq!(clean["recapito.province"], "PC");
        assert!(!clean.contains_key("note"), "blank optional values are dropped");
        assert!(!clean.contains_key("immobile.sub"));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let filled = values(&[
            ("soggetto", "RSSMRA80A01H501X"),
            ("immobile.municipality", "Piacenza"),
            ("immobile.register", "castle"),
            ("immobile.sheet", "4a"),
            ("recapito.postcode", "2912"),
            ("priorita", "domani"),
            ("note", &"x".repeat(201)),
            ("colore", "blu"),
        ]);
        let mut problems: Vec<(String, &str)> = check(&form(), &filled)
            .unwrap_err()
            .into_iter()
            .map(|p| (p.key, p.problem))
            .collect();
        problems.sort();
        assert_eq!(
            problems,
            vec![
                ("colore".into(), "unknown"),
                ("immobile.parcel".into(), "required"),
                ("immobile.register".into(), "not_a_choice"),
                ("immobile.sheet".into(), "invalid"),
                ("note".into(), "too_long"),
                ("priorita".into(), "not_a_choice"),
                ("recapito.postcode".into(), "invalid"),
                ("soggetto".into(), "invalid"),
            ]
        );
    }

    #[test]
    fn an_optional_composite_is_optional_in_all_its_parts() {
        let filled = values(&[
            ("soggetto", "01477030330"),
            ("immobile.municipality", "Piacenza"),
            ("immobile.register", "land"),
            ("immobile.sheet", "7"),
            ("immobile.parcel", "12"),
            ("priorita", "ordinaria"),
            ("delega", "att-1"),
        ]);
        let clean = check(&form(), &filled).unwrap();
        assert_eq!(attachment_ids(&form(), &clean), vec!["att-1"]);
    }
}
