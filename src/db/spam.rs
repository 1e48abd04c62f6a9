//! What the spam score reads and the filter's word counts (see `service::spam`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{posts, spam_tokens};

/// The authors of posts since `since` with these words (at most 50 posts, so a flood costs no
/// more than that).
pub fn same_words(conn: &mut DbConn, hash: i64, since: NaiveDateTime) -> QueryResult<Vec<i64>> {
    posts::table
        .filter(posts::body_hash.eq(hash))
        .filter(posts::created_at.gt(since))
        .select(posts::author_id)
        .limit(50)
        .load(conn)
}

/// How many posts the person wrote since `since` (counting at most the last 20).
pub fn recent_posts(conn: &mut DbConn, author_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    let times: Vec<NaiveDateTime> = posts::table
        .filter(posts::author_id.eq(author_id))
        .order(posts::id.desc())
        .select(posts::created_at)
        .limit(20)
        .load(conn)?;
    Ok(times.iter().filter(|t| **t > since).count() as i64)
}

/// How many posts moderators judged spam, and not spam (the empty token's row).
pub fn judged(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    Ok(spam_tokens::table
        .find("")
        .select((spam_tokens::spam, spam_tokens::ham))
        .first(conn)
        .optional()?
        .unwrap_or((0, 0)))
}

/// The counts of these tokens: `(token, spam, ham)` for those seen in a judged post.
pub fn counts(conn: &mut DbConn, tokens: &[String]) -> QueryResult<Vec<(String, i64, i64)>> {
    let wanted: Vec<&str> = tokens.iter().map(String::as_str).collect();
    spam_tokens::table
        .filter(spam_tokens::token.eq_any(wanted))
        .select((spam_tokens::token, spam_tokens::spam, spam_tokens::ham))
        .load(conn)
}

/// Adds to the counts of each token and of the empty token (the number of posts judged).
pub fn add(conn: &mut DbConn, tokens: &[String], spam: i64, ham: i64) -> QueryResult<()> {
    if spam == 0 && ham == 0 {
        return Ok(());
    }
    let mut all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    all.push("");
    // Words already known: one update for all of them; new ones are added one by one.
    let known: Vec<String> = spam_tokens::table
        .filter(spam_tokens::token.eq_any(&all))
        .select(spam_tokens::token)
        .load(conn)?;
    diesel::update(spam_tokens::table.filter(spam_tokens::token.eq_any(&known)))
        .set((
            spam_tokens::spam.eq(spam_tokens::spam + spam),
            spam_tokens::ham.eq(spam_tokens::ham + ham),
        ))
        .execute(conn)?;
    let known: std::collections::HashSet<&str> = known.iter().map(String::as_str).collect();
    for token in all.into_iter().filter(|t| !known.contains(t)) {
        add_new(conn, token, spam, ham)?;
    }
    // Words no post counts any more are forgotten.
    diesel::delete(
        spam_tokens::table
            .filter(spam_tokens::token.ne(""))
            .filter(spam_tokens::token.eq_any(tokens))
            .filter(spam_tokens::spam.le(0))
            .filter(spam_tokens::ham.le(0)),
    )
    .execute(conn)?;
    Ok(())
}

/// A word not seen before, in its own savepoint: a decision taken at the same moment may have
/// added it first, and this one then adds to that row.
fn add_new(conn: &mut DbConn, token: &str, spam: i64, ham: i64) -> QueryResult<()> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(spam_tokens::table)
            .values((
                spam_tokens::token.eq(token),
                spam_tokens::spam.eq(spam.max(0)),
                spam_tokens::ham.eq(ham.max(0)),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if crate::error::is_unique_violation(&e) => {
            diesel::update(spam_tokens::table.find(token))
                .set((
                    spam_tokens::spam.eq(spam_tokens::spam + spam),
                    spam_tokens::ham.eq(spam_tokens::ham + ham),
                ))
                .execute(conn)
                .map(drop)
        }
        Err(e) => Err(e),
    }
}

pub fn set_trained(conn: &mut DbConn, post_id: i64, spam: Option<bool>) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::trained_spam.eq(spam))
        .execute(conn)
        .map(drop)
}
