//! Spaces (communities).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{handles, space_subscriptions, spaces, threads};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = spaces)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Space {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    pub posting_mode: String,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// For a space on another server: its Group in `remote_actors`.
    pub remote_actor_id: Option<i64>,
    /// How soon staff should answer here, in minutes (0: no target).
    pub response_target_minutes: i64,
    /// How many posts of a newcomer wait for a moderator's approval here (0: none).
    pub newcomer_posts: i64,
    /// Posts of members scoring at least this on the spam score wait for a moderator (0: none).
    pub spam_threshold: i64,
}

impl Space {
    pub fn is_remote(&self) -> bool {
        self.remote_actor_id.is_some()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = spaces)]
pub struct NewSpace<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
    pub posting_mode: &'a str,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = spaces)]
pub struct SpaceChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_html: Option<String>,
    pub rules: Option<String>,
    pub rules_html: Option<String>,
    pub posting_mode: Option<String>,
    pub archived: Option<bool>,
    pub response_target_minutes: Option<i64>,
    pub newcomer_posts: Option<i64>,
    pub spam_threshold: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Inserts the space and claims its name in the namespace shared with people.
pub fn insert(conn: &mut DbConn, new: &NewSpace<'_>) -> QueryResult<i64> {
    diesel::insert_into(handles::table)
        .values((handles::name.eq(new.name), handles::kind.eq("space")))
        .execute(conn)?;
    diesel::insert_into(spaces::table)
        .values(new)
        .returning(spaces::id)
        .get_result(conn)
}

/// The names of these spaces, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    spaces::table
        .filter(spaces::id.eq_any(ids))
        .select((spaces::id, spaces::name))
        .load(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Space>> {
    spaces::table
        .filter(spaces::name.eq(name))
        .select(Space::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Space> {
    spaces::table
        .find(id)
        .select(Space::as_select())
        .first(conn)
}

/// All spaces of this instance, by name; archived ones only when asked for.
pub fn list(conn: &mut DbConn, include_archived: bool) -> QueryResult<Vec<Space>> {
    let mut q = spaces::table
        .filter(spaces::remote_actor_id.is_null())
        .select(Space::as_select())
        .into_boxed();
    if !include_archived {
        q = q.filter(spaces::archived.eq(false));
    }
    q.order(spaces::name.asc()).load(conn)
}

/// Per space: how many threads it has and when the last one moved.
pub fn activity(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, Option<NaiveDateTime>)>> {
    threads::table
        .filter(threads::deleted.eq(false))
        .filter(threads::removed.eq(false))
        .filter(threads::held.eq(false))
        .group_by(threads::space_id)
        .select((
            threads::space_id,
            diesel::dsl::count_star(),
            diesel::dsl::max(threads::last_activity_at),
        ))
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &SpaceChanges) -> QueryResult<()> {
    diesel::update(spaces::table.find(id))
        .set(changes)
        .execute(conn)
        .map(drop)
}

/// What is known of a space on another server, from its Group actor.
#[derive(Debug, Clone)]
pub struct RemoteSpace {
    pub remote_actor_id: i64,
    pub name: String,
    pub title: String,
    pub description_html: String,
    pub posting_mode: String,
}

/// The space standing for a remote Group: created on first sight, refreshed afterwards.
pub fn upsert_remote(conn: &mut DbConn, r: &RemoteSpace) -> QueryResult<Space> {
    let now = super::now();
    let existing = spaces::table
        .filter(spaces::remote_actor_id.eq(r.remote_actor_id))
        .select(Space::as_select())
        .first(conn)
        .optional()?;
    if let Some(space) = existing {
        diesel::update(spaces::table.find(space.id))
            .set((
                spaces::title.eq(&r.title),
                spaces::description_html.eq(&r.description_html),
                spaces::posting_mode.eq(&r.posting_mode),
                spaces::updated_at.eq(now),
            ))
            .execute(conn)?;
        return get(conn, space.id);
    }
    let known = handles::table
        .find(&r.name)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !known {
        diesel::insert_into(handles::table)
            .values((handles::name.eq(&r.name), handles::kind.eq("remote")))
            .execute(conn)?;
    }
    let id = diesel::insert_into(spaces::table)
        .values((
            spaces::name.eq(&r.name),
            spaces::title.eq(&r.title),
            spaces::description_html.eq(&r.description_html),
            spaces::posting_mode.eq(&r.posting_mode),
            spaces::archived.eq(false),
            spaces::created_at.eq(now),
            spaces::updated_at.eq(now),
            spaces::remote_actor_id.eq(Some(r.remote_actor_id)),
        ))
        .returning(spaces::id)
        .get_result(conn)?;
    get(conn, id)
}

pub fn find_by_remote_actor(conn: &mut DbConn, remote_actor_id: i64) -> QueryResult<Option<Space>> {
    spaces::table
        .filter(spaces::remote_actor_id.eq(remote_actor_id))
        .select(Space::as_select())
        .first(conn)
        .optional()
}

/// Spaces on other servers that at least one person here follows, by name.
pub fn list_followed_remote(conn: &mut DbConn) -> QueryResult<Vec<Space>> {
    let followed = space_subscriptions::table.select(space_subscriptions::space_id);
    spaces::table
        .filter(spaces::remote_actor_id.is_not_null())
        .filter(spaces::id.eq_any(followed))
        .select(Space::as_select())
        .order(spaces::name.asc())
        .load(conn)
}

/// A person's follow of a space on another server.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = space_subscriptions)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Subscription {
    pub id: i64,
    pub space_id: i64,
    pub person_id: i64,
    pub follow_activity_id: String,
    pub accepted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn subscription(
    conn: &mut DbConn,
    space_id: i64,
    person_id: i64,
) -> QueryResult<Option<Subscription>> {
    space_subscriptions::table
        .filter(space_subscriptions::space_id.eq(space_id))
        .filter(space_subscriptions::person_id.eq(person_id))
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

pub fn subscribe(
    conn: &mut DbConn,
    space_id: i64,
    person_id: i64,
    follow_activity_id: &str,
) -> QueryResult<i64> {
    diesel::insert_into(space_subscriptions::table)
        .values((
            space_subscriptions::space_id.eq(space_id),
            space_subscriptions::person_id.eq(person_id),
            space_subscriptions::follow_activity_id.eq(follow_activity_id),
            space_subscriptions::created_at.eq(super::now()),
        ))
        .returning(space_subscriptions::id)
        .get_result(conn)
}

pub fn find_subscription(conn: &mut DbConn, id: i64) -> QueryResult<Option<Subscription>> {
    space_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// How many people here follow the space.
pub fn subscriber_count(conn: &mut DbConn, space_id: i64) -> QueryResult<i64> {
    space_subscriptions::table
        .filter(space_subscriptions::space_id.eq(space_id))
        .count()
        .get_result(conn)
}

pub fn unsubscribe(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(space_subscriptions::table.find(id))
        .execute(conn)
        .map(drop)
}

/// The subscription a Follow we sent created, by the Follow's id.
pub fn subscription_by_follow(
    conn: &mut DbConn,
    follow_activity_id: &str,
) -> QueryResult<Option<Subscription>> {
    space_subscriptions::table
        .filter(space_subscriptions::follow_activity_id.eq(follow_activity_id))
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

pub fn mark_accepted(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(space_subscriptions::table.find(id))
        .filter(space_subscriptions::accepted_at.is_null())
        .set(space_subscriptions::accepted_at.eq(Some(super::now())))
        .execute(conn)
        .map(drop)
}
