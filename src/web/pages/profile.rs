use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::service::{accounts, threads};
use crate::web::{PageCtx, WebResult, html, val};

#[derive(Deserialize, Default)]
pub struct ProfileQuery {
    before: Option<i64>,
}

pub async fn show(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    page: PageCtx,
    Path(name): Path<String>,
    Query(q): Query<ProfileQuery>,
) -> WebResult<Response> {
    // The same URL is the profile page and the ActivityPub Person.
    if crate::federation::http::wants_activity_json(&headers) {
        return Ok(match crate::federation::http::person(&s, &name).await {
            Ok(r) => r,
            Err(e) => axum::response::IntoResponse::into_response(e),
        });
    }
    let profile = accounts::profile(&s.hearth, &name).await?;
    let writing =
        threads::by_author(&s.hearth, page.viewer.as_ref(), &name, q.before, None).await?;
    let own = page
        .viewer
        .as_ref()
        .is_some_and(|v| v.person.name == profile.name);
    let body = s.templates.render(
        "profile.html",
        merge_maps([
            context! { profile => val(&profile), own => own, writing => val(&writing) },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}
