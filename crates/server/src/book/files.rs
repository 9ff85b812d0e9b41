//! Feed files: JSON Lines (one record an object a line) and CSV (a header
//! row, a `type` column, one record a row; empty cells are absent fields).
//! Every line is read and checked before the file is refused or applied,
//! so one answer lists every problem with its line and field.

use sportello_domain::book::{BookRecord, Problem};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    /// From the file's name: `.csv` is CSV, anything else JSON Lines.
    pub fn of(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".csv") {
            Format::Csv
        } else {
            Format::JsonLines
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// A record and the line of the file it came from (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub no: usize,
    pub record: BookRecord,
}

/// A refused field of a line of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

impl LineProblem {
    pub fn new(line: usize, field: impl Into<String>, reason: impl Into<String>) -> LineProblem {
        LineProblem {
            line,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Reads every record; returns them all, or every problem found.
pub fn read(text: &str, format: Format) -> Result<Vec<Line>, Vec<LineProblem>> {
    let (lines, mut problems) = match format {
        Format::JsonLines => json_lines(text),
        Format::Csv => csv_rows(text),
    };
    for line in &lines {
        problems.extend(
            line.record
                .problems()
                .into_iter()
                .map(|Problem { field, reason }| LineProblem::new(line.no, field, reason)),
        );
    }
    if lines.is_empty() && problems.is_empty() {
        problems.push(LineProblem::new(0, "file", "no records"));
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

fn json_lines(text: &str) -> (Vec<Line>, Vec<LineProblem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                problems.push(LineProblem::new(no, "line", format!("not JSON: {e}")));
                continue;
            }
        };
        match record(value) {
            Ok(record) => lines.push(Line { no, record }),
            Err((field, reason)) => problems.push(LineProblem::new(no, field, reason)),
        }
    }
    (lines, problems)
}

fn csv_rows(text: &str) -> (Vec<Line>, Vec<LineProblem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => return (lines, vec![LineProblem::new(1, "header", e.to_string())]),
    };
    if !header.iter().any(|h| h == "type") {
        return (lines, vec![LineProblem::new(1, "header", "no `type` column")]);
    }
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let no = e.position().map_or(0, |p| p.line() as usize);
                problems.push(LineProblem::new(no, "row", e.to_string()));
                continue;
            }
        };
        let no = row.position().map_or(0, |p| p.line() as usize);
        let object: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(row.iter())
            .filter(|(_, cell)| !cell.trim().is_empty())
            .map(|(k, cell)| (k.clone(), serde_json::Value::String(cell.trim().to_owned())))
            .collect();
        if object.is_empty() {
            continue;
        }
        match record(serde_json::Value::Object(object)) {
            Ok(record) => lines.push(Line { no, record }),
            Err((field, reason)) => problems.push(LineProblem::new(no, field, reason)),
        }
    }
    (lines, problems)
}

/// One record from its object, or the field that is wrong and why. Each
/// type is read as its own struct, so a refusal names the field (a tagged
/// enum would only say that the record as a whole is wrong).
fn record(value: serde_json::Value) -> Result<BookRecord, (String, String)> {
    let serde_json::Value::Object(mut object) = value else {
        return Err(("line".into(), "not a JSON object".into()));
    };
    let kind = match object.remove("type") {
        Some(serde_json::Value::String(kind)) => kind,
        _ => return Err(("type".into(), "missing: every record has a type".into())),
    };
    let value = serde_json::Value::Object(object);
    match kind.as_str() {
        "customer" => typed(value).map(BookRecord::Customer),
        "contract" => typed(value).map(BookRecord::Contract),
        "plan_row" => typed(value).map(BookRecord::PlanRow),
        "schedule_line" => typed(value).map(BookRecord::ScheduleLine),
        "collection" => typed(value).map(BookRecord::Collection),
        "asset" => typed(value).map(BookRecord::Asset),
        "rate_fix" => typed(value).map(BookRecord::RateFix),
        "invoice" => typed(value).map(BookRecord::Invoice),
        "invoice_line" => typed(value).map(BookRecord::InvoiceLine),
        other => Err((
            "type".into(),
            format!(
                "unknown type {other:?}: customer, contract, plan_row, schedule_line, collection, asset, rate_fix, invoice or invoice_line"
            ),
        )),
    }
}

fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let field = match path.as_str() {
            "." | "" => field_named(&message).unwrap_or_else(|| "line".into()),
            p => p.to_owned(),
        };
        (field, message)
    })
}

/// The field a serde message names ("missing field `amount`").
fn field_named(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

/// Problems as the API's `fields`: "<file>:<line>:<field>" → reason.
pub fn as_fields(file: &str, problems: &[LineProblem]) -> BTreeMap<String, String> {
    problems
        .iter()
        .take(1000)
        .map(|p| (format!("{file}:{}:{}", p.line, p.field), p.reason.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"type":"collection","ref":"P-1","line":"S-1","amount":"10.00","collected_on":"2026-11-30","method":"bank_transfer"}"#;

    #[test]
    fn json_lines_name_the_line_and_field_of_every_problem() {
        let text = format!(
            "{LINE}\n\n{{\"type\":\"collection\",\"ref\":\"P-2\",\"line\":\"S-1\",\"amount\":\"ten\",\"collected_on\":\"2026-11-30\",\"method\":\"bank_transfer\"}}\nnot json\n{{\"ref\":\"x\"}}\n{{\"type\":\"asset\",\"ref\":\"A\"}}"
        );
        let problems = read(&text, Format::JsonLines).unwrap_err();
        let got: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert_eq!(got, [(3, "amount"), (4, "line"), (5, "type"), (6, "contract")]);
        assert!(problems[2].reason.contains("type"), "{problems:?}");
    }

    #[test]
    fn csv_rows_become_the_same_records() {
        let csv =
            "type,ref,line,amount,collected_on,method,deleted\ncollection,P-1,S-1,10.00,2026-11-30,bank_transfer,\n";
        let from_csv = read(csv, Format::Csv).unwrap();
        let from_json = read(LINE, Format::JsonLines).unwrap();
        assert_eq!(from_csv[0].record, from_json[0].record);
        assert_eq!(from_csv[0].no, 2);
    }

    #[test]
    fn csv_problems_carry_their_row_number() {
        let csv = "type,ref,line,amount,collected_on,method\ncollection,P-1,S-1,10.00,2026-11-30,bank_transfer\ncollection,P-2,S-1,-1.00,2026-11-31,bank_transfer\n";
        let problems = read(csv, Format::Csv).unwrap_err();
        assert_eq!(problems[0].line, 3);
        assert_eq!(problems[0].field, "collected_on");
        assert!(read("ref\nx\n", Format::Csv).is_err());
        assert!(read("", Format::JsonLines).is_err());
    }
}
