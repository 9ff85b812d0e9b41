//! Log lines pass through `redact` before they reach a file or the terminal:
//! the code never logs secrets on purpose, and this catches what a library or
//! an error message might carry: tokens, one-time codes, passwords and IBANs.

use regex::Regex;
use std::borrow::Cow;
use std::io::Write;
use std::sync::OnceLock;

struct Patterns {
    /// Sportello's own tokens (refresh, invitation, reset) and bearer tokens.
    tokens: Regex,
    /// `password=…`, `"code": "…"` and the like.
    pairs: Regex,
    /// An IBAN: country, check digits, then 11 to 30 letters and digits.
    ibans: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        tokens: Regex::new(r"\b(spr|spi|spx|spa)_[A-Za-z0-9_-]+|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+").expect("valid"),
        pairs: Regex::new(
            r#"(?i)("?\b(?:password|new_password|current_password|code|token|refresh_token|access_token|secret)"?\s*[=:]\s*"?)[^"\s,}&]+"#,
        )
        .expect("valid"),
        ibans: Regex::new(r"\b[A-Z]{2}[0-9]{2}(?:\s?[A-Z0-9]){11,30}\b").expect("valid"),
    })
}

/// The line with every secret replaced by `[redacted]`.
pub fn redact(line: &str) -> Cow<'_, str> {
    let p = patterns();
    let line = p.tokens.replace_all(line, "[redacted]");
    let line = match p.pairs.replace_all(&line, "${1}[redacted]") {
        Cow::Borrowed(_) => line,
        Cow::Owned(s) => Cow::Owned(s),
    };
    match p.ibans.replace_all(&line, "[iban]") {
        Cow::Borrowed(_) => line,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// A writer that redacts each write (the formatter writes a whole event at once).
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The last `lines` lines of the newest log file in `dir`, for "copy diagnostics".
pub fn tail(dir: &std::path::Path, lines: usize) -> String {
    let newest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("sportello"))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    let Some(entry) = newest else {
        return String::new();
    };
    let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_log() {
        for (line, kept) in [
            (
                "refresh failed for spr_Zx9-_aa: expired",
                "refresh failed for [redacted]: expired",
            ),
            (
                "invite link sportello://invite?username=30001&token=spi_AbC",
                "invite link sportello://invite?username=30001&token=[redacted]",
            ),
            (
                "GET /me Authorization: Bearer eyJhbGciOi.abc.def",
                "GET /me Authorization: [redacted]",
            ),
            (
                r#"body {"password":"Segreta-2026!","username":"10093"}"#,
                r#"body {"password":"[redacted]","username":"10093"}"#,
            ),
            (
                "verify code=482913 challenge=ch_1",
                "verify code=[redacted] challenge=ch_1",
            ),
            ("new IBAN IT60X0542811101000000123456 saved", "new IBAN [iban] saved"),
            (
                "new IBAN IT60 X054 2811 1010 0000 0123 456 saved",
                "new IBAN [iban] saved",
            ),
        ] {
            assert_eq!(redact(line), kept, "{line}");
        }
    }

    #[test]
    fn ordinary_lines_pass_unchanged() {
        for line in [
            "INFO sync: 176 schedule rows in 0.2 s",
            "exported Pagamenti_tutti_2026-11-22.xlsx: 176 rows",
            "server http://127.0.0.1:8787 unreachable",
            "contract 84963 invoice 2026/000020 total 369.61",
        ] {
            assert!(
                matches!(redact(line), Cow::Borrowed(_)),
                "{line} was changed to {}",
                redact(line)
            );
        }
    }

    #[test]
    fn the_writer_redacts_what_passes_through_it() {
        let mut out = Redacting(Vec::new());
        write!(out, "token=spx_secret done").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "token=[redacted] done");
    }
}
