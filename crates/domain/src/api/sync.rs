//! What the desktop's sync engine reads besides the lists: where the change
//! feed stands, how much a first sync will download, and the feed itself.

use super::notifications::ChangeEvent;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
