use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;

use crate::app::AppState;
use crate::service::accounts;
use crate::web::{PageCtx, WebResult, html, val};

pub async fn show(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let profile = accounts::profile(&s.hearth, &name).await?;
    let own = page
        .viewer
        .as_ref()
        .is_some_and(|v| v.person.name == profile.name);
    let body = s.templates.render(
        "profile.html",
        merge_maps([
            context! { profile => val(&profile), own => val(own) },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}
