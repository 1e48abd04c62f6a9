//! ActivityPub: spaces are `Group`s, people are `Person`s, and an `Application` instance actor
//! signs fetches. Built on `activitypub_federation` (signatures, fetching, verification);
//! deliveries are Hearth's own, persisted in the database (see `delivery.rs`).

pub mod activities;
pub mod actors;
pub mod delivery;
pub mod error;
pub mod http;
pub mod media;
pub mod objects;
pub mod outbound;
pub mod protocol;
pub mod remote;
pub mod urls;

use std::time::Duration;

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use activitypub_federation::resolver::ValidatingDnsResolver;
use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::service::Hearth;

pub type Federation = FederationConfig<Hearth>;

/// Builds the federation configuration of one instance (creating the instance actor's keys on
/// first start).
pub async fn configure(h: Hearth) -> anyhow::Result<Federation> {
    let insecure = h.config.federation_insecure;
    if insecure {
        tracing::warn!(
            "federation_insecure is ON: plain-http federation with loopback and private addresses. \
             This is for local testing only; never run a public instance like this."
        );
    }
    let urls = urls::Urls::new(&h.config);
    let instance = actors::LocalActor::for_signer(&h, &urls, "instance")
        .await
        .map_err(|e| anyhow::anyhow!("instance actor keys: {}", e.0))?;
    let client = http_client(&h.config, &urls)?;
    let h_blocked = h.clone();
    let config = FederationConfig::builder()
        .domain(h.config.domain.clone())
        .app_data(h)
        .client(client.into())
        .debug(insecure)
        .allow_http_urls(insecure)
        .http_fetch_limit(20)
        .request_timeout(Duration::from_secs(10))
        .signed_fetch_actor(&instance)
        .url_verifier(Box::new(BlockList(h_blocked)))
        .build()
        .await?;
    Ok(config)
}

/// The HTTP client for everything Hearth fetches from or sends to other servers: no redirects
/// followed blindly, 10 s timeouts, and (outside test mode) names that resolve to loopback or
/// private addresses refused.
pub fn http_client(
    config: &crate::config::Config,
    urls: &urls::Urls,
) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(format!(
            "Hearth/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            urls.base()
        ))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(10))
        .dns_resolver(std::sync::Arc::new(ValidatingDnsResolver::new(
            vec![],
            !config.federation_insecure,
        )))
        .build()?)
}

/// Refuses URLs on blocked servers: the library calls it for every received activity id, every
/// fetch and every delivery target.
#[derive(Clone)]
struct BlockList(Hearth);

/// The message of the refusal, recognised by `FedError` to answer 403.
pub const BLOCKED: &str = "the server is blocked here";

#[async_trait::async_trait]
impl activitypub_federation::config::UrlVerifier for BlockList {
    async fn verify(&self, url: &url::Url) -> Result<(), activitypub_federation::error::Error> {
        match url.host_str() {
            Some(host) if self.0.refuses(host) => Err(
                activitypub_federation::error::Error::UrlVerificationError(BLOCKED),
            ),
            _ => Ok(()),
        }
    }
}

/// The federation routes (the content-negotiated `/s/<name>` and `/u/<name>` live with the pages).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(http::webfinger))
        .route("/.well-known/nodeinfo", get(http::nodeinfo_links))
        .route("/.well-known/host-meta", get(http::host_meta))
        .route("/nodeinfo/2.1", get(http::nodeinfo))
        .route("/actor", get(http::instance_actor))
        .route("/inbox", post(http::inbox))
        .route("/actor/inbox", post(http::inbox))
        .route("/s/{name}/inbox", post(http::inbox))
        .route("/u/{name}/inbox", post(http::inbox))
        .route("/s/{name}/followers", get(http::followers))
        .route("/s/{name}/moderators", get(http::moderators))
        .route("/s/{name}/staff", get(http::staff))
        .route("/s/{name}/outbox", get(http::space_outbox))
        .route("/s/{name}/featured", get(http::space_featured))
        .route("/u/{name}/outbox", get(http::person_outbox))
        .route("/s/{name}/t/{thread}/context", get(http::thread_context))
        .route("/s/{name}/t/{thread}/replies", get(http::thread_replies))
        .route("/posts/{id}/replies", get(http::post_replies))
        .route("/media/avatars/{id}", get(media::avatar))
        .route("/media/avatars/local/{hash}", get(media::local_avatar))
        .layer(FederationMiddleware::new(state.federation.clone()))
}
