//! The book feed (O2): the company's leasing system loads and updates its
//! book (customers, contracts, plans, schedule lines, collections, assets,
//! rate fixes, invoices and credit notes) as files or API calls.
//!
//! A file is applied whole or not at all: every line is read and checked
//! first; references are then resolved and the records applied inside one
//! transaction, which also holds the audit row, the notifications and the
//! change-feed entries, and which is rolled back if any reference is wrong
//! (or for a dry run). Records are keyed by the company's identifiers and
//! written only where they differ, so a file sent twice changes nothing.

mod apply;
pub mod files;
pub mod sample;

use crate::audit::Origin;
use crate::{AppState, ServerError};
use files::{Format, LineProblem};
use sportello_domain::api::ops::ImportReport;
use sportello_domain::{ApiError, ErrorCode};

/// The largest file one import takes (the fleet's book is about 40 MB).
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Why a file was refused.
#[derive(Debug)]
pub struct Refused {
    pub file: String,
    pub problems: Vec<LineProblem>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: refused, nothing was applied ({} problems)",
            self.file,
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "{}:{}: {}: {}", self.file, p.line, p.field, p.reason)?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum ImportError {
    Refused(Refused),
    Server(ServerError),
}

impl From<ServerError> for ImportError {
    fn from(e: ServerError) -> Self {
        ImportError::Server(e)
    }
}

impl From<crate::store::StoreError> for ImportError {
    fn from(e: crate::store::StoreError) -> Self {
        ImportError::Server(e.into())
    }
}

impl From<ImportError> for ServerError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Server(e) => e,
            ImportError::Refused(r) => {
                let mut error = ApiError::new(
                    ErrorCode::BadRequest,
                    format!(
                        "{}: {} problems; nothing was applied (fields: \"file:line:field\")",
                        r.file,
                        r.problems.len()
                    ),
                );
                error.fields = Some(files::as_fields(&r.file, &r.problems));
                error.into()
            }
        }
    }
}

/// Checks and applies one file (or only checks it, with `dry_run`).
pub async fn import(
    state: &AppState,
    origin: &Origin,
    file: &str,
    text: &str,
    format: Format,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let refuse = |problems| {
        ImportError::Refused(Refused {
            file: file.to_owned(),
            problems,
        })
    };
    let lines = files::read(text, format).map_err(refuse)?;
    let outcome = apply::run(state, origin, file, lines, dry_run).await?;
    match outcome {
        apply::Applied::Refused(problems) => Err(refuse(problems)),
        apply::Applied::Done { report, cursor } => {
            if let Some(cursor) = cursor {
                state.events.bump(cursor);
            }
            tracing::info!(
                file,
                dry_run,
                records = report.records,
                created = report.created,
                updated = report.updated,
                unchanged = report.unchanged,
                "book import"
            );
            Ok(report)
        }
    }
}
