//! The delivery worker: sends the queued rows of `deliveries`, many at once, and retries
//! failures with capped exponential backoff. All its state is in the database, so after a crash
//! or a restart it simply picks up where it was.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use activitypub_federation::activity_sending::SendActivityTask;
use activitypub_federation::config::{Data, FederationConfig};
use activitypub_federation::traits::Activity;
use chrono::TimeDelta;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::actors::LocalActor;
use super::error::FedError;
use super::urls::Urls;
use crate::db::{self, federation as store};
use crate::service::Hearth;

/// How many deliveries are in flight at once, in all.
pub const CONCURRENCY: usize = 64;
/// How many are in flight to one host at once: enough that a peer 150 ms away gets dozens per
/// second, few enough not to hammer it.
pub const PER_HOST: usize = 8;
/// Rows claimed per pass.
const BATCH: i64 = 256;
/// A claimed row is not picked up by another worker for this long (well above the 10 s request
/// timeout, so a slow send is not duplicated).
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// Give up on a delivery this long after it was queued.
const GIVE_UP_AFTER: TimeDelta = TimeDelta::days(7);

/// Tells the worker that new rows were committed.
pub fn wake(h: &Hearth) {
    h.outbox.notify_one();
}

/// The wait before attempt `n + 1` after `n` failures: 30 s, 1 min, 2 min … capped at 6 h.
pub fn backoff(failures: i64) -> TimeDelta {
    let exp = failures.clamp(1, 20) - 1;
    let secs = 30_i64.saturating_mul(1_i64 << exp);
    TimeDelta::seconds(secs.min(6 * 3600))
}

/// A stored activity, sent as it was stored.
#[derive(Debug)]
struct StoredActivity {
    id: Url,
    actor: Url,
    json: serde_json::Value,
}

impl Serialize for StoredActivity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[async_trait::async_trait]
impl Activity for StoredActivity {
    type DataType = Hearth;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }
}

/// Why a send failed, and whether trying again could help.
struct Failure {
    message: String,
    retry: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            retry: true,
        }
    }
}

async fn send_one(data: &Data<Hearth>, d: &store::Delivery) -> Result<(), Failure> {
    let urls = Urls::new(&data.app_data().config);
    if data
        .app_data()
        .config
        .is_blocked(d.inbox_host.split(':').next().unwrap_or_default())
    {
        return Err(Failure {
            message: "the server is blocked".into(),
            retry: false,
        });
    }
    let actor = LocalActor::for_signer(data.app_data(), &urls, &d.signer)
        .await
        .map_err(|e| format!("signer: {}", e.0))?;
    let json: serde_json::Value =
        serde_json::from_str(&d.payload).map_err(|e| format!("stored payload: {e}"))?;
    let activity = StoredActivity {
        id: Url::parse(&d.activity_id).map_err(|e| format!("activity id: {e}"))?,
        actor: actor.id.clone(),
        json,
    };
    let inbox = Url::parse(&d.inbox).map_err(|e| format!("inbox: {e}"))?;
    let tasks = SendActivityTask::prepare(&activity, &actor, vec![inbox], data)
        .await
        .map_err(|e| e.to_string())?;
    if tasks.is_empty() {
        return Err(Failure {
            message: "the inbox is not allowed (local, blocked or not a valid public URL)".into(),
            retry: false,
        });
    }
    for task in tasks {
        // 2xx, and 4xx other than 408/429 (final: the peer refused it), count as done.
        task.sign_and_send(data).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One pass: claims due deliveries and sends them, at most `CONCURRENCY` at once and `PER_HOST`
/// per host. Returns how many were attempted.
pub async fn deliver_due(fed: &FederationConfig<Hearth>) -> usize {
    let h = fed.to_request_data().app_data().clone();
    let claimed = match h
        .db
        .run(|c| Ok(store::claim_due(c, db::now(), LEASE, BATCH)?))
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            e.log();
            return 0;
        }
    };
    let n = claimed.len();
    if n == 0 {
        return 0;
    }
    let global = Arc::new(Semaphore::new(CONCURRENCY));
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for d in claimed {
        let host = per_host
            .entry(d.inbox_host.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone();
        let global = global.clone();
        let data = fed.to_request_data();
        let h = h.clone();
        tasks.spawn(async move {
            let (Ok(_g), Ok(_h)) = (global.acquire_owned().await, host.acquire_owned().await) else {
                return;
            };
            let result = send_one(&data, &d).await;
            let now = db::now();
            let id = d.id;
            let update = match result {
                                Ok(()) => {
                    let host = d.inbox_host.clone();
                    h.db
                        .transaction(move |c| {
                            store::mark_sent(c, id, now)?;
                            store::peer_answered(c, &host, now)?;
                            Ok(())
                        })
                        .await
                }
                Err(failure) => {
                    let err = failure.message;
                    tracing::info!(inbox = %d.inbox, attempts = d.attempts + 1, "delivery failed: {err}");
                    let retry_at = now + backoff(d.attempts + 1);
                    let retry = (failure.retry
                        && retry_at.signed_duration_since(d.created_at) < GIVE_UP_AFTER)
                        .then_some(retry_at);
                                        let host = d.inbox_host.clone();
                    h.db
                        .transaction(move |c| {
                            store::mark_failed(c, id, &err, retry, now)?;
                            if retry.is_some() {
                                store::peer_failed(c, &host, now)?;
                            }
                            Ok(())
                        })
                        .await
                }
            };
            if let Err(e) = update {
                e.log();
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    n
}

/// Runs until `shutdown`: a pass whenever new rows are committed, and at least every few seconds
/// for retries that come due.
pub async fn run(fed: FederationConfig<Hearth>, shutdown: CancellationToken) {
    let h = fed.to_request_data().app_data().clone();
    // With SQLite this process is the only worker: whatever was in flight when it last stopped
    // (or was killed) goes out again now. With PostgreSQL other processes may be sending, so
    // their claims are left to expire.
    if !h.db.is_postgres() {
        match h.db.run(|c| Ok(store::release_all_claims(c)?)).await {
            Ok(n) if n > 0 => {
                tracing::info!("{n} deliveries interrupted by the last stop are due again")
            }
            Ok(_) => {}
            Err(e) => e.log(),
        }
    }
    let signal = h.outbox.clone();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        let events = super::outbound::process_events(&fed).await;
        let busy = deliver_due(&fed).await > 0 || events > 0;
        if busy {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = signal.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(5), TimeDelta::seconds(480));
        assert_eq!(backoff(30), TimeDelta::hours(6));
    }
}
