//! Sessions and devices (A8 and ASVS V3): the user's active sessions, each
//! with its device, address and times, and the ending of one or of all.

use crate::audit::{self, Origin};
use crate::store::auth::{Principal, SessionRow};
use crate::{AppState, ServerError};
use chrono::DateTime;
use sportello_domain::api::auth::{SessionInfo, DEVICE_NAME_MAX};
use sportello_domain::{ApiError, ErrorCode};
use std::net::IpAddr;

/// The device name a client gave (or its program's name), printable and cut to size.
pub fn device_name(given: Option<&str>, user_agent: Option<&str>) -> String {
    let raw = given.filter(|g| !g.trim().is_empty()).or(user_agent).unwrap_or("");
    raw.chars()
        .filter(|c| !c.is_control())
        .take(DEVICE_NAME_MAX)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Where an address is, as far as the server can tell without a geolocation
/// service: "local" for loopback and private networks.
fn place(address: &str) -> Option<String> {
    let ip: IpAddr = address.parse().ok()?;
    let local = match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    };
    local.then(|| "local".to_owned())
}

fn info(row: SessionRow, current: &str) -> SessionInfo {
    SessionInfo {
        current: row.id == current,
        place: place(&row.client),
        device: row.device,
        address: row.client,
        started_at: DateTime::from_timestamp_millis(row.created_at).unwrap_or_default(),
        last_used_at: DateTime::from_timestamp_millis(row.last_used_at.max(row.created_at)).unwrap_or_default(),
        id: row.id,
    }
}

pub async fn list(state: &AppState, who: &Principal) -> Result<Vec<SessionInfo>, ServerError> {
    let rows = state.store.active_sessions(who.user_id).await?;
    Ok(rows.into_iter().map(|row| info(row, &who.session_id)).collect())
}

/// Ends one of the user's sessions ("log out this device"); its tokens stop
/// working at once and its event stream closes.
pub async fn end(state: &AppState, who: &Principal, origin: &Origin, session_id: &str) -> Result<(), ServerError> {
    if session_id.len() > 64 || !state.store.own_session(who.user_id, session_id).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no such session").into());
    }
    audit::owe(state, origin, "end_session", &format!("customer:{}", who.username), "").await?;
    state
        .store
        .revoke_session(session_id, "ended_by_user", state.clock.now_ms())
        .await?;
    Ok(())
}

/// Ends every session of the user, this one included ("log out everywhere").
pub async fn end_all(state: &AppState, who: &Principal, origin: &Origin) -> Result<(), ServerError> {
    let target = format!("customer:{}", who.username);
    audit::owe(state, origin, "end_all_sessions", &target, "").await?;
    state
        .store
        .revoke_user_sessions(who.user_id, None, "ended_everywhere", state.clock.now_ms())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_printable_and_short() {
        assert_eq!(device_name(Some(" Ufficio-PC\n"), Some("Sportello/1")), "Ufficio-PC");
        assert_eq!(device_name(Some("  "), Some("Sportello/1")), "Sportello/1");
        assert_eq!(device_name(None, None), "");
        assert_eq!(
            device_name(Some(&"x".repeat(500)), None).chars().count(),
            DEVICE_NAME_MAX
        );
    }

    #[test]
    fn local_addresses_are_named_and_public_ones_are_not() {
        for local in ["127.0.0.1", "10.1.2.3", "192.168.0.9", "::1", "fd00::1", "fe80::1"] {
            assert_eq!(place(local).as_deref(), Some("local"), "{local}");
        }
        for public in ["203.0.113.7", "2001:db8::1", "not an address"] {
            assert_eq!(place(public), None, "{public}");
        }
    }
}
