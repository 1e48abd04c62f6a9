//! Sign in, sign out, register.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::{AccountStatus, RegistrationMode, TokenKind};
use crate::error::AppError;
use crate::http::ClientInfo;
use crate::service::{accounts, auth};
use crate::web::session::{end_cookie, start_cookie};
use crate::web::{PageCtx, WebResult, html, html_status, safe_next, see_other, val};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    if page.viewer.is_some() {
        return Ok(see_other(&safe_next(q.next.as_deref())));
    }
    let body = s.templates.render(
        "login.html",
        merge_maps([
            context! { next => val(safe_next(q.next.as_deref())) },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(s): State<AppState>,
    page: PageCtx,
    ClientInfo(client): ClientInfo,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let next = safe_next(f.next.as_deref());
    let password = f.password.clone();
    match auth::login(&s.hearth, client, &f.name, f.password, TokenKind::Session).await {
        Ok((issued, _)) => {
            let mut resp = see_other(&next);
            if let Some(c) = start_cookie(&s, &issued.token) {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(resp)
        }
        // The right password for an account that cannot sign in yet (or any more): where its
        // application stands.
        Err(e) if e.status() == 403 => {
            let status = accounts::application_status(&s.hearth, client, &f.name, password).await?;
            application_page(&s, &page, &status, 403)
        }
        Err(e) if e.status() < 500 => form_error(
            &s,
            &page,
            "login.html",
            &e,
            context! { name => val(&f.name), next => val(&next) },
        ),
        Err(e) => Err(e.into()),
    }
}

fn application_page(
    s: &AppState,
    page: &PageCtx,
    status: &crate::service::views::ApplicationStatus,
    code: u16,
) -> WebResult<Response> {
    let body = s.templates.render(
        "application.html",
        merge_maps([context! { application => val(status) }, page.base()]),
    )?;
    Ok(html_status(code, body))
}

/// The form where an applicant, who cannot sign in yet, asks where their application stands.
pub async fn application_form(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    let body = s
        .templates
        .render("application.html", merge_maps([page.base()]))?;
    Ok(html(body))
}

pub async fn application(
    State(s): State<AppState>,
    page: PageCtx,
    ClientInfo(client): ClientInfo,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    match accounts::application_status(&s.hearth, client, &f.name, f.password).await {
        Ok(status) => application_page(&s, &page, &status, 200),
        Err(e) if e.status() < 500 => form_error(
            &s,
            &page,
            "application.html",
            &e,
            context! { name => val(&f.name) },
        ),
        Err(e) => Err(e.into()),
    }
}

/// Re-renders a form page with the error shown next to the field, with the error's status.
pub(crate) fn form_error(
    s: &AppState,
    page: &PageCtx,
    template: &str,
    e: &AppError,
    values: minijinja::Value,
) -> WebResult<Response> {
    e.log();
    let body = s.templates.render(
        template,
        merge_maps([
            context! { error => val(&e.message), error_field => val(e.field) },
            page.base(),
            values,
        ]),
    )?;
    let mut resp = html_status(e.status(), body);
    crate::web::retry_after(&mut resp, e);
    Ok(resp)
}

pub async fn logout(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    if let Some(v) = &page.viewer {
        auth::logout(&s.hearth, v).await?;
    }
    let mut resp = see_other("/");
    if let Some(c) = end_cookie(&s) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

pub async fn register_form(State(s): State<AppState>, page: PageCtx) -> WebResult<Response> {
    if page.viewer.is_some() {
        return Ok(see_other("/"));
    }
    let body = s
        .templates
        .render("register.html", merge_maps([page.base()]))?;
    let status = if page.instance.registration_mode == RegistrationMode::Closed {
        403
    } else {
        200
    };
    Ok(html_status(status, body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    name: String,
    display_name: String,
    password: String,
    password_confirm: String,
    invite: Option<String>,
    // Answers to the registration questions (at most five: admin::QUESTIONS_MAX).
    answer_0: Option<String>,
    answer_1: Option<String>,
    answer_2: Option<String>,
    answer_3: Option<String>,
    answer_4: Option<String>,
}

impl RegisterForm {
    /// The answers given, in order, up to the last question the form showed.
    fn answers(&self) -> Vec<String> {
        let all = [
            &self.answer_0,
            &self.answer_1,
            &self.answer_2,
            &self.answer_3,
            &self.answer_4,
        ];
        let n = all.iter().rposition(|a| a.is_some()).map_or(0, |i| i + 1);
        all[..n]
            .iter()
            .map(|a| a.as_deref().unwrap_or_default().to_string())
            .collect()
    }
}

pub async fn register(
    State(s): State<AppState>,
    page: PageCtx,
    ClientInfo(client): ClientInfo,
    Form(f): Form<RegisterForm>,
) -> WebResult<Response> {
    let answers = f.answers();
    let values = context! { name => val(&f.name), display_name => val(&f.display_name), invite => val(&f.invite), answers => val(&answers) };
    if f.password != f.password_confirm {
        let e = AppError::invalid("password_confirm", "the two passwords are not the same");
        return form_error(&s, &page, "register.html", &e, values);
    }
    let password = f.password.clone();
    let result = accounts::register(
        &s.hearth,
        accounts::Registration {
            name: f.name.clone(),
            password: f.password,
            display_name: f.display_name.clone(),
            invite: f.invite.clone(),
            answers,
            client,
        },
    )
    .await;
    let person = match result {
        Ok(p) => p,
        Err(e) if e.status() < 500 => return form_error(&s, &page, "register.html", &e, values),
        Err(e) => return Err(e.into()),
    };
    if person.status() != AccountStatus::Active {
        let body = s.templates.render(
            "registered.html",
            merge_maps([context! { name => val(&person.name) }, page.base()]),
        )?;
        return Ok(html(body));
    }
    let (issued, _) = auth::login(
        &s.hearth,
        client,
        &person.name,
        password,
        TokenKind::Session,
    )
    .await?;
    let mut resp = see_other(&format!("/u/{}", person.name));
    if let Some(c) = start_cookie(&s, &issued.token) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
