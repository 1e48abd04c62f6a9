//! Reporting a post, and the moderators' queue of open reports.

use axum::Form;
use axum::extract::{Path, Query, State};
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueParams {
    /// Prefills the ban form with this account.
    ban: String,
}

async fn render_queue(
    s: &AppState,
    page: &PageCtx,
    viewer: &crate::service::Viewer,
    extra: minijinja::Value,
) -> WebResult<String> {
    let reports = moderation::open_reports(&s.hearth, viewer).await?;
    let bans = moderation::bans_in_force(&s.hearth, viewer).await?;
    let held = moderation::held_posts(&s.hearth, viewer).await?;
    let spaces = crate::service::spaces::list(&s.hearth, true).await?;
    Ok(s.templates.render(
        "moderation.html",
        merge_maps([
            context! {
                reports => val(&reports), bans => val(&bans), spaces => val(&spaces),
                held => val(&held),
            },
            extra,
            page.base(),
        ]),
    )?)
}

pub async fn queue(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<QueueParams>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let body = render_queue(&s, &page, &viewer, context! { ban_account => q.ban }).await?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BanForm {
    account: String,
    /// Empty: the whole instance.
    space: String,
    reason: String,
    /// Empty: until lifted.
    days: String,
    /// Present when ticked.
    remove_content: Option<String>,
}

pub async fn ban(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<BanForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let days = match f.days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| crate::error::AppError::invalid("days", "days must be a whole number")),
    };
    let result = match days {
        Ok(days) => {
            moderation::ban(
                &s.hearth,
                &viewer,
                moderation::BanInput {
                    account: f.account.clone(),
                    space: Some(f.space.clone()),
                    reason: f.reason.clone(),
                    days,
                    remove_content: f.remove_content.is_some(),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/moderation#bans")),
        Err(e) if e.status() < 500 && e.status() != 403 => {
            let extra = context! {
                ban_account => f.account, ban_space => f.space, ban_reason => f.reason,
                ban_days => f.days, error => e.message.clone(), error_field => e.field,
            };
            let body = render_queue(&s, &page, &viewer, extra).await?;
            let mut resp = html(body);
            *resp.status_mut() = axum::http::StatusCode::from_u16(e.status()).unwrap_or_default();
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn lift_ban(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::lift_ban(&s.hearth, &viewer, id, &f.reason).await?;
    Ok(see_other("/moderation#bans"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    note: String,
    /// `dismiss`, `remove_post` or `remove_spam`.
    action: String,
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
    let action = match f.action.as_str() {
        "remove_post" => moderation::Action::RemovePost,
        "remove_spam" => moderation::Action::RemoveSpam,
        _ => moderation::Action::Dismiss,
    };
    moderation::resolve(&s.hearth, &viewer, id, &f.note, action).await?;
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
    /// A checkbox: removed or turned down as spam (the spam filter learns from it).
    spam: Option<String>,
}

impl ReasonForm {
    fn spam(&self) -> bool {
        self.spam.as_deref().is_some_and(|v| !v.is_empty())
    }
}

/// A moderator removes a post from its page; back to the post, which now shows the reason.
pub async fn remove(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::remove_post(&s.hearth, &viewer, id, &f.reason, f.spam()).await?;
    Ok(see_other(&threads::post_url(&s.hearth, id).await?))
}

pub async fn restore(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::restore_post(&s.hearth, &viewer, id, &f.reason).await?;
    Ok(see_other(&threads::post_url(&s.hearth, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogParams {
    space: Option<String>,
    before: Option<i64>,
}

/// The public moderation log, for everyone.
pub async fn log(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<LogParams>,
) -> WebResult<Response> {
    let space = q.space.filter(|s| !s.is_empty());
    let list = moderation::log(&s.hearth, page.viewer.as_ref(), space.as_deref(), q.before).await?;
    let body = s.templates.render(
        "modlog.html",
        merge_maps([context! { log => val(&list), space => space }, page.base()]),
    )?;
    Ok(html(body))
}

pub async fn approve(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::approve(&s.hearth, &viewer, id).await?;
    Ok(see_other("/moderation#held"))
}

pub async fn reject(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    moderation::reject(&s.hearth, &viewer, id, &f.reason, f.spam()).await?;
    Ok(see_other("/moderation#held"))
}
