//! Posts (opening posts and replies), their earlier versions, and likes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::persons::Person;
use super::schema::{likes, persons, post_revisions, posts, spaces, threads};
use super::spaces::Space;
use super::threads::Thread;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body: String,
    pub body_html: String,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub like_count: i64,
    /// The ActivityPub id of a post written on another server.
    pub ap_id: Option<String>,
    /// Removed by moderators (the words stay, hidden from everyone but the author and
    /// moderators), with their reason.
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: String,
    /// Waiting for a moderator's approval (the newcomer gate), and why.
    pub held_at: Option<NaiveDateTime>,
    pub held_reason: String,
    /// For a held post from another server: the activity as received, to pass on once approved.
    pub held_activity: Option<String>,
    /// The spam score of a member's post when it was written (0–100) and why.
    pub spam_score: Option<i64>,
    pub spam_why: String,
    /// A hash of its own words, to find the same words posted again (`service::spam`).
    pub body_hash: Option<i64>,
    /// What a moderator's decision taught the spam filter: spam, not spam, or nothing.
    pub trained_spam: Option<bool>,
}

impl Post {
    pub fn is_removed(&self) -> bool {
        self.removed_at.is_some()
    }

    pub fn is_held(&self) -> bool {
        self.held_at.is_some()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost<'a> {
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub created_at: NaiveDateTime,
    pub ap_id: Option<&'a str>,
    pub spam_score: Option<i64>,
    pub spam_why: &'a str,
    pub body_hash: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = post_revisions)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Revision {
    pub id: i64,
    pub post_id: i64,
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    pub written_at: NaiveDateTime,
    pub replaced_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewPost<'_>) -> QueryResult<i64> {
    diesel::insert_into(posts::table)
        .values(new)
        .returning(posts::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Post>> {
    posts::table
        .find(id)
        .select(Post::as_select())
        .first(conn)
        .optional()
}

/// A post that came from another server, by its ActivityPub id.
pub fn find_by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Post>> {
    posts::table
        .filter(posts::ap_id.eq(ap_id))
        .select(Post::as_select())
        .first(conn)
        .optional()
}

/// How many of a person's posts in a space were let through (not held, not removed): what the
/// newcomer gate counts.
pub fn accepted_in_space(conn: &mut DbConn, author_id: i64, space_id: i64) -> QueryResult<i64> {
    posts::table
        .inner_join(threads::table)
        .filter(posts::author_id.eq(author_id))
        .filter(threads::space_id.eq(space_id))
        .filter(posts::held_at.is_null())
        .filter(posts::removed_at.is_null())
        .count()
        .get_result(conn)
}

/// Whether someone else from the server `domain` has a post let through in this space.
pub fn server_seen_in_space(
    conn: &mut DbConn,
    space_id: i64,
    domain: &str,
    except: i64,
) -> QueryResult<bool> {
    let pattern = format!("%@{}", domain.replace(['%', '_'], ""));
    let n: i64 = posts::table
        .inner_join(threads::table)
        .inner_join(persons::table)
        .filter(threads::space_id.eq(space_id))
        .filter(persons::remote_actor_id.is_not_null())
        .filter(persons::name.like(pattern))
        .filter(persons::id.ne(except))
        .filter(posts::held_at.is_null())
        .filter(posts::removed_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Holds a post for approval with the reason (and, for a post from elsewhere, the activity to
/// pass on once approved), or (`None`) lets it through. Returns false if nothing changed.
pub fn set_held(
    conn: &mut DbConn,
    id: i64,
    hold: Option<(&str, Option<&str>, NaiveDateTime)>,
) -> QueryResult<bool> {
    match hold {
        Some((reason, activity, at)) => {
            diesel::update(posts::table.find(id).filter(posts::held_at.is_null()))
                .set((
                    posts::held_at.eq(Some(at)),
                    posts::held_reason.eq(reason),
                    posts::held_activity.eq(activity),
                ))
                .execute(conn)
        }
        None => diesel::update(posts::table.find(id).filter(posts::held_at.is_not_null()))
            .set((
                posts::held_at.eq(None::<NaiveDateTime>),
                posts::held_activity.eq(None::<String>),
            ))
            .execute(conn),
    }
    .map(|n| n == 1)
}

/// Replaces the activity a held post from elsewhere is passed on with once approved.
pub fn set_held_activity(conn: &mut DbConn, id: i64, activity: &str) -> QueryResult<()> {
    diesel::update(posts::table.find(id).filter(posts::held_at.is_not_null()))
        .set(posts::held_activity.eq(Some(activity)))
        .execute(conn)
        .map(drop)
}

/// The posts waiting for approval, oldest first, with their author, thread and space.
pub fn held(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(Post, Person, Thread, Space)>> {
    posts::table
        .inner_join(persons::table)
        .inner_join(threads::table.inner_join(spaces::table))
        .filter(posts::held_at.is_not_null())
        .order(posts::held_at.asc())
        .limit(limit)
        .select((
            Post::as_select(),
            Person::as_select(),
            Thread::as_select(),
            Space::as_select(),
        ))
        .load(conn)
}

/// How many posts wait for approval (the partial index `posts_held` answers it).
pub fn held_count(conn: &mut DbConn) -> QueryResult<i64> {
    posts::table
        .filter(posts::held_at.is_not_null())
        .count()
        .get_result(conn)
}

/// The ids of a person's posts that are still up (not deleted, removed or held), in one space or
/// everywhere, oldest first.
pub fn ids_up_by_author(
    conn: &mut DbConn,
    author_id: i64,
    space_id: Option<i64>,
) -> QueryResult<Vec<i64>> {
    let mut q = posts::table
        .inner_join(threads::table)
        .filter(posts::author_id.eq(author_id))
        .filter(posts::deleted_at.is_null())
        .filter(posts::removed_at.is_null())
        // Held ones never went out; they stay in the moderators' queue.
        .filter(posts::held_at.is_null())
        .select(posts::id)
        .into_boxed();
    if let Some(s) = space_id {
        q = q.filter(threads::space_id.eq(s));
    }
    q.order(posts::id.asc()).load(conn)
}

/// Where a post is shown: (post, parent, space name, thread id, thread slug).
pub type Place = (i64, Option<i64>, String, i64, String);

/// Where these posts are, in one query.
pub fn places(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Place>> {
    posts::table
        .inner_join(threads::table.inner_join(spaces::table))
        .filter(posts::id.eq_any(ids))
        .select((
            posts::id,
            posts::parent_id,
            spaces::name,
            threads::id,
            threads::slug,
        ))
        .load(conn)
}

/// The id of a thread's opening post.
pub fn opening_id(conn: &mut DbConn, thread_id: i64) -> QueryResult<Option<i64>> {
    posts::table
        .filter(posts::thread_id.eq(thread_id))
        .filter(posts::parent_id.is_null())
        .select(posts::id)
        .first(conn)
        .optional()
}

/// Every post of a thread with its author, oldest first: one query however long the thread.
pub fn for_thread(conn: &mut DbConn, thread_id: i64) -> QueryResult<Vec<(Post, Person)>> {
    posts::table
        .inner_join(persons::table)
        .filter(posts::thread_id.eq(thread_id))
        .order(posts::id.asc())
        .select((Post::as_select(), Person::as_select()))
        .load(conn)
}

/// Which posts of the thread this person likes.
pub fn liked_in_thread(conn: &mut DbConn, thread_id: i64, person_id: i64) -> QueryResult<Vec<i64>> {
    likes::table
        .inner_join(posts::table)
        .filter(posts::thread_id.eq(thread_id))
        .filter(likes::person_id.eq(person_id))
        .select(likes::post_id)
        .load(conn)
}

/// A person's posts, newest first, with their thread and space (for the profile page).
pub fn by_author(
    conn: &mut DbConn,
    author_id: i64,
    before_id: Option<i64>,
    limit: i64,
    include_held: bool,
) -> QueryResult<Vec<(Post, Thread, Space)>> {
    let mut q = posts::table
        .inner_join(threads::table.inner_join(spaces::table))
        .filter(posts::author_id.eq(author_id))
        .filter(posts::deleted_at.is_null())
        .select((Post::as_select(), Thread::as_select(), Space::as_select()))
        .into_boxed();
    if !include_held {
        q = q.filter(posts::held_at.is_null());
    }
    if let Some(b) = before_id {
        q = q.filter(posts::id.lt(b));
    }
    q.order(posts::id.desc()).limit(limit).load(conn)
}

pub fn update_body(
    conn: &mut DbConn,
    id: i64,
    body: &str,
    body_html: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(posts::table.find(id))
        .set((
            posts::body.eq(body),
            posts::body_html.eq(body_html),
            posts::edited_at.eq(Some(at)),
        ))
        .execute(conn)
        .map(drop)
}

/// Replaces the words with a tombstone: the row (and so the reply tree) stays, the text, its
/// history and its likes go.
pub fn tombstone(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(post_revisions::table.filter(post_revisions::post_id.eq(id))).execute(conn)?;
    diesel::delete(likes::table.filter(likes::post_id.eq(id))).execute(conn)?;
    diesel::update(posts::table.find(id))
        .set((
            posts::body.eq(""),
            posts::body_html.eq(""),
            posts::deleted_at.eq(Some(at)),
            posts::like_count.eq(0_i64),
        ))
        .execute(conn)
        .map(drop)
}

/// Marks a post removed by moderators with their reason (`None`: restores it). Returns false
/// if it already was in that state.
pub fn set_removed(
    conn: &mut DbConn,
    id: i64,
    removal: Option<(&str, NaiveDateTime)>,
) -> QueryResult<bool> {
    match removal {
        Some((reason, at)) => {
            diesel::update(posts::table.find(id).filter(posts::removed_at.is_null()))
                .set((
                    posts::removed_at.eq(Some(at)),
                    posts::removed_reason.eq(reason),
                ))
                .execute(conn)
        }
        None => diesel::update(
            posts::table
                .find(id)
                .filter(posts::removed_at.is_not_null()),
        )
        .set((
            posts::removed_at.eq(None::<NaiveDateTime>),
            posts::removed_reason.eq(""),
        ))
        .execute(conn),
    }
    .map(|n| n == 1)
}

pub fn add_revision(
    conn: &mut DbConn,
    post: &Post,
    title: Option<&str>,
    replaced_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(post_revisions::table)
        .values((
            post_revisions::post_id.eq(post.id),
            post_revisions::title.eq(title),
            post_revisions::body.eq(&post.body),
            post_revisions::body_html.eq(&post.body_html),
            post_revisions::written_at.eq(post.edited_at.unwrap_or(post.created_at)),
            post_revisions::replaced_at.eq(replaced_at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn revisions(conn: &mut DbConn, post_id: i64) -> QueryResult<Vec<Revision>> {
    post_revisions::table
        .filter(post_revisions::post_id.eq(post_id))
        .order(post_revisions::id.desc())
        .select(Revision::as_select())
        .load(conn)
}

/// Adds a like unless there is one; returns the post's new like count and whether the like is
/// new.
pub fn like(
    conn: &mut DbConn,
    post_id: i64,
    person_id: i64,
    at: NaiveDateTime,
) -> QueryResult<(i64, bool)> {
    let exists = likes::table
        .find((post_id, person_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(likes::table)
            .values((
                likes::post_id.eq(post_id),
                likes::person_id.eq(person_id),
                likes::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok((recount_likes(conn, post_id)?, !exists))
}

/// Removes a like if there is one; returns the post's new like count and whether there was one.
pub fn unlike(conn: &mut DbConn, post_id: i64, person_id: i64) -> QueryResult<(i64, bool)> {
    let removed = diesel::delete(likes::table.find((post_id, person_id))).execute(conn)? > 0;
    Ok((recount_likes(conn, post_id)?, removed))
}

fn recount_likes(conn: &mut DbConn, post_id: i64) -> QueryResult<i64> {
    let n: i64 = likes::table
        .filter(likes::post_id.eq(post_id))
        .count()
        .get_result(conn)?;
    diesel::update(posts::table.find(post_id))
        .set(posts::like_count.eq(n))
        .execute(conn)?;
    Ok(n)
}
