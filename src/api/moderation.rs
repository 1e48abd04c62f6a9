//! `/api/v1/reports…`: reporting and the moderators' queue; removing and restoring posts; the
//! public moderation log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody, MaybeApiUser};
use crate::app::AppState;
use crate::error::AppError;
use crate::service::moderation;

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    /// The post reported (a thread's opening post or a reply)…
    pub post_id: Option<i64>,
    /// …or the person reported (their name, `user@host` for people from elsewhere).
    pub account: Option<String>,
    /// Why: 1-2000 characters, shown to the moderators.
    pub reason: String,
}

/// Reports a post or a person to the moderators.
#[utoipa::path(post, path = "/api/v1/reports", tag = "moderation", security(("bearer" = [])),
    request_body = ReportRequest,
    responses((status = 201, body = moderation::Report), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<moderation::Report>)> {
    let target = match (req.post_id, req.account) {
        (Some(id), None) => moderation::Target::Post(id),
        (None, Some(name)) => moderation::Target::Person(name),
        _ => {
            return Err(AppError::invalid(
                "post_id",
                "name either a post_id or an account, not both",
            )
            .into());
        }
    };
    let report = moderation::report(&s.hearth, &v, target, &req.reason).await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// The open reports, oldest first: made here and received from other servers (moderators and
/// admins only).
#[utoipa::path(get, path = "/api/v1/reports", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = Vec<moderation::Report>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<moderation::Report>>> {
    Ok(Json(moderation::open_reports(&s.hearth, &v).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// What was done and why, 1-2000 characters (kept with the report and in the audit log).
    pub note: String,
    /// `dismiss` (default), `remove_post`: remove the reported post, the note being the
    /// public reason, or `remove_spam`: the same, and the spam filter learns it as spam.
    #[serde(default)]
    pub action: moderation::Action,
}

/// Resolves a report with a note (moderators and admins only).
#[utoipa::path(post, path = "/api/v1/reports/{id}/resolve", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, body = moderation::Report), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already resolved")))]
pub async fn resolve(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<Json<moderation::Report>> {
    Ok(Json(
        moderation::resolve(&s.hearth, &v, id, &req.note, req.action).await?,
    ))
}

/// Forwards a report about someone from another server to that server, as a `Flag` from this
/// instance (with the reason, without the reporter's name); once (moderators and admins only).
#[utoipa::path(post, path = "/api/v1/reports/{id}/forward", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = moderation::Report), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already forwarded")))]
pub async fn forward(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<moderation::Report>> {
    Ok(Json(moderation::forward(&s.hearth, &v, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RemovalRequest {
    /// Why, 1-2000 characters: shown in the post's place and in the public moderation log
    /// (optional when restoring).
    #[serde(default)]
    pub reason: String,
    /// Removed or turned down as spam: the spam filter learns from it (its words count as
    /// spam from now on). Not used when restoring: a restored post counts as not spam.
    #[serde(default)]
    pub spam: bool,
}

/// Removes a post with a reason (moderators and admins only). The words are not changed: its
/// author still sees them; everyone else sees the reason. In a space here the removal is
/// federated (the Group announces a `Delete` by the moderator with the reason in `summary`).
#[utoipa::path(post, path = "/api/v1/posts/{id}/removal", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RemovalRequest,
    responses((status = 200, body = moderation::LogEntry), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already removed, or deleted by its author")))]
pub async fn remove(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RemovalRequest>,
) -> ApiResult<Json<moderation::LogEntry>> {
    Ok(Json(
        moderation::remove_post(&s.hearth, &v, id, &req.reason, req.spam).await?,
    ))
}

/// Restores a removed post (moderators and admins only); federated as the `Undo` of the
/// removal.
#[utoipa::path(post, path = "/api/v1/posts/{id}/restore", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RemovalRequest,
    responses((status = 200, body = moderation::LogEntry), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not removed")))]
pub async fn restore(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RemovalRequest>,
) -> ApiResult<Json<moderation::LogEntry>> {
    Ok(Json(
        moderation::restore_post(&s.hearth, &v, id, &req.reason).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct LogQuery {
    /// Only this space's entries.
    pub space: Option<String>,
    /// Entries older than this id (the `next` of the previous page).
    pub before: Option<i64>,
}

/// The public moderation log, newest first (50 a page): who removed or restored what, when
/// and why. Moderators are shown as "a moderator" if the admin chose so.
#[utoipa::path(get, path = "/api/v1/modlog", tag = "moderation",
    params(LogQuery),
    responses((status = 200, body = moderation::LogPage), (status = 404, body = ErrorBody)))]
pub async fn log(
    State(s): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Query(q): Query<LogQuery>,
) -> ApiResult<Json<moderation::LogPage>> {
    Ok(Json(
        moderation::log(&s.hearth, v.as_ref(), q.space.as_deref(), q.before).await?,
    ))
}

/// The bans in force, oldest first (moderators and admins).
#[utoipa::path(get, path = "/api/v1/bans", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = Vec<moderation::BanView>), (status = 403, body = ErrorBody)))]
pub async fn bans(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<moderation::BanView>>> {
    Ok(Json(moderation::bans_in_force(&s.hearth, &v).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct BanRequest {
    /// The person: a local name or `user@host`.
    pub account: String,
    /// A space's name; absent for the whole instance.
    pub space: Option<String>,
    /// Why, 1-2000 characters: shown to them and in the public log.
    pub reason: String,
    /// For how many days (1-3650); absent: until lifted.
    pub days: Option<i64>,
    /// Also remove everything they wrote there.
    #[serde(default)]
    pub remove_content: bool,
}

/// Bans someone (from here or elsewhere) from a space or the whole instance (moderators and
/// admins). They keep reading, exporting and deleting their words; they cannot post, reply,
/// edit, like or report there. A ban from a space here is federated (`Block` announced by the
/// Group, as Lemmy does).
#[utoipa::path(post, path = "/api/v1/bans", tag = "moderation", security(("bearer" = [])),
    request_body = BanRequest,
    responses((status = 201, body = moderation::BanView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already banned there")))]
pub async fn ban(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<BanRequest>,
) -> ApiResult<(StatusCode, Json<moderation::BanView>)> {
    let input = moderation::BanInput {
        account: req.account,
        space: req.space,
        reason: req.reason,
        days: req.days,
        remove_content: req.remove_content,
    };
    Ok((
        StatusCode::CREATED,
        Json(moderation::ban(&s.hearth, &v, input).await?),
    ))
}

/// Lifts a ban (moderators and admins); the optional reason goes into the public log.
#[utoipa::path(post, path = "/api/v1/bans/{id}/lift", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RemovalRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "No longer in force")))]
pub async fn lift_ban(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RemovalRequest>,
) -> ApiResult<StatusCode> {
    moderation::lift_ban(&s.hearth, &v, id, &req.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The posts waiting for approval (the newcomer gate), oldest first, with why each waits
/// (moderators and admins).
#[utoipa::path(get, path = "/api/v1/held", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = Vec<moderation::HeldPost>), (status = 403, body = ErrorBody)))]
pub async fn held(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<moderation::HeldPost>>> {
    Ok(Json(moderation::held_posts(&s.hearth, &v).await?))
}

/// Lets a held post through: it appears, federates and notifies as if just written; the spam
/// filter learns it as not spam.
#[utoipa::path(post, path = "/api/v1/posts/{id}/approve", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not waiting for approval")))]
pub async fn approve(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    moderation::approve(&s.hearth, &v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns a held post down with a reason (its author sees it; nothing is federated).
#[utoipa::path(post, path = "/api/v1/posts/{id}/reject", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RemovalRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not waiting for approval")))]
pub async fn reject(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RemovalRequest>,
) -> ApiResult<StatusCode> {
    moderation::reject(&s.hearth, &v, id, &req.reason, req.spam).await?;
    Ok(StatusCode::NO_CONTENT)
}
