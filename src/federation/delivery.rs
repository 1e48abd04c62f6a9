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
pub const CONCURRENCY: usize = 128;
/// How many are in flight to one host at once: enough that a peer 150 ms away gets a couple of
/// hundred per second (see docs/performance.md), few enough not to hammer it.
pub const PER_HOST: usize = 40;
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
        .refuses(d.inbox_host.split(':').next().unwrap_or_default())
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

/// The in-flight limits of one worker: deliveries wait for a slot of their host first, then a
/// global one, so a slow host holds only its own slots and never starves the others.
#[derive(Clone)]
struct Limits {
    global: Arc<Semaphore>,
    per_host: Arc<std::sync::Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Limits {
    fn new() -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(CONCURRENCY)),
            per_host: Arc::default(),
        }
    }

    fn host(&self, host: &str) -> Arc<Semaphore> {
        let mut map = self.per_host.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }
}

/// Sends one claimed delivery within the limits and records the outcome. Returns its host.
async fn deliver(fed: FederationConfig<Hearth>, limits: Limits, d: store::Delivery) -> String {
    let host_slots = limits.host(&d.inbox_host);
    let Ok(_host) = host_slots.acquire_owned().await else {
        return d.inbox_host;
    };
    let Ok(_global) = limits.global.clone().acquire_owned().await else {
        return d.inbox_host;
    };
    let data = fed.to_request_data();
    let h = data.app_data().clone();
    let result = send_one(&data, &d).await;
    let now = db::now();
    let id = d.id;
    let host = d.inbox_host.clone();
    let update = match result {
        Ok(()) => {
            h.db.transaction(move |c| {
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
            h.db.transaction(move |c| {
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
    d.inbox_host
}

async fn claim(h: &Hearth, limit: i64, busy_hosts: Vec<String>) -> Vec<store::Delivery> {
    match h
        .db
        .transaction(move |c| Ok(store::claim_due(c, db::now(), LEASE, limit, &busy_hosts)?))
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            e.log();
            vec![]
        }
    }
}

/// One pass: claims due deliveries and sends them, at most `CONCURRENCY` at once and `PER_HOST`
/// per host, and waits until all are done. Returns how many were attempted. (Tests step
/// deliveries with it; the worker in [`run`] keeps sending without waiting between passes.)
pub async fn deliver_due(fed: &FederationConfig<Hearth>) -> usize {
    let h = fed.to_request_data().app_data().clone();
    let claimed = claim(&h, BATCH, vec![]).await;
    let n = claimed.len();
    let limits = Limits::new();
    let mut tasks = tokio::task::JoinSet::new();
    for d in claimed {
        tasks.spawn(deliver(fed.clone(), limits.clone(), d));
    }
    while tasks.join_next().await.is_some() {}
    n
}

/// Deliveries claimed but not finished, at most, per host: more would wait longer than their
/// claim lasts if the host is slow.
const QUEUED_PER_HOST: usize = PER_HOST * 4;
/// And in all.
const QUEUED: usize = 2048;

/// Runs until `shutdown`: turns events into deliveries and keeps sending, claiming more rows as
/// slots free up (a slow host never holds up the others), and looks again at least every few
/// seconds for retries that come due.
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
    let limits = Limits::new();
    let mut tasks: tokio::task::JoinSet<String> = tokio::task::JoinSet::new();
    let mut queued: HashMap<String, usize> = HashMap::new();
    let finished = |queued: &mut HashMap<String, usize>, host: String| {
        if let Some(n) = queued.get_mut(&host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                queued.remove(&host);
            }
        }
    };
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        while let Some(done) = tasks.try_join_next() {
            if let Ok(host) = done {
                finished(&mut queued, host);
            }
        }
        let events = super::outbound::process_events(&fed).await;
        let room = QUEUED.saturating_sub(tasks.len());
        let mut claimed = 0;
        if room > 0 {
            let busy: Vec<String> = queued
                .iter()
                .filter(|(_, n)| **n >= QUEUED_PER_HOST)
                .map(|(host, _)| host.clone())
                .collect();
            for d in claim(&h, (room as i64).min(BATCH), busy).await {
                *queued.entry(d.inbox_host.clone()).or_default() += 1;
                tasks.spawn(deliver(fed.clone(), limits.clone(), d));
                claimed += 1;
            }
        }
        if events > 0 || claimed > 0 {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = signal.notified() => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(host) = done {
                    finished(&mut queued, host);
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
    // Sends still in flight are dropped; their rows stay pending and go out again.
    tasks.shutdown().await;
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
