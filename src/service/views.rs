//! What the use cases return: plain serialisable structs shared by the web pages (as template
//! context) and the JSON API (as response bodies). Database rows never leave the service layer
//! unconverted, so a password hash cannot end up in a response by accident.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::instance::InstanceSettings;
use crate::db::invites::Invite;
use crate::db::persons::Person;
use crate::db::tokens::AuthToken;
use crate::domain::{AccountStatus, RegistrationMode, Role};

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A person as anyone may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    /// The handle, e.g. `jane`.
    pub name: String,
    /// The name to show; falls back to the handle.
    pub display_name: String,
    pub bio: String,
    pub role: Role,
    /// True for the brand's staff (roles `staff` and `admin`).
    pub is_staff: bool,
    /// The staff title ("Support Lead"); only present for staff.
    pub title: Option<String>,
    /// The badge text shown next to everything they write, e.g. "Staff · Support Lead".
    pub badge: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Person> for Profile {
    fn from(p: &Person) -> Self {
        let role = p.role();
        let is_staff = role.is_staff();
        let title = (is_staff && !p.title.is_empty()).then(|| p.title.clone());
        let badge = is_staff.then(|| match &title {
            Some(t) => format!("Staff · {t}"),
            None => "Staff".to_string(),
        });
        Profile {
            name: p.name.clone(),
            display_name: if p.display_name.is_empty() {
                p.name.clone()
            } else {
                p.display_name.clone()
            },
            bio: p.bio.clone(),
            role,
            is_staff,
            title,
            badge,
            created_at: utc(p.created_at),
        }
    }
}

/// The signed-in person's own account: the profile plus what only they (and admins) see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    #[serde(flatten)]
    pub profile: Profile,
    pub id: i64,
    pub status: AccountStatus,
    /// The raw display name as entered (may be empty).
    pub display_name_raw: String,
    /// The stored title, also kept while the person is not staff.
    pub title_raw: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&Person> for Account {
    fn from(p: &Person) -> Self {
        Account {
            profile: Profile::from(p),
            id: p.id,
            status: p.status(),
            display_name_raw: p.display_name.clone(),
            title_raw: p.title.clone(),
            updated_at: utc(p.updated_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Instance {
    pub name: String,
    pub description: String,
    pub registration_mode: RegistrationMode,
    pub domain: String,
}

impl Instance {
    pub fn new(s: &InstanceSettings, domain: &str) -> Self {
        Instance {
            name: s.name.clone(),
            description: s.description.clone(),
            registration_mode: s.registration_mode(),
            domain: domain.to_string(),
        }
    }
}

/// A token as listed to its owner; the secret itself is shown only once, at creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&AuthToken> for TokenInfo {
    fn from(t: &AuthToken) -> Self {
        TokenInfo {
            id: t.id,
            label: t.label.clone(),
            created_at: utc(t.created_at),
            last_used_at: utc(t.last_used_at),
            expires_at: t.expires_at.map(utc),
        }
    }
}

/// A freshly issued credential. `token` is the secret: it is not stored and cannot be shown again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteInfo {
    pub id: i64,
    pub code: String,
    pub used: bool,
    pub created_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl From<&Invite> for InviteInfo {
    fn from(i: &Invite) -> Self {
        InviteInfo {
            id: i.id,
            code: i.code.clone(),
            used: i.used_by.is_some() || i.used_at.is_some(),
            created_at: utc(i.created_at),
            used_at: i.used_at.map(utc),
        }
    }
}
