//! Where a post went: for staff, the deliveries of the activities about one post (its creation,
//! edits, deletion), by server — delivered, pending (with the last error) or failed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::federation as store;
use crate::error::{AppError, AppResult};

use super::{Hearth, Viewer};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryInfo {
    /// The receiving server (`host[:port]`).
    pub server: String,
    /// `sent`, `pending` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// The last failure, while pending or once failed.
    pub last_error: String,
    pub queued_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryReport {
    pub post_id: i64,
    pub sent: usize,
    pub pending: usize,
    pub failed: usize,
    pub deliveries: Vec<DeliveryInfo>,
}

/// Staff (and admins) only.
pub async fn for_post(h: &Hearth, viewer: &Viewer, post_id: i64) -> AppResult<DeliveryReport> {
    if !(viewer.role().is_staff() || viewer.role().can_moderate()) {
        return Err(AppError::forbidden(
            "only staff can see where posts were delivered",
        ));
    }
    let exists =
        h.db.run(move |c| Ok(crate::db::posts::find(c, post_id)?.is_some()))
            .await?;
    if !exists {
        return Err(AppError::not_found("post"));
    }
    let rows = h.db.run(move |c| Ok(store::for_post(c, post_id)?)).await?;
    // One line per server and activity kind would be noise: show the latest row per server.
    let mut latest: BTreeMap<String, store::Delivery> = BTreeMap::new();
    for d in rows {
        latest.entry(d.inbox_host.clone()).or_insert(d);
    }
    let deliveries: Vec<DeliveryInfo> = latest
        .into_values()
        .map(|d| DeliveryInfo {
            next_attempt_at: (d.status == "pending").then(|| d.next_attempt_at.and_utc()),
            server: d.inbox_host,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            queued_at: d.created_at.and_utc(),
            finished_at: d.finished_at.map(|t| t.and_utc()),
        })
        .collect();
    let count = |s: &str| deliveries.iter().filter(|d| d.status == s).count();
    Ok(DeliveryReport {
        post_id,
        sent: count("sent"),
        pending: count("pending"),
        failed: count("failed"),
        deliveries,
    })
}
