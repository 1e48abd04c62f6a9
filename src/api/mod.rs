//! The JSON API under `/api/v1/`, described by an OpenAPI document at `/api/v1/openapi.json`.
//! Handlers are plumbing: extract, call one service function, answer. Routes are registered
//! through `utoipa_axum`, so a route cannot exist without its description and the other way round.

mod accounts;
mod admin;
mod auth;
mod desk;
mod extract;
mod moderation;
mod notifications;
mod spaces;
mod threads;
mod tokens;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use extract::{ApiJson, ApiUser, MaybeApiUser, OptionalJson};

use crate::app::AppState;
use crate::error::{AppError, ErrorKind};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hearth API",
        description = "Accounts, profiles, tokens and instance administration. Authenticate with \
                       `Authorization: Bearer <token>`, using a token from `POST /api/v1/auth/login` \
                       or a personal access token from `POST /api/v1/tokens`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody)),
    tags(
        (name = "instance", description = "This instance"),
        (name = "accounts", description = "Registering and profiles"),
        (name = "auth", description = "Logging in and out, tokens"),
        (name = "admin", description = "Administration (admins only)"),
        (name = "spaces", description = "Spaces (communities)"),
        (name = "threads", description = "Threads, replies, likes, answers"),
        (name = "moderation", description = "Reports and the moderators' queue"),
        (name = "notifications", description = "In-app notifications"),
        (name = "desk", description = "The listening desk: threads waiting for staff (staff only)")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document describing exactly them.
pub fn openapi_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::instance))
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::application))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(accounts::change_password))
        .routes(routes!(accounts::set_avatar, accounts::remove_avatar))
        .routes(routes!(accounts::profile))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(admin::accounts))
        .routes(routes!(admin::set_role))
        .routes(routes!(admin::applications))
        .routes(routes!(admin::approve))
        .routes(routes!(admin::reject))
        .routes(routes!(admin::update_instance))
        .routes(routes!(admin::list_invites, admin::create_invite))
        .routes(routes!(admin::federation_policy))
        .routes(routes!(admin::federation_mode))
        .routes(routes!(admin::set_domain, admin::remove_domain))
        .routes(routes!(spaces::list, spaces::create))
        .routes(routes!(spaces::get, spaces::update))
        .routes(routes!(spaces::find_remote, spaces::list_remote))
        .routes(routes!(
            spaces::follow_state,
            spaces::follow,
            spaces::unfollow
        ))
        .routes(routes!(spaces::threads, spaces::ask))
        .routes(routes!(threads::get))
        .routes(routes!(threads::reply))
        .routes(routes!(threads::set_answer, threads::clear_answer))
        .routes(routes!(threads::edit, threads::delete))
        .routes(routes!(threads::history))
        .routes(routes!(threads::deliveries))
        .routes(routes!(threads::like, threads::unlike))
        .routes(routes!(threads::by_author))
        .routes(routes!(moderation::create, moderation::list))
        .routes(routes!(moderation::resolve))
        .routes(routes!(moderation::forward))
        .routes(routes!(moderation::remove))
        .routes(routes!(moderation::restore))
        .routes(routes!(moderation::log))
        .routes(routes!(moderation::bans, moderation::ban))
        .routes(routes!(moderation::lift_ban))
        .routes(routes!(moderation::held))
        .routes(routes!(moderation::approve))
        .routes(routes!(moderation::reject))
        .routes(routes!(desk::queue))
        .routes(routes!(desk::state))
        .routes(routes!(desk::assign, desk::unassign))
        .routes(routes!(desk::answered))
        .routes(routes!(desk::metrics))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::read))
        .split_for_parts()
}

pub fn routes() -> Router<AppState> {
    let (router, doc) = openapi_router();
    let doc = Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}

/// The JSON body of every API error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: bad_request, unauthenticated, forbidden, not_found, conflict,
    /// payload_too_large, rate_limited, unavailable, internal.
    pub error: &'static str,
    /// A human-readable explanation, safe to show.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

/// An [`AppError`] rendered as JSON with the matching status.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: e.kind.code(),
            message: e.message.clone(),
            field: e.field,
        };
        let mut resp = (status, Json(body)).into_response();
        match e.kind {
            ErrorKind::RateLimited { retry_after_secs } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            ErrorKind::Unauthenticated => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
