//! The thread page and everything done on it: replying, liking, marking the answer, and the
//! author's own edits and deletions.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppError;
use crate::service::{threads, views};
use crate::web::pages::auth::form_error;
use crate::web::{PageCtx, WebResult, html, see_other, val};

pub async fn show(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    page: PageCtx,
    Path((space, segment)): Path<(String, String)>,
) -> WebResult<Response> {
    let (id, slug) = threads::parse_thread_segment(&segment)?;
    // The thread's id (`/s/<space>/t/<id>`) is also its ActivityPub object.
    if crate::federation::http::wants_activity_json(&headers) {
        return Ok(
            match crate::federation::http::thread_object(&s, &space, id).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            },
        );
    }
    let thread = threads::show(&s.hearth, page.viewer.as_ref(), &space, id).await?;
    // Old or shortened links lead to the one canonical URL.
    let canonical = &thread.summary.url;
    let expected = canonical.rsplit('/').next().unwrap_or_default();
    if segment != expected || space != thread.summary.space {
        let _ = slug;
        return Ok(Redirect::permanent(canonical).into_response());
    }
    // Staff see where the thread stands on the listening desk (threads of spaces here only:
    // spaces on other servers are named `name@host`).
    let desk = match page.viewer.as_ref().filter(|v| v.role().is_staff()) {
        Some(v) if !thread.summary.space.contains('@') => {
            Some(crate::service::desk::state(&s.hearth, v, thread.summary.id).await?)
        }
        _ => None,
    };
    let body = s.templates.render(
        "thread.html",
        merge_maps([
            context! { thread => val(&thread), fold_depth => threads::FOLD_DEPTH, desk => val(&desk) },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    body: String,
    parent_id: Option<String>,
}

fn optional_id(field: &'static str, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, format!("{field} must be a post number"))),
    }
}

pub async fn reply(
    State(s): State<AppState>,
    page: PageCtx,
    Path((space, segment)): Path<(String, String)>,
    Form(f): Form<ReplyForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let (id, _) = threads::parse_thread_segment(&segment)?;
    let parent = optional_id("parent_id", f.parent_id.as_deref())?;
    // Check the thread is in this space before writing anything (one query, not the thread).
    let url = threads::canonical_url(&s.hearth, &space, id).await?;
    match threads::reply(&s.hearth, &viewer, id, parent, &f.body).await {
        Ok(post) => Ok(see_other(&format!("{url}#post-{}", post.id))),
        Err(e) if e.status() < 500 => {
            // Only now is the whole thread needed: to show the form again with the error.
            let thread = threads::show(&s.hearth, Some(&viewer), &space, id).await?;
            form_error(
                &s,
                &page,
                "thread.html",
                &e,
                context! {
                    thread => val(&thread),
                    fold_depth => threads::FOLD_DEPTH,
                                    reply_body => f.body,
                    reply_parent => parent,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    post_id: Option<String>,
}

pub async fn answer(
    State(s): State<AppState>,
    page: PageCtx,
    Path((space, segment)): Path<(String, String)>,
    Form(f): Form<AnswerForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let (id, _) = threads::parse_thread_segment(&segment)?;
    let url = threads::canonical_url(&s.hearth, &space, id).await?;
    let post = optional_id("post_id", f.post_id.as_deref())?;
    threads::set_answer(&s.hearth, &viewer, id, post).await?;
    Ok(see_other(&url))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LikeForm {
    /// "1" to like, "0" to take the like back.
    on: String,
}

pub async fn like(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
    Form(f): Form<LikeForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let on = f.on != "0";
    threads::like(&s.hearth, &viewer, post_id, on).await?;
    Ok(see_other(&threads::post_url(&s.hearth, post_id).await?))
}

pub async fn goto(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    if crate::federation::http::wants_activity_json(&headers) {
        return Ok(
            match crate::federation::http::post_object(&s, post_id).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            },
        );
    }
    Ok(see_other(&threads::post_url(&s.hearth, post_id).await?))
}

pub async fn edit_form(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let history = threads::history(&s.hearth, Some(&viewer), post_id).await?;
    if history.post.author.name != viewer.person.name {
        return Err(AppError::forbidden("only the author can edit their words").into());
    }
    if history.post.deleted {
        return Err(AppError::conflict("post", "this post was deleted").into());
    }
    render_edit(&s, &page, &history, None, None, None)
}

fn render_edit(
    s: &AppState,
    page: &PageCtx,
    history: &views::History,
    title: Option<String>,
    body: Option<String>,
    error: Option<&AppError>,
) -> WebResult<Response> {
    let is_opening = history.post.parent_id.is_none();
    let values = context! {
        post => val(&history.post),
        thread_title => &history.thread_title,
        thread_url => &history.thread_url,
        is_opening => is_opening,
        title => title.unwrap_or_else(|| history.thread_title.clone()),
        body => body.unwrap_or_else(|| history.post.body.clone()),
    };
    match error {
        Some(e) => form_error(s, page, "edit.html", e, values),
        None => Ok(html(
            s.templates
                .render("edit.html", merge_maps([values, page.base()]))?,
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    title: Option<String>,
    body: String,
}

pub async fn edit(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
    Form(f): Form<EditForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    match threads::edit(&s.hearth, &viewer, post_id, &f.body, f.title.as_deref()).await {
        Ok(_) => Ok(see_other(&threads::post_url(&s.hearth, post_id).await?)),
        Err(e) if e.status() == 400 || e.status() == 409 => {
            let history = threads::history(&s.hearth, Some(&viewer), post_id).await?;
            render_edit(&s, &page, &history, f.title, Some(f.body), Some(&e))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    threads::delete(&s.hearth, &viewer, post_id).await?;
    Ok(see_other(&threads::post_url(&s.hearth, post_id).await?))
}

pub async fn history(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    let history = threads::history(&s.hearth, page.viewer.as_ref(), post_id).await?;
    let body = s.templates.render(
        "history.html",
        merge_maps([context! { history => val(&history) }, page.base()]),
    )?;
    Ok((StatusCode::OK, axum::response::Html(body)).into_response())
}

/// Staff: where a post went on other servers.
pub async fn deliveries(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let report = crate::service::delivery_status::for_post(&s.hearth, &viewer, post_id).await?;
    let back = threads::post_url(&s.hearth, post_id).await?;
    let body = s.templates.render(
        "deliveries.html",
        merge_maps([
            context! { report => val(&report), back => back },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}
