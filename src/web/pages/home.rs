use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::merge_maps;

use crate::app::AppState;
use crate::service::{admin, spaces};
use crate::web::{PageCtx, WebResult, html, val};

pub async fn home(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let body = s
        .templates
        .render("home.html", home_context(&s, &page, context! {}).await?)?;
    Ok(html(body))
}

/// What the home page shows: this instance's spaces and the ones elsewhere people follow.
async fn home_context(
    s: &AppState,
    page: &PageCtx,
    extra: minijinja::Value,
) -> WebResult<minijinja::Value> {
    let spaces = spaces::list(&s.hearth, false).await?;
    let remote = spaces::list_followed_remote(&s.hearth).await?;
    Ok(merge_maps([
        context! { spaces => val(&spaces), remote_spaces => val(&remote) },
        page.base(),
        extra,
    ]))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FindForm {
    handle: String,
}

/// `POST /spaces/find`: looks up a space on another server and opens its page here.
pub async fn find_space(
    State(s): State<AppState>,
    page: PageCtx,
    axum::Form(f): axum::Form<FindForm>,
) -> WebResult<Response> {
    if let Err(r) = page.require_viewer() {
        return Ok(r);
    }
    let data = s.federation.to_request_data();
    match crate::federation::remote::resolve_space(&data, &f.handle).await {
        Ok(space) => Ok(crate::web::see_other(&format!("/s/{}", space.name))),
        Err(e) if e.status() < 500 => {
            e.log();
            let ctx = home_context(
                &s,
                &page,
                context! { find_error => val(&e.message), handle => f.handle },
            )
            .await?;
            let body = s.templates.render("home.html", ctx)?;
            Ok(crate::web::html_status(e.status(), body))
        }
        Err(e) => Err(e.into()),
    }
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
