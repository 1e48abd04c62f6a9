//! Extractors for the API: the bearer-token caller and JSON bodies with JSON errors.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::app::AppState;
use crate::domain::TokenKind;
use crate::error::{AppError, ErrorKind};
use crate::service::{Viewer, auth};

/// The caller, authenticated by `Authorization: Bearer <token>` (a login token or a personal
/// access token; browser session cookies are not accepted here). Missing or invalid → 401.
pub struct ApiUser(pub Viewer);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AppError::unauthenticated("an Authorization: Bearer token is required")
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::unauthenticated("the Authorization header must be `Bearer <token>`")
            })?;
        let viewer = auth::authenticate(
            &state.hearth,
            token,
            &[TokenKind::Login, TokenKind::Personal],
        )
        .await?
        .ok_or_else(|| AppError::unauthenticated("the token is not valid or has expired"))?;
        Ok(ApiUser(viewer))
    }
}

/// The caller if a valid bearer token is given, `None` for anonymous readers. A token that is
/// given but invalid is still refused (401), so a client learns its token expired.
pub struct MaybeApiUser(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let ApiUser(v) = ApiUser::from_request_parts(parts, state).await?;
            Ok(MaybeApiUser(Some(v)))
        } else {
            Ok(MaybeApiUser(None))
        }
    }
}

/// Like `axum::Json`, but a body that is not valid JSON, or not the expected shape, is answered
/// with the API's JSON error body instead of plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(json_error(rejection))),
        }
    }
}

fn json_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => AppError::new(
            ErrorKind::BadRequest,
            format!("the JSON body has the wrong shape: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => AppError::new(
            ErrorKind::BadRequest,
            format!("the body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            ErrorKind::BadRequest,
            "expected a JSON body with Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            AppError::new(ErrorKind::PayloadTooLarge, "the request body is too large")
        }
        other => AppError::new(ErrorKind::BadRequest, other.body_text()),
    }
}

/// A JSON body that may be left out entirely (no body, no `Content-Type`): then
/// `T::default()`. A body that is given must be JSON of the right shape, as with [`ApiJson`].
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let empty = !req.headers().contains_key(header::CONTENT_TYPE)
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        let ApiJson(v) = ApiJson::<T>::from_request(req, state).await?;
        Ok(OptionalJson(v))
    }
}
