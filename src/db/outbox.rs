//! Outbox events: what happened, recorded in the same transaction as the change, for the
//! federation side to turn into activities. The service layer only records; it never sends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::outbox_events;

/// Kinds of event. Stored as text.
pub const THREAD_CREATED: &str = "thread_created";
pub const REPLY_CREATED: &str = "reply_created";
/// A local post (opening post or reply) was edited by its author.
pub const POST_UPDATED: &str = "post_updated";
/// A local post was deleted by its author.
pub const POST_DELETED: &str = "post_deleted";
/// A local person liked, or stopped liking, a post from another server (`actor_id` = who).
pub const LIKE_ADDED: &str = "like_added";
pub const LIKE_REMOVED: &str = "like_removed";
/// A post arrived from another server, or was edited or deleted there; the Group passes the
/// activity on to its followers (FEP-1b12). `payload` holds the activity as received.
pub const REMOTE_ACTIVITY: &str = "remote_activity";

/// A moderator removed a post (subject: the moderation log entry): in a space here, the Group
/// announces a `Delete` by the moderator with the reason.
pub const POST_REMOVED: &str = "post_removed";
/// A moderator restored a removed post (subject: the log entry): the Group announces the
/// `Undo` of the removal's `Delete`.
pub const POST_RESTORED: &str = "post_restored";
/// A moderator banned someone from a space here (subject: the log entry; payload
/// `{"remove_data": bool}`): the Group announces a `Block`, as Lemmy does.
pub const PERSON_BANNED: &str = "person_banned";
/// A moderator lifted such a ban (subject: the log entry; payload `{"ban_entry": id}`): the
/// Group announces the `Undo` of the `Block`.
pub const PERSON_UNBANNED: &str = "person_unbanned";
/// A local person asked to follow a space on another server (`subject_id` = the subscription).
pub const SPACE_FOLLOWED: &str = "space_followed";
/// A local person's profile changed in a way other servers show (name, bio, staff role or
/// title): an `Update` of their actor goes to the servers following spaces here.
pub const PERSON_UPDATED: &str = "person_updated";
/// A moderator forwarded a report to the server of what it is about: a `Flag` from the
/// instance actor (subject: the report).
pub const REPORT_FORWARDED: &str = "report_forwarded";
/// A local person stopped following a space on another server (`subject_id` = the space,
/// `payload` = `{"person_id": …, "follow_id": "…"}`: the subscription is gone).
pub const SPACE_UNFOLLOWED: &str = "space_unfollowed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub subject_id: i64,
    pub actor_id: Option<i64>,
    pub payload: Option<String>,
    pub created_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
}

pub fn record(conn: &mut DbConn, kind: &str, subject_id: i64) -> QueryResult<()> {
    record_by(conn, kind, subject_id, None)
}

pub fn record_by(
    conn: &mut DbConn,
    kind: &str,
    subject_id: i64,
    actor_id: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::kind.eq(kind),
            outbox_events::subject_id.eq(subject_id),
            outbox_events::actor_id.eq(actor_id),
            outbox_events::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The oldest unprocessed events.
pub fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Event>> {
    outbox_events::table
        .filter(outbox_events::processed_at.is_null())
        .order(outbox_events::id.asc())
        .limit(limit)
        .select(Event::as_select())
        .load(conn)
}

/// Marks an event processed; false if another worker got there first (then the caller's
/// transaction should be rolled back so its deliveries are not queued twice).
pub fn mark_processed(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        outbox_events::table
            .find(id)
            .filter(outbox_events::processed_at.is_null()),
    )
    .set(outbox_events::processed_at.eq(Some(at)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records an event that carries the activity to pass on.
pub fn record_payload(
    conn: &mut DbConn,
    kind: &str,
    subject_id: i64,
    payload: &str,
) -> QueryResult<()> {
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::kind.eq(kind),
            outbox_events::subject_id.eq(subject_id),
            outbox_events::payload.eq(Some(payload)),
            outbox_events::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The id of the newest event of `kind` about `subject_id` by `actor_id` before `before` (the
/// like that an unlike takes back).
pub fn latest_before(
    conn: &mut DbConn,
    kind: &str,
    subject_id: i64,
    actor_id: i64,
    before: i64,
) -> QueryResult<Option<i64>> {
    outbox_events::table
        .filter(outbox_events::kind.eq(kind))
        .filter(outbox_events::subject_id.eq(subject_id))
        .filter(outbox_events::actor_id.eq(actor_id))
        .filter(outbox_events::id.lt(before))
        .order(outbox_events::id.desc())
        .select(outbox_events::id)
        .first(conn)
        .optional()
}
