//! What the desktop's sync engine reads besides the lists: where the change
//! feed stands, how much a first sync will download, and the feed itself.

use super::notifications::ChangeEvent;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a change in the feed is about: one list shared by the server that
/// writes the feed, the book import and the desktop that follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Entity {
    Notification,
    Request,
    Invoice,
    SubUser,
    Profile,
    Order,
    Quote,
    /// The customer's prepaid credit and payment methods (id: the customer).
    Wallet,
    /// A contract's detail and its amortization plan.
    Contract,
    ScheduleLine,
    Asset,
    /// Written by a newer server: a client that does not know it ignores it.
    #[serde(other)]
    Unknown,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Notification => "notification",
            Entity::Request => "request",
            Entity::Invoice => "invoice",
            Entity::SubUser => "sub_user",
            Entity::Profile => "profile",
            Entity::Order => "order",
            Entity::Quote => "quote",
            Entity::Wallet => "wallet",
            Entity::Contract => "contract",
            Entity::ScheduleLine => "schedule_line",
            Entity::Asset => "asset",
            Entity::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Entity {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(Entity::Unknown)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChangeOp {
    Upsert,
    Delete,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Upsert => "upsert",
            ChangeOp::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> ChangeOp {
        if text == "delete" {
            ChangeOp::Delete
        } else {
            ChangeOp::Upsert
        }
    }
}

/// A collection the desktop keeps a copy of, with the server's count and
/// checksum of it: a copy that differs has missed a change and is fetched again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Fingerprint {
    #[ts(type = "number")]
    pub count: i64,
    /// [`fingerprint_term`] of every row, summed modulo [`FINGERPRINT_MODULUS`].
    #[ts(type = "number")]
    pub checksum: i64,
}

pub const FINGERPRINT_MODULUS: i64 = 1_000_000_007;

/// One row's part of a checksum: its id and the figure a change moves (a
/// schedule line's amount and collected money, a contract's status and
/// amount, an invoice's total, an asset's value). The server computes the same
/// in SQL, term by term, so both sides agree without exchanging rows.
pub fn fingerprint_term(id: i64, a: i64, b: i64) -> i64 {
    (id.rem_euclid(FINGERPRINT_MODULUS) * 1_000_003 + a * 31 + b).rem_euclid(FINGERPRINT_MODULUS)
}

/// [`fingerprint_term`] as an SQL expression over columns `id`, `a`, `b`,
/// the same text for SQLite and PostgreSQL (whose `%` keeps the sign).
pub fn fingerprint_sql(id: &str, a: &str, b: &str) -> String {
    format!("(((({id} % 1000000007) * 1000003 + ({a}) * 31 + ({b})) % 1000000007) + 1000000007) % 1000000007")
}

/// A contract status as the checksum counts it (the server's SQL says the same).
pub fn contract_status_term(status: &str) -> i64 {
    match status {
        "active" => 1,
        "extinct" => 2,
        _ => 3,
    }
}

impl Fingerprint {
    /// From each row's [`fingerprint_term`].
    pub fn of(terms: impl IntoIterator<Item = i64>) -> Fingerprint {
        let (count, sum) = terms
            .into_iter()
            .fold((0, 0_i64), |(n, s), t| (n + 1, (s + t) % FINGERPRINT_MODULUS));
        Fingerprint { count, checksum: sum }
    }
}

/// The four book collections' fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct BookFingerprints {
    pub contracts: Fingerprint,
    pub schedule: Fingerprint,
    pub invoices: Fingerprint,
    pub assets: Fingerprint,
}

/// The caller's data in numbers, and the feed's position when they were counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SyncSummary {
    /// Changes after this cursor are not in the counts: sync deltas from here.
    #[ts(type = "number")]
    pub cursor: i64,
    #[ts(type = "number")]
    pub contracts: i64,
    #[ts(type = "number")]
    pub plan_rows: i64,
    #[ts(type = "number")]
    pub schedule: i64,
    #[ts(type = "number")]
    pub invoices: i64,
    #[ts(type = "number")]
    pub assets: i64,
    #[ts(type = "number")]
    pub requests: i64,
    #[ts(type = "number")]
    pub notifications: i64,
    /// Absent from servers older than the book feed.
    #[serde(default)]
    pub fingerprints: Option<BookFingerprints>,
}

impl SyncSummary {
    /// Every row a first sync downloads.
    pub fn rows(&self) -> i64 {
        self.contracts
            + self.plan_rows
            + self.schedule
            + self.invoices
            + self.assets
            + self.requests
            + self.notifications
    }
}

/// A page of the change feed, oldest first; `cursor` is where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ChangePage {
    pub items: Vec<ChangeEvent>,
    #[ts(type = "number")]
    pub cursor: i64,
}

/// The query of `GET /changes` and `GET /events`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The cursor already synced; 0 from the start.
    pub after: Option<i64>,
    /// Page size, 1 to 1000 (default 500).
    pub limit: Option<i64>,
}
