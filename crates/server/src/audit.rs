//! Who did what, when and from where (O1). Every action that changes data
//! writes one record; details never hold passwords, codes or tokens.

use crate::store::ops::NewAudit;
use crate::store::unit::{self, Audit, Effect};
use crate::{AppState, ServerError};

/// The acting party and the client address of an action.
#[derive(Clone, Debug)]
pub struct Origin {
    /// "customer:10093", "operator:anna", "cli:root", "anonymous".
    pub actor: String,
    /// The client's IP address, or "cli".
    pub client: String,
}

impl Origin {
    pub fn customer(username: &str, client: impl ToString) -> Origin {
        Origin {
            actor: format!("customer:{username}"),
            client: client.to_string(),
        }
    }

    pub fn operator(username: &str, client: impl ToString) -> Origin {
        Origin {
            actor: format!("operator:{username}"),
            client: client.to_string(),
        }
    }

    pub fn anonymous(client: impl ToString) -> Origin {
        Origin {
            actor: "anonymous".into(),
            client: client.to_string(),
        }
    }

    /// The command line, as the operating-system user running it.
    pub fn cli() -> Origin {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Origin {
            actor: format!("cli:{user}"),
            client: "cli".into(),
        }
    }
}

/// Owes an audit row to the change the request is about to make: written by
/// that change's commit (`store::unit`), so the two stand or fall together.
/// Call it before the change. Outside a request it is written at once.
pub async fn owe(
    state: &AppState,
    origin: &Origin,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), ServerError> {
    match unit::defer(Effect::Audit(audit_row(origin, action, target, details))) {
        Ok(()) => Ok(()),
        Err(_) => record(state, origin, action, target, details).await,
    }
}

/// An audit row to defer with the change it records (`owe` when it is the
/// only effect).
pub fn audit_row(origin: &Origin, action: &str, target: &str, details: &str) -> Audit {
    Audit {
        actor: origin.actor.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        details: details.to_owned(),
        client: origin.client.clone(),
    }
}

/// Writes an audit row that is the whole of what happened (a failed login):
/// there is no change for it to wait for.
pub async fn record(
    state: &AppState,
    origin: &Origin,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), ServerError> {
    let entry = NewAudit {
        actor: &origin.actor,
        action,
        target,
        details,
        client: &origin.client,
    };
    state.store.insert_audit(&entry, state.clock.now_ms()).await?;
    Ok(())
}
