//! Web sessions: the `hearth_session` cookie, and the per-page context every template gets.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use minijinja::{Value, context};

use super::csrf::CsrfToken;
use crate::app::AppState;
use crate::domain::TokenKind;
use crate::error::AppError;
use crate::service::{Viewer, admin, auth, views};

pub const COOKIE: &str = "hearth_session";

/// What every page needs: who is looking, the CSRF token for its forms, and the instance.
pub struct PageCtx {
    pub viewer: Option<Viewer>,
    pub csrf: String,
    pub instance: views::Instance,
    pub path: String,
    /// The viewer's unread notifications (shown in the navigation).
    pub unread: i64,
    /// For moderators: open reports and held posts (shown beside "Moderation").
    pub moderation: i64,
}

impl PageCtx {
    /// The template context shared by all pages; pages add their own keys next to it.
    pub fn base(&self) -> Value {
        context! {
            instance => super::val(&self.instance),
            viewer => super::val(self.viewer.as_ref().map(|v| views::Account::from(&v.person))),
            is_admin => self.viewer.as_ref().is_some_and(|v| v.role().is_admin()),
            can_moderate => self.viewer.as_ref().is_some_and(|v| v.role().can_moderate()),
            on_staff => self.viewer.as_ref().is_some_and(|v| v.role().is_staff()),
            is_staff => self.viewer.as_ref().is_some_and(|v| v.role().is_staff() || v.role().can_moderate()),
            csrf => &self.csrf,
            path => &self.path,
            unread => self.unread,
            moderation_waiting => self.moderation,
        }
    }

    /// The signed-in viewer, or a redirect to the login page that comes back here.
    pub fn require_viewer(&self) -> Result<&Viewer, Response> {
        match &self.viewer {
            Some(v) => Ok(v),
            None => {
                let next = form_urlencode(&self.path);
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

fn form_urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .map(|e| e[2..].to_string())
        .unwrap_or_default()
}

/// The value of the cookie `name` in the request's headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| Cookie::parse(c.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn session_secret(parts: &Parts) -> Option<String> {
    cookie(&parts.headers, COOKIE)
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = super::WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = match session_secret(parts) {
            Some(secret) => {
                auth::authenticate(&state.hearth, &secret, &[TokenKind::Session]).await?
            }
            None => None,
        };
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("CSRF middleware not installed")))?;
        let instance = admin::instance(&state.hearth).await?;
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let path = path
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let (unread, moderation) = match &viewer {
            Some(v) => (
                crate::service::notifications::unread(&state.hearth, v).await?,
                crate::service::moderation::waiting(&state.hearth, v).await?,
            ),
            None => (0, 0),
        };
        Ok(PageCtx {
            viewer,
            csrf,
            instance,
            path,
            unread,
            moderation,
        })
    }
}

/// A `Set-Cookie` header value that starts a session.
pub fn start_cookie(state: &AppState, secret: &str) -> Option<HeaderValue> {
    let days = i64::from(state.config().session_days);
    let cookie = Cookie::build((COOKIE, secret.to_string()))
        .path("/")
        .http_only(true)
        .secure(state.config().cookies_secure())
        .same_site(SameSite::Lax)
        .max_age(time_days(days))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// A `Set-Cookie` header value that removes the session cookie.
pub fn end_cookie(state: &AppState) -> Option<HeaderValue> {
    let cookie = Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .secure(state.config().cookies_secure())
        .same_site(SameSite::Lax)
        .max_age(time_days(0))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

fn time_days(days: i64) -> cookie::time::Duration {
    cookie::time::Duration::days(days)
}
