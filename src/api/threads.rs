//! `/api/v1/threads…` and `/api/v1/posts…`

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody, MaybeApiUser};
use crate::app::AppState;
use crate::error::AppError;
use crate::service::{threads, views};

/// Finds the space of a thread id, so API clients need only the id.
async fn space_of(s: &AppState, id: i64) -> ApiResult<String> {
    Ok(threads::space_of_thread(&s.hearth, id).await?)
}

/// A thread with the accepted answer and the whole reply tree.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads",
    params(("id" = i64, Path)),
    responses((status = 200, body = views::ThreadView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<views::ThreadView>> {
    let space = space_of(&s, id).await?;
    Ok(Json(
        threads::show(&s.hearth, v.as_ref(), &space, id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyRequest {
    /// Markdown, 1-20000 characters.
    pub body: String,
    /// The post replied to; absent to reply to the thread itself.
    pub parent_id: Option<i64>,
}

/// Replies to a thread or to one of its posts.
#[utoipa::path(post, path = "/api/v1/threads/{id}/replies", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReplyRequest,
    responses((status = 201, body = views::Post), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reply(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> ApiResult<(StatusCode, Json<views::Post>)> {
    let post = threads::reply(&s.hearth, &v, id, req.parent_id, &req.body).await?;
    Ok((StatusCode::CREATED, Json(post)))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// The reply that answers the question.
    pub post_id: i64,
}

/// Marks a reply as the answer (the asker or staff).
#[utoipa::path(put, path = "/api/v1/threads/{id}/answer", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AnswerRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_answer(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> ApiResult<StatusCode> {
    threads::set_answer(&s.hearth, &v, id, Some(req.post_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears the answer (the asker or staff).
#[utoipa::path(delete, path = "/api/v1/threads/{id}/answer", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clear_answer(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    threads::set_answer(&s.hearth, &v, id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct EditRequest {
    /// The new text (Markdown).
    pub body: String,
    /// A new title; only for the opening post of a thread.
    pub title: Option<String>,
}

/// Edits one's own post. The earlier version is kept in the history.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = EditRequest,
    responses((status = 200, body = views::Post), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not the author: nobody else may edit"),
        (status = 404, body = ErrorBody)))]
pub async fn edit(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<EditRequest>,
) -> ApiResult<Json<views::Post>> {
    Ok(Json(
        threads::edit(&s.hearth, &v, id, &req.body, req.title.as_deref()).await?,
    ))
}

/// Deletes one's own post; a tombstone keeps its place among the replies.
#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    threads::delete(&s.hearth, &v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The edit history of a post.
#[utoipa::path(get, path = "/api/v1/posts/{id}/history", tag = "threads",
    params(("id" = i64, Path)),
    responses((status = 200, body = views::History), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(s): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<views::History>> {
    Ok(Json(threads::history(&s.hearth, v.as_ref(), id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct LikeResponse {
    pub liked: bool,
    pub like_count: i64,
}

/// Likes a post. Liking twice changes nothing.
#[utoipa::path(put, path = "/api/v1/posts/{id}/like", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = LikeResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn like(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<LikeResponse>> {
    let n = threads::like(&s.hearth, &v, id, true).await?;
    Ok(Json(LikeResponse {
        liked: true,
        like_count: n,
    }))
}

/// Takes a like back.
#[utoipa::path(delete, path = "/api/v1/posts/{id}/like", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = LikeResponse), (status = 404, body = ErrorBody)))]
pub async fn unlike(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<LikeResponse>> {
    let n = threads::like(&s.hearth, &v, id, false).await?;
    Ok(Json(LikeResponse {
        liked: false,
        like_count: n,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct WritingQuery {
    /// From `next` of the previous page.
    pub before: Option<i64>,
    /// 1-100, default 25.
    pub limit: Option<i64>,
}

/// What a person wrote, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{name}/posts", tag = "accounts",
    params(("name" = String, Path), WritingQuery),
    responses((status = 200, body = views::ContributionPage), (status = 404, body = ErrorBody)))]
pub async fn by_author(
    State(s): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Path(name): Path<String>,
    Query(q): Query<WritingQuery>,
) -> ApiResult<Json<views::ContributionPage>> {
    if name.is_empty() {
        return Err(AppError::not_found("person").into());
    }
    Ok(Json(
        threads::by_author(&s.hearth, v.as_ref(), &name, q.before, q.limit).await?,
    ))
}

/// Where a post was delivered on other servers, where delivery is pending, and where it failed
/// (staff only).
#[utoipa::path(get, path = "/api/v1/posts/{id}/deliveries", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = crate::service::delivery_status::DeliveryReport),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<crate::service::delivery_status::DeliveryReport>> {
    Ok(Json(
        crate::service::delivery_status::for_post(&s.hearth, &v, id).await?,
    ))
}
