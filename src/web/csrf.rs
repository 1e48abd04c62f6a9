//! CSRF protection for every form: a random token in a cookie (`hearth_csrf`) that each form
//! repeats in a hidden `csrf` field. A cross-site page can make the browser send the cookie but
//! cannot read it, so it cannot fill in the field. The check runs in middleware, before the
//! handler, for every state-changing method, so no form can forget it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};

use super::WebError;
use crate::app::AppState;
use crate::error::{AppError, ErrorKind};

pub const COOKIE: &str = "hearth_csrf";
pub const FIELD: &str = "csrf";

/// The token of the current request, for templates to put in forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn valid_format(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

fn cookie_value(req: &Request) -> Option<String> {
    super::session::cookie(req.headers(), COOKIE).filter(|v| valid_format(v))
}

fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie_value(&req);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The web router also sees /api/ paths that matched no API route; they carry no forms.
    let is_api = req.uri().path().starts_with("/api/");

    let req = if safe || is_api {
        req
    } else {
        match check(req, existing.as_deref(), state.config().max_body_bytes).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        }
    };

    let token = existing.clone().unwrap_or_else(new_token);
    let mut req = req;
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    // Only pages carry forms; JSON (ActivityPub documents, API errors) gets no cookie.
    let is_page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if existing.is_none() && is_page {
        let cookie = Cookie::build((COOKIE, token))
            .path("/")
            .http_only(true)
            .secure(state.config().cookies_secure())
            .same_site(SameSite::Lax)
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The text of the field `name` of a `multipart/form-data` body (small fields only).
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok().filter(|t| t.len() <= 128);
        }
    }
    None
}

/// Reads the form body, compares its `csrf` field with the cookie, and hands the body back.
async fn check(req: Request, cookie: Option<&str>, limit: usize) -> Result<Request, WebError> {
    let refuse = || {
        WebError(AppError::new(
            ErrorKind::Forbidden,
            "the form expired or did not come from this site; reload the page and try again",
        ))
    };
    let Some(cookie) = cookie else {
        return Err(refuse());
    };
    let (parts, body) = req.into_parts();
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        WebError(AppError::new(
            ErrorKind::PayloadTooLarge,
            "the form is too large",
        ))
    })?;
    let multipart_boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let from_form = match multipart_boundary {
        // A form with a file: the token is one of its parts.
        Some(boundary) => multipart_field(bytes.clone(), boundary, FIELD).await,
        None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v)),
    };
    let given = from_form.or(from_header).ok_or_else(refuse)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_bytes(),
        cookie.as_bytes(),
    )) {
        return Err(refuse());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
