//! Instance administration: accounts, roles, approvals, settings, invites. Every function here
//! starts with `require_admin`, so the rule does not depend on which page or endpoint calls it.

use crate::db::{self, audit, instance, invites, persons};
use crate::domain::{AccountStatus, RegistrationMode, Role};
use crate::error::{AppError, AppResult};

use super::validate::{self, INSTANCE_DESCRIPTION_MAX, INSTANCE_NAME_MAX};
use super::{Hearth, Viewer, views};

pub const PAGE_MAX: i64 = 100;

/// The public description of the instance (name, description, registration mode).
pub async fn instance(h: &Hearth) -> AppResult<views::Instance> {
    let s = h.db.run(|c| Ok(instance::get(c)?)).await?;
    Ok(views::Instance::new(&s, &h.config.domain))
}

pub async fn list_accounts(
    h: &Hearth,
    viewer: &Viewer,
    after: Option<i64>,
    limit: Option<i64>,
) -> AppResult<views::AccountPage> {
    viewer.require_admin()?;
    let limit = limit.unwrap_or(50).clamp(1, PAGE_MAX);
    let after = after.unwrap_or(0);
    let mut rows =
        h.db.run(move |c| Ok(persons::list(c, after, limit + 1)?))
            .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|p| p.id)
    } else {
        None
    };
    Ok(views::AccountPage {
        accounts: rows.iter().map(views::Account::from).collect(),
        next,
    })
}

async fn find_account(h: &Hearth, name: &str) -> AppResult<persons::Person> {
    let name = name.trim().to_ascii_lowercase();
    h.db.run(move |c| Ok(persons::find_local(c, &name)?))
        .await?
        .ok_or_else(|| AppError::not_found("account"))
}

/// Changes a person's role. The last active admin cannot be demoted, so the instance always
/// has someone who can administer it.
pub async fn set_role(
    h: &Hearth,
    viewer: &Viewer,
    name: &str,
    role: Role,
) -> AppResult<views::Account> {
    viewer.require_admin()?;
    let target = find_account(h, name).await?;
    let actor = viewer.person.id;
    let person =
        h.db.transaction(move |c| {
            change_role(c, &target, role, Some(actor), "")?;
            Ok(persons::get(c, target.id)?)
        })
        .await?;
    h.outbox.notify_one();
    Ok(views::Account::from(&person))
}

/// Gives `target` a role, in the caller's transaction, for an admin (`actor`) or the command
/// line (`None`, `note` saying so): never the last administrator's demotion; recorded in the
/// audit log; and when the staff badge comes or goes, other servers are told (they re-check
/// it). Nothing happens if the role is already that.
pub fn change_role(
    c: &mut db::DbConn,
    target: &persons::Person,
    role: Role,
    actor: Option<i64>,
    note: &str,
) -> AppResult<()> {
    let current = target.role();
    if current == Role::Admin
        && role != Role::Admin
        && persons::count_with_role(c, Role::Admin)? <= 1
    {
        return Err(AppError::conflict(
            "role",
            "this is the last administrator; make someone else admin first",
        ));
    }
    if current == role {
        return Ok(());
    }
    persons::set_role(c, target.id, role)?;
    audit::record(
        c,
        actor,
        "set_role",
        &target.name,
        &format!("{current} -> {role}{note}"),
    )?;
    if current.is_staff() != role.is_staff() {
        db::outbox::record(c, db::outbox::PERSON_UPDATED, target.id)?;
    }
    Ok(())
}

/// The longest reason given to a turned-down applicant.
pub const DECISION_REASON_MAX: usize = 1000;

/// Approves (or rejects, with an optional reason the applicant sees) an application made
/// while registration needed approval.
pub async fn decide_application(
    h: &Hearth,
    viewer: &Viewer,
    name: &str,
    approve: bool,
    reason_in: &str,
) -> AppResult<views::Account> {
    viewer.require_admin()?;
    let reason = validate::text("reason", reason_in, DECISION_REASON_MAX, false)?;
    let target = find_account(h, name).await?;
    if target.status() != AccountStatus::Pending {
        return Err(AppError::conflict(
            "name",
            "this account is not waiting for approval",
        ));
    }
    let status = if approve {
        AccountStatus::Active
    } else {
        AccountStatus::Rejected
    };
    let actor = viewer.person.id;
    let person =
        h.db.transaction(move |c| {
            persons::set_status(c, target.id, status)?;
            db::applications::decide(c, target.id, actor, &reason, db::now())?;
            let action = if approve { "approve" } else { "reject" };
            audit::record(c, Some(actor), action, &target.name, &reason)?;
            Ok(persons::get(c, target.id)?)
        })
        .await?;
    Ok(views::Account::from(&person))
}

#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub registration_mode: Option<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// An `https://` image URL, or empty for none.
    pub logo_url: Option<String>,
    /// Whether the public moderation log names moderators (false: "a moderator").
    pub modlog_names: Option<bool>,
    /// What applicants answer in approval mode (at most 5 questions; none: an empty list).
    pub registration_questions: Option<Vec<String>>,
}

/// The most questions an applicant is asked, and how long each may be.
pub const QUESTIONS_MAX: usize = 5;
pub const QUESTION_MAX: usize = 300;

fn questions(raw: Vec<String>) -> AppResult<String> {
    let list: Vec<String> = raw
        .iter()
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    if list.len() > QUESTIONS_MAX {
        return Err(AppError::invalid(
            "registration_questions",
            format!("ask at most {QUESTIONS_MAX} questions"),
        ));
    }
    for q in &list {
        validate::line("registration_questions", q, QUESTION_MAX, true)?;
    }
    Ok(serde_json::to_string(&list).expect("a list of strings serializes"))
}

fn accent_color(raw: &str) -> AppResult<String> {
    let c = raw.trim();
    if c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(AppError::invalid(
            "accent_color",
            "accent_color must be a colour like #b4461c",
        ))
    }
}

fn logo_url(raw: &str) -> AppResult<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let ok = s.len() <= 500
        && url::Url::parse(s).is_ok_and(|u| {
            u.scheme() == "https" && u.host_str().is_some() && u.username().is_empty()
        });
    if ok {
        Ok(s.to_string())
    } else {
        Err(AppError::invalid(
            "logo_url",
            "logo_url must be an https:// address of an image (at most 500 characters)",
        ))
    }
}

pub async fn update_settings(
    h: &Hearth,
    viewer: &Viewer,
    input: SettingsUpdate,
) -> AppResult<views::Instance> {
    viewer.require_admin()?;
    let name = input
        .name
        .map(|s| validate::line("name", &s, INSTANCE_NAME_MAX, true))
        .transpose()?;
    let description = input
        .description
        .map(|s| validate::text("description", &s, INSTANCE_DESCRIPTION_MAX, false))
        .transpose()?;
    let mode = input
        .registration_mode
        .map(|m| {
            RegistrationMode::parse(m.trim()).ok_or_else(|| {
                AppError::invalid(
                    "registration_mode",
                    format!(
                        "registration_mode must be one of {}",
                        RegistrationMode::choices()
                    ),
                )
            })
        })
        .transpose()?;
    let accent = input.accent_color.map(|c| accent_color(&c)).transpose()?;
    let logo = input.logo_url.map(|u| logo_url(&u)).transpose()?;
    let asked = input.registration_questions.map(questions).transpose()?;
    let actor = viewer.person.id;
    let settings =
        h.db.transaction(move |c| {
            instance::update(
                c,
                &instance::SettingsChanges {
                    name: name.as_deref(),
                    description: description.as_deref(),
                    registration_mode: mode.map(|m| m.as_str()),
                    accent_color: accent.as_deref(),
                    logo_url: logo.as_deref(),
                    modlog_names: input.modlog_names,
                    registration_questions: asked.as_deref(),
                    updated_at: db::now(),
                },
            )?;
            let mut detail = Vec::new();
            if let Some(n) = &name {
                detail.push(format!("name={n}"));
            }
            if description.is_some() {
                detail.push("description changed".to_string());
            }
            if let Some(m) = mode {
                detail.push(format!("registration_mode={m}"));
            }
            if let Some(a) = &accent {
                detail.push(format!("accent_color={a}"));
            }
            if logo.is_some() {
                detail.push("logo changed".to_string());
            }
            if let Some(n) = input.modlog_names {
                detail.push(format!("modlog_names={n}"));
            }
            if asked.is_some() {
                detail.push("registration questions changed".to_string());
            }
            audit::record(
                c,
                Some(actor),
                "update_settings",
                "instance",
                &detail.join(", "),
            )?;
            Ok(instance::get(c)?)
        })
        .await?;
    Ok(views::Instance::new(&settings, &h.config.domain))
}

/// Creates a single-use invite code.
pub async fn create_invite(h: &Hearth, viewer: &Viewer) -> AppResult<views::InviteInfo> {
    viewer.require_admin()?;
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let code = hex::encode(bytes);
    let actor = viewer.person.id;
    let invite =
        h.db.transaction(move |c| {
            let id = invites::insert(c, &code, Some(actor))?;
            audit::record(c, Some(actor), "create_invite", &id.to_string(), "")?;
            invites::list(c)?
                .into_iter()
                .find(|i| i.id == id)
                .ok_or_else(|| AppError::not_found("invite"))
        })
        .await?;
    Ok(views::InviteInfo::from(&invite))
}

pub async fn list_invites(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<views::InviteInfo>> {
    viewer.require_admin()?;
    let list = h.db.run(|c| Ok(invites::list(c)?)).await?;
    Ok(list.iter().map(views::InviteInfo::from).collect())
}

/// One administrative action, for the admin page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditView {
    pub by: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The latest administrative actions (admins only).
pub async fn audit_log(h: &Hearth, viewer: &Viewer, limit: i64) -> AppResult<Vec<AuditView>> {
    viewer.require_admin()?;
    let rows = h.db.run(move |c| Ok(audit::recent(c, limit)?)).await?;
    Ok(rows
        .into_iter()
        .map(|(e, name)| AuditView {
            by: name.unwrap_or_else(|| "command line".into()),
            action: e.action,
            target: e.target,
            detail: e.detail,
            at: e.created_at.and_utc(),
        })
        .collect())
}

/// The applications waiting for a decision, oldest first, with the answers (admins only).
pub async fn applications(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<views::Application>> {
    viewer.require_admin()?;
    h.db.run(|c| {
        Ok(db::applications::pending(c, 500)?
            .into_iter()
            .filter(|(_, p)| p.status() == AccountStatus::Pending)
            .map(|(a, p)| views::Application::new(&a, &p))
            .collect())
    })
    .await
}
