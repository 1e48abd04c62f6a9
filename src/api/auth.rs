//! `/api/v1/auth/…`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};
use crate::app::AppState;
use crate::domain::TokenKind;
use crate::http::ClientInfo;
use crate::service::{auth, views};

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: views::IssuedToken,
    pub account: views::Account,
}

/// Exchanges a name and password for a token that expires after `session_days`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = ErrorBody, description = "Wrong name or password"),
        (status = 403, body = ErrorBody, description = "The account awaits approval, was rejected or is suspended"),
        (status = 429, body = ErrorBody, description = "Too many attempts; see Retry-After"),
    ))]
pub async fn login(
    State(s): State<AppState>,
    ClientInfo(client): ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let (token, person) =
        auth::login(&s.hearth, client, &req.name, req.password, TokenKind::Login).await?;
    Ok(Json(LoginResponse {
        token,
        account: views::Account::from(&person),
    }))
}

/// Revokes the token used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(s): State<AppState>, ApiUser(v): ApiUser) -> ApiResult<StatusCode> {
    auth::logout(&s.hearth, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}
