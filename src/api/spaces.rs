//! `/api/v1/spaces…`

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
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
