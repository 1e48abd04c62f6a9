//! In-app notifications. Who hears of what:
//! - staff: a new thread asked in a space here by someone who is not staff (`new_thread`), and
//!   a customer writing on a thread assigned to them (`assigned_reply`);
//! - everyone here: a reply to their post (`reply`), a mention by `@name` (`mention`), and their
//!   reply accepted as the answer (`answer_accepted`).
//!
//! One notification per person per post (the most specific kind wins), never for one's own
//! post. They are written in the same transaction as the post, so none is lost and none is made
//! for a post that was not stored.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::notifications::{self as store, NewNotification};
use crate::db::{self, DbConn, persons, threads};
use crate::domain::NAME_MAX;
use crate::error::AppResult;

use super::{Hearth, Viewer, views};

pub const PAGE_DEFAULT: i64 = 30;
pub const PAGE_MAX: i64 = 100;
/// Mentions beyond this many in one post notify nobody more (a mass-mention is spam).
const MENTIONS_MAX: usize = 10;

/// The local names written as `@name` in a text: not part of an address (`a@b`), not a handle
/// on another server (`@name@host`).
pub fn mentioned_names(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts =
            chars[i] == '@' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        let name: String = chars[i + 1..j]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        let remote = j < chars.len() && chars[j] == '@';
        if !name.is_empty() && name.len() <= NAME_MAX && !remote && !out.contains(&name) {
            out.push(name);
        }
        i = j.max(i + 1);
    }
    out
}

/// What a new post means for whom; called inside the transaction that stores it.
pub struct PostEvent<'a> {
    pub thread: &'a threads::Thread,
    pub post_id: i64,
    pub author: &'a persons::Person,
    /// The author of the post replied to (None for a new thread).
    pub parent_author: Option<i64>,
    pub body: &'a str,
    /// The thread is in a space here (not a space on another server).
    pub local_space: bool,
}

pub fn on_post(c: &mut DbConn, e: &PostEvent<'_>) -> AppResult<()> {
    let now = db::now();
    let mut told: HashSet<i64> = HashSet::new();
    told.insert(e.author.id);
    let mut rows = Vec::new();
    let mut tell = |rows: &mut Vec<NewNotification>, person: i64, kind: &'static str| {
        if told.insert(person) {
            rows.push(NewNotification {
                person_id: person,
                kind,
                thread_id: e.thread.id,
                post_id: Some(e.post_id),
                actor_id: Some(e.author.id),
                created_at: now,
            });
        }
    };
    let is_local = |p: &persons::Person| p.remote_actor_id.is_none();
    // Replies to someone here.
    if let Some(parent) = e.parent_author {
        let p = persons::get(c, parent)?;
        if is_local(&p) {
            tell(&mut rows, p.id, "reply");
        }
    }
    // Mentions of people here.
    for name in mentioned_names(e.body).into_iter().take(MENTIONS_MAX) {
        if let Some(p) = persons::find_local(c, &name)? {
            tell(&mut rows, p.id, "mention");
        }
    }
    // The staff side: customers only.
    if e.local_space && !e.author.role().is_staff() {
        if e.parent_author.is_none() {
            for s in db::desk::staff(c)? {
                tell(&mut rows, s.id, "new_thread");
            }
        } else if let Some(assignee) = e.thread.assignee_id {
            tell(&mut rows, assignee, "assigned_reply");
        }
    }
    store::insert(c, &rows)?;
    Ok(())
}

/// The author of a reply hears that it was accepted as the answer (unless they marked it).
pub fn on_answer(
    c: &mut DbConn,
    thread: &threads::Thread,
    post_id: i64,
    post_author: i64,
    by: i64,
) -> AppResult<()> {
    if post_author == by || persons::get(c, post_author)?.remote_actor_id.is_some() {
        return Ok(());
    }
    store::insert(
        c,
        &[NewNotification {
            person_id: post_author,
            kind: "answer_accepted",
            thread_id: thread.id,
            post_id: Some(post_id),
            actor_id: Some(by),
            created_at: db::now(),
        }],
    )?;
    Ok(())
}

/// One notification as its person sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `new_thread`, `assigned_reply`, `reply`, `mention` or `answer_accepted`.
    pub kind: String,
    /// What happened, in words: "Ana Lima replied to you".
    pub text: String,
    pub thread: views::ThreadSummary,
    /// Where to read it: the post on its thread's page.
    pub url: String,
    pub actor: Option<views::Author>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Unread, over all pages.
    pub unread: i64,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<i64>,
}

fn text(kind: &str, who: &str) -> String {
    match kind {
        "new_thread" => format!("{who} asked a new question"),
        "assigned_reply" => format!("{who} wrote on a thread assigned to you"),
        "reply" => format!("{who} replied to you"),
        "mention" => format!("{who} mentioned you"),
        "answer_accepted" => format!("{who} accepted your reply as the answer"),
        _ => format!("{who} wrote"),
    }
}

/// The viewer's notifications, newest first.
pub async fn list(
    h: &Hearth,
    viewer: &Viewer,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<NotificationPage> {
    let limit = limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let me = viewer.person.id;
    let (mut rows, unread, people, spaces) =
        h.db.run(move |c| {
            let rows = store::list(c, me, before, limit + 1)?;
            let unread = store::unread_count(c, me)?;
            let mut ids: Vec<i64> = rows
                .iter()
                .flat_map(|(n, t)| [n.actor_id, Some(t.author_id)])
                .flatten()
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let people = persons::by_ids(c, &ids)?;
            let mut space_ids: Vec<i64> = rows.iter().map(|(_, t)| t.space_id).collect();
            space_ids.sort_unstable();
            space_ids.dedup();
            let spaces = space_ids
                .into_iter()
                .map(|id| Ok((id, db::spaces::get(c, id)?.name)))
                .collect::<AppResult<Vec<_>>>()?;
            Ok((rows, unread, people, spaces))
        })
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(n, _)| n.id)
    } else {
        None
    };
    let person = |id: i64| people.iter().find(|p| p.id == id);
    let items = rows
        .iter()
        .filter_map(|(n, t)| {
            let space = &spaces.iter().find(|(id, _)| *id == t.space_id)?.1;
            let thread = views::ThreadSummary::new(t, space, person(t.author_id)?);
            let actor = n.actor_id.and_then(person).map(views::Author::from);
            let who = actor
                .as_ref()
                .map(|a| a.display_name.clone())
                .unwrap_or_else(|| "Someone".to_string());
            let url = match n.post_id {
                Some(p) if n.kind != "new_thread" => format!("{}#post-{p}", thread.url),
                _ => thread.url.clone(),
            };
            Some(Notification {
                id: n.id,
                text: text(&n.kind, &who),
                kind: n.kind.clone(),
                thread,
                url,
                actor,
                created_at: n.created_at.and_utc(),
                read: n.read_at.is_some(),
            })
        })
        .collect();
    Ok(NotificationPage {
        items,
        unread,
        next,
    })
}

pub async fn unread(h: &Hearth, viewer: &Viewer) -> AppResult<i64> {
    let me = viewer.person.id;
    h.db.run(move |c| Ok(store::unread_count(c, me)?)).await
}

/// Marks the viewer's notifications read (all, or up to an id); returns how many are unread now.
pub async fn mark_read(h: &Hearth, viewer: &Viewer, up_to: Option<i64>) -> AppResult<i64> {
    let me = viewer.person.id;
    h.db.transaction(move |c| {
        store::mark_read(c, me, up_to, db::now())?;
        Ok(store::unread_count(c, me)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::mentioned_names;

    #[test]
    fn mentions_are_local_names_only() {
        assert_eq!(
            mentioned_names("@Jane can you help? cc @kim_2, @jane again"),
            ["jane", "kim_2"]
        );
        assert!(mentioned_names("mail me at ana@example.com").is_empty());
        assert!(mentioned_names("@bob@mastodon.example hi").is_empty());
        assert!(mentioned_names("@ alone, @@, @").is_empty());
        assert_eq!(mentioned_names("(@ana)"), ["ana"]);
        let long = format!("@{}", "a".repeat(31));
        assert!(mentioned_names(&long).is_empty());
    }
}
