//! `/api/v1/spaces…`

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::domain::PostingMode;
use crate::service::{spaces, threads, views};

/// The spaces of this instance (archived ones are left out unless `archived=true`).
#[utoipa::path(get, path = "/api/v1/spaces", tag = "spaces",
    params(("archived" = Option<bool>, Query, description = "Include archived spaces")),
    responses((status = 200, body = Vec<views::Space>)))]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ArchivedQuery>,
) -> ApiResult<Json<Vec<views::Space>>> {
    Ok(Json(
        spaces::list(&s.hearth, q.archived.unwrap_or(false)).await?,
    ))
}

#[derive(Deserialize)]
pub struct ArchivedQuery {
    archived: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateSpaceRequest {
    /// The handle, e.g. `support` (shared namespace with people).
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub rules: String,
    /// `open` (default) or `announcements`.
    pub posting_mode: Option<PostingMode>,
}

/// Creates a space (admins only).
#[utoipa::path(post, path = "/api/v1/spaces", tag = "spaces", security(("bearer" = [])),
    request_body = CreateSpaceRequest,
    responses((status = 201, body = views::Space), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<CreateSpaceRequest>,
) -> ApiResult<(StatusCode, Json<views::Space>)> {
    let space = spaces::create(
        &s.hearth,
        Some(&v),
        spaces::NewSpace {
            name: req.name,
            title: req.title,
            description: req.description,
            rules: req.rules,
            posting_mode: req.posting_mode,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(space)))
}

/// One space.
#[utoipa::path(get, path = "/api/v1/spaces/{name}", tag = "spaces",
    params(("name" = String, Path)),
    responses((status = 200, body = views::Space), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<views::Space>> {
    Ok(Json(spaces::get(&s.hearth, &name).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateSpaceRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    pub posting_mode: Option<PostingMode>,
    /// Archived spaces are read-only.
    pub archived: Option<bool>,
    /// How soon staff aim to answer, in minutes: threads waiting longer are highlighted on the
    /// desk. 0 (no target) to 43200 (30 days); new spaces have 1440 (a day).
    pub response_target_minutes: Option<i64>,
    /// The newcomer gate: the first this many posts of a newcomer here (a new local account, or
    /// someone from a server the space has not seen) wait for a moderator's approval, and so
    /// do posts with links from accounts less than a week old. 0 (off, the default) to 20.
    pub newcomer_posts: Option<i64>,
    /// Members' posts whose spam score (0–100: links, repeated words, a new account, a burst
    /// of posts, the filter learned from moderators) reaches this wait for a moderator. 1 to
    /// 100, or 0 to hold nothing for its score; new spaces have 50.
    pub spam_threshold: Option<i64>,
}

/// Edits or archives a space (admins only).
#[utoipa::path(patch, path = "/api/v1/spaces/{name}", tag = "spaces", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = UpdateSpaceRequest,
    responses((status = 200, body = views::Space), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<UpdateSpaceRequest>,
) -> ApiResult<Json<views::Space>> {
    let update = spaces::SpaceUpdate {
        title: req.title,
        description: req.description,
        rules: req.rules,
        posting_mode: req.posting_mode,
        archived: req.archived,
        response_target_minutes: req.response_target_minutes,
        newcomer_posts: req.newcomer_posts,
        spam_threshold: req.spam_threshold,
    };
    Ok(Json(spaces::update(&s.hearth, &v, &name, update).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ThreadListQuery {
    /// `new` (default), `active` (latest reply first) or `top` (most liked).
    pub sort: Option<String>,
    /// `all` (default), `answered` or `unanswered`.
    pub filter: Option<String>,
    /// From `next` of the previous page.
    pub cursor: Option<String>,
    /// 1-100, default 25.
    pub limit: Option<i64>,
}

/// A space's threads, a page at a time.
#[utoipa::path(get, path = "/api/v1/spaces/{name}/threads", tag = "threads",
    params(("name" = String, Path), ThreadListQuery),
    responses((status = 200, body = views::ThreadPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn threads(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<ThreadListQuery>,
) -> ApiResult<Json<views::ThreadPage>> {
    let page = threads::list(
        &s.hearth,
        &name,
        threads::ListQuery {
            sort: q.sort,
            filter: q.filter,
            cursor: q.cursor,
            limit: q.limit,
        },
    )
    .await?;
    Ok(Json(page))
}

#[derive(Deserialize, ToSchema)]
pub struct NewThreadRequest {
    /// 1-200 characters.
    pub title: String,
    /// Markdown, 1-20000 characters.
    pub body: String,
}

/// Starts a thread in a space.
#[utoipa::path(post, path = "/api/v1/spaces/{name}/threads", tag = "threads", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = NewThreadRequest,
    responses((status = 201, body = views::ThreadSummary), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Announcements space (staff only) or archived"),
        (status = 404, body = ErrorBody)))]
pub async fn ask(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<NewThreadRequest>,
) -> ApiResult<(StatusCode, Json<views::ThreadSummary>)> {
    let thread = threads::ask(&s.hearth, &v, &name, &req.title, &req.body).await?;
    Ok((StatusCode::CREATED, Json(thread)))
}

#[derive(Deserialize, ToSchema)]
pub struct FindSpaceRequest {
    /// A space on another server, as `name@server` (`@name@server` and Lemmy's `!name@server`
    /// work too).
    pub handle: String,
}

/// Finds a space on another server by its handle (WebFinger, then its Group actor) and keeps it
/// here, so it can be followed. Signed-in people only: it makes this server fetch from others.
#[utoipa::path(post, path = "/api/v1/remote-spaces", tag = "spaces", security(("bearer" = [])),
    request_body = FindSpaceRequest,
    responses((status = 200, body = views::Space), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The server is blocked here"),
        (status = 404, body = ErrorBody, description = "No space by that handle")))]
pub async fn find_remote(
    State(s): State<AppState>,
    ApiUser(_v): ApiUser,
    ApiJson(req): ApiJson<FindSpaceRequest>,
) -> ApiResult<Json<views::Space>> {
    let data = s.federation.to_request_data();
    let space = crate::federation::remote::resolve_space(&data, &req.handle).await?;
    Ok(Json(spaces::get(&s.hearth, &space.name).await?))
}

/// The spaces on other servers that people here follow.
#[utoipa::path(get, path = "/api/v1/remote-spaces", tag = "spaces",
    responses((status = 200, body = Vec<views::Space>)))]
pub async fn list_remote(State(s): State<AppState>) -> ApiResult<Json<Vec<views::Space>>> {
    Ok(Json(spaces::list_followed_remote(&s.hearth).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FollowResponse {
    /// `none`, `pending` (sent, not yet accepted by the space's server) or `accepted`.
    pub state: spaces::FollowState,
}

/// Whether the caller follows a space on another server.
#[utoipa::path(get, path = "/api/v1/spaces/{name}/follow", tag = "spaces", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FollowResponse), (status = 404, body = ErrorBody)))]
pub async fn follow_state(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<FollowResponse>> {
    let state = spaces::follow_state(&s.hearth, &v, &name).await?;
    Ok(Json(FollowResponse { state }))
}

/// Follows a space on another server: its threads arrive here, and the caller can take part
/// from here. Following twice changes nothing.
#[utoipa::path(put, path = "/api/v1/spaces/{name}/follow", tag = "spaces", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FollowResponse),
        (status = 400, body = ErrorBody, description = "A space of this server"),
        (status = 404, body = ErrorBody)))]
pub async fn follow(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<FollowResponse>> {
    let state = spaces::follow(&s.hearth, &v, &name).await?;
    Ok(Json(FollowResponse { state }))
}

/// Stops following a space on another server.
#[utoipa::path(delete, path = "/api/v1/spaces/{name}/follow", tag = "spaces", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FollowResponse), (status = 404, body = ErrorBody)))]
pub async fn unfollow(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<FollowResponse>> {
    let state = spaces::unfollow(&s.hearth, &v, &name).await?;
    Ok(Json(FollowResponse { state }))
}
