//! B1: a customer tells the company a transfer paid some lines; each shows
//! as "reported" until its collection arrives through the book feed.

use crate::accounts::bad;
use crate::audit::{self, Origin};
use crate::store::auth::Principal;
use crate::{AppState, ServerError};
use sportello_domain::api::schedule::MAX_REPORTED_LINES;

/// Reports `ids` paid, in one transaction with the lines' change-feed
/// entries and the audit row; a refused report writes nothing.
pub async fn report(state: &AppState, who: &Principal, origin: &Origin, ids: &[i64]) -> Result<(), ServerError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_REPORTED_LINES {
        return Err(bad("line_ids", "count", "name 1 to 500 schedule lines"));
    }
    let details = format!("{} lines", ids.len());
    audit::owe(state, origin, "report_payment", "schedule", &details).await?;
    match state
        .store
        .report_paid(who.customer_id, &ids, state.clock.now_ms())
        .await?
    {
        Ok(_) => Ok(()),
        Err(line) => Err(bad(
            "line_ids",
            "not_open",
            format!("line {line} is not one of yours with something left to pay"),
        )),
    }
}
