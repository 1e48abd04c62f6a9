//! One error type for the whole crate. It carries a kind (which decides the HTTP status), a
//! message that is safe to show to whoever made the request, optionally the name of the input
//! field at fault, and the internal cause, which is logged and never sent to clients.
//!
//! The web pages and the JSON API render the same error differently: `api` turns it into JSON,
//! `web` into an HTML page. Both take the status from [`ErrorKind::status`].

use std::fmt;
use std::panic::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Input is malformed, empty or too long (400).
    BadRequest,
    /// No valid credentials (401).
    Unauthenticated,
    /// Authenticated but not allowed, or a missing/invalid CSRF token (403).
    Forbidden,
    NotFound,
    /// The name or value is taken (409).
    Conflict,
    PayloadTooLarge,
    /// Too many attempts; the client may retry after some seconds (429).
    RateLimited {
        retry_after_secs: u64,
    },
    /// A dependency such as the database is down (503).
    Unavailable,
    /// A bug or an unexpected failure (500). The cause is logged, the client sees a generic text.
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::RateLimited { .. } => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }

    /// Stable machine-readable code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }
}

pub struct AppError {
    pub kind: ErrorKind,
    /// Shown to the client. Never contains internal details.
    pub message: String,
    /// The input field the error is about, when there is one.
    pub field: Option<&'static str>,
    source: Option<anyhow::Error>,
    location: &'static Location<'static>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    #[track_caller]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            field: None,
            source: None,
            location: Location::caller(),
        }
    }

    /// A problem with one named input field.
    #[track_caller]
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::BadRequest, message);
        e.field = Some(field);
        e
    }

    #[track_caller]
    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Conflict, message);
        e.field = Some(field);
        e
    }

    #[track_caller]
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    #[track_caller]
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }

    #[track_caller]
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }

    #[track_caller]
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(
            ErrorKind::RateLimited { retry_after_secs },
            format!("too many attempts; try again in {retry_after_secs} s"),
        )
    }

    /// An unexpected failure. The cause goes to the log only.
    #[track_caller]
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(ErrorKind::Internal, "something went wrong on our side");
        e.source = Some(cause.into());
        e
    }

    /// Whether this came from a unique-constraint violation (the row is already there: another
    /// request stored it first).
    pub fn is_unique_violation(&self) -> bool {
        self.source
            .as_ref()
            .and_then(|s| s.downcast_ref::<diesel::result::Error>())
            .is_some_and(is_unique_violation)
    }

    #[track_caller]
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "the service is temporarily unavailable",
        );
        e.source = Some(cause.into());
        e
    }

    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// Logs server-side failures with their cause and where they were raised. Client errors are
    /// routine and only logged at debug level.
    pub fn log(&self) {
        if self.status() >= 500 {
            match &self.source {
                Some(src) => tracing::error!(at = %self.location, "{}: {src:#}", self.message),
                None => tracing::error!(at = %self.location, "{}", self.message),
            }
        } else {
            tracing::debug!(at = %self.location, status = self.status(), "{}", self.message);
        }
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("field", &self.field)
            .field("source", &self.source)
            .field("at", &format_args!("{}", self.location))
            .finish()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    #[track_caller]
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::new(ErrorKind::NotFound, "not found"),
            other => AppError::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    #[track_caller]
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::unavailable(e)
    }
}

/// Whether a diesel error is a unique-constraint violation (the same kind on both backends).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
