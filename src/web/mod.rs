//! Server-rendered HTML pages. They work without JavaScript; every form that changes something
//! carries a CSRF token, checked by [`csrf::protect`] before any handler runs.

// Page guards return the response to send instead (a redirect or an error page) as their `Err`;
// it is the cold path, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod csrf;
mod pages;
pub mod session;
pub mod templates;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};

use crate::app::AppState;
use crate::error::{AppError, ErrorKind};

pub use session::PageCtx;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home::home))
        .route("/theme.css", get(pages::home::theme))
        .route("/s/{space}", get(pages::spaces::show))
        .route("/s/{space}/follow", post(pages::spaces::follow))
        .route("/s/{space}/unfollow", post(pages::spaces::unfollow))
        .route("/spaces/find", post(pages::home::find_space))
        .route(
            "/s/{space}/new",
            get(pages::spaces::compose_form).post(pages::spaces::compose),
        )
        .route("/s/{space}/t/{thread}", get(pages::threads::show))
        .route("/s/{space}/t/{thread}/reply", post(pages::threads::reply))
        .route("/s/{space}/t/{thread}/answer", post(pages::threads::answer))
        .route("/posts/{id}", get(pages::threads::goto))
        .route(
            "/posts/{id}/edit",
            get(pages::threads::edit_form).post(pages::threads::edit),
        )
        .route("/posts/{id}/delete", post(pages::threads::delete))
        .route("/posts/{id}/like", post(pages::threads::like))
        .route("/posts/{id}/history", get(pages::threads::history))
        .route(
            "/posts/{id}/report",
            get(pages::moderation::report_form).post(pages::moderation::report),
        )
        .route("/moderation", get(pages::moderation::queue))
        .route("/modlog", get(pages::moderation::log))
        .route("/moderation/bans", post(pages::moderation::ban))
        .route(
            "/moderation/posts/{id}/approve",
            post(pages::moderation::approve),
        )
        .route(
            "/moderation/posts/{id}/reject",
            post(pages::moderation::reject),
        )
        .route(
            "/moderation/bans/{id}/lift",
            post(pages::moderation::lift_ban),
        )
        .route(
            "/moderation/posts/{id}/remove",
            post(pages::moderation::remove),
        )
        .route(
            "/moderation/posts/{id}/restore",
            post(pages::moderation::restore),
        )
        .route(
            "/moderation/reports/{id}/resolve",
            post(pages::moderation::resolve),
        )
        .route(
            "/moderation/reports/{id}/forward",
            post(pages::moderation::forward),
        )
        .route("/notifications", get(pages::notifications::show))
        .route("/notifications/read", post(pages::notifications::read))
        .route("/desk", get(pages::desk::show))
        .route("/desk/metrics", get(pages::desk::metrics))
        .route("/desk/metrics.csv", get(pages::desk::metrics_csv))
        .route("/desk/threads/{id}/assign", post(pages::desk::assign))
        .route("/desk/threads/{id}/answered", post(pages::desk::answered))
        .route("/posts/{id}/deliveries", get(pages::threads::deliveries))
        .route(
            "/login",
            get(pages::auth::login_form).post(pages::auth::login),
        )
        .route("/logout", post(pages::auth::logout))
        .route(
            "/register",
            get(pages::auth::register_form).post(pages::auth::register),
        )
        .route(
            "/register/status",
            get(pages::auth::application_form).post(pages::auth::application),
        )
        .route("/u/{name}", get(pages::profile::show))
        .route("/settings", get(pages::settings::show))
        .route("/settings/profile", post(pages::settings::save_profile))
        .route("/settings/password", post(pages::settings::change_password))
        .route("/settings/avatar", post(pages::settings::save_avatar))
        .route(
            "/settings/avatar/remove",
            post(pages::settings::remove_avatar),
        )
        .route("/settings/tokens", post(pages::settings::create_token))
        .route(
            "/settings/tokens/{id}/revoke",
            post(pages::settings::revoke_token),
        )
        .route("/admin", get(pages::admin::show))
        .route("/admin/settings", post(pages::admin::save_settings))
        .route("/admin/federation/domains", post(pages::admin::set_domain))
        .route(
            "/admin/federation/domains/{domain}/remove",
            post(pages::admin::remove_domain),
        )
        .route(
            "/admin/federation/mode",
            post(pages::admin::federation_mode),
        )
        .route("/admin/accounts/{name}/role", post(pages::admin::set_role))
        .route(
            "/admin/accounts/{name}/approve",
            post(pages::admin::approve),
        )
        .route("/admin/accounts/{name}/reject", post(pages::admin::reject))
        .route("/admin/invites", post(pages::admin::create_invite))
        .route("/admin/spaces", post(pages::admin::create_space))
        .route(
            "/admin/spaces/{name}",
            get(pages::admin::edit_space_form).post(pages::admin::update_space),
        )
        .fallback(not_found)
        // Order matters: the CSRF check runs first (outermost but one), and error pages are
        // rendered outermost so they also cover the CSRF check's refusals.
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(middleware::from_fn_with_state(state, render_errors))
}

async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        crate::api::ApiError(AppError::not_found(&format!("endpoint {path}"))).into_response()
    } else {
        WebError(AppError::not_found("page")).into_response()
    }
}

/// An [`AppError`] on a web page. The handler's response only carries the error; the
/// [`render_errors`] middleware turns it into an HTML page with the site's layout.
pub struct WebError(pub AppError);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e)
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// A rate-limited request's response says when to come back (`Retry-After`).
pub(crate) fn retry_after(resp: &mut Response, e: &crate::error::AppError) {
    if let ErrorKind::RateLimited { retry_after_secs } = e.kind
        && let Ok(v) = retry_after_secs.to_string().parse()
    {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
}

/// The safe parts of an error, passed from a handler's response to [`render_errors`].
#[derive(Clone)]
struct ErrorPage {
    status: u16,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = status.into_response();
        retry_after(&mut resp, &e);
        resp.extensions_mut().insert(ErrorPage {
            status: e.status(),
            message: e.to_string(),
        });
        resp
    }
}

async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let Some(page) = resp.extensions_mut().remove::<ErrorPage>() else {
        return resp;
    };
    let instance = crate::service::admin::instance(&state.hearth).await.ok();
    let title = match page.status {
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Not found",
        429 => "Slow down",
        s if s >= 500 => "Something went wrong",
        _ => "That didn't work",
    };
    let html = state.templates.render(
        "error.html",
        context! { instance => val(&instance), title => val(title), status => val(page.status), message => val(&page.message) },
    );
    let body = match html {
        Ok(h) => h,
        Err(_) => format!("<!doctype html><title>{title}</title><p>{title}</p>"),
    };
    let (mut parts, _) = resp.into_parts();
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Converts any serialisable view into a template value.
pub fn val<T: serde::Serialize>(x: T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// Redirect target after a form: only local paths, never `//host` or a full URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

pub fn html(body: String) -> Response {
    Html(body).into_response()
}

/// Renders a page with the given status (used to re-show a form with its error).
pub fn html_status(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Html(body)).into_response()
}
