//! `/api/v1/desk…`: the listening desk, for a support team's own tools (staff only).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::service::{desk, metrics};

#[derive(Deserialize, IntoParams)]
pub struct DeskParams {
    /// Only this space (its name).
    pub space: Option<String>,
    /// `me`, `none` (nobody took it yet), or a staff member's name.
    pub assignee: Option<String>,
    /// From `next` of the previous page.
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<i64>,
}

/// Threads waiting for a staff response, longest wait first. The order is the time people
/// started waiting and nothing else.
#[utoipa::path(get, path = "/api/v1/desk", tag = "desk", security(("bearer" = [])),
    params(DeskParams),
    responses((status = 200, body = desk::Desk), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Query(q): Query<DeskParams>,
) -> ApiResult<Json<desk::Desk>> {
    let q = desk::DeskQuery {
        space: q.space,
        assignee: q.assignee,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(desk::queue(&s.hearth, &v, q).await?))
}

/// Where a thread stands on the desk: waiting since when, who took it.
#[utoipa::path(get, path = "/api/v1/desk/threads/{id}", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = desk::DeskState), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn state(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<desk::DeskState>> {
    Ok(Json(desk::state(&s.hearth, &v, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The staff member who takes the thread; yourself when absent ("I'll take this").
    pub assignee: Option<String>,
}

/// Assigns a thread to a staff member, yourself by default.
#[utoipa::path(put, path = "/api/v1/desk/threads/{id}/assignee", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 200, body = desk::DeskState), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn assign(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> ApiResult<Json<desk::DeskState>> {
    let name = req.assignee.unwrap_or_else(|| v.person.name.clone());
    Ok(Json(desk::assign(&s.hearth, &v, id, Some(&name)).await?))
}

/// Releases a thread: nobody has it.
#[utoipa::path(delete, path = "/api/v1/desk/threads/{id}/assignee", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = desk::DeskState), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn unassign(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<desk::DeskState>> {
    Ok(Json(desk::assign(&s.hearth, &v, id, None).await?))
}

/// Marks a thread answered: it leaves the desk until the customer writes again.
#[utoipa::path(post, path = "/api/v1/desk/threads/{id}/answered", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = desk::DeskState), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn answered(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<desk::DeskState>> {
    Ok(Json(desk::mark_answered(&s.hearth, &v, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct MetricsParams {
    /// Only this space (its name); the whole instance when absent.
    pub space: Option<String>,
    /// How many weeks, ending with the current one: 1-104, default 12.
    pub weeks: Option<i64>,
}

/// Per week: questions asked by people who are not staff, the share staff answered, median and
/// 90th-percentile time to a first staff response, threads still waiting past the target, and
/// how many people were helped.
#[utoipa::path(get, path = "/api/v1/desk/metrics", tag = "desk", security(("bearer" = [])),
    params(MetricsParams),
    responses((status = 200, body = metrics::Metrics), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn metrics(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Query(q): Query<MetricsParams>,
) -> ApiResult<Json<metrics::Metrics>> {
    Ok(Json(
        metrics::weekly(&s.hearth, &v, q.space.as_deref(), q.weeks).await?,
    ))
}
