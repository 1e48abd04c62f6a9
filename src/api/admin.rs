//! `/api/v1/admin/…`: administration. The service checks the admin role; a non-admin gets 403.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody, OptionalJson};
use crate::app::AppState;
use crate::domain::Role;
use crate::service::{admin, policy, views};

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// Return accounts with an id greater than this (from `next` of the previous page).
    pub after: Option<i64>,
    /// 1-100, default 50.
    pub limit: Option<i64>,
}

/// All accounts, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "admin", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = views::AccountPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn accounts(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<views::AccountPage>> {
    Ok(Json(
        admin::list_accounts(&s.hearth, &v, q.after, q.limit).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: Role,
}

/// Changes an account's role. The last admin cannot be demoted (409).
#[utoipa::path(put, path = "/api/v1/admin/accounts/{name}/role", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = RoleRequest,
    responses((status = 200, body = views::Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_role(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> ApiResult<Json<views::Account>> {
    Ok(Json(admin::set_role(&s.hearth, &v, &name, req.role).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct DecisionRequest {
    /// Optional, up to 1000 characters: for a rejection, shown to the applicant on their
    /// status page; kept in the audit log either way.
    #[serde(default)]
    pub reason: String,
}

/// The applications waiting for a decision, oldest first, with the answers to the
/// registration questions.
#[utoipa::path(get, path = "/api/v1/admin/applications", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<views::Application>), (status = 403, body = ErrorBody)))]
pub async fn applications(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<views::Application>>> {
    Ok(Json(admin::applications(&s.hearth, &v).await?))
}

/// Approves an account that registered while approval was required.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{name}/approve", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path)), request_body(content = DecisionRequest, description = "Optional"),
    responses((status = 200, body = views::Account), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
    OptionalJson(req): OptionalJson<DecisionRequest>,
) -> ApiResult<Json<views::Account>> {
    Ok(Json(
        admin::decide_application(&s.hearth, &v, &name, true, &req.reason).await?,
    ))
}

/// Rejects a pending application.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{name}/reject", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path)), request_body(content = DecisionRequest, description = "Optional: why, for the applicant"),
    responses((status = 200, body = views::Account), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
    OptionalJson(req): OptionalJson<DecisionRequest>,
) -> ApiResult<Json<views::Account>> {
    Ok(Json(
        admin::decide_application(&s.hearth, &v, &name, false, &req.reason).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct InstanceUpdateRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// open, approval, invite or closed.
    pub registration_mode: Option<String>,
    /// `#rrggbb`: links, buttons and badges.
    pub accent_color: Option<String>,
    /// An `https://` image URL, or "" for none.
    pub logo_url: Option<String>,
    /// Whether the public moderation log names moderators (false: "a moderator").
    pub modlog_names: Option<bool>,
    /// What applicants answer when registration needs approval: up to 5 questions of up to
    /// 300 characters (empty ones are dropped; `[]` asks none).
    pub registration_questions: Option<Vec<String>>,
}

/// Changes the instance name, description or registration mode.
#[utoipa::path(patch, path = "/api/v1/admin/instance", tag = "admin", security(("bearer" = [])),
    request_body = InstanceUpdateRequest,
    responses((status = 200, body = views::Instance), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_instance(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<InstanceUpdateRequest>,
) -> ApiResult<Json<views::Instance>> {
    let update = admin::SettingsUpdate {
        name: req.name,
        description: req.description,
        registration_mode: req.registration_mode,
        accent_color: req.accent_color,
        logo_url: req.logo_url,
        modlog_names: req.modlog_names,
        registration_questions: req.registration_questions,
    };
    Ok(Json(admin::update_settings(&s.hearth, &v, update).await?))
}

/// Invite codes, newest first.
#[utoipa::path(get, path = "/api/v1/admin/invites", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<views::InviteInfo>), (status = 403, body = ErrorBody)))]
pub async fn list_invites(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<views::InviteInfo>>> {
    Ok(Json(admin::list_invites(&s.hearth, &v).await?))
}

/// Creates a single-use invite code.
#[utoipa::path(post, path = "/api/v1/admin/invites", tag = "admin", security(("bearer" = [])),
    responses((status = 201, body = views::InviteInfo), (status = 403, body = ErrorBody)))]
pub async fn create_invite(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<(StatusCode, Json<views::InviteInfo>)> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_invite(&s.hearth, &v).await?),
    ))
}

/// The federation policy: the mode and the managed domains (admins only).
#[utoipa::path(get, path = "/api/v1/admin/federation", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = policy::PolicyView), (status = 403, body = ErrorBody)))]
pub async fn federation_policy(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<policy::PolicyView>> {
    Ok(Json(policy::view(&s.hearth, &v).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ModeRequest {
    /// `blocklist` (federate with everyone not blocked) or `allowlist` (only the allowed).
    pub mode: String,
}

/// Switches between block-list and allow-list mode; takes effect at once.
#[utoipa::path(put, path = "/api/v1/admin/federation/mode", tag = "admin", security(("bearer" = [])),
    request_body = ModeRequest,
    responses((status = 200, body = policy::PolicyView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn federation_mode(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<ModeRequest>,
) -> ApiResult<Json<policy::PolicyView>> {
    Ok(Json(policy::set_mode(&s.hearth, &v, &req.mode).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DomainRequest {
    /// `block` or `allow`.
    pub kind: String,
    /// Kept in the audit log.
    #[serde(default)]
    pub reason: String,
}

/// Blocks or allows a domain (and its subdomains); takes effect at once: its activities are
/// refused and nothing more is delivered to it.
#[utoipa::path(put, path = "/api/v1/admin/federation/domains/{domain}", tag = "admin", security(("bearer" = [])),
    params(("domain" = String, Path)), request_body = DomainRequest,
    responses((status = 200, body = policy::PolicyView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn set_domain(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(domain): Path<String>,
    ApiJson(req): ApiJson<DomainRequest>,
) -> ApiResult<Json<policy::PolicyView>> {
    Ok(Json(
        policy::set_domain(&s.hearth, &v, &domain, &req.kind, &req.reason).await?,
    ))
}

/// Takes a domain off the list.
#[utoipa::path(delete, path = "/api/v1/admin/federation/domains/{domain}", tag = "admin", security(("bearer" = [])),
    params(("domain" = String, Path)),
    responses((status = 200, body = policy::PolicyView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove_domain(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(domain): Path<String>,
) -> ApiResult<Json<policy::PolicyView>> {
    Ok(Json(policy::remove_domain(&s.hearth, &v, &domain).await?))
}
