//! The audit log of administrative actions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

/// Records an action; `actor_id` is `None` when it came from the command line.
pub fn record(
    conn: &mut DbConn,
    actor_id: Option<i64>,
    action: &str,
    target: &str,
    detail: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::target.eq(target),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The latest entries with the acting person's name (None: the command line).
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(AuditEntry, Option<String>)>> {
    use super::schema::persons;
    audit_log::table
        .left_join(persons::table)
        .order(audit_log::id.desc())
        .limit(limit)
        .select((AuditEntry::as_select(), persons::name.nullable()))
        .load(conn)
}
