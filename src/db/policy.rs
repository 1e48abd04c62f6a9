//! The federation policy admins manage: `federation_domains` and the mode in the instance
//! settings (see `service::policy`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{federation_domains, instance_settings};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = federation_domains)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct PolicyDomain {
    pub domain: String,
    pub kind: String,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<PolicyDomain>> {
    federation_domains::table
        .order(federation_domains::domain.asc())
        .select(PolicyDomain::as_select())
        .load(conn)
}

/// Adds the domain, or changes its kind and reason.
pub fn upsert(
    conn: &mut DbConn,
    domain: &str,
    kind: &str,
    reason: &str,
    by: i64,
) -> QueryResult<()> {
    diesel::delete(federation_domains::table.find(domain)).execute(conn)?;
    diesel::insert_into(federation_domains::table)
        .values((
            federation_domains::domain.eq(domain),
            federation_domains::kind.eq(kind),
            federation_domains::reason.eq(reason),
            federation_domains::created_by.eq(Some(by)),
            federation_domains::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Whether there was such a domain.
pub fn remove(conn: &mut DbConn, domain: &str) -> QueryResult<bool> {
    Ok(diesel::delete(federation_domains::table.find(domain)).execute(conn)? > 0)
}

pub fn set_mode(conn: &mut DbConn, mode: &str) -> QueryResult<()> {
    diesel::update(instance_settings::table)
        .set(instance_settings::federation_mode.eq(mode))
        .execute(conn)
        .map(drop)
}
