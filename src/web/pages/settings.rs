//! The signed-in person's settings: profile, password, personal access tokens.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::value::merge_maps;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppError;
use crate::service::{Viewer, accounts, auth, views};
use crate::web::{PageCtx, WebResult, html_status, see_other, val};

#[derive(Deserialize, Default)]
pub struct Notice {
    saved: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<Notice>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(redirect) => return Ok(redirect),
    };
    render(&s, &page, &viewer, context! { saved => val(&q.saved) }, 200).await
}

async fn render(
    s: &AppState,
    page: &PageCtx,
    viewer: &Viewer,
    extra: Value,
    status: u16,
) -> WebResult<Response> {
    let tokens = auth::list_personal_tokens(&s.hearth, viewer).await?;
    let own = context! {
        account => val(views::Account::from(&viewer.person)),
        can_have_title => viewer.role().is_staff(),
        tokens => val(&tokens),
    };
    let body = s
        .templates
        .render("settings.html", merge_maps([own, extra, page.base()]))?;
    Ok(html_status(status, body))
}

async fn form_error(
    s: &AppState,
    page: &PageCtx,
    viewer: &Viewer,
    section: &str,
    e: AppError,
) -> WebResult<Response> {
    if e.status() >= 500 {
        return Err(e.into());
    }
    e.log();
    let extra = context! {
        error => val(&e.message),
        error_field => val(e.field),
        error_section => section,
    };
    render(s, page, viewer, extra, e.status()).await
}

fn viewer_or_login(page: &PageCtx) -> Result<Viewer, Response> {
    page.require_viewer().cloned()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileForm {
    display_name: String,
    bio: String,
    title: Option<String>,
}

pub async fn save_profile(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<ProfileForm>,
) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    let update = accounts::ProfileUpdate {
        display_name: Some(f.display_name),
        bio: Some(f.bio),
        title: f.title,
    };
    match accounts::update_profile(&s.hearth, &viewer, update).await {
        Ok(_) => Ok(see_other("/settings?saved=profile")),
        Err(e) => form_error(&s, &page, &viewer, "profile", e).await,
    }
}

/// The avatar form (`multipart/form-data`, the file in `avatar`).
pub async fn save_avatar(
    State(s): State<AppState>,
    page: PageCtx,
    mut form: axum::extract::Multipart,
) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    let bad = |_| AppError::invalid("avatar", "the upload was cut off or malformed; try again");
    let mut image = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("avatar") {
            image = Some(field.bytes().await.map_err(bad)?.to_vec());
        }
    }
    let result = match image.filter(|b| !b.is_empty()) {
        Some(bytes) => accounts::set_avatar(&s.hearth, &viewer, Some(bytes)).await,
        None => Err(AppError::invalid("avatar", "choose an image file first")),
    };
    match result {
        Ok(_) => Ok(see_other("/settings?saved=avatar")),
        Err(e) => form_error(&s, &page, &viewer, "avatar", e).await,
    }
}

pub async fn remove_avatar(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    accounts::set_avatar(&s.hearth, &viewer, None).await?;
    Ok(see_other("/settings?saved=avatar"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<PasswordForm>,
) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    if f.new_password != f.new_password_confirm {
        let e = AppError::invalid(
            "new_password_confirm",
            "the two new passwords are not the same",
        );
        return form_error(&s, &page, &viewer, "password", e).await;
    }
    match accounts::change_password(&s.hearth, &viewer, f.current_password, f.new_password).await {
        Ok(()) => Ok(see_other("/settings?saved=password")),
        Err(e) => form_error(&s, &page, &viewer, "password", e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    label: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    page: PageCtx,
    Form(f): Form<TokenForm>,
) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    match auth::create_personal_token(&s.hearth, &viewer, &f.label).await {
        // The secret is shown once, on this response, and never stored in readable form.
        Ok(issued) => {
            let extra = context! { new_token => val(&issued) };
            render(&s, &page, &viewer, extra, 201).await
        }
        Err(e) => form_error(&s, &page, &viewer, "tokens", e).await,
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let viewer = match viewer_or_login(&page) {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    auth::revoke_token(&s.hearth, &viewer, id).await?;
    Ok(see_other("/settings?saved=token"))
}
