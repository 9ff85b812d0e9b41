//! Query parameters, opaque cursors and ETags shared by every list.

use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use sportello_domain::{ApiError, ErrorCode};

pub use crate::store::Keyset;

pub const MAX_LIMIT: u32 = 500;
const CURSOR_PREFIX: &str = "c1:";

/// The length of a page from a typed query's `limit`.
pub fn limit_of(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(bad("limit", format!("a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// For lists newest first by (date, id): the line a page starts after.
pub fn after_date_id(cursor: Option<&str>) -> Result<Option<(chrono::NaiveDate, i64)>, ApiError> {
    after_pair(cursor)
}

/// The (sort value, id) a page starts after, from a cursor of a list
/// ordered by more than its id.
fn after_pair<T: std::str::FromStr>(cursor: Option<&str>) -> Result<Option<(T, i64)>, ApiError> {
    cursor
        .map(|c| {
            let key = cursor_key(c)?;
            key.split_once('|')
                .and_then(|(value, id)| Some((value.parse().ok()?, id.parse().ok()?)))
                .ok_or_else(bad_cursor)
        })
        .transpose()
}

/// The sort key inside a cursor this API gave.
fn cursor_key(cursor: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .ok_or_else(bad_cursor)
}

/// A page of a list oldest first by id, from a typed query's `limit` and
/// `cursor`: the id it starts after (0: from the first) and its length.
pub fn oldest_first(limit: Option<u32>, cursor: Option<&str>, default: u32) -> Result<(i64, u32), ApiError> {
    let limit = limit_of(limit, default)?;
    let after = match cursor {
        None => 0,
        Some(c) => cursor_key(c)?
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(bad_cursor)?,
    };
    Ok((after, limit))
}

/// A page of a list newest first by (time, id), from a typed query's
/// `limit` and `cursor`: lists whose rows change order as they change.
pub fn newest_first(limit: Option<u32>, cursor: Option<&str>, default: u32) -> Result<Keyset, ApiError> {
    let limit = limit_of(limit, default)?;
    Ok(Keyset {
        after: after_pair(cursor)?,
        limit,
    })
}

/// Trims a fetch of `limit + 1` rows newest first to the page, with the
/// cursor of the next one from the last row's (time, id).
pub fn newest_page<T>(
    items: Vec<T>,
    page: Keyset,
    key: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, i64),
) -> (Vec<T>, Option<String>) {
    self::page(items, page.limit, |item| {
        let (time, id) = key(item);
        format!("{}|{id}", time.timestamp_millis())
    })
}

fn bad_cursor() -> ApiError {
    bad("cursor", "not a cursor this API gave")
}

pub fn bad(field: &str, problem: impl Into<String>) -> ApiError {
    let problem = problem.into();
    ApiError::new(ErrorCode::BadRequest, format!("{field}: {problem}")).with_field(field, problem)
}

/// Trims a fetch of `limit + 1` rows to the page and makes the cursor of the
/// next one from the last row's sort key, if there is a next one.
pub fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = next_cursor_key(items.last().map(key), more);
    (items, next)
}

/// The cursor of the page after the row with sort key `key`, if there are more rows.
fn next_cursor_key(key: Option<String>, more: bool) -> Option<String> {
    key.filter(|_| more)
        .map(|k| URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{k}")))
}

/// A positive numeric id from the path.
pub fn path_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| bad("id", "a positive whole number"))
}

/// JSON with a strong ETag; `304 Not Modified` when the client has it already.
pub fn with_etag<T: Serialize>(request: &HeaderMap, value: &T) -> Response {
    let body = serde_json::to_vec(value).expect("wire types serialize");
    let tag = format!("\"{}\"", &crate::secrets::sha256_hex_bytes(&body)[..32]);
    let header = HeaderValue::from_str(&tag).expect("hex is a valid header");
    let fresh = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(ETAG, header)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (ETAG, header),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let cursor = next_cursor_key(Some("42".into()), true).unwrap();
        assert_eq!(oldest_first(None, Some(&cursor), 25).unwrap(), (42, 25));
        assert_eq!(next_cursor_key(Some("42".into()), false), None);
        let (rows, next) = page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(oldest_first(None, next.as_deref(), 25).unwrap().0, 2);
        assert_eq!(page(vec![1, 2], 2, |n| n.to_string()).1, None);
        for bad in ["42", "YzE6LTE", "!!", ""] {
            assert!(oldest_first(None, Some(bad), 25).is_err(), "{bad}");
            assert!(after_date_id(Some(bad)).is_err(), "{bad}");
        }
        let dated = next_cursor_key(Some("2026-12-07|9".into()), true).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(after_date_id(Some(&dated)).unwrap(), Some((day, 9)));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit_of(None, 25).unwrap(), 25);
        assert_eq!(limit_of(Some(500), 25).unwrap(), 500);
        for bad in [0, 501] {
            assert_eq!(
                limit_of(Some(bad), 25).unwrap_err().fields.unwrap()["limit"],
                "a whole number from 1 to 500"
            );
        }
    }
}
