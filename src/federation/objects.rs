//! Threads and replies as ActivityStreams objects, built by pure functions from database rows.
//!
//! A thread is a `Page` (what Lemmy, PieFed, Mbin and NodeBB expect of a community post), with
//! the title in `name`, the HTML in `content`, the markdown in `source` and a plain-text
//! `summary` excerpt: Mastodon renders a `Page` from `name` (and, in recent versions, `summary`)
//! plus a link, and drops `content`, so the excerpt is what makes a thread read as more than a
//! bare title in a Mastodon timeline. It is never a `Note` with a `summary` (that would be a
//! content warning). A reply is a `Note` with `inReplyTo`.
//! Every object is addressed to its Group and mentions it, so replies from Mastodon users deep in
//! a thread still reach the space.

use serde_json::{Value, json};
use url::Url;

use super::urls::Urls;
use crate::db::persons::Person;
use crate::db::posts::Post;
use crate::db::spaces::Space;
use crate::db::threads::Thread;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The stable id of a thread (its opening post): `/s/<space>/t/<id>`. The slugged URL is the
/// `url`; old slugs redirect, the id never changes.
pub fn thread_id(urls: &Urls, space: &str, thread: i64) -> Url {
    Url::parse(&format!("{}/s/{space}/t/{thread}", urls.base())).expect("valid thread URL")
}

/// The stable id of a reply: `/posts/<id>`.
pub fn post_id(urls: &Urls, post: i64) -> Url {
    Url::parse(&format!("{}/posts/{post}", urls.base())).expect("valid post URL")
}

fn mention(at: &Place<'_>) -> Value {
    json!({
        "type": "Mention",
        "href": at.group,
        "name": at.group_handle,
    })
}

/// A person a post addresses: their actor id and how to mention them (`@name@host`).
pub struct Addressee {
    pub actor: Url,
    pub mention: String,
}

/// Where an object lives: the instance, its space and its thread, and the space's Group (ours,
/// or the one on another server a remote space stands for) with its `@name@host`.
pub struct Place<'a> {
    pub urls: &'a Urls,
    pub space: &'a Space,
    pub thread: &'a Thread,
    pub group: Url,
    pub group_handle: String,
}

/// A thread's opening post as a `Page`.
pub fn page(at: &Place<'_>, opening: &Post, author: &Person) -> Value {
    let (urls, space, thread) = (at.urls, at.space, at.thread);
    let id = thread_id(urls, &space.name, thread.id);
    let group = at.group.clone();
    json!({
        "id": id,
        "type": "Page",
        "attributedTo": urls.person(&author.name),
        "name": thread.title,
        "summary": crate::text::excerpt(&opening.body, 280),
        "content": opening.body_html,
        "mediaType": "text/html",
        "source": { "content": opening.body, "mediaType": "text/markdown" },
        "to": [group, PUBLIC],
        "cc": [],
        "audience": group,
        "tag": [mention(at)],
        "url": format!("{}{}", urls.base(), crate::service::views::thread_url(&space.name, thread.id, &thread.slug)),
        "context": format!("{id}/context"),
        "replies": format!("{id}/replies"),
        "published": opening.created_at.and_utc(),
        "updated": opening.edited_at.map(|t| t.and_utc()),
        "commentsEnabled": !space.archived,
        "sensitive": false,
    })
}

/// A reply as a `Note`. `parent` is the post it answers (the opening post or another reply).
pub fn note(
    at: &Place<'_>,
    post: &Post,
    author: &Person,
    parent: &Post,
    replied_to: &Addressee,
) -> Value {
    let (urls, space, thread) = (at.urls, at.space, at.thread);
    let group = at.group.clone();
    let in_reply_to = match (&parent.ap_id, parent.parent_id) {
        (Some(remote), _) => Url::parse(remote).unwrap_or_else(|_| post_id(urls, parent.id)),
        (None, None) => thread_id(urls, &space.name, thread.id),
        (None, Some(_)) => post_id(urls, parent.id),
    };
    let parent_actor = replied_to.actor.clone();
    json!({
        "id": post_id(urls, post.id),
        "type": "Note",
        "attributedTo": urls.person(&author.name),
        "content": post.body_html,
        "mediaType": "text/html",
        "source": { "content": post.body, "mediaType": "text/markdown" },
        "inReplyTo": in_reply_to,
        "to": [PUBLIC],
        "cc": [group, parent_actor],
        "audience": group,
        "tag": [
            mention(at),
            { "type": "Mention", "href": parent_actor, "name": replied_to.mention },
        ],
        "url": format!("{}{}#post-{}", urls.base(), crate::service::views::thread_url(&space.name, thread.id, &thread.slug), post.id),
        "context": format!("{}/context", thread_id(urls, &space.name, thread.id)),
        "replies": format!("{}/replies", post_id(urls, post.id)),
        "published": post.created_at.and_utc(),
        "updated": post.edited_at.map(|t| t.and_utc()),
        "distinguished": author.role().is_staff(),
    })
}

/// `Create` of an object by its author, with the object's addressing.
pub fn create(urls: &Urls, object: &Value) -> Value {
    json!({
        "id": urls.new_activity("create"),
        "type": "Create",
        "actor": object["attributedTo"],
        "object": object,
        "to": object["to"],
        "cc": object["cc"],
        "audience": object["audience"],
    })
}

/// The Group's `Announce` of an activity or an object to its followers (FEP-1b12).
pub fn announce(urls: &Urls, space: &str, inner: &Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls.new_activity("announce"),
        "type": "Announce",
        "actor": urls.space(space),
        "object": inner,
        "to": [PUBLIC],
        "cc": [urls.followers(space)],
        "audience": urls.space(space),
    })
}
