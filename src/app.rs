//! One running instance: its state, its router, and serving it until asked to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;
use crate::service::Hearth;
use crate::{api, assets, web};

/// Shared state of one instance, handed to every handler. Never global.
#[derive(Clone)]
pub struct AppState {
    pub hearth: Hearth,
    pub templates: Arc<web::templates::Templates>,
    pub federation: crate::federation::Federation,
    /// Fetches remote avatars (the federation client's rules), built once: building a client
    /// loads the system's root certificates.
    pub media_client: reqwest::Client,
}

impl AppState {
    pub fn config(&self) -> &Config {
        &self.hearth.config
    }
}

/// Opens (and migrates) the database and builds the instance's state.
pub async fn build(config: Config) -> anyhow::Result<AppState> {
    let url = config.database_url.clone();
    let size = config.db_pool_size;
    let db = tokio::task::spawn_blocking(move || Db::open(&url, size))
        .await?
        .map_err(|e| anyhow::anyhow!("database_url ({}): {e:#}", config.database_url))?;
    state_with_db(config, db).await
}

/// Builds state over an existing pool (tests use this to point at an unreachable database).
pub async fn state_with_db(config: Config, db: Db) -> anyhow::Result<AppState> {
    let hearth = Hearth::new(db, Arc::new(config));
    if let Err(e) = crate::service::policy::reload(&hearth).await {
        // The database is unreachable at start: federation stays closed (every server refused)
        // until the policy can be read; the next admin change or restart reads it.
        e.log();
    }
    let federation = crate::federation::configure(hearth.clone()).await?;
    let media_client = crate::federation::http_client(
        &hearth.config,
        &crate::federation::urls::Urls::new(&hearth.config),
    )?;
    Ok(AppState {
        hearth,
        templates: Arc::new(web::templates::Templates::new()),
        federation,
        media_client,
    })
}

/// The complete router: health check, static files, web pages and the JSON API.
pub fn router(state: AppState) -> Router {
    let max_body = state.config().max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .merge(assets::routes())
        .merge(api::routes())
        .merge(crate::federation::routes(&state))
        .merge(web::routes(state.clone()))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
                 object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `200 ok` when the database answers, `503` otherwise. For load balancers and monitoring.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.hearth.db.healthy().await {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}

/// Serves the instance on `listener` until `shutdown` is cancelled, then finishes in-flight
/// requests and stops its background tasks.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    serve_with(state, listener, shutdown, ServeOptions::default()).await
}

/// What runs next to the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// The background delivery worker. Tests that drive deliveries step by step
    /// (`federation::delivery::deliver_due`) turn it off.
    pub delivery_worker: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            delivery_worker: true,
        }
    }
}

pub async fn serve_with(
    state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let tasks = spawn_housekeeping(state.clone(), shutdown.clone());
    let delivery = options.delivery_worker.then(|| {
        tokio::spawn(crate::federation::delivery::run(
            state.federation.clone(),
            shutdown.clone(),
        ))
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let stop = shutdown.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await?;
    shutdown.cancel();
    let _ = tasks.await;
    if let Some(d) = delivery {
        let _ = d.await;
    }
    Ok(())
}

/// Periodic clean-up: expired sessions and idle rate-limit state.
fn spawn_housekeeping(state: AppState, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    state.hearth.limits.forget_idle();
                    state.hearth.rate.forget_idle();
                    // Also picks up changes made with the command line, and recovers a policy
                    // that could not be read at start.
                    if let Err(e) = crate::service::policy::reload(&state.hearth).await {
                        e.log();
                    }
                    if let Err(e) = crate::service::auth::prune_expired(&state.hearth).await {
                        e.log();
                    }
                }
            }
        }
    })
}

/// Resolves when the process receives Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
