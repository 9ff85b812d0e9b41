//! E9: a customer's own fixed-width record layout ("tracciato record").
//!
//! Some customers take their results as a text file their systems read by
//! position. The layout is agreed per customer and stored on the server: each
//! field has a name (the key of the value it carries), a 1-based start, a
//! length, a type and a padding. Every record has exactly `record_length`
//! characters, all ASCII, and records end with CR LF as such files usually do.
//! A value that does not fit is an error, never silently cut.

use crate::coded_enum;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;
use ts_rs::TS;

coded_enum! {
    pub enum LayoutType {
        /// Text, upper-cased, accents folded to plain letters.
        Alpha = "alpha",
        /// Digits only.
        Numeric = "numeric",
        /// A euro amount written in cents with no separator ("1234.50" → "123450").
        Amount = "amount",
        /// A date given as YYYY-MM-DD, written DDMMYYYY (length 8).
        Date = "date",
    }
}

coded_enum! {
    pub enum Padding {
        SpacesRight = "spaces_right",
        SpacesLeft = "spaces_left",
        ZerosLeft = "zeros_left",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LayoutField {
    pub name: String,
    /// 1-based position of the first character.
    pub start: u32,
    pub length: u32,
    #[serde(rename = "type")]
    pub kind: LayoutType,
    pub padding: Padding,
    /// A missing optional value is written as padding only.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct RecordLayout {
    pub record_length: u32,
    pub fields: Vec<LayoutField>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the layout has no fields")]
    Empty,
    #[error("field {0} starts before position 1 or has no length")]
    Position(String),
    #[error("field {0} ends after the record's length")]
    TooFar(String),
    #[error("fields {0} and {1} overlap")]
    Overlap(String, String),
    #[error("field {0} is a date and must be 8 characters long")]
    DateLength(String),
    #[error("field {0} is named twice")]
    Duplicate(String),
    #[error("field {0} needs a value")]
    Missing(String),
    #[error("field {field}: {value:?} does not fit in {length} characters")]
    TooLong { field: String, value: String, length: u32 },
    #[error("field {field}: {value:?} is not a valid {kind}")]
    Invalid {
        field: String,
        value: String,
        kind: &'static str,
    },
}

impl LayoutError {
    /// The field the error is about, for the `fields` of an API error.
    pub fn field(&self) -> &str {
        match self {
            LayoutError::Empty => "fields",
            LayoutError::Position(f)
            | LayoutError::TooFar(f)
            | LayoutError::Overlap(f, _)
            | LayoutError::DateLength(f)
            | LayoutError::Duplicate(f)
            | LayoutError::Missing(f) => f,
            LayoutError::TooLong { field, .. } | LayoutError::Invalid { field, .. } => field,
        }
    }
}

impl RecordLayout {
    /// Checks that the fields fit the record without overlapping.
    pub fn validate(&self) -> Result<(), LayoutError> {
        if self.fields.is_empty() {
            return Err(LayoutError::Empty);
        }
        let mut sorted: Vec<&LayoutField> = self.fields.iter().collect();
        sorted.sort_by_key(|f| f.start);
        for f in &sorted {
            if f.start == 0 || f.length == 0 {
                return Err(LayoutError::Position(f.name.clone()));
            }
            if f.start - 1 + f.length > self.record_length {
                return Err(LayoutError::TooFar(f.name.clone()));
            }
            if f.kind == LayoutType::Date && f.length != 8 {
                return Err(LayoutError::DateLength(f.name.clone()));
            }
            if self.fields.iter().filter(|g| g.name == f.name).count() > 1 {
                return Err(LayoutError::Duplicate(f.name.clone()));
            }
        }
        for pair in sorted.windows(2) {
            if pair[0].start + pair[0].length > pair[1].start {
                return Err(LayoutError::Overlap(pair[0].name.clone(), pair[1].name.clone()));
            }
        }
        Ok(())
    }

    /// One record: exactly `record_length` ASCII characters (gaps are spaces).
    pub fn record(&self, values: &BTreeMap<String, String>) -> Result<String, LayoutError> {
        self.validate()?;
        let mut line = vec![b' '; self.record_length as usize];
        for f in &self.fields {
            let text = values.get(&f.name).map(|v| v.trim()).unwrap_or("");
            let cell = match (text.is_empty(), f.required) {
                (true, true) => return Err(LayoutError::Missing(f.name.clone())),
                (true, false) => pad("", f),
                (false, _) => pad(&written(f, text)?, f),
            };
            let at = (f.start - 1) as usize;
            line[at..at + f.length as usize].copy_from_slice(cell.as_bytes());
        }
        Ok(String::from_utf8(line).expect("only ASCII is written"))
    }

    /// A whole file: one record per line, each ended by CR LF.
    pub fn file(&self, records: &[BTreeMap<String, String>]) -> Result<String, LayoutError> {
        let mut out = String::new();
        for values in records {
            out.push_str(&self.record(values)?);
            out.push_str("\r\n");
        }
        Ok(out)
    }
}

fn invalid(f: &LayoutField, value: &str, kind: &'static str) -> LayoutError {
    LayoutError::Invalid {
        field: f.name.clone(),
        value: value.to_owned(),
        kind,
    }
}

/// The value as the layout writes it, before padding.
fn written(f: &LayoutField, text: &str) -> Result<String, LayoutError> {
    let out = match f.kind {
        LayoutType::Alpha => fold(text).ok_or_else(|| invalid(f, text, "text"))?,
        LayoutType::Numeric if text.chars().all(|c| c.is_ascii_digit()) => text.to_owned(),
        LayoutType::Numeric => return Err(invalid(f, text, "number")),
        LayoutType::Amount => {
            let amount = Decimal::from_str(text).map_err(|_| invalid(f, text, "amount"))?;
            if amount.is_sign_negative() || amount.scale() > 2 {
                return Err(invalid(f, text, "amount"));
            }
            (amount * Decimal::ONE_HUNDRED).trunc().to_string()
        }
        LayoutType::Date => {
            let day = chrono::NaiveDate::from_str(text).map_err(|_| invalid(f, text, "date"))?;
            day.format("%d%m%Y").to_string()
        }
    };
    if out.len() > f.length as usize {
        return Err(LayoutError::TooLong {
            field: f.name.clone(),
            value: text.to_owned(),
            length: f.length,
        });
    }
    Ok(out)
}

fn pad(text: &str, f: &LayoutField) -> String {
    let width = f.length as usize;
    match f.padding {
        Padding::SpacesRight => format!("{text:<width$}"),
        Padding::SpacesLeft => format!("{text:>width$}"),
        Padding::ZerosLeft => format!("{text:0>width$}"),
    }
}

/// Upper-case ASCII with Italian accents folded (Forlì → FORLI); None for
/// characters that have no plain form or would break the record (line breaks).
fn fold(text: &str) -> Option<String> {
    text.chars()
        .map(|c| {
            let plain = match c {
                'à' | 'á' | 'À' | 'Á' => 'A',
                'è' | 'é' | 'È' | 'É' => 'E',
                'ì' | 'í' | 'Ì' | 'Í' => 'I',
                'ò' | 'ó' | 'Ò' | 'Ó' => 'O',
                'ù' | 'ú' | 'Ù' | 'Ú' => 'U',
                'ç' | 'Ç' => 'C',
                '’' | '‘' => '\'',
                c if c.is_ascii() && !c.is_ascii_control() => c.to_ascii_uppercase(),
                _ => return None,
            };
            Some(plain)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, start: u32, length: u32, kind: LayoutType, padding: Padding) -> LayoutField {
        LayoutField {
            name: name.into(),
            start,
            length,
            kind,
            padding,
            required: true,
        }
    }

    fn layout() -> RecordLayout {
        RecordLayout {
            record_length: 40,
            fields: vec![
                field("code", 1, 6, LayoutType::Numeric, Padding::ZerosLeft),
                field("city", 7, 12, LayoutType::Alpha, Padding::SpacesRight),
                field("amount", 19, 10, LayoutType::Amount, Padding::ZerosLeft),
                field("day", 29, 8, LayoutType::Date, Padding::ZerosLeft),
                LayoutField {
                    required: false,
                    ..field("flag", 38, 2, LayoutType::Alpha, Padding::SpacesLeft)
                },
            ],
        }
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_record_is_exactly_its_length_with_each_value_in_place() {
        let line = layout()
            .record(&values(&[
                ("code", "42"),
                ("city", "Forlì"),
                ("amount", "1234.5"),
                ("day", "2026-11-05"),
            ]))
            .unwrap();
        assert_eq!(line, "000042FORLI       000012345005112026    ");
        assert_eq!(line.len(), 40);
        let file = layout()
            .file(&[
                values(&[
                    ("code", "1"),
                    ("city", "Bra"),
                    ("amount", "0"),
                    ("day", "2026-01-31"),
                    ("flag", "x"),
                ]),
                values(&[
                    ("code", "2"),
                    ("city", "Asti"),
                    ("amount", "9.99"),
                    ("day", "2026-02-01"),
                ]),
            ])
            .unwrap();
        assert_eq!(
            file,
            "000001BRA         000000000031012026  X \r\n000002ASTI        000000099901022026    \r\n"
        );
    }

    #[test]
    fn values_that_do_not_fit_or_parse_are_refused_never_cut() {
        let base = [("code", "1"), ("city", "Bra"), ("amount", "1"), ("day", "2026-01-31")];
        let with = |key: &str, value: &str| {
            let mut v = values(&base);
            v.insert(key.into(), value.into());
            layout().record(&v).unwrap_err()
        };
        assert!(matches!(with("code", "1234567"), LayoutError::TooLong { .. }));
        assert!(matches!(with("city", "Castell'Arquato"), LayoutError::TooLong { .. }));
        assert!(matches!(with("code", "12a"), LayoutError::Invalid { .. }));
        assert!(matches!(with("amount", "-1"), LayoutError::Invalid { .. }));
        assert!(matches!(with("amount", "1.005"), LayoutError::Invalid { .. }));
        assert!(matches!(with("day", "31/01/2026"), LayoutError::Invalid { .. }));
        assert!(matches!(with("city", "Bra\nAsti"), LayoutError::Invalid { .. }));
        assert!(matches!(with("city", "北京"), LayoutError::Invalid { .. }));
        assert_eq!(with("city", ""), LayoutError::Missing("city".into()));
    }

    #[test]
    fn layouts_that_overlap_or_overflow_are_refused() {
        let mut overlap = layout();
        overlap.fields[1].start = 6;
        assert_eq!(
            overlap.validate(),
            Err(LayoutError::Overlap("code".into(), "city".into()))
        );
        let mut far = layout();
        far.record_length = 38;
        assert_eq!(far.validate(), Err(LayoutError::TooFar("flag".into())));
        let mut date = layout();
        date.fields[3].length = 6;
        assert_eq!(date.validate(), Err(LayoutError::DateLength("day".into())));
        let mut twice = layout();
        twice.fields[4].name = "code".into();
        assert_eq!(twice.validate(), Err(LayoutError::Duplicate("code".into())));
        assert_eq!(
            RecordLayout {
                record_length: 10,
                fields: vec![]
            }
            .validate(),
            Err(LayoutError::Empty)
        );
    }
}
