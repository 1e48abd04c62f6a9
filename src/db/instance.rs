//! The instance's own settings, editable by admins: one row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::instance_settings;
use crate::domain::RegistrationMode;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = instance_settings)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct InstanceSettings {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub registration_mode: String,
    pub updated_at: NaiveDateTime,
    pub accent_color: String,
    pub logo_url: String,
    pub public_key_pem: String,
    pub private_key_pem: String,
    /// `blocklist` or `allowlist` (see `service::policy`).
    pub federation_mode: String,
    /// Whether the public moderation log names moderators (else: "a moderator").
    pub modlog_names: bool,
    /// What applicants answer in approval mode: a JSON array of strings.
    pub registration_questions: String,
}

impl InstanceSettings {
    pub fn registration_mode(&self) -> RegistrationMode {
        RegistrationMode::parse(&self.registration_mode).unwrap_or(RegistrationMode::Closed)
    }

    pub fn registration_questions(&self) -> Vec<String> {
        serde_json::from_str(&self.registration_questions).unwrap_or_default()
    }
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = instance_settings)]
pub struct SettingsChanges<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub registration_mode: Option<&'a str>,
    pub accent_color: Option<&'a str>,
    pub logo_url: Option<&'a str>,
    pub modlog_names: Option<bool>,
    pub registration_questions: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn) -> QueryResult<InstanceSettings> {
    instance_settings::table
        .find(1_i64)
        .select(InstanceSettings::as_select())
        .first(conn)
}

pub fn update(conn: &mut DbConn, changes: &SettingsChanges<'_>) -> QueryResult<()> {
    diesel::update(instance_settings::table.find(1_i64))
        .set(changes)
        .execute(conn)
        .map(drop)
}

/// Stores the instance actor's keys (once, the first time the instance federates).
pub fn set_keys(conn: &mut DbConn, public_pem: &str, private_pem: &str) -> QueryResult<()> {
    diesel::update(instance_settings::table.find(1_i64))
        .set((
            instance_settings::public_key_pem.eq(public_pem),
            instance_settings::private_key_pem.eq(private_pem),
        ))
        .execute(conn)
        .map(drop)
}
