//! The notifications page and "mark all read".

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::service::notifications;
use crate::web::{PageCtx, WebResult, html, see_other, val};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Params {
    before: Option<i64>,
}

pub async fn show(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<Params>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let list = notifications::list(&s.hearth, &viewer, q.before, None).await?;
    let body = s.templates.render(
        "notifications.html",
        merge_maps([context! { list => val(&list) }, page.base()]),
    )?;
    Ok(html(body))
}

pub async fn read(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    notifications::mark_read(&s.hearth, &viewer, None).await?;
    Ok(see_other("/notifications"))
}
