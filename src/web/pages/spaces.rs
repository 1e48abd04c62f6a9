//! Space pages: the list of threads, starting a thread.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::PostingMode;
use crate::service::{spaces, threads};
use crate::web::pages::auth::form_error;
use crate::web::{PageCtx, WebResult, html, see_other, val};

#[derive(Deserialize, Default)]
pub struct ListParams {
    sort: Option<String>,
    filter: Option<String>,
    cursor: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    page: PageCtx,
    Path(name): Path<String>,
    Query(q): Query<ListParams>,
) -> WebResult<Response> {
    // The same URL is the space's page and its ActivityPub Group.
    if crate::federation::http::wants_activity_json(&headers) {
        return Ok(match crate::federation::http::group(&s, &name).await {
            Ok(r) => r,
            Err(e) => axum::response::IntoResponse::into_response(e),
        });
    }
    let space = spaces::get(&s.hearth, &name).await?;
    let sort = q.sort.clone().unwrap_or_else(|| "new".into());
    let filter = q.filter.clone().unwrap_or_else(|| "all".into());
    let list = threads::list(
        &s.hearth,
        &name,
        threads::ListQuery {
            sort: Some(sort.clone()),
            filter: Some(filter.clone()),
            cursor: q.cursor,
            limit: None,
        },
    )
    .await?;
    let remote = space.home.is_some();
    let can_start = page.viewer.as_ref().is_some_and(|v| {
        !space.archived
            && (space.posting_mode == PostingMode::Open || (!remote && v.role().is_staff()))
    });
    let follow = match (&page.viewer, remote) {
        (Some(v), true) => Some(spaces::follow_state(&s.hearth, v, &name).await?),
        _ => None,
    };
    let body = s.templates.render(
        "space.html",
        merge_maps([
            context! {
                space => val(&space),
                threads => val(&list.threads),
                next => val(&list.next),
                sort => sort,
                filter => filter,
                can_start => can_start,
                follow => val(follow),
            },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}

pub async fn compose_form(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    if let Err(r) = page.require_viewer() {
        return Ok(r);
    }
    let space = spaces::get(&s.hearth, &name).await?;
    let body = s.templates.render(
        "compose.html",
        merge_maps([context! { space => val(&space) }, page.base()]),
    )?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ComposeForm {
    title: String,
    body: String,
}

pub async fn compose(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
    Form(f): Form<ComposeForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let space = spaces::get(&s.hearth, &name).await?;
    match threads::ask(&s.hearth, &viewer, &name, &f.title, &f.body).await {
        Ok(thread) => Ok(see_other(&thread.url)),
        Err(e) if e.status() < 500 => form_error(
            &s,
            &page,
            "compose.html",
            &e,
            context! { space => val(&space), title => f.title, body => f.body },
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /s/<space>/follow` and `/unfollow`: follow a space on another server, or stop.
pub async fn follow(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    spaces::follow(&s.hearth, &viewer, &name).await?;
    Ok(see_other(&format!("/s/{name}")))
}

pub async fn unfollow(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    spaces::unfollow(&s.hearth, &viewer, &name).await?;
    Ok(see_other(&format!("/s/{name}")))
}
