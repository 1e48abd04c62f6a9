//! `/api/v1/instance`, `/api/v1/accounts…`

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::domain::{AccountStatus, TokenKind};
use crate::http::ClientInfo;
use crate::service::{accounts, admin, auth, views};

/// The instance's name, description and registration mode.
#[utoipa::path(get, path = "/api/v1/instance", tag = "instance",
    responses((status = 200, body = views::Instance)))]
pub async fn instance(State(s): State<AppState>) -> ApiResult<Json<views::Instance>> {
    Ok(Json(admin::instance(&s.hearth).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 1-30 characters: a-z, 0-9, _. Shared with space names.
    pub name: String,
    /// 8-256 characters.
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    /// Required when the instance is invite-only.
    #[serde(default)]
    pub invite: Option<String>,
    /// When registration needs approval: an answer (1-1000 characters) to each of the
    /// instance's `registration_questions` (`GET /api/v1/instance`), in order.
    #[serde(default)]
    pub answers: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ApplicationStatusRequest {
    pub name: String,
    pub password: String,
}

/// Where one's application stands (pending, approved, rejected with the reason), with the
/// answers given. The applicant cannot sign in yet, so they give their name and password
/// (rate-limited as signing in is).
#[utoipa::path(post, path = "/api/v1/registration/status", tag = "accounts", request_body = ApplicationStatusRequest,
    responses(
        (status = 200, body = views::ApplicationStatus),
        (status = 401, body = ErrorBody, description = "Wrong name or password"),
        (status = 429, body = ErrorBody),
    ))]
pub async fn application(
    State(s): State<AppState>,
    ClientInfo(client): ClientInfo,
    ApiJson(req): ApiJson<ApplicationStatusRequest>,
) -> ApiResult<Json<views::ApplicationStatus>> {
    Ok(Json(
        accounts::application_status(&s.hearth, client, &req.name, req.password).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    pub account: views::Account,
    /// A login token, when the account can be used at once (not while it awaits approval).
    pub token: Option<views::IssuedToken>,
}

/// Registers an account, following the instance's registration mode.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse, description = "Created; `account.status` is `pending` when approval is required"),
        (status = 400, body = ErrorBody, description = "A field is empty, too long or malformed (`field` names it)"),
        (status = 403, body = ErrorBody, description = "Registration is closed"),
        (status = 409, body = ErrorBody, description = "The name is taken"),
    ))]
pub async fn register(
    State(s): State<AppState>,
    ClientInfo(client): ClientInfo,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<RegisterResponse>)> {
    let password = req.password.clone();
    let person = accounts::register(
        &s.hearth,
        accounts::Registration {
            name: req.name,
            password: req.password,
            display_name: req.display_name,
            invite: req.invite,
            answers: req.answers,
            client,
        },
    )
    .await?;
    let token = if person.status() == AccountStatus::Active {
        let (token, _) =
            auth::login(&s.hearth, client, &person.name, password, TokenKind::Login).await?;
        Some(token)
    } else {
        None
    };
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            account: views::Account::from(&person),
            token,
        }),
    ))
}

/// The account the token belongs to.
#[utoipa::path(get, path = "/api/v1/accounts/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = views::Account), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(v): ApiUser) -> ApiResult<Json<views::Account>> {
    Ok(Json(views::Account::from(&v.person)))
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileUpdateRequest {
    /// Up to 100 characters; empty shows the handle instead.
    pub display_name: Option<String>,
    /// Up to 2000 characters.
    pub bio: Option<String>,
    /// Staff only; up to 80 characters, e.g. "Support Lead".
    pub title: Option<String>,
}

/// Edits one's own profile. Omitted fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/accounts/me", tag = "accounts", security(("bearer" = [])),
    request_body = ProfileUpdateRequest,
    responses((status = 200, body = views::Account), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn update_me(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<ProfileUpdateRequest>,
) -> ApiResult<Json<views::Account>> {
    let account = accounts::update_profile(
        &s.hearth,
        &v,
        accounts::ProfileUpdate {
            display_name: req.display_name,
            bio: req.bio,
            title: req.title,
        },
    )
    .await?;
    Ok(Json(account))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's password. Every other session and token of the account is revoked.
#[utoipa::path(post, path = "/api/v1/accounts/me/password", tag = "accounts", security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn change_password(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    accounts::change_password(&s.hearth, &v, req.current_password, req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person's public profile.
#[utoipa::path(get, path = "/api/v1/accounts/{name}", tag = "accounts",
    params(("name" = String, Path, description = "The handle")),
    responses((status = 200, body = views::Profile), (status = 404, body = ErrorBody)))]
pub async fn profile(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<views::Profile>> {
    Ok(Json(accounts::profile(&s.hearth, &name).await?))
}

/// Sets one's avatar: the image itself as the request body (PNG, JPEG, GIF or WebP, at most
/// 1 MiB; recognised by its bytes, whatever the `Content-Type` says).
#[utoipa::path(put, path = "/api/v1/accounts/me/avatar", tag = "accounts", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = views::Account), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn set_avatar(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    body: axum::body::Bytes,
) -> ApiResult<Json<views::Account>> {
    Ok(Json(
        accounts::set_avatar(&s.hearth, &v, Some(body.to_vec())).await?,
    ))
}

/// Removes one's avatar.
#[utoipa::path(delete, path = "/api/v1/accounts/me/avatar", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = views::Account), (status = 401, body = ErrorBody)))]
pub async fn remove_avatar(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<views::Account>> {
    Ok(Json(accounts::set_avatar(&s.hearth, &v, None).await?))
}
