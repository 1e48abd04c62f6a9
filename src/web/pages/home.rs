use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::merge_maps;

use crate::app::AppState;
use crate::service::{admin, spaces};
use crate::web::{PageCtx, WebResult, html, val};

pub async fn home(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let spaces = spaces::list(&s.hearth, false).await?;
    let body = s.templates.render(
        "home.html",
        merge_maps([context! { spaces => val(&spaces) }, page.base()]),
    )?;
    Ok(html(body))
}

/// The instance's accent colour as CSS, so pages need no inline styles (the CSP forbids them).
pub async fn theme(State(s): State<AppState>) -> WebResult<Response> {
    let instance = admin::instance(&s.hearth).await?;
    // The colour was validated as #rrggbb when it was saved.
    let css = format!(":root {{ --accent: {}; }}\n", instance.accent_color);
    let mut resp = css.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(resp)
}
