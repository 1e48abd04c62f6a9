//! Reporting a post, and the moderators' queue of open reports.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::service::{moderation, threads};
use crate::web::pages::auth::form_error;
use crate::web::{PageCtx, WebResult, html, see_other, val};

async fn post_context(s: &AppState, post_id: i64) -> WebResult<minijinja::Value> {
    let back = threads::post_url(&s.hearth, post_id).await?;
    let post = {
        let id = post_id;
        s.hearth
            .db
            .run(move |c| {
                crate::db::posts::find(c, id)?
                    .ok_or_else(|| crate::error::AppError::not_found("post"))
            })
            .await?
    };
    Ok(context! {
        back => back,
        post_id => post_id,
        excerpt => crate::text::excerpt(&post.body, 280),
    })
}

pub async fn report_form(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
) -> WebResult<Response> {
    if let Err(r) = page.require_viewer() {
        return Ok(r);
    }
    let ctx = post_context(&s, post_id).await?;
    let body = s
        .templates
        .render("report.html", merge_maps([ctx, page.base()]))?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    reason: String,
}

pub async fn report(
    State(s): State<AppState>,
    page: PageCtx,
    Path(post_id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let ctx = post_context(&s, post_id).await?;
    match moderation::report(
        &s.hearth,
        &viewer,
        moderation::Target::Post(post_id),
        &f.reason,
    )
    .await
    {
        Ok(_) => {
            let body = s.templates.render(
                "report.html",
                merge_maps([ctx, context! { done => true }, page.base()]),
            )?;
            Ok(html(body))
        }
        Err(e) if e.status() < 500 => form_error(
            &s,
            &page,
            "report.html",
            &e,
            merge_maps([ctx, context! { reason => f.reason }]),
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn queue(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let reports = moderation::open_reports(&s.hearth, &viewer).await?;
    let body = s.templates.render(
        "moderation.html",
        merge_maps([context! { reports => val(&reports) }, page.base()]),
    )?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    note: String,
}

pub async fn resolve(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<ResolveForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::resolve(&s.hearth, &viewer, id, &f.note).await?;
    Ok(see_other("/moderation"))
}

pub async fn forward(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::forward(&s.hearth, &viewer, id).await?;
    Ok(see_other("/moderation"))
}
