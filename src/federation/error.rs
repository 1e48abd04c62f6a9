//! Errors on the federation endpoints: an [`AppError`] with statuses chosen for peers (401 when a
//! signature or the signing actor cannot be verified, 400 for documents we cannot read).

use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::error::{AppError, ErrorKind};

#[derive(Debug)]
pub struct FedError(pub AppError);

impl std::fmt::Display for FedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for FedError {
    fn from(e: AppError) -> Self {
        FedError(e)
    }
}

impl From<activitypub_federation::error::Error> for FedError {
    #[track_caller]
    fn from(e: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as E;
        let (kind, message) = match &e {
            E::ActivityBodyDigestInvalid => (
                ErrorKind::Unauthenticated,
                "the Digest header does not match the body",
            ),
            E::ActivitySignatureInvalid => (
                ErrorKind::Unauthenticated,
                "the HTTP signature is missing or invalid",
            ),
            E::SignError(_) => (
                ErrorKind::Unauthenticated,
                "the HTTP signature is missing or invalid",
            ),
            E::ParseReceivedActivity { .. } => (
                ErrorKind::BadRequest,
                "the activity is not one Hearth can read",
            ),
            E::UrlVerificationError(m) if *m == super::BLOCKED => {
                (ErrorKind::Forbidden, super::BLOCKED)
            }
            E::UrlVerificationError(_) => (
                ErrorKind::BadRequest,
                "the activity's URLs do not check out",
            ),
            E::ObjectDeleted(_) => (ErrorKind::Unauthenticated, "the signing actor was deleted"),
            E::NotFound => (ErrorKind::NotFound, "not found"),
            E::RequestLimit | E::ResponseBodyLimit => (
                ErrorKind::BadRequest,
                "too many or too large fetches for one request",
            ),
            E::DomainResolveError(_) | E::ResolveInternalIpError(..) => {
                (ErrorKind::Forbidden, "that address is not allowed")
            }
            E::FetchInvalidContentType(_)
            | E::FetchWrongId(_)
            | E::ParseFetchedObject(..)
            | E::Reqwest(_)
            | E::ReqwestMiddleware(_)
            | E::WebfingerResolveFailed(_) => (
                ErrorKind::Unauthenticated,
                "the signing actor could not be fetched",
            ),
            // Expired, future-dated or malformed signatures come back as text from the library.
            E::Other(m) if m.to_ascii_lowercase().contains("signature") => (
                ErrorKind::Unauthenticated,
                "the HTTP signature is expired, not yet valid or malformed",
            ),
            _ => return FedError(AppError::internal(e)),
        };
        tracing::debug!("federation request refused: {e}");
        FedError(AppError::new(kind, message))
    }
}

impl From<diesel::result::Error> for FedError {
    #[track_caller]
    fn from(e: diesel::result::Error) -> Self {
        FedError(AppError::from(e))
    }
}

impl From<url::ParseError> for FedError {
    #[track_caller]
    fn from(_: url::ParseError) -> Self {
        FedError(AppError::new(ErrorKind::BadRequest, "invalid URL"))
    }
}

impl IntoResponse for FedError {
    fn into_response(self) -> Response {
        ApiError(self.0).into_response()
    }
}

pub type FedResult<T> = Result<T, FedError>;
