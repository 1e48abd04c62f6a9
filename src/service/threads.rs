//! Threads and replies: asking, answering, editing one's own words, deleting them, liking, and
//! marking the answer. Only authors change their words; nobody else can, whatever their role.

use std::collections::HashMap;

use crate::db::persons::Person;
use crate::db::threads::{AnswerFilter, Cursor, Sort};
use crate::db::{self, posts, spaces, threads};
use crate::domain::PostingMode;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::text::{excerpt, render_markdown, slugify};

use super::{Hearth, Viewer, spaces as space_service, validate, views};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const PAGE_DEFAULT: i64 = 25;
pub const PAGE_MAX: i64 = 100;
/// Replies deeper than this are folded on the page ("continue this thread").
pub const FOLD_DEPTH: u32 = 5;

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "new" => Some(Sort::New),
            "active" => Some(Sort::Active),
            "top" => Some(Sort::Top),
            _ => None,
        }
    }
}

impl AnswerFilter {
    pub fn parse(s: &str) -> Option<AnswerFilter> {
        match s {
            "all" => Some(AnswerFilter::All),
            "answered" => Some(AnswerFilter::Answered),
            "unanswered" => Some(AnswerFilter::Unanswered),
            _ => None,
        }
    }
}

fn parse_cursor(raw: &str) -> AppResult<Cursor> {
    let bad = || AppError::invalid("cursor", "cursor is not one this server gave out");
    let (key, id) = raw.split_once('.').ok_or_else(bad)?;
    Ok(Cursor {
        key: key.parse().map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    })
}

/// Options of a thread list, as given by a request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `new` (default), `active` or `top`.
    pub sort: Option<String>,
    /// `all` (default), `answered` or `unanswered`.
    pub filter: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// One page of a space's threads.
pub async fn list(h: &Hearth, space: &str, q: ListQuery) -> AppResult<views::ThreadPage> {
    let sort = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        None => Sort::New,
        Some(s) => Sort::parse(s)
            .ok_or_else(|| AppError::invalid("sort", "sort must be one of new, active, top"))?,
    };
    let filter = match q.filter.as_deref().filter(|s| !s.is_empty()) {
        None => AnswerFilter::All,
        Some(f) => AnswerFilter::parse(f).ok_or_else(|| {
            AppError::invalid("filter", "filter must be one of all, answered, unanswered")
        })?,
    };
    let cursor = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(parse_cursor)
        .transpose()?;
    let limit = q.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let space = space_service::get_row(h, space).await?;
    let space_id = space.id;
    let mut rows =
        h.db.run(move |c| Ok(threads::list(c, space_id, sort, filter, cursor, limit + 1)?))
            .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|(t, _)| format!("{}.{}", sort.key_of(t), t.id))
    } else {
        None
    };
    Ok(views::ThreadPage {
        threads: rows
            .iter()
            .map(|(t, p)| views::ThreadSummary::new(t, &space.name, p))
            .collect(),
        next,
    })
}

fn body(raw: &str) -> AppResult<String> {
    validate::text("body", raw, BODY_MAX, true)
}

fn title(raw: &str) -> AppResult<String> {
    validate::line("title", raw, TITLE_MAX, true)
}

/// The words of a post: markdown written here (rendered and sanitised), or sanitised HTML that
/// came from another server, with its ActivityPub id.
#[derive(Debug, Clone)]
pub struct Content {
    pub body: String,
    pub html: String,
    /// Set for posts from other servers; local posts get their id from their row.
    pub ap_id: Option<String>,
    /// For posts from other servers: the activity as received, for the space to pass on to its
    /// followers.
    pub received: Option<String>,
}

impl Content {
    pub fn markdown(body: String) -> Content {
        Content {
            html: render_markdown(&body),
            body,
            ap_id: None,
            received: None,
        }
    }
}

/// Starts a thread. In an announcements space only staff may.
pub async fn ask(
    h: &Hearth,
    viewer: &Viewer,
    space: &str,
    title_in: &str,
    body_in: &str,
) -> AppResult<views::ThreadSummary> {
    let title = title(title_in)?;
    let body = body(body_in)?;
    h.rate.post(viewer.person.id)?;
    ask_as(h, &viewer.person, space, title, Content::markdown(body)).await
}

/// Starts a thread as `author` (a local person, or one from another server) with validated
/// title and content.
pub async fn ask_as(
    h: &Hearth,
    author: &Person,
    space: &str,
    title: String,
    content: Content,
) -> AppResult<views::ThreadSummary> {
    let space = space_service::get_row(h, space).await?;
    if space.archived {
        return Err(AppError::forbidden("this space is archived and read-only"));
    }
    let open = PostingMode::parse(&space.posting_mode) == Some(PostingMode::Open);
    // In a space on another server, its Group decides who starts threads: what it passes on
    // is stored; people here may start one only where it is open to everyone.
    let allowed = match (space.is_remote(), content.ap_id.is_some()) {
        (true, true) => true,
        (true, false) => open,
        (false, _) => open || author.role().is_staff(),
    };
    if !allowed {
        return Err(AppError::forbidden(
            "only staff start threads in this space; you can reply to them",
        ));
    }
    let slug = slugify(&title);
    // The listening desk: a question from anyone but staff, in a space of ours, waits for staff.
    let local_space = !space.is_remote();
    let waits = local_space && !author.role().is_staff();
    let author_row = author.clone();
    let space_name = space.name.clone();
    let thread =
        h.db.transaction(move |c| {
            super::moderation::ensure_not_banned(c, author_row.id, Some(space.id))?;
            let screened = screen(c, &space, &author_row, &content)?;
            let held = screened.held.clone();
            let now = db::now();
            let id = threads::insert(
                c,
                &threads::NewThread {
                    space_id: space.id,
                    author_id: author_row.id,
                    title: &title,
                    slug: &slug,
                    created_at: now,
                    last_activity_at: now,
                    // A held question reaches the desk when approved (waiting since it was
                    // asked).
                    waiting_since: (waits && held.is_none()).then_some(now),
                },
            )?;
            let opening = posts::insert(
                c,
                &posts::NewPost {
                    thread_id: id,
                    parent_id: None,
                    author_id: author_row.id,
                    body: &content.body,
                    body_html: &content.html,
                    created_at: now,
                    ap_id: content.ap_id.as_deref(),
                    spam_score: screened.score.as_ref().map(|s| s.points),
                    spam_why: &screened.why(),
                    body_hash: screened.hash,
                },
            )?;
            if let Some(reason) = &held {
                posts::set_held(c, opening, Some((reason, content.received.as_deref(), now)))?;
                threads::set_held(c, id, true)?;
                return threads::find(c, id)?.ok_or_else(|| AppError::not_found("thread"));
            }
            let thread = threads::find(c, id)?.ok_or_else(|| AppError::not_found("thread"))?;
            publish(
                c,
                &Publish {
                    thread: &thread,
                    local_space,
                    post_id: opening,
                    parent_author: None,
                    author: &author_row,
                    body: &content.body,
                    from_elsewhere: content.ap_id.is_some(),
                    received: content.received.as_deref(),
                    at: now,
                    written_at: now,
                },
            )?;
            Ok(thread)
        })
        .await?;
    h.outbox.notify_one();
    Ok(views::ThreadSummary::new(&thread, &space_name, author))
}

fn post_view(
    p: &posts::Post,
    author: &Person,
    viewer: Option<&Viewer>,
    liked: bool,
    answer: Option<i64>,
    depth: u32,
) -> views::Post {
    let deleted = p.deleted_at.is_some();
    let removed = p.is_removed();
    let hidden = removed && !viewer.is_some_and(|v| v.sees_hidden(p.author_id));
    let moderator = viewer.is_some_and(|v| v.role().can_moderate());
    let (body, body_html) = if hidden {
        (String::new(), String::new())
    } else {
        (p.body.clone(), p.body_html.clone())
    };
    views::Post {
        id: p.id,
        thread_id: p.thread_id,
        parent_id: p.parent_id,
        author: views::Author::from(author),
        body,
        body_html,
        created_at: p.created_at.and_utc(),
        edited_at: p.edited_at.map(|t| t.and_utc()),
        deleted,
        removed,
        removal_reason: removed.then(|| p.removed_reason.clone()),
        held: p.is_held(),
        held_reason: p.is_held().then(|| p.held_reason.clone()),
        spam: p
            .spam_score
            .filter(|_| moderator)
            .map(|score| views::SpamScore {
                score,
                why: p.spam_why.clone(),
            }),
        like_count: p.like_count,
        liked,
        is_answer: answer == Some(p.id),
        can_edit: !deleted && !removed && viewer.is_some_and(|v| v.person.id == p.author_id),
        depth,
    }
}

/// A thread with every reply, in a fixed number of queries however many replies it has.
pub async fn show(
    h: &Hearth,
    viewer: Option<&Viewer>,
    space: &str,
    thread_id: i64,
) -> AppResult<views::ThreadView> {
    let space = space_service::get_row(h, space).await?;
    let viewer_id = viewer.map(|v| v.person.id);
    let space_id = space.id;
    let (thread, rows, liked) =
        h.db.run(move |c| {
            let thread = threads::find(c, thread_id)?
                .filter(|t| t.space_id == space_id)
                .ok_or_else(|| AppError::not_found("thread"))?;
            let rows = posts::for_thread(c, thread_id)?;
            let liked = match viewer_id {
                Some(pid) => posts::liked_in_thread(c, thread_id, pid)?,
                None => Vec::new(),
            };
            Ok((thread, rows, liked))
        })
        .await?;
    let liked: std::collections::HashSet<i64> = liked.into_iter().collect();
    // What waits for approval is seen by its author and moderators only; a thread whose
    // question waits is not there for anyone else.
    let sees = |author: i64| viewer.is_some_and(|v| v.sees_hidden(author));
    if thread.held && !sees(thread.author_id) {
        return Err(AppError::not_found("thread"));
    }
    let mut rows = rows;
    rows.retain(|(p, _)| !p.is_held() || sees(p.author_id));

    let opening_row = rows
        .iter()
        .find(|(p, _)| p.parent_id.is_none())
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("thread {thread_id} has no opening post"))
        })?;
    let thread_author = opening_row.1.clone();
    let opening = post_view(
        &opening_row.0,
        &opening_row.1,
        viewer,
        liked.contains(&opening_row.0.id),
        thread.answer_post_id,
        0,
    );

    // Build the reply tree in memory: children by parent, then a depth-first walk.
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, (p, _)) in rows.iter().enumerate() {
        if let Some(parent) = p.parent_id {
            children.entry(parent).or_default().push(i);
        }
    }
    fn build(
        idx: usize,
        depth: u32,
        rows: &[(posts::Post, Person)],
        children: &HashMap<i64, Vec<usize>>,
        mk: &dyn Fn(&posts::Post, &Person, u32) -> views::Post,
    ) -> views::PostNode {
        let (p, a) = &rows[idx];
        let replies: Vec<views::PostNode> = children
            .get(&p.id)
            .map(|kids| {
                kids.iter()
                    .map(|&k| build(k, depth + 1, rows, children, mk))
                    .collect()
            })
            .unwrap_or_default();
        let descendants = replies.iter().map(|r| 1 + r.descendants).sum();
        views::PostNode {
            post: mk(p, a, depth),
            replies,
            descendants,
        }
    }
    let answer_id = thread.answer_post_id;
    let mk = |p: &posts::Post, a: &Person, depth: u32| {
        post_view(p, a, viewer, liked.contains(&p.id), answer_id, depth)
    };
    let replies: Vec<views::PostNode> = children
        .get(&opening_row.0.id)
        .map(|kids| {
            kids.iter()
                .map(|&k| build(k, 1, &rows, &children, &mk))
                .collect()
        })
        .unwrap_or_default();
    let answer = answer_id.and_then(|id| {
        rows.iter()
            .find(|(p, _)| p.id == id)
            .map(|(p, a)| mk(p, a, 1))
    });

    let can_reply =
        viewer.is_some() && !space.archived && !thread.deleted && !thread.removed && !thread.held;
    let can_mark_answer = viewer
        .is_some_and(|v| v.person.id == thread.author_id || v.role().is_staff())
        && !thread.deleted
        && !thread.removed;
    let mut summary = views::ThreadSummary::new(&thread, &space.name, &thread_author);
    if thread.removed && viewer.is_some_and(|v| v.sees_hidden(thread.author_id)) {
        summary.title = thread.title.clone();
    }
    Ok(views::ThreadView {
        summary,
        space_title: space.title.clone(),
        opening,
        answer,
        replies,
        can_reply,
        can_mark_answer,
    })
}

/// The thread and its space, for a post id.
async fn locate(
    h: &Hearth,
    post_id: i64,
) -> AppResult<(posts::Post, threads::Thread, spaces::Space)> {
    h.db.run(move |c| {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        let thread =
            threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        let space = spaces::get(c, thread.space_id)?;
        Ok((post, thread, space))
    })
    .await
}

/// The canonical URL of a thread in `space`; "not found" if it is not in that space.
pub async fn canonical_url(h: &Hearth, space: &str, thread_id: i64) -> AppResult<String> {
    let space = space.trim().to_ascii_lowercase();
    h.db.run(move |c| {
        let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        let s = spaces::get(c, thread.space_id)?;
        if s.name != space {
            return Err(AppError::not_found("thread"));
        }
        Ok(views::thread_url(&s.name, thread.id, &thread.slug))
    })
    .await
}

/// The name of the space a thread is in.
pub async fn space_of_thread(h: &Hearth, thread_id: i64) -> AppResult<String> {
    h.db.run(move |c| {
        let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        Ok(spaces::get(c, thread.space_id)?.name)
    })
    .await
}

/// Where a post is shown: its thread's page, with an anchor.
pub async fn post_url(h: &Hearth, post_id: i64) -> AppResult<String> {
    let (post, thread, space) = locate(h, post_id).await?;
    let base = views::thread_url(&space.name, thread.id, &thread.slug);
    Ok(if post.parent_id.is_none() {
        base
    } else {
        format!("{base}#post-{}", post.id)
    })
}

/// Replies to the thread (`parent` None) or to one of its posts.
pub async fn reply(
    h: &Hearth,
    viewer: &Viewer,
    thread_id: i64,
    parent: Option<i64>,
    body_in: &str,
) -> AppResult<views::Post> {
    let body = body(body_in)?;
    h.rate.post(viewer.person.id)?;
    let post = reply_as(
        h,
        &viewer.person,
        thread_id,
        parent,
        Content::markdown(body),
    )
    .await?;
    Ok(post_view(
        &post,
        &viewer.person,
        Some(viewer),
        false,
        None,
        1,
    ))
}

/// Replies as `author` (local or remote) with validated content; returns the stored post.
pub async fn reply_as(
    h: &Hearth,
    author: &Person,
    thread_id: i64,
    parent: Option<i64>,
    content: Content,
) -> AppResult<posts::Post> {
    let author_id = author.id;
    let post =
        h.db.transaction(move |c| reply_in(c, author_id, thread_id, parent, &content))
            .await?;
    h.outbox.notify_one();
    Ok(post)
}

/// The reply itself, inside the caller's transaction (the inbox stores a received reply in the
/// same transaction that records the activity as seen). The caller wakes the outbox after
/// committing.
pub fn reply_in(
    c: &mut db::DbConn,
    author_id: i64,
    thread_id: i64,
    parent: Option<i64>,
    content: &Content,
) -> AppResult<posts::Post> {
    let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
    let space = spaces::get(c, thread.space_id)?;
    if space.archived {
        return Err(AppError::forbidden("this space is archived and read-only"));
    }
    super::moderation::ensure_not_banned(c, author_id, Some(space.id))?;
    if thread.deleted {
        return Err(AppError::conflict(
            "thread",
            "this thread was deleted by its author",
        ));
    }
    if thread.removed {
        return Err(AppError::conflict(
            "thread",
            "this thread was removed by moderators",
        ));
    }
    if thread.held {
        return Err(AppError::conflict(
            "thread",
            "this thread waits for a moderator's approval",
        ));
    }
    // The post replied to, and its author (the opening post's author is the thread's).
    let (parent_id, parent_author) = match parent {
        None => (
            posts::opening_id(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?,
            thread.author_id,
        ),
        Some(pid) => {
            let p = posts::find(c, pid)?
                .filter(|p| p.thread_id == thread_id)
                .ok_or_else(|| {
                    AppError::invalid("parent_id", "parent_id is not a post of this thread")
                })?;
            if p.deleted_at.is_some() {
                return Err(AppError::conflict("parent_id", "that reply was deleted"));
            }
            if p.is_removed() {
                return Err(AppError::conflict(
                    "parent_id",
                    "that reply was removed by moderators",
                ));
            }
            if p.is_held() {
                return Err(AppError::conflict(
                    "parent_id",
                    "that reply waits for a moderator's approval",
                ));
            }
            (pid, p.author_id)
        }
    };
    let author = db::persons::get(c, author_id)?;
    let screened = screen(c, &space, &author, content)?;
    let held = screened.held.clone();
    let now = db::now();
    let id = posts::insert(
        c,
        &posts::NewPost {
            thread_id,
            parent_id: Some(parent_id),
            author_id,
            body: &content.body,
            body_html: &content.html,
            created_at: now,
            ap_id: content.ap_id.as_deref(),
            spam_score: screened.score.as_ref().map(|s| s.points),
            spam_why: &screened.why(),
            body_hash: screened.hash,
        },
    )?;
    match &held {
        Some(reason) => {
            posts::set_held(c, id, Some((reason, content.received.as_deref(), now)))?;
        }
        None => publish(
            c,
            &Publish {
                thread: &thread,
                local_space: !space.is_remote(),
                post_id: id,
                parent_author: Some(parent_author),
                author: &author,
                body: &content.body,
                from_elsewhere: content.ap_id.is_some(),
                received: content.received.as_deref(),
                at: now,
                written_at: now,
            },
        )?,
    }
    posts::find(c, id)?.ok_or_else(|| AppError::not_found("post"))
}

/// What screening a new post found: whether it waits for a moderator and why, and (for a
/// member's post in a space here) its spam score and the hash of its words.
struct Screened {
    held: Option<String>,
    score: Option<super::spam::Score>,
    hash: Option<i64>,
}

impl Screened {
    fn why(&self) -> String {
        self.score
            .as_ref()
            .map(super::spam::Score::why_text)
            .unwrap_or_default()
    }
}

/// Screens a new post before it is stored: the newcomer gate, then the spam score (members'
/// posts in spaces here; staff, moderators and admins are not scored, and a space on another
/// server is moderated by its own Group). A post scoring at least the space's threshold waits.
fn screen(
    c: &mut db::DbConn,
    space: &spaces::Space,
    author: &Person,
    content: &Content,
) -> AppResult<Screened> {
    if space.is_remote() || author.role() != crate::domain::Role::Member {
        return Ok(Screened {
            held: None,
            score: None,
            hash: None,
        });
    }
    let analysis = super::spam::analyse(&content.html);
    let held = gate(c, space, author, analysis.links > 0)?;
    let score = super::spam::assess(c, author, &analysis)?;
    let threshold = space.spam_threshold;
    let held = held.or_else(|| {
        (threshold > 0 && score.points >= threshold).then(|| {
            format!(
                "spam score {} (this space holds from {threshold}): {}",
                score.points,
                score.why_text()
            )
        })
    });
    Ok(Screened {
        held,
        score: Some(score),
        hash: analysis.hash,
    })
}

/// Accounts younger than this count as new for the newcomer gate's rule on links.
pub const NEWCOMER_DAYS: i64 = 7;

/// Why a new post must wait for a moderator's approval, if it must (the space's newcomer gate):
/// one of the first `newcomer_posts` posts here of a new local account or of someone from a
/// server the space has not seen, or a post with links by an account less than
/// [`NEWCOMER_DAYS`] old (or still within its first posts). `links`: whether the post links
/// anywhere (as the spam score counts them: mentions and hashtags are not links). Called by
/// [`screen`] for members' posts in spaces here only.
fn gate(
    c: &mut db::DbConn,
    space: &spaces::Space,
    author: &Person,
    links: bool,
) -> AppResult<Option<String>> {
    let n = space.newcomer_posts;
    if n == 0 {
        return Ok(None);
    }
    let accepted = posts::accepted_in_space(c, author.id, space.id)?;
    let within_first = accepted < n;
    let home = author
        .remote_actor_id
        .and_then(|_| author.name.split_once('@'))
        .map(|(_, host)| host);
    let unseen = match home {
        None => true,
        Some(host) => !posts::server_seen_in_space(c, space.id, host, author.id)?,
    };
    if within_first && unseen {
        return Ok(Some(match home {
            None => format!("one of the first {n} posts here of a new account"),
            Some(host) => format!(
                "one of the first {n} posts here from {host}, a server this space has not seen"
            ),
        }));
    }
    let young = db::now() - author.created_at < chrono::TimeDelta::days(NEWCOMER_DAYS);
    if (young || within_first) && links {
        return Ok(Some("a post with links from a new account".into()));
    }
    Ok(None)
}

/// What makes a new post public.
pub(super) struct Publish<'a> {
    pub thread: &'a threads::Thread,
    pub local_space: bool,
    pub post_id: i64,
    /// The author of the post replied to (None for an opening post).
    pub parent_author: Option<i64>,
    pub author: &'a Person,
    pub body: &'a str,
    /// Written on another server (then `received` is passed on, if there is one).
    pub from_elsewhere: bool,
    pub received: Option<&'a str>,
    /// When it goes out (the thread's latest activity).
    pub at: chrono::NaiveDateTime,
    /// When it was written: for a reply by a customer, the desk's wait runs from then.
    pub written_at: chrono::NaiveDateTime,
}

/// Makes a new post public, in the caller's transaction: for a reply the thread's count and
/// activity and the listening desk, then the notifications and the outbox (a local post
/// federates to the space's followers; one received from another server is passed on as
/// received, FEP-1b12). Called when a post is written, or when a moderator approves a held one.
pub(super) fn publish(c: &mut db::DbConn, p: &Publish<'_>) -> AppResult<()> {
    let reply = p.parent_author.is_some();
    if reply {
        threads::touch_activity(c, p.thread.id, p.at, 1)?;
        if p.local_space {
            db::desk::note_post(c, p.thread.id, p.written_at, p.author.role().is_staff())?;
        }
    }
    super::notifications::on_post(
        c,
        &super::notifications::PostEvent {
            thread: p.thread,
            post_id: p.post_id,
            author: p.author,
            parent_author: p.parent_author,
            body: p.body,
            local_space: p.local_space,
        },
    )?;
    if !p.from_elsewhere {
        if reply {
            db::outbox::record(c, db::outbox::REPLY_CREATED, p.post_id)?;
        } else {
            db::outbox::record(c, db::outbox::THREAD_CREATED, p.thread.id)?;
        }
    } else if let Some(activity) = p.received {
        db::outbox::record_payload(c, db::outbox::REMOTE_ACTIVITY, p.post_id, activity)?;
    }
    Ok(())
}

/// The author edits their own post (and, for an opening post, the title). The earlier version is
/// kept and shown in the history. Nobody else may edit, whatever their role.
pub async fn edit(
    h: &Hearth,
    viewer: &Viewer,
    post_id: i64,
    body_in: &str,
    title_in: Option<&str>,
) -> AppResult<views::Post> {
    let body = body(body_in)?;
    let title = title_in.map(title).transpose()?;
    let (updated, answer) =
        edit_as(h, &viewer.person, post_id, Content::markdown(body), title).await?;
    let depth = u32::from(updated.parent_id.is_some());
    Ok(post_view(
        &updated,
        &viewer.person,
        Some(viewer),
        false,
        answer,
        depth,
    ))
}

/// Edits as `author` (local or remote) with validated content. Returns the post and the
/// thread's answer id.
pub async fn edit_as(
    h: &Hearth,
    author: &Person,
    post_id: i64,
    content: Content,
    new_title: Option<String>,
) -> AppResult<(posts::Post, Option<i64>)> {
    let (post, thread, _) = locate(h, post_id).await?;
    if post.author_id != author.id {
        return Err(AppError::forbidden("only the author can edit their words"));
    }
    if post.deleted_at.is_some() {
        return Err(AppError::conflict("post", "this post was deleted"));
    }
    if post.is_removed() {
        return Err(AppError::conflict(
            "post",
            "moderators removed this post; it cannot be edited unless they restore it",
        ));
    }
    if new_title.is_some() && post.parent_id.is_some() {
        return Err(AppError::invalid(
            "title",
            "only the opening post of a thread has a title",
        ));
    }
    let title_changed = new_title.as_ref().is_some_and(|t| *t != thread.title);
    let answer = thread.answer_post_id;
    if content.body == post.body && content.html == post.body_html && !title_changed {
        // Nothing changed: no new version, no "edited" mark.
        return Ok((post, answer));
    }
    let updated =
        h.db.transaction(move |c| {
            super::moderation::ensure_not_banned(c, post.author_id, Some(thread.space_id))?;
            let now = db::now();
            let old_title = post.parent_id.is_none().then_some(thread.title.as_str());
            posts::add_revision(c, &post, old_title, now)?;
            posts::update_body(c, post.id, &content.body, &content.html, now)?;
            if let Some(t) = new_title.filter(|_| title_changed) {
                threads::set_title(c, thread.id, &t, &slugify(&t))?;
            }
            // A post waiting for approval has not gone anywhere yet: nothing to tell.
            if post.is_held() {
                // What is passed on once approved is the edit, which carries the new text.
                if let Some(activity) = &content.received {
                    posts::set_held_activity(c, post.id, activity)?;
                }
            } else if post.ap_id.is_none() {
                db::outbox::record(c, db::outbox::POST_UPDATED, post.id)?;
            } else if let Some(activity) = &content.received {
                db::outbox::record_payload(c, db::outbox::REMOTE_ACTIVITY, post.id, activity)?;
            }
            posts::find(c, post.id)?.ok_or_else(|| AppError::not_found("post"))
        })
        .await?;
    h.outbox.notify_one();
    Ok((updated, answer))
}

/// The author deletes their own post. A tombstone keeps its place in the tree; the words, their
/// history and the likes are gone. Deleting the opening post also removes the thread's title.
pub async fn delete(h: &Hearth, viewer: &Viewer, post_id: i64) -> AppResult<()> {
    delete_as(h, viewer.person.id, post_id, None).await
}

/// Deletes as the person `author_id` (local or remote); only their own posts.
/// `received`: for a deletion on another server, the activity as received, passed on to the
/// space's followers.
pub async fn delete_as(
    h: &Hearth,
    author_id: i64,
    post_id: i64,
    received: Option<String>,
) -> AppResult<()> {
    let (post, thread, _) = locate(h, post_id).await?;
    if post.author_id != author_id {
        return Err(AppError::forbidden(
            "only the author can delete their words",
        ));
    }
    if post.deleted_at.is_some() {
        return Ok(());
    }
    h.db.transaction(move |c| {
        let now = db::now();
        posts::tombstone(c, post.id, now)?;
        // A post that was waiting for approval was never counted nor sent anywhere.
        let held = post.is_held();
        if held {
            posts::set_held(c, post.id, None)?;
        }
        if post.parent_id.is_none() {
            threads::mark_deleted(c, thread.id)?;
            threads::set_like_count(c, thread.id, 0)?;
            threads::set_held(c, thread.id, false)?;
        } else if !held {
            threads::add_replies(c, thread.id, -1)?;
        }
        if thread.answer_post_id == Some(post.id) {
            threads::set_answer(c, thread.id, None)?;
        }
        if held {
            return Ok(());
        }
        if post.ap_id.is_none() {
            db::outbox::record(c, db::outbox::POST_DELETED, post.id)?;
        } else if let Some(activity) = &received {
            db::outbox::record_payload(c, db::outbox::REMOTE_ACTIVITY, post.id, activity)?;
        }
        Ok(())
    })
    .await?;
    h.outbox.notify_one();
    Ok(())
}

/// Likes a post once (a second like changes nothing), or takes the like back.
/// Returns the new like count.
pub async fn like(h: &Hearth, viewer: &Viewer, post_id: i64, on: bool) -> AppResult<i64> {
    like_as(h, viewer.person.id, post_id, on).await
}

/// Likes (or unlikes) as the person `person_id`, local or remote.
pub async fn like_as(h: &Hearth, person_id: i64, post_id: i64, on: bool) -> AppResult<i64> {
    h.db.transaction(move |c| {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        if post.deleted_at.is_some() {
            return Err(AppError::conflict("post", "this post was deleted"));
        }
        if on {
            let thread =
                threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
            super::moderation::ensure_not_banned(c, person_id, Some(thread.space_id))?;
        }
        if post.is_held() && on {
            return Err(AppError::conflict(
                "post",
                "this post waits for a moderator's approval",
            ));
        }
        if post.is_removed() && on {
            return Err(AppError::conflict(
                "post",
                "this post was removed by moderators",
            ));
        }
        let (n, changed) = if on {
            posts::like(c, post_id, person_id, db::now())?
        } else {
            posts::unlike(c, post_id, person_id)?
        };
        if post.parent_id.is_none() {
            threads::set_like_count(c, post.thread_id, n)?;
        }
        // A local person's like of a post from elsewhere goes to its author's server.
        if changed
            && post.ap_id.is_some()
            && db::persons::get(c, person_id)?.remote_actor_id.is_none()
        {
            let kind = if on {
                db::outbox::LIKE_ADDED
            } else {
                db::outbox::LIKE_REMOVED
            };
            db::outbox::record_by(c, kind, post_id, Some(person_id))?;
        }
        Ok(n)
    })
    .await
    .inspect(|_| h.outbox.notify_one())
}

/// Marks a reply as the answer to the thread (or clears it with `None`). Only the person who
/// asked and staff may.
pub async fn set_answer(
    h: &Hearth,
    viewer: &Viewer,
    thread_id: i64,
    post_id: Option<i64>,
) -> AppResult<()> {
    let viewer_id = viewer.person.id;
    let is_staff = viewer.role().is_staff();
    h.db.transaction(move |c| {
        let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        if thread.author_id != viewer_id && !is_staff {
            return Err(AppError::forbidden(
                "only the person who asked and staff can mark the answer",
            ));
        }
        if thread.deleted {
            return Err(AppError::conflict(
                "thread",
                "this thread was deleted by its author",
            ));
        }
        let answer = match post_id {
            None => None,
            Some(pid) => {
                let post = posts::find(c, pid)?
                    .filter(|p| p.thread_id == thread_id)
                    .ok_or_else(|| {
                        AppError::invalid("post_id", "post_id is not a reply in this thread")
                    })?;
                if post.parent_id.is_none() {
                    return Err(AppError::invalid(
                        "post_id",
                        "the question cannot be its own answer",
                    ));
                }
                if post.deleted_at.is_some() {
                    return Err(AppError::conflict("post_id", "that reply was deleted"));
                }
                if post.is_removed() {
                    return Err(AppError::conflict(
                        "post_id",
                        "that reply was removed by moderators",
                    ));
                }
                if thread.answer_post_id != Some(pid) {
                    super::notifications::on_answer(c, &thread, pid, post.author_id, viewer_id)?;
                }
                Some((pid, viewer_id, db::now()))
            }
        };
        threads::set_answer(c, thread_id, answer)?;
        // An accepted answer settles the question: it leaves the listening desk (and comes back
        // if the customer writes again).
        if answer.is_some() {
            db::desk::mark_answered(c, thread_id)?;
        }
        Ok(())
    })
    .await
}

/// The edit history of a post, for anyone to read.
pub async fn history(
    h: &Hearth,
    viewer: Option<&Viewer>,
    post_id: i64,
) -> AppResult<views::History> {
    let (post, thread, space) = locate(h, post_id).await?;
    if post.is_held() && !viewer.is_some_and(|v| v.sees_hidden(post.author_id)) {
        return Err(AppError::not_found("post"));
    }
    let author_id = post.author_id;
    let (author, revisions) =
        h.db.run(move |c| {
            Ok((
                db::persons::get(c, author_id)?,
                posts::revisions(c, post_id)?,
            ))
        })
        .await?;
    let depth = u32::from(post.parent_id.is_some());
    // What moderators removed keeps its earlier versions from everyone but its author and
    // moderators too.
    let hidden = post.is_removed() && !viewer.is_some_and(|v| v.sees_hidden(post.author_id));
    let title_hidden = thread.removed && !viewer.is_some_and(|v| v.sees_hidden(thread.author_id));
    Ok(views::History {
        post: post_view(&post, &author, viewer, false, thread.answer_post_id, depth),
        thread_title: if thread.deleted {
            "[deleted]".into()
        } else if title_hidden {
            views::REMOVED_TITLE.into()
        } else {
            thread.title.clone()
        },
        thread_url: views::thread_url(&space.name, thread.id, &thread.slug),
        revisions: if hidden {
            Vec::new()
        } else {
            revisions.iter().map(views::RevisionView::from).collect()
        },
    })
}

/// What a person wrote, newest first.
pub async fn by_author(
    h: &Hearth,
    viewer: Option<&Viewer>,
    name: &str,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<views::ContributionPage> {
    let profile = super::accounts::profile(h, name).await?;
    let limit = limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let pname = profile.name.clone();
    // Posts waiting for approval are listed for their author and moderators only.
    let viewer_id = viewer.map(|v| (v.person.id, v.role().can_moderate()));
    let mut rows =
        h.db.run(move |c| {
            let person = db::persons::find_by_name(c, &pname)?
                .ok_or_else(|| AppError::not_found("person"))?;
            let with_held = viewer_id.is_some_and(|(id, moderator)| moderator || id == person.id);
            Ok(posts::by_author(
                c,
                person.id,
                before,
                limit + 1,
                with_held,
            )?)
        })
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(p, _, _)| p.id)
    } else {
        None
    };
    Ok(views::ContributionPage {
        items: rows
            .iter()
            .map(|(p, t, s)| {
                let base = views::thread_url(&s.name, t.id, &t.slug);
                let sees = viewer.is_some_and(|v| v.sees_hidden(p.author_id));
                views::Contribution {
                    post_id: p.id,
                    started_thread: p.parent_id.is_none(),
                    thread_title: if t.deleted {
                        "[deleted]".into()
                    } else if t.removed && !viewer.is_some_and(|v| v.sees_hidden(t.author_id)) {
                        views::REMOVED_TITLE.into()
                    } else {
                        t.title.clone()
                    },
                    removed: p.is_removed(),
                    url: if p.parent_id.is_none() {
                        base
                    } else {
                        format!("{base}#post-{}", p.id)
                    },
                    space: s.name.clone(),
                    excerpt: if p.is_removed() && !sees {
                        format!("removed by moderators: {}", p.removed_reason)
                    } else {
                        excerpt(&p.body, 200)
                    },
                    created_at: p.created_at.and_utc(),
                }
            })
            .collect(),
        next,
    })
}

/// Thread id and slug from a URL segment like `42-how-do-i-reset-my-router` or `42`.
pub fn parse_thread_segment(segment: &str) -> AppResult<(i64, &str)> {
    let (id, slug) = match segment.split_once('-') {
        Some((id, slug)) => (id, slug),
        None => (segment, ""),
    };
    let id = id
        .parse()
        .map_err(|_| AppError::new(ErrorKind::NotFound, "thread not found"))?;
    Ok((id, slug))
}
