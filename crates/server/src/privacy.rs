//! E6: the user's consents (marketing, profiling, third parties), each with
//! the date it was given or withdrawn, changed from the profile and kept as
//! a history, one row a change.

use crate::audit::{self, Origin};
use crate::store::auth::Principal;
use crate::store::privacy::ConsentRow;
use crate::{AppState, ServerError};
use chrono::DateTime;
use sportello_domain::api::accounts::{Consent, ConsentKind, ConsentUpdate, Privacy};

const HISTORY: i64 = 100;

fn consent(row: &ConsentRow) -> Option<Consent> {
    Some(Consent {
        kind: ConsentKind::parse(&row.kind)?,
        granted: row.granted != 0,
        decided_at: DateTime::from_timestamp_millis(row.decided_at),
    })
}

pub async fn privacy(state: &AppState, who: &Principal) -> Result<Privacy, ServerError> {
    let now = state.store.consents_now(who.user_id).await?;
    let consents = ConsentKind::ALL
        .iter()
        .map(|kind| {
            now.iter()
                .filter_map(consent)
                .find(|c| c.kind == *kind)
                .unwrap_or(Consent {
                    kind: *kind,
                    granted: false,
                    decided_at: None,
                })
        })
        .collect();
    let history = state
        .store
        .consent_history(who.user_id, HISTORY)
        .await?
        .iter()
        .filter_map(consent)
        .collect();
    Ok(Privacy { consents, history })
}

/// Records a consent given or withdrawn; saying again what stands records nothing.
pub async fn decide(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    update: ConsentUpdate,
) -> Result<Privacy, ServerError> {
    let current = privacy(state, who).await?;
    let stands = current
        .consents
        .iter()
        .any(|c| c.kind == update.kind && c.decided_at.is_some() && c.granted == update.granted);
    if !stands {
        let now = state.clock.now_ms();
        let what = if update.granted { "given" } else { "withdrawn" };
        let (target, details) = (
            format!("customer:{}", who.username),
            format!("{} {what}", update.kind.as_str()),
        );
        audit::owe(state, origin, "consent", &target, &details).await?;
        state
            .store
            .record_consent(who.user_id, update.kind.as_str(), update.granted, &origin.client, now)
            .await?;
    }
    privacy(state, who).await
}
