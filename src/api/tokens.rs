//! `/api/v1/tokens`: personal access tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::service::{auth, views};

/// One's personal access tokens (without their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<views::TokenInfo>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
) -> ApiResult<Json<Vec<views::TokenInfo>>> {
    Ok(Json(auth::list_personal_tokens(&s.hearth, &v).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What the token is for, e.g. "helpdesk integration" (1-100 characters).
    pub label: String,
}

/// Creates a personal access token. The secret is in the response and never shown again.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    request_body = CreateTokenRequest,
    responses((status = 201, body = views::IssuedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<views::IssuedToken>)> {
    let issued = auth::create_personal_token(&s.hearth, &v, &req.label).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes one of one's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    ApiUser(v): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    auth::revoke_token(&s.hearth, &v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
