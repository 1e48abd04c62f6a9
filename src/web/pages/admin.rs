//! The admin page: instance settings, accounts and roles, applications, invites.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::value::merge_maps;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::Role;
use crate::error::AppError;
use crate::service::{Viewer, admin};
use crate::web::{PageCtx, WebResult, html_status, see_other, val};

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    after: Option<i64>,
    saved: Option<String>,
}

/// The signed-in admin, or the response to send instead: a redirect to the login page for
/// visitors, a 403 page for everyone else.
fn admin_viewer(page: &PageCtx) -> Result<Viewer, Response> {
    let viewer = page.require_viewer()?.clone();
    viewer
        .require_admin()
        .map_err(|e| crate::web::WebError(e).into_response())?;
    Ok(viewer)
}

pub async fn show(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<AdminQuery>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    render(
        &s,
        &page,
        &viewer,
        q.after,
        context! { saved => val(&q.saved) },
        200,
    )
    .await
}

async fn render(
    s: &AppState,
    page: &PageCtx,
    viewer: &Viewer,
    after: Option<i64>,
    extra: Value,
    status: u16,
) -> WebResult<Response> {
    let accounts = admin::list_accounts(&s.hearth, viewer, after, Some(50)).await?;
    let spaces = crate::service::spaces::list(&s.hearth, true).await?;
    let audit = admin::audit_log(&s.hearth, viewer, 20).await?;
    let invites = admin::list_invites(&s.hearth, viewer).await?;
    let policy = crate::service::policy::view(&s.hearth, viewer).await?;
    let pending: Vec<_> = accounts
        .accounts
        .iter()
        .filter(|a| a.status == crate::domain::AccountStatus::Pending)
        .cloned()
        .collect();
    let applications: std::collections::BTreeMap<String, crate::service::views::Application> =
        admin::applications(&s.hearth, viewer)
            .await?
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect();
    let body = s.templates.render(
        "admin.html",
        merge_maps([context! { policy => val(&policy), audit => val(&audit), spaces => val(&spaces), posting_modes => val(crate::domain::PostingMode::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>()), accounts => val(&accounts.accounts), next => val(accounts.next), pending => val(&pending), applications => val(&applications), invites => val(&invites), roles => val(Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()), modes => val(crate::domain::RegistrationMode::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>()) }, page.base(), extra]),
    )?;
    Ok(html_status(status, body))
}

async fn form_error(
    s: &AppState,
    page: &PageCtx,
    viewer: &Viewer,
    e: AppError,
) -> WebResult<Response> {
    if e.status() >= 500 || e.status() == 403 {
        return Err(e.into());
    }
    e.log();
    let extra = context! { error => val(&e.message), error_field => val(e.field) };
    render(s, page, viewer, None, extra, e.status()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    description: String,
    registration_mode: String,
    accent_color: Option<String>,
    logo_url: Option<String>,
    /// `names` or `hidden`.
    modlog: Option<String>,
    /// One question per line.
    registration_questions: Option<String>,
}

pub async fn save_settings(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<SettingsForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let update = admin::SettingsUpdate {
        name: Some(f.name),
        description: Some(f.description),
        registration_mode: Some(f.registration_mode),
        accent_color: f.accent_color,
        logo_url: f.logo_url,
        registration_questions: f
            .registration_questions
            .map(|q| q.lines().map(str::to_string).collect()),
        modlog_names: match f.modlog.as_deref() {
            None => None,
            Some("names") => Some(true),
            Some("hidden") => Some(false),
            Some(_) => {
                let e =
                    crate::error::AppError::invalid("modlog", "choose how moderators are shown");
                return form_error(&s, &page, &viewer, e).await;
            }
        },
    };
    match admin::update_settings(&s.hearth, &viewer, update).await {
        Ok(_) => Ok(see_other("/admin?saved=settings")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn set_role(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
    Form(f): Form<RoleForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let Some(role) = Role::parse(f.role.trim()) else {
        let e = AppError::invalid("role", format!("role must be one of {}", Role::choices()));
        return form_error(&s, &page, &viewer, e).await;
    };
    match admin::set_role(&s.hearth, &viewer, &name, role).await {
        Ok(_) => Ok(see_other("/admin?saved=role")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    reason: String,
}

async fn decide(
    s: AppState,
    page: PageCtx,
    name: String,
    approve: bool,
    reason: &str,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    match admin::decide_application(&s.hearth, &viewer, &name, approve, reason).await {
        Ok(_) => Ok(see_other("/admin?saved=application")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

pub async fn approve(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
    Form(f): Form<DecisionForm>,
) -> WebResult<Response> {
    decide(s, page, name, true, &f.reason).await
}

pub async fn reject(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
    Form(f): Form<DecisionForm>,
) -> WebResult<Response> {
    decide(s, page, name, false, &f.reason).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DomainForm {
    domain: String,
    kind: String,
    reason: String,
}

/// Blocks or allows a domain; takes effect at once.
pub async fn set_domain(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<DomainForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    match crate::service::policy::set_domain(&s.hearth, &viewer, &f.domain, &f.kind, &f.reason)
        .await
    {
        Ok(_) => Ok(see_other("/admin?saved=federation")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

pub async fn remove_domain(
    State(s): State<AppState>,
    page: PageCtx,
    Path(domain): Path<String>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    crate::service::policy::remove_domain(&s.hearth, &viewer, &domain).await?;
    Ok(see_other("/admin?saved=federation"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ModeForm {
    mode: String,
}

pub async fn federation_mode(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<ModeForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    match crate::service::policy::set_mode(&s.hearth, &viewer, &f.mode).await {
        Ok(_) => Ok(see_other("/admin?saved=federation")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

pub async fn create_invite(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    admin::create_invite(&s.hearth, &viewer).await?;
    Ok(see_other("/admin?saved=invite"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SpaceForm {
    name: String,
    title: String,
    description: String,
    rules: String,
    posting_mode: String,
    archived: Option<String>,
    /// The desk's response target in hours ("24", "0.5"); empty leaves it as it is.
    response_target_hours: String,
    /// The newcomer gate; empty leaves it as it is.
    newcomer_posts: String,
    /// The spam score's threshold; empty leaves it as it is.
    spam_threshold: String,
}

/// A whole number from a form field; empty leaves the setting as it is.
fn number(raw: &str, field: &'static str, message: &'static str) -> Result<Option<i64>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        n => n
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, message)),
    }
}

fn target_minutes(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(h) if h.is_finite() && h >= 0.0 => Ok(Some((h * 60.0).round() as i64)),
        _ => Err(AppError::invalid(
            "response_target_minutes",
            "the response target is a number of hours (0 for none)",
        )),
    }
}

fn posting_mode(raw: &str) -> Result<Option<crate::domain::PostingMode>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    crate::domain::PostingMode::parse(raw.trim())
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(
                "posting_mode",
                format!(
                    "posting_mode must be one of {}",
                    crate::domain::PostingMode::choices()
                ),
            )
        })
}

pub async fn create_space(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<SpaceForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let result = match posting_mode(&f.posting_mode) {
        Ok(mode) => {
            crate::service::spaces::create(
                &s.hearth,
                Some(&viewer),
                crate::service::spaces::NewSpace {
                    name: f.name.clone(),
                    title: f.title.clone(),
                    description: f.description.clone(),
                    rules: f.rules.clone(),
                    posting_mode: mode,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(space) => Ok(see_other(&space.url)),
        Err(e) => {
            let extra = context! {
                error => val(&e.message),
                error_field => val(e.field),
                space_form => context! { name => f.name, title => f.title, description => f.description, rules => f.rules },
            };
            if e.status() >= 500 || e.status() == 403 {
                return Err(e.into());
            }
            e.log();
            render(&s, &page, &viewer, None, extra, e.status()).await
        }
    }
}

pub async fn edit_space_form(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    let _viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let space = crate::service::spaces::get(&s.hearth, &name).await?;
    let body = s.templates.render(
        "space_admin.html",
        merge_maps([context! { space => val(&space) }, page.base()]),
    )?;
    Ok(html_status(200, body))
}

pub async fn update_space(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
    Form(f): Form<SpaceForm>,
) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let numbers = number(
        &f.newcomer_posts,
        "newcomer_posts",
        "the newcomer gate is a number of posts (0 for none)",
    )
    .and_then(|n| {
        let t = number(
            &f.spam_threshold,
            "spam_threshold",
            "the spam threshold is a score from 1 to 100 (0 for none)",
        )?;
        Ok((n, t))
    });
    let result = match posting_mode(&f.posting_mode)
        .and_then(|m| Ok((m, target_minutes(&f.response_target_hours)?, numbers?)))
    {
        Ok((mode, target, (newcomers, threshold))) => {
            crate::service::spaces::update(
                &s.hearth,
                &viewer,
                &name,
                crate::service::spaces::SpaceUpdate {
                    title: Some(f.title.clone()),
                    description: Some(f.description.clone()),
                    rules: Some(f.rules.clone()),
                    posting_mode: mode,
                    archived: Some(f.archived.as_deref() == Some("on")),
                    response_target_minutes: target,
                    newcomer_posts: newcomers,
                    spam_threshold: threshold,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(space) => Ok(see_other(&space.url)),
        Err(e) if e.status() == 400 => {
            e.log();
            let space = crate::service::spaces::get(&s.hearth, &name).await?;
            let body = s.templates.render(
                "space_admin.html",
                merge_maps([
                    context! {
                        space => val(&space),
                        error => val(&e.message),
                        error_field => val(e.field),
                    },
                    page.base(),
                ]),
            )?;
            Ok(html_status(400, body))
        }
        Err(e) => Err(e.into()),
    }
}
