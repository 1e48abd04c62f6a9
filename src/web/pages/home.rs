use axum::extract::State;
use axum::response::Response;
use minijinja::value::merge_maps;

use crate::app::AppState;
use crate::web::{PageCtx, WebResult, html};

pub async fn home(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let body = s.templates.render("home.html", merge_maps([page.base()]))?;
    Ok(html(body))
}
