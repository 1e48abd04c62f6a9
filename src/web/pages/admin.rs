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
    let invites = admin::list_invites(&s.hearth, viewer).await?;
    let pending: Vec<_> = accounts
        .accounts
        .iter()
        .filter(|a| a.status == crate::domain::AccountStatus::Pending)
        .cloned()
        .collect();
    let body = s.templates.render(
        "admin.html",
        merge_maps([context! { accounts => val(&accounts.accounts), next => val(accounts.next), pending => val(&pending), invites => val(&invites), roles => val(Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()), modes => val(crate::domain::RegistrationMode::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>()) }, page.base(), extra]),
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

async fn decide(s: AppState, page: PageCtx, name: String, approve: bool) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    match admin::decide_application(&s.hearth, &viewer, &name, approve).await {
        Ok(_) => Ok(see_other("/admin?saved=application")),
        Err(e) => form_error(&s, &page, &viewer, e).await,
    }
}

pub async fn approve(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    decide(s, page, name, true).await
}

pub async fn reject(
    State(s): State<AppState>,
    page: PageCtx,
    Path(name): Path<String>,
) -> WebResult<Response> {
    decide(s, page, name, false).await
}

pub async fn create_invite(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let viewer = match admin_viewer(&page) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    admin::create_invite(&s.hearth, &viewer).await?;
    Ok(see_other("/admin?saved=invite"))
}
