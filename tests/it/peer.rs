//! A minimal remote server for federation tests: it serves its actors' documents, records what
//! arrives in its inboxes, and signs requests with `activitypub_federation` as its actor would.
//! Tests use it to send well-formed, forged and malformed activities to a Hearth instance.

use std::sync::{Arc, Mutex};

use activitypub_federation::config::{Data, FederationConfig};
use activitypub_federation::http_signatures::{Keypair, generate_actor_keypair};
use activitypub_federation::traits::{Actor, Object};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use url::Url;

/// What the peer's inbox received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone)]
struct PeerState {
    base: String,
    keys: Arc<Keypair>,
    inbox: Arc<Mutex<Vec<Received>>>,
    /// HTTP statuses to answer inbox POSTs with, in order; 202 once they run out. `0` means
    /// never answer (the request hangs, as with a stuck server).
    script: Arc<Mutex<Vec<u16>>>,
    /// Every inbox POST that arrived, answered or not.
    attempts: Arc<std::sync::atomic::AtomicUsize>,
    /// Every GET of an actor document.
    fetches: Arc<std::sync::atomic::AtomicUsize>,
    /// Objects served at `/statuses/<id>`.
    objects: Arc<Mutex<std::collections::HashMap<String, Value>>>,
    /// Milliseconds every inbox POST waits before it is answered (a peer far away).
    latency_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Every GET of an avatar.
    avatar_fetches: Arc<std::sync::atomic::AtomicUsize>,
    /// Whether inbox POSTs are kept for [`Peer::received`] (benchmarks send thousands).
    keep: Arc<std::sync::atomic::AtomicBool>,
    /// Extra fields merged into an actor's document, by name (claims a test wants to forge).
    actor_extra: Arc<Mutex<std::collections::HashMap<String, Value>>>,
}

pub struct Peer {
    pub base: String,
    pub domain: String,
    state: PeerState,
    signer: FederationConfig<()>,
    stop: CancellationToken,
}

#[derive(Debug, Clone)]
struct PeerActor {
    id: Url,
    keys: Arc<Keypair>,
}

#[async_trait::async_trait]
impl Object for PeerActor {
    type DataType = ();
    type Kind = Value;
    type Error = activitypub_federation::error::Error;

    fn id(&self) -> &Url {
        &self.id
    }
    async fn read_from_id(_id: Url, _data: &Data<()>) -> Result<Option<Self>, Self::Error> {
        Ok(None)
    }
    async fn into_json(self, _data: &Data<()>) -> Result<Value, Self::Error> {
        Ok(json!({}))
    }
    async fn verify(_j: &Value, _u: &Url, _d: &Data<()>) -> Result<(), Self::Error> {
        Ok(())
    }
    async fn from_json(_j: Value, _d: &Data<()>) -> Result<Self, Self::Error> {
        Err(activitypub_federation::error::Error::NotFound)
    }
}

impl Actor for PeerActor {
    fn public_key_pem(&self) -> &str {
        &self.keys.public_key
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.keys.private_key.clone())
    }
    fn inbox(&self) -> Url {
        Url::parse(&format!("{}/inbox", self.id)).unwrap()
    }
}

async fn actor_doc(State(s): State<PeerState>, Path(name): Path<String>) -> impl IntoResponse {
    s.fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let id = format!("{}/users/{name}", s.base);
    // Actors whose name starts with `group` are Groups (a community on the peer).
    let kind = if name.starts_with("group") {
        "Group"
    } else {
        "Person"
    };
    let mut body = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": kind,
        "preferredUsername": name,
        "name": format!("{name} <script>alert(1)</script> Remote"),
        "summary": "<p>Hi <script>alert(1)</script><a href=\"javascript:x\">x</a></p>",
        "icon": {"type": "Image", "url": format!("{}/avatars/{name}.png", s.base)},
        "inbox": format!("{id}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", s.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": s.keys.public_key},
    });
    if let Some(Value::Object(extra)) = s.actor_extra.lock().unwrap().get(&name) {
        for (k, v) in extra {
            body[k] = v.clone();
        }
    }
    (
        [("content-type", "application/activity+json")],
        body.to_string(),
    )
}

#[derive(serde::Deserialize)]
struct WebfingerQuery {
    resource: String,
}

/// WebFinger for any `acct:<name>@<peer>`: every name is an actor here.
async fn webfinger(
    State(s): State<PeerState>,
    axum::extract::Query(q): axum::extract::Query<WebfingerQuery>,
) -> axum::response::Response {
    let Some(name) = q
        .resource
        .strip_prefix("acct:")
        .and_then(|r| r.split('@').next())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let href = format!("{}/users/{name}", s.base);
    (
        [("content-type", "application/jrd+json")],
        json!({
            "subject": q.resource,
            "links": [{ "rel": "self", "type": "application/activity+json", "href": href }],
        })
        .to_string(),
    )
        .into_response()
}

/// The bytes the peer serves as everyone's avatar (a PNG signature and a little more).
pub const AVATAR_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR avatar";

/// Avatars: a PNG for everyone, except names starting with `bad`, whose "avatar" is HTML.
async fn avatar_doc(
    State(s): State<PeerState>,
    Path(file): Path<String>,
) -> axum::response::Response {
    s.avatar_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if file.starts_with("bad") {
        return (
            [("content-type", "image/png")],
            "<html><script>alert(1)</script>",
        )
            .into_response();
    }
    ([("content-type", "image/png")], AVATAR_PNG).into_response()
}

/// A `Tombstone` is served with `410 Gone`, as Mastodon does for deleted posts.
async fn object_doc(
    State(s): State<PeerState>,
    Path(id): Path<String>,
) -> axum::response::Response {
    match s.objects.lock().unwrap().get(&id) {
        Some(doc) if doc["type"] == "Tombstone" => (
            StatusCode::GONE,
            [("content-type", "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        Some(doc) => (
            [("content-type", "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn receive(
    State(s): State<PeerState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: String,
) -> StatusCode {
    let latency = s.latency_ms.load(std::sync::atomic::Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let body: Value = if s.keep.load(std::sync::atomic::Ordering::Relaxed) {
        serde_json::from_str(&body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    s.attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let status = {
        let mut script = s.script.lock().unwrap();
        if script.is_empty() {
            202
        } else {
            script.remove(0)
        }
    };
    if status == 0 {
        std::future::pending::<()>().await;
    }
    if (200..300).contains(&status) && s.keep.load(std::sync::atomic::Ordering::Relaxed) {
        s.inbox.lock().unwrap().push(Received {
            path: uri.path().to_string(),
            headers,
            body,
        });
    }
    StatusCode::from_u16(status).unwrap()
}

impl Peer {
    pub async fn start() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let domain = format!("localhost:{port}");
        let base = format!("http://{domain}");
        let keys = Arc::new(generate_actor_keypair().unwrap());
        let state = PeerState {
            base: base.clone(),
            keys: keys.clone(),
            inbox: Arc::default(),
            script: Arc::default(),
            attempts: Arc::default(),
            fetches: Arc::default(),
            objects: Arc::default(),
            latency_ms: Arc::default(),
            avatar_fetches: Arc::default(),
            keep: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            actor_extra: Arc::default(),
        };
        let app = Router::new()
            .route("/users/{name}", get(actor_doc))
            .route("/users/{name}/inbox", post(receive))
            .route("/statuses/{id}", get(object_doc))
            .route("/.well-known/webfinger", get(webfinger))
            .route("/avatars/{file}", get(avatar_doc))
            .route("/inbox", post(receive))
            .with_state(state.clone());
        let stop = CancellationToken::new();
        let s = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await
                .unwrap();
        });
        let actor = PeerActor {
            id: Url::parse(&format!("{base}/users/bob")).unwrap(),
            keys,
        };
        let signer = FederationConfig::builder()
            .domain(domain.clone())
            .app_data(())
            .debug(true)
            .signed_fetch_actor(&actor)
            .build()
            .await
            .unwrap();
        Peer {
            base,
            domain,
            state,
            signer,
            stop,
        }
    }

    pub fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    pub fn activity_id(&self, n: &str) -> String {
        format!("{}/activities/{n}", self.base)
    }

    /// The next inbox POSTs are answered with these statuses.
    pub fn respond_with(&self, statuses: &[u16]) {
        self.state
            .script
            .lock()
            .unwrap()
            .extend_from_slice(statuses);
    }

    /// Forgets the statuses still scripted: the peer answers 202 again.
    pub fn state_clear_script(&self) {
        self.state.script.lock().unwrap().clear();
    }

    /// Serves `doc` at `<base>/statuses/<id>` (its `id` should be that URL).
    pub fn serve_status(&self, id: &str, doc: Value) {
        self.state
            .objects
            .lock()
            .unwrap()
            .insert(id.to_string(), doc);
    }

    /// Stops serving `<base>/statuses/<id>` (it answers 404).
    pub fn forget_status(&self, id: &str) {
        self.state.objects.lock().unwrap().remove(id);
    }

    /// How many times an avatar was fetched.
    #[allow(dead_code)] // not used by the benchmarks
    /// Adds fields to an actor's document (e.g. a forged staff claim).
    pub fn set_actor_extra(&self, name: &str, fields: Value) {
        self.state
            .actor_extra
            .lock()
            .unwrap()
            .insert(name.to_string(), fields);
    }

    pub fn avatar_fetches(&self) -> usize {
        self.state
            .avatar_fetches
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many times an actor document was fetched.
    pub fn fetches(&self) -> usize {
        self.state.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many inbox POSTs arrived (including refused and hanging ones).
    pub fn attempts(&self) -> usize {
        self.state
            .attempts
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.inbox.lock().unwrap().clone()
    }

    /// Every inbox POST from now on waits `ms` before it is answered.
    #[allow(dead_code)] // used by the benchmarks
    pub fn set_latency(&self, ms: u64) {
        self.state
            .latency_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops keeping what arrives (only counts it): for benchmarks that send thousands.
    #[allow(dead_code)] // used by the benchmarks
    pub fn count_only(&self) {
        self.state
            .keep
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// A signed POST of `body` to `inbox`, ready to send (benchmarks sign ahead of time).
    #[allow(dead_code)] // used by the benchmarks
    pub async fn sign(&self, inbox: &str, body: &Value) -> reqwest::Request {
        let bytes = body.to_string().into_bytes();
        static CLIENT: std::sync::OnceLock<reqwest_middleware::ClientWithMiddleware> =
            std::sync::OnceLock::new();
        let builder = CLIENT
            .get_or_init(|| reqwest::Client::new().into())
            .post(inbox)
            .header("content-type", "application/activity+json");
        let data = self.signer.to_request_data();
        data.sign_request(builder, bytes.into()).await.unwrap()
    }

    /// POSTs `body` to `inbox`, signed by bob's key (as `bob` would), and returns the status.
    pub async fn post_signed(&self, inbox: &str, body: &Value) -> u16 {
        let bytes = body.to_string().into_bytes();
        let client = reqwest::Client::new();
        let with_middleware = reqwest_middleware::ClientWithMiddleware::from(client.clone());
        let builder = with_middleware
            .post(inbox)
            .header("content-type", "application/activity+json")
            .header("accept", "application/activity+json");
        let data = self.signer.to_request_data();
        let req = data.sign_request(builder, bytes.into()).await.unwrap();
        client.execute(req).await.unwrap().status().as_u16()
    }

    /// Like [`Peer::post_signed`], with the `Date` header set to `date` before signing (a
    /// replayed or delayed request).
    pub async fn post_signed_dated(
        &self,
        inbox: &str,
        body: &Value,
        date: chrono::DateTime<chrono::Utc>,
    ) -> u16 {
        let bytes = body.to_string().into_bytes();
        let client = reqwest::Client::new();
        let with_middleware = reqwest_middleware::ClientWithMiddleware::from(client.clone());
        let builder = with_middleware
            .post(inbox)
            .header("content-type", "application/activity+json")
            .header("date", date.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        let data = self.signer.to_request_data();
        let req = data.sign_request(builder, bytes.into()).await.unwrap();
        client.execute(req).await.unwrap().status().as_u16()
    }

    /// POSTs without any signature.
    pub async fn post_unsigned(&self, inbox: &str, body: &str) -> u16 {
        reqwest::Client::new()
            .post(inbox)
            .header("content-type", "application/activity+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
