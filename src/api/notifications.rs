//! `/api/v1/notifications`: the signed-in person's in-app notifications.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::service::notifications;

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// From `next` of the previous page.
    pub before: Option<i64>,
    /// 1-100, default 30.
    pub limit: Option<i64>,
}

/// Notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = notifications::NotificationPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<notifications::NotificationPage>> {
    Ok(Json(
        notifications::list(&s.hearth, &v, q.before, q.limit).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadRequest {
    /// Mark read up to this notification's id; all when absent.
    pub up_to: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReadResponse {
    /// How many are still unread.
    pub unread: i64,
}

/// Marks notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = ReadRequest,
    responses((status = 200, body = ReadResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<ReadRequest>,
) -> ApiResult<Json<ReadResponse>> {
    Ok(Json(ReadResponse {
        unread: notifications::mark_read(&s.hearth, &v, req.up_to).await?,
    }))
}
