//! Creating accounts and editing one's own profile.

use crate::db::{self, audit, instance, invites, persons};
use crate::domain::{AccountStatus, RegistrationMode, Role};
use crate::error::{AppError, AppResult, is_unique_violation};

use super::validate::{self, BIO_MAX, DISPLAY_NAME_MAX, TITLE_MAX};
use super::{Hearth, Viewer, password, views};

/// What a person fills in to register.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub name: String,
    pub password: String,
    pub display_name: String,
    pub invite: Option<String>,
    /// In approval mode: an answer to each of the instance's questions, in order.
    pub answers: Vec<String>,
    /// Where the request came from (registrations are rate-limited per address).
    pub client: super::auth::Client,
}

/// An account created by an operator (command line) or an admin, with any role.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
    pub title: String,
}

/// Registers through the web or the API, following the instance's registration mode. In
/// approval mode the account is created as pending and cannot log in until an admin approves.
pub async fn register(h: &Hearth, input: Registration) -> AppResult<db::persons::Person> {
    let name = validate::new_handle("name", &input.name)?;
    validate::password("password", &input.password)?;
    let display_name =
        validate::line("display_name", &input.display_name, DISPLAY_NAME_MAX, false)?;
    let invite = input
        .invite
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());

    h.rate.registration(input.client.ip)?;
    let settings = h.db.run(|c| Ok(instance::get(c)?)).await?;
    let mode = settings.registration_mode();
    let status = match mode {
        RegistrationMode::Closed => {
            return Err(AppError::forbidden(
                "registration is closed on this instance",
            ));
        }
        RegistrationMode::Invite if invite.is_none() => {
            return Err(AppError::invalid(
                "invite",
                "an invite code is required to register",
            ));
        }
        RegistrationMode::Approval => AccountStatus::Pending,
        RegistrationMode::Open | RegistrationMode::Invite => AccountStatus::Active,
    };
    let application = (mode == RegistrationMode::Approval)
        .then(|| answers(&settings.registration_questions(), &input.answers))
        .transpose()?;

    ensure_name_free(h, name.as_str()).await?;
    let hash = password::hash(input.password).await?;

    let name_s = name.as_str().to_string();
    let id =
        h.db.transaction(move |c| {
            let id = insert_account(
                c,
                &name_s,
                &display_name,
                "",
                Role::Member.as_str(),
                status.as_str(),
                &hash,
            )?;
            if let Some(answers) = &application {
                db::applications::insert(c, id, answers, db::now())?;
            }
            if mode == RegistrationMode::Invite {
                let code = invite.as_deref().unwrap_or_default();
                if !invites::redeem(c, code, id)? {
                    return Err(AppError::invalid(
                        "invite",
                        "the invite code is not valid or has been used",
                    ));
                }
            }
            Ok(id)
        })
        .await?;
    h.db.run(move |c| Ok(persons::get(c, id)?)).await
}

/// The longest answer to a registration question.
pub const ANSWER_MAX: usize = 1000;

/// An applicant's answers, one to each question, as the application stores them (JSON).
fn answers(questions: &[String], given: &[String]) -> AppResult<String> {
    if given.len() != questions.len() {
        return Err(AppError::invalid(
            "answers",
            format!(
                "answer each of the {} question{} ({} answer{} given)",
                questions.len(),
                if questions.len() == 1 { "" } else { "s" },
                given.len(),
                if given.len() == 1 { "" } else { "s" },
            ),
        ));
    }
    let mut list = Vec::with_capacity(questions.len());
    for (q, a) in questions.iter().zip(given) {
        let answer = validate::text("answers", a, ANSWER_MAX, true).map_err(|_| {
            AppError::invalid(
                "answers",
                format!("answer “{q}” in 1 to {ANSWER_MAX} characters"),
            )
        })?;
        list.push(views::Answer {
            question: q.clone(),
            answer,
        });
    }
    Ok(serde_json::to_string(&list).expect("answers serialize"))
}

/// Where someone's application stands, for the applicant: they prove who they are with their
/// name and password (as when signing in, and rate-limited the same way), since they cannot
/// sign in until approved.
pub async fn application_status(
    h: &Hearth,
    client: super::auth::Client,
    name: &str,
    password: String,
) -> AppResult<views::ApplicationStatus> {
    let person = super::auth::check_password(h, client, name, password).await?;
    let id = person.id;
    let application =
        h.db.run(move |c| Ok(db::applications::find(c, id)?))
            .await?;
    Ok(views::ApplicationStatus {
        name: person.name.clone(),
        status: person.status(),
        applied_at: application.as_ref().map(|a| a.created_at.and_utc()),
        decided_at: application
            .as_ref()
            .and_then(|a| a.decided_at)
            .map(|t| t.and_utc()),
        reason: application
            .as_ref()
            .map(|a| a.reason.clone())
            .unwrap_or_default(),
        answers: application
            .map(|a| serde_json::from_str(&a.answers).unwrap_or_default())
            .unwrap_or_default(),
    })
}

/// Creates an active account with any role, bypassing the registration mode. For the command
/// line (`actor` = None) and for admins.
pub async fn create(
    h: &Hearth,
    actor: Option<&Viewer>,
    input: NewAccount,
) -> AppResult<db::persons::Person> {
    if let Some(v) = actor {
        v.require_admin()?;
    }
    let name = validate::new_handle("name", &input.name)?;
    validate::password("password", &input.password)?;
    let display_name =
        validate::line("display_name", &input.display_name, DISPLAY_NAME_MAX, false)?;
    let title = validate::line("title", &input.title, TITLE_MAX, false)?;
    if !title.is_empty() && !input.role.is_staff() {
        return Err(AppError::invalid("title", "only staff have a title"));
    }
    ensure_name_free(h, name.as_str()).await?;
    let hash = password::hash(input.password).await?;
    let actor_id = actor.map(|v| v.person.id);
    let role = input.role;
    let name_s = name.as_str().to_string();
    let id =
        h.db.transaction(move |c| {
            let id = insert_account(
                c,
                &name_s,
                &display_name,
                &title,
                role.as_str(),
                AccountStatus::Active.as_str(),
                &hash,
            )?;
            audit::record(
                c,
                actor_id,
                "create_account",
                &name_s,
                &format!("role={role}"),
            )?;
            Ok(id)
        })
        .await?;
    h.db.run(move |c| Ok(persons::get(c, id)?)).await
}

async fn ensure_name_free(h: &Hearth, name: &str) -> AppResult<()> {
    let n = name.to_string();
    let taken =
        h.db.run(move |c| {
            use db::schema::handles;
            use diesel::prelude::*;
            Ok(handles::table
                .filter(handles::name.eq(&n))
                .count()
                .get_result::<i64>(c)?
                > 0)
        })
        .await?;
    if taken {
        Err(AppError::conflict("name", "this name is already taken"))
    } else {
        Ok(())
    }
}

/// Inserts a local account in the caller's transaction; a taken name is a 409 on `name`.
fn insert_account(
    c: &mut db::DbConn,
    name: &str,
    display_name: &str,
    title: &str,
    role: &str,
    status: &str,
    password_hash: &str,
) -> AppResult<i64> {
    let now = db::now();
    persons::insert(
        c,
        &persons::NewPerson {
            name,
            display_name,
            bio: "",
            title,
            role,
            status,
            password_hash,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(name_taken)
}

fn name_taken(e: diesel::result::Error) -> AppError {
    if is_unique_violation(&e) {
        AppError::conflict("name", "this name is already taken")
    } else {
        AppError::from(e)
    }
}

/// Anyone's public profile. Pending and rejected applicants are not public.
pub async fn profile(h: &Hearth, name: &str) -> AppResult<views::Profile> {
    let name = name.trim().to_ascii_lowercase();
    let person =
        h.db.run(move |c| Ok(persons::find_by_name(c, &name)?))
            .await?
            .filter(|p| matches!(p.status(), AccountStatus::Active | AccountStatus::Suspended))
            .ok_or_else(|| AppError::not_found("person"))?;
    Ok(views::Profile::from(&person))
}

/// Changes to one's own profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub title: Option<String>,
}

/// Edits the viewer's own profile. Only staff may set a title.
pub async fn update_profile(
    h: &Hearth,
    viewer: &Viewer,
    input: ProfileUpdate,
) -> AppResult<views::Account> {
    let display_name = input
        .display_name
        .map(|s| validate::line("display_name", &s, DISPLAY_NAME_MAX, false))
        .transpose()?;
    let bio = input
        .bio
        .map(|s| validate::text("bio", &s, BIO_MAX, false))
        .transpose()?;
    let title = input
        .title
        .map(|s| validate::line("title", &s, TITLE_MAX, false))
        .transpose()?;
    if let Some(t) = &title
        && *t != viewer.person.title
        && !viewer.role().is_staff()
    {
        return Err(AppError::invalid("title", "only staff have a title"));
    }
    let id = viewer.person.id;
    let person =
        h.db.transaction(move |c| {
            persons::update_profile(
                c,
                id,
                &persons::ProfileChanges {
                    display_name: display_name.as_deref(),
                    bio: bio.as_deref(),
                    title: title.as_deref(),
                    updated_at: db::now(),
                },
            )?;
            db::outbox::record(c, db::outbox::PERSON_UPDATED, id)?;
            Ok(persons::get(c, id)?)
        })
        .await?;
    h.outbox.notify_one();
    Ok(views::Account::from(&person))
}

/// The largest avatar accepted, in bytes.
pub const AVATAR_MAX: usize = 1024 * 1024;

/// Sets (or with `None` removes) the viewer's avatar. The image is recognised by its bytes (PNG,
/// JPEG, GIF or WebP, at most 1 MiB), stored under its SHA-256 (so its URL changes with it and
/// can be cached for good), and the change federates as an `Update` of the person.
pub async fn set_avatar(
    h: &Hearth,
    viewer: &Viewer,
    image: Option<Vec<u8>>,
) -> AppResult<views::Account> {
    let hash = match image {
        None => None,
        Some(bytes) => {
            if bytes.len() > AVATAR_MAX {
                return Err(AppError::new(
                    crate::error::ErrorKind::PayloadTooLarge,
                    "the avatar must be at most 1 MiB",
                )
                .with_field("avatar"));
            }
            if crate::text::sniff_image(&bytes).is_none() {
                return Err(AppError::invalid(
                    "avatar",
                    "the avatar must be a PNG, JPEG, GIF or WebP image",
                ));
            }
            use sha2::Digest;
            let hash = hex::encode(sha2::Sha256::digest(&bytes));
            let dir = h.config.data_dir.join("avatars").join("local");
            let path = dir.join(&hash);
            // Written aside and renamed, so a reader never sees half a file.
            let tmp = dir.join(format!("{hash}.part"));
            let write = async {
                tokio::fs::create_dir_all(&dir).await?;
                tokio::fs::write(&tmp, &bytes).await?;
                tokio::fs::rename(&tmp, &path).await
            };
            write.await.map_err(AppError::internal)?;
            Some(hash)
        }
    };
    let id = viewer.person.id;
    let person =
        h.db.transaction(move |c| {
            persons::set_avatar(c, id, hash.as_deref())?;
            db::outbox::record(c, db::outbox::PERSON_UPDATED, id)?;
            Ok(persons::get(c, id)?)
        })
        .await?;
    h.outbox.notify_one();
    Ok(views::Account::from(&person))
}

/// Changes the viewer's password after checking the current one, and signs out every other
/// session and token (a changed password usually means the old one was compromised).
pub async fn change_password(
    h: &Hearth,
    viewer: &Viewer,
    current: String,
    new: String,
) -> AppResult<()> {
    validate::password("new_password", &new)?;
    if !password::verify(current, viewer.person.password_hash.clone()).await? {
        return Err(AppError::invalid(
            "current_password",
            "the current password is not correct",
        ));
    }
    let hash = password::hash(new).await?;
    let (id, keep) = (viewer.person.id, viewer.token_id);
    h.db.transaction(move |c| {
        persons::set_password_hash(c, id, &hash)?;
        db::tokens::delete_all_except(c, id, Some(keep))?;
        Ok(())
    })
    .await
}
