//! Activities received in an inbox: `verify` (reads only) then `receive` (changes state).
//! Each `receive` first records the activity id, so a redelivered activity is a no-op.

use activitypub_federation::config::Data;
use activitypub_federation::protocol::verification::verify_urls_match;
use activitypub_federation::traits::Activity;
use serde_json::json;
use url::Url;

use super::actors::{ApubRemote, authority};
use super::delivery;
use super::error::{FedError, FedResult};
use super::protocol::{
    Accept, Announce, CreatePost, Delete, Flag, Follow, Like, PostJson, Reject, UndoFollow,
    UndoLike, UpdateActor, UpdatePost, urls_in,
};
use super::urls::{LocalRef, Urls};
use crate::db::{federation as store, spaces};
use crate::error::AppError;
use crate::service::Hearth;

/// `Activity::id` and `Activity::actor` for the inbox types, which all keep them in `id` and
/// `actor` fields.
macro_rules! id_and_actor {
    () => {
        fn id(&self) -> &Url {
            &self.id
        }

        fn actor(&self) -> &Url {
            self.actor.inner()
        }
    };
}

/// Everything an inbox accepts. Variants are told apart by their `type`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
#[enum_delegate::implement(Activity)]
pub enum InboxActivity {
    Follow(Follow),
    UndoFollow(UndoFollow),
    CreatePost(Box<CreatePost>),
    UpdateActor(Box<UpdateActor>),
    UpdatePost(Box<UpdatePost>),
    Like(Like),
    UndoLike(UndoLike),
    Delete(Delete),
    Flag(Flag),
    Announce(Announce),
    Accept(Accept),
    Reject(Reject),
}

/// The activity types Hearth handles; anything else is acknowledged (202) and ignored, so peers
/// do not retry activities we have no use for.
pub fn is_handled(activity: &serde_json::Value) -> bool {
    let kind = activity.get("type").and_then(|t| t.as_str());
    let inner = activity
        .get("object")
        .and_then(|o| o.get("type"))
        .and_then(|t| t.as_str());
    matches!(
        (kind, inner),
        (Some("Follow"), _)
            | (Some("Undo"), Some("Follow"))
            | (Some("Create" | "Update"), Some("Note" | "Page" | "Article"))
            | (
                Some("Update"),
                Some("Person" | "Service" | "Application" | "Group" | "Organization")
            )
            | (
                Some("Like" | "Delete" | "Flag" | "Announce" | "Accept" | "Reject"),
                _
            )
            | (Some("Undo"), Some("Like"))
    )
}

fn local_space(data: &Data<Hearth>, url: &Url) -> FedResult<String> {
    match Urls::new(&data.app_data().config).local_actor(url) {
        Some(LocalRef::Space(name)) => Ok(name),
        _ => Err(FedError(AppError::invalid(
            "object",
            "only spaces (Groups) can be followed here",
        ))),
    }
}

#[async_trait::async_trait]
impl Activity for Follow {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, data: &Data<Hearth>) -> Result<(), FedError> {
        local_space(data, &self.object).map(drop)
    }

    /// Records the follower and answers with an `Accept` from the Group that embeds the Follow
    /// (what Mastodon matches on), queued in the same transaction.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let follower = self.actor.dereference(data).await?;
        let name = local_space(data, &self.object)?;
        let urls = Urls::new(&data.app_data().config);
        let accept_id = urls.new_activity("accept");
        let group = urls.space(&name);
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": accept_id,
            "type": "Accept",
            "actor": group,
            "to": [self.actor.inner()],
            "object": {
                "id": self.id,
                "type": "Follow",
                "actor": self.actor.inner(),
                "object": self.object,
            },
        });
        let payload = accept.to_string();
        let inbox = follower.inbox.clone();
        let activity_id = self.id.to_string();
        let signer = format!("space:{name}");
        data.db
            .transaction(move |c| {
                let space =
                    spaces::find_by_name(c, &name)?.ok_or_else(|| AppError::not_found("space"))?;
                if !store::first_time_seen(c, &activity_id)? {
                    return Ok(());
                }
                store::add_follow(c, space.id, follower.row.id, &activity_id)?;
                store::enqueue(
                    c,
                    accept_id.as_str(),
                    &signer,
                    inbox.as_str(),
                    &authority(&inbox),
                    &payload,
                )?;
                Ok(())
            })
            .await?;
        delivery::wake(data.app_data());
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for UndoFollow {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, data: &Data<Hearth>) -> Result<(), FedError> {
        // Only the follower can undo their follow.
        verify_urls_match(self.actor.inner(), self.object.actor.inner())?;
        local_space(data, &self.object.object).map(drop)
    }

    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let follower: ApubRemote = self.actor.dereference(data).await?;
        let name = local_space(data, &self.object.object)?;
        let activity_id = self.id.to_string();
        data.db
            .transaction(move |c| {
                let space =
                    spaces::find_by_name(c, &name)?.ok_or_else(|| AppError::not_found("space"))?;
                if store::first_time_seen(c, &activity_id)? {
                    store::remove_follow(c, space.id, follower.row.id)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}

/// Fails unless both URLs are on the same server (host *and* port: `verify_domains_match`
/// compares hosts only, and two servers on one host differ by port).
fn same_origin(a: &Url, b: &Url) -> FedResult<()> {
    if a.scheme() == b.scheme() && authority(a) == authority(b) {
        Ok(())
    } else {
        Err(FedError(AppError::invalid(
            "id",
            "the object is not on the actor's server",
        )))
    }
}

/// A post may only be created or changed by its author, from the author's own server.
fn verify_authored(object: &super::protocol::PostJson, actor: &Url) -> FedResult<()> {
    same_origin(&object.id, actor)?;
    let authors = urls_in(&object.attributed_to);
    if authors.len() != 1 || authors[0] != *actor {
        return Err(FedError(AppError::invalid(
            "attributedTo",
            "a post can only be written or changed by its author",
        )));
    }
    Ok(())
}

/// The stored text of a post from elsewhere: its markdown `source` when it has one, else plain
/// text of its HTML; and its HTML through the sanitiser. Both within Hearth's limits.
fn remote_content(object: &super::protocol::PostJson) -> (String, String) {
    let raw = object.content.clone().unwrap_or_default();
    let html = crate::text::sanitize(&raw);
    let body = object
        .markdown_source()
        .unwrap_or_else(|| html_to_text(&raw))
        .chars()
        .take(crate::service::threads::BODY_MAX)
        .collect();
    (body, html)
}

/// Where an incoming post belongs.
enum Target {
    /// A reply to this local post (opening post or reply).
    Reply { thread_id: i64, parent_id: i64 },
    /// A new thread in this space.
    Thread { space: String },
}

/// Finds the local post an `inReplyTo` names: our own ids (`/s/<space>/t/<id>`, `/posts/<id>`)
/// or a post that came from elsewhere and is stored with its id.
fn find_parent(
    c: &mut crate::db::DbConn,
    urls: &Urls,
    in_reply_to: &Url,
) -> crate::error::AppResult<Option<(i64, i64)>> {
    use crate::db::posts;
    let s = in_reply_to.as_str();
    if let Some(rest) = s.strip_prefix(urls.base()) {
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let post = match parts.as_slice() {
            ["posts", id] => id
                .parse::<i64>()
                .ok()
                .map(|id| posts::find(c, id))
                .transpose()?
                .flatten(),
            ["s", _space, "t", segment] => {
                let id = segment
                    .split('-')
                    .next()
                    .unwrap_or_default()
                    .parse::<i64>()
                    .ok();
                match id {
                    Some(t) => match posts::opening_id(c, t)? {
                        Some(p) => posts::find(c, p)?,
                        None => None,
                    },
                    None => None,
                }
            }
            _ => None,
        };
        return Ok(post.map(|p| (p.thread_id, p.id)));
    }
    Ok(posts::find_by_ap_id(c, s)?.map(|p| (p.thread_id, p.id)))
}

/// How many unknown parents Hearth fetches to place a reply.
const MAX_ANCESTORS: usize = 5;

/// Walks an `inReplyTo` chain from `start`, fetching each unknown parent from its origin (signed
/// by the instance actor, at most [`MAX_ANCESTORS`]), until it reaches a post we have. Returns
/// that post's id and the posts fetched on the way (nearest to the reply first). None if the
/// chain leads nowhere we know, or a fetch fails.
async fn known_ancestor(data: &Data<Hearth>, start: &Url) -> Option<(Url, Vec<PostJson>)> {
    let urls = Urls::new(&data.app_data().config);
    let mut current = start.clone();
    let mut fetched_chain = Vec::new();
    for _ in 0..=MAX_ANCESTORS {
        let (u, probe) = (urls.clone(), current.clone());
        let known = data
            .db
            .run(move |c| Ok(find_parent(c, &u, &probe)?.is_some()))
            .await
            .ok()?;
        if known {
            return Some((current, fetched_chain));
        }
        if current.as_str().starts_with(urls.base()) {
            return None; // one of our ids that does not exist
        }
        let fetched =
            activitypub_federation::fetch::fetch_object_http::<Hearth, PostJson>(&current, data)
                .await
                .ok()?;
        let next = fetched.object.in_reply_to.clone()?;
        fetched_chain.push(fetched.object);
        current = next;
    }
    None
}

/// The posts between a reply and the nearest post we have, fetched from their origins: stored
/// as replies too, oldest first, so the reply sits where it was written instead of under the
/// nearest post we knew. A post whose author is not on the post's own server ends the chain
/// there. Returns the id of the last post of the chain we now have (the one to reply under).
async fn store_chain(data: &Data<Hearth>, known: Url, chain: Vec<PostJson>) -> FedResult<Url> {
    let h = data.app_data();
    let urls = Urls::new(&h.config);
    let mut last = known;
    for post in chain.into_iter().rev() {
        let Some(author_url) = urls_in(&post.attributed_to).into_iter().next() else {
            return Ok(last);
        };
        if verify_authored(&post, &author_url).is_err() {
            return Ok(last);
        }
        let (body, html) = remote_content(&post);
        let Some(parent) = post.in_reply_to.clone() else {
            return Ok(last);
        };
        if body.trim().is_empty() {
            return Ok(last);
        }
        let author: ApubRemote =
            activitypub_federation::fetch::object_id::ObjectId::from(author_url)
                .dereference(data)
                .await?;
        let person = person_for(data, &author).await?;
        let content = crate::service::threads::Content {
            body,
            html,
            ap_id: Some(post.id.to_string()),
            received: None,
        };
        let u = urls.clone();
        let stored =
            h.db.transaction(move |c| {
                if crate::db::posts::find_by_ap_id(c, &content.ap_id.clone().unwrap_or_default())?
                    .is_some()
                {
                    return Ok(true);
                }
                let Some((thread_id, parent_id)) = find_parent(c, &u, &parent)? else {
                    return Ok(false);
                };
                crate::service::threads::reply_in(
                    c,
                    person.id,
                    thread_id,
                    Some(parent_id),
                    &content,
                )?;
                Ok(true)
            })
            .await?;
        if !stored {
            return Ok(last);
        }
        last = post.id.clone();
    }
    Ok(last)
}

/// The parent a reply is placed under: its own `inReplyTo` when we have that post or can fetch
/// the posts between it and one we have (they are stored on the way), else the nearest post
/// of the chain we have.
async fn place_reply(data: &Data<Hearth>, parent: Url) -> FedResult<Url> {
    match known_ancestor(data, &parent).await {
        Some((known, chain)) => store_chain(data, known, chain).await,
        None => Ok(parent),
    }
}

/// Plain text of remote HTML, for the stored `body` when the peer sent no markdown source.
fn html_to_text(html: &str) -> String {
    let text = html
        .replace("</p>", "\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let stripped = ammonia::Builder::empty().clean(&text).to_string();
    stripped
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .trim()
        .to_string()
}

/// A post's `name` as a thread title: no control characters, within the title limit; None if
/// it has none.
fn title_of(object: &PostJson) -> Option<String> {
    object
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(crate::service::threads::TITLE_MAX)
                .collect()
        })
}

/// A thread title for a post that has no `name` (Mastodon): its first line, without the
/// mention of the space, cut at 200 characters.
fn title_from_text(text: &str, space: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let without: Vec<&str> = first
        .split_whitespace()
        .filter(|w| {
            let w = w.trim_start_matches('@').to_ascii_lowercase();
            !(w == space || w.starts_with(&format!("{space}@")))
        })
        .collect();
    let title: String = without
        .join(" ")
        .chars()
        .take(crate::service::threads::TITLE_MAX)
        .collect();
    if title.trim().is_empty() {
        "(untitled)".to_string()
    } else {
        title
    }
}

#[async_trait::async_trait]
impl Activity for CreatePost {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    /// The post must be the actor's own, from the actor's server, and not claim to be ours.
    async fn verify(&self, data: &Data<Hearth>) -> Result<(), FedError> {
        verify_authored(&self.object, self.actor.inner())?;
        if Urls::new(&data.app_data().config)
            .local_actor(&self.object.id)
            .is_some()
            || self
                .object
                .id
                .as_str()
                .starts_with(Urls::new(&data.app_data().config).base())
        {
            return Err(FedError(AppError::invalid(
                "id",
                "that id belongs to this server",
            )));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let h = data.app_data();
        let urls = Urls::new(&h.config);
        let author_actor = self.actor.dereference(data).await?;
        let activity_id = self.id.to_string();
        // The activity as received (unknown fields included), for the Group to pass on.
        let received = serde_json::to_string(&self).ok();
        let object = self.object;

        // Which space is it addressed to (to, cc, audience, or a Mention)?
        let mut addressed = urls_in(&object.to);
        addressed.extend(urls_in(&object.cc));
        addressed.extend(urls_in(&object.audience));
        addressed.extend(urls_in(&object.tag));
        let spaces: Vec<String> = addressed
            .iter()
            .filter_map(|u| match urls.local_actor(u) {
                Some(LocalRef::Space(n)) => Some(n),
                _ => None,
            })
            .collect();

        let (body, html) = remote_content(&object);
        if body.trim().is_empty() {
            return Err(FedError(AppError::invalid("content", "the post is empty")));
        }
        let ap_id = object.id.to_string();
        // A reply to something we never saw: follow its chain up to a post we have.
        let in_reply_to = match object.in_reply_to.clone() {
            Some(parent) => Some(place_reply(data, parent).await?),
            None => None,
        };

        let first_space = spaces.first().cloned();
        let row = author_actor.row.clone();
        let handle = format!("{}@{}", row.username.to_ascii_lowercase(), row.domain);
        let display = row.display_name.clone();
        let content = crate::service::threads::Content {
            body: body.clone(),
            html,
            ap_id: Some(ap_id.clone()),
            received,
        };
        // One transaction: the activity is recorded as seen together with what it changed,
        // and a reply to a thread here is stored in it too.
        let placed =
            h.db.transaction(move |c| {
                if !store::first_time_seen(c, &activity_id)? {
                    return Ok(None);
                }
                if crate::db::posts::find_by_ap_id(c, &content.ap_id.clone().unwrap_or_default())?
                    .is_some()
                {
                    return Ok(None);
                }
                let target = match &in_reply_to {
                    Some(parent) => {
                        find_parent(c, &urls, parent)?.map(|(thread_id, parent_id)| Target::Reply {
                            thread_id,
                            parent_id,
                        })
                    }
                    None => first_space.map(|space| Target::Thread { space }),
                };
                let Some(target) = target else {
                    return Ok(None);
                };
                let author = crate::db::persons::ensure_remote(c, row.id, &handle, &display)?;
                if let Target::Reply {
                    thread_id,
                    parent_id,
                } = target
                {
                    crate::service::threads::reply_in(
                        c,
                        author.id,
                        thread_id,
                        Some(parent_id),
                        &content,
                    )?;
                    return Ok(Some(None));
                }
                Ok(Some(Some((target, author, content))))
            })
            .await?;
        h.outbox.notify_one();
        let Some(placed) = placed else {
            tracing::debug!(id = %ap_id, "incoming post not addressed to anything here; ignored");
            return Ok(());
        };
        if let Some((Target::Thread { space }, author, content)) = placed {
            let title = title_of(&object).unwrap_or_else(|| title_from_text(&body, &space));
            crate::service::threads::ask_as(h, &author, &space, title, content).await?;
        }
        Ok(())
    }
}

/// The local post an object URL names (our ids, or the stored id of a post from elsewhere).
async fn local_post(data: &Data<Hearth>, object: &Url) -> FedResult<Option<i64>> {
    let urls = Urls::new(&data.app_data().config);
    let object = object.clone();
    Ok(data
        .db
        .run(move |c| Ok(find_parent(c, &urls, &object)?.map(|(_, post)| post)))
        .await?)
}

/// The person standing for a remote actor (created on first contact).
async fn person_for(
    data: &Data<Hearth>,
    actor: &ApubRemote,
) -> FedResult<crate::db::persons::Person> {
    let row = actor.row.clone();
    let handle = format!("{}@{}", row.username.to_ascii_lowercase(), row.domain);
    Ok(data
        .db
        .run(move |c| {
            Ok(crate::db::persons::ensure_remote(
                c,
                row.id,
                &handle,
                &row.display_name,
            )?)
        })
        .await?)
}

/// The author a remote actor already is here, without creating one: an actor who never wrote
/// anything here cannot own the post it wants to change.
async fn existing_person(
    data: &Data<Hearth>,
    actor: &ApubRemote,
) -> FedResult<Option<crate::db::persons::Person>> {
    let id = actor.row.id;
    Ok(data
        .db
        .run(move |c| Ok(crate::db::persons::find_remote(c, id)?))
        .await?)
}

/// A like (or its undoing) of one of our posts, counted once per person. Likes of things that
/// are not ours are not counted.
async fn count_like(
    data: &Data<Hearth>,
    id: &Url,
    actor: &activitypub_federation::fetch::object_id::ObjectId<ApubRemote>,
    object: &Url,
    on: bool,
) -> FedResult<()> {
    let Some(post) = local_post(data, object).await? else {
        return Ok(());
    };
    let actor = actor.dereference(data).await?;
    if !first_time(data, id).await? {
        return Ok(());
    }
    let person = person_for(data, &actor).await?;
    crate::service::threads::like_as(data.app_data(), person.id, post, on).await?;
    Ok(())
}

/// A stored post from elsewhere that `actor` wrote, and the person `actor` is here. None if we
/// never stored the post (nothing to change); 403 if someone else wrote it.
async fn own_remote_post(
    data: &Data<Hearth>,
    actor: &ApubRemote,
    object: &Url,
    verb: &str,
) -> FedResult<Option<(crate::db::posts::Post, crate::db::persons::Person)>> {
    let key = object.to_string();
    let Some(post) = data
        .db
        .run(move |c| Ok(crate::db::posts::find_by_ap_id(c, &key)?))
        .await?
    else {
        return Ok(None);
    };
    let person = existing_person(data, actor).await?;
    match person.filter(|p| p.id == post.author_id) {
        Some(person) => Ok(Some((post, person))),
        None => Err(FedError(AppError::forbidden(format!(
            "only the author can {verb} their words"
        )))),
    }
}

/// Records the activity id; false for a redelivery.
async fn first_time(data: &Data<Hearth>, id: &Url) -> FedResult<bool> {
    let id = id.to_string();
    Ok(data
        .db
        .run(move |c| Ok(store::first_time_seen(c, &id)?))
        .await?)
}

#[async_trait::async_trait]
impl Activity for Like {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        count_like(data, &self.id, &self.actor, &self.object, true).await
    }
}

#[async_trait::async_trait]
impl Activity for UndoLike {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        verify_urls_match(self.actor.inner(), self.object.actor.inner())?;
        Ok(())
    }

    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        count_like(data, &self.id, &self.actor, &self.object.object, false).await
    }
}

/// The id a `Delete` is about: a bare URL or an object (usually a `Tombstone`) with an `id`.
fn object_id(v: &serde_json::Value) -> Option<Url> {
    match v {
        serde_json::Value::String(s) => Url::parse(s).ok(),
        serde_json::Value::Object(o) => o
            .get("id")
            .and_then(|i| i.as_str())
            .and_then(|s| Url::parse(s).ok()),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Activity for Delete {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        let object = object_id(&self.object)
            .ok_or_else(|| FedError(AppError::invalid("object", "Delete names no object")))?;
        // Only things from the actor's own server can be deleted by it.
        same_origin(&object, self.actor.inner())?;
        Ok(())
    }

    /// The author deleted their post: it becomes a tombstone here too. A Delete of something
    /// we never stored (or of an account) changes nothing.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let Some(object) = object_id(&self.object) else {
            return Ok(());
        };
        let actor = self.actor.dereference_local(data).await?;
        let Some((post, person)) = own_remote_post(data, &actor, &object, "delete").await? else {
            return Ok(());
        };
        if !first_time(data, &self.id).await? {
            return Ok(());
        }
        let received = serde_json::to_string(&self).ok();
        crate::service::threads::delete_as(data.app_data(), person.id, post.id, received).await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for UpdatePost {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        verify_authored(&self.object, self.actor.inner())
    }

    /// The author edited their post: the new text replaces it, the old one goes to the history.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let actor = self.actor.dereference(data).await?;
        let Some((post, person)) = own_remote_post(data, &actor, &self.object.id, "edit").await?
        else {
            return Ok(());
        };
        if !first_time(data, &self.id).await? {
            return Ok(());
        }
        let (body, html) = remote_content(&self.object);
        let title = title_of(&self.object).filter(|_| post.parent_id.is_none());
        let content = crate::service::threads::Content {
            body,
            html,
            ap_id: post.ap_id.clone(),
            received: serde_json::to_string(&self).ok(),
        };
        crate::service::threads::edit_as(data.app_data(), &person, post.id, content, title).await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for UpdateActor {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    /// Only an actor updates itself.
    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        if &self.object.id != self.actor.inner() {
            return Err(FedError(AppError::forbidden(
                "an actor can only update itself",
            )));
        }
        Ok(())
    }

    /// Fetches the actor again from its origin (name, avatar, keys, and a staff claim checked
    /// anew: a person who left the brand loses the badge here).
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        if !first_time(data, &self.id).await? {
            return Ok(());
        }
        self.actor.dereference_forced(data).await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for Flag {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    /// Stores the report for the moderators (Mastodon's and Lemmy's shapes alike).
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let objects: Vec<String> = match &self.object {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(object_id)
                .map(|u| u.to_string())
                .collect(),
            other => object_id(other)
                .map(|u| u.to_string())
                .into_iter()
                .collect(),
        };
        let reason: String = self
            .content
            .as_deref()
            .or(self.summary.as_deref())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(2000)
            .collect();
        let (id, reporter) = (self.id.to_string(), self.actor.inner().to_string());
        let objects = serde_json::to_string(&objects).unwrap_or_else(|_| "[]".into());
        data.db
            .run(move |c| Ok(store::add_report(c, &id, &reporter, &reason, &objects)?))
            .await?;
        Ok(())
    }
}

// ---- spaces on other servers ----

/// The space here that a remote Group stands for, if we have one that somebody here follows.
async fn followed_space(
    data: &Data<Hearth>,
    group: &ApubRemote,
) -> FedResult<Option<crate::db::spaces::Space>> {
    let id = group.row.id;
    Ok(data
        .db
        .run(move |c| {
            let Some(space) = spaces::find_by_remote_actor(c, id)? else {
                return Ok(None);
            };
            Ok((spaces::subscriber_count(c, space.id)? > 0).then_some(space))
        })
        .await?)
}

/// The subscription a Follow we sent created, if `group` is the Group it went to.
async fn our_follow(
    data: &Data<Hearth>,
    group: &Url,
    object: &serde_json::Value,
) -> FedResult<Option<crate::db::spaces::Subscription>> {
    let Some(follow_id) = object_id(object) else {
        return Ok(None);
    };
    let group = group.to_string();
    Ok(data
        .db
        .run(move |c| {
            let Some(sub) = spaces::subscription_by_follow(c, follow_id.as_str())? else {
                return Ok(None);
            };
            let space = spaces::get(c, sub.space_id)?;
            let Some(actor) = space.remote_actor_id else {
                return Ok(None);
            };
            let is_that_group =
                store::find_actor_by_id(c, actor)?.is_some_and(|a| a.ap_id == group);
            Ok(is_that_group.then_some(sub))
        })
        .await?)
}

#[async_trait::async_trait]
impl Activity for Accept {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    /// The Group accepted a Follow we sent: its threads will arrive from now on. An Accept of
    /// anything else, or from anyone but that Group, changes nothing.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        if let Some(sub) = our_follow(data, self.actor.inner(), &self.object).await? {
            data.db
                .run(move |c| Ok(spaces::mark_accepted(c, sub.id)?))
                .await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for Reject {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    /// The Group refused (or ended) a follow: the subscription goes.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        if let Some(sub) = our_follow(data, self.actor.inner(), &self.object).await? {
            data.db
                .run(move |c| Ok(spaces::unsubscribe(c, sub.id)?))
                .await?;
        }
        Ok(())
    }
}

/// What an `Announce` is about: the id of a post to re-fetch, and whether it was a `Delete`.
fn announced_post(object: &serde_json::Value) -> Option<(Url, bool)> {
    use serde_json::Value;
    match object {
        Value::String(s) => Url::parse(s).ok().map(|u| (u, false)),
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("Create" | "Update") => object_id(o.get("object")?).map(|u| (u, false)),
            Some("Delete") => object_id(o.get("object")?).map(|u| (u, true)),
            Some("Page" | "Note" | "Article" | "Question") => object_id(object).map(|u| (u, false)),
            // Likes, votes, moderation and the rest of what Groups pass on: not handled here.
            _ => None,
        },
        _ => None,
    }
}

/// A moderation decision a Group passes on: a `Delete` of a post in its space (by a moderator
/// when the actor is not the post's author: Lemmy's removal, the reason in `summary`), or the
/// `Undo` of such a `Delete` (the post is restored).
#[derive(Debug, PartialEq)]
struct Moderation {
    post: Url,
    actor: Option<Url>,
    /// The removal's reason; None for a restore.
    reason: Option<String>,
}

fn moderation_in(object: &serde_json::Value) -> Option<Moderation> {
    use serde_json::Value;
    let o = object.as_object()?;
    let actor_of = |o: &serde_json::Map<String, Value>| {
        o.get("actor")
            .and_then(Value::as_str)
            .and_then(|a| Url::parse(a).ok())
    };
    match o.get("type").and_then(Value::as_str)? {
        "Delete" => Some(Moderation {
            post: object_id(o.get("object")?)?,
            actor: actor_of(o),
            reason: Some(
                o.get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(crate::service::moderation::REASON_MAX)
                    .collect(),
            ),
        }),
        "Undo" => {
            let inner = o.get("object")?.as_object()?;
            (inner.get("type").and_then(Value::as_str) == Some("Delete")).then_some(())?;
            Some(Moderation {
                post: object_id(inner.get("object")?)?,
                actor: actor_of(inner),
                reason: None,
            })
        }
        _ => None,
    }
}

/// Applies a Group's moderation decision about a post in its space. Returns false when it is
/// not one: a `Delete` by the post's own author (handled as a deletion).
async fn apply_moderation(
    data: &Data<Hearth>,
    announce: &Url,
    space_id: i64,
    m: Moderation,
) -> FedResult<bool> {
    let h = data.app_data();
    let urls = Urls::new(&h.config);
    let (u, key) = (urls.clone(), m.post.clone());
    let found =
        h.db.run(move |c| {
            let Some((thread_id, post_id)) = find_parent(c, &u, &key)? else {
                return Ok(None);
            };
            if crate::db::threads::find(c, thread_id)?.is_none_or(|t| t.space_id != space_id) {
                return Ok(None);
            }
            let post =
                crate::db::posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
            let author = crate::db::persons::get(c, post.author_id)?;
            let author_url = match author.remote_actor_id {
                Some(id) => crate::db::federation::find_actor_by_id(c, id)?
                    .and_then(|a| Url::parse(&a.ap_id).ok()),
                None => Some(u.person(&author.name)),
            };
            Ok(Some((post, author_url)))
        })
        .await?;
    let Some((post, author_url)) = found else {
        return Ok(true); // not a post of this space that we have: nothing to do
    };
    if m.reason.is_some() && m.actor.is_some() && m.actor == author_url {
        return Ok(false);
    }
    if !first_time(data, announce).await? {
        return Ok(true);
    }
    crate::service::moderation::removed_at_origin(h, post.id, m.reason).await?;
    Ok(true)
}

/// The origin's answer for an announced post.
enum Fetched {
    Post(Box<PostJson>),
    Gone,
}

/// Fetches a post from its origin (signed by the instance actor). The library checks that the
/// document's id is the URL it came from, so what we store is what its server says.
async fn fetch_post(data: &Data<Hearth>, url: &Url) -> FedResult<Fetched> {
    use activitypub_federation::error::Error as E;
    match activitypub_federation::fetch::fetch_object_http::<Hearth, serde_json::Value>(url, data)
        .await
    {
        Ok(res) => {
            if res.object.get("type").and_then(|t| t.as_str()) == Some("Tombstone") {
                return Ok(Fetched::Gone);
            }
            let post: PostJson = serde_json::from_value(res.object).map_err(|e| {
                FedError(AppError::invalid(
                    "object",
                    format!("the announced object is not a post: {e}"),
                ))
            })?;
            Ok(Fetched::Post(Box::new(post)))
        }
        Err(E::ObjectDeleted(_)) => Ok(Fetched::Gone),
        Err(e) => {
            tracing::info!(%url, error = %e, "could not verify an announced post at its origin");
            Err(FedError(AppError::invalid(
                "object",
                "the announced post could not be fetched from its origin",
            )))
        }
    }
}

#[async_trait::async_trait]
impl Activity for Announce {
    type DataType = Hearth;
    type Error = FedError;

    id_and_actor!();

    async fn verify(&self, _data: &Data<Hearth>) -> Result<(), FedError> {
        Ok(())
    }

    /// A Group we follow passed on a post (new, edited or deleted). Whatever the Announce
    /// embeds, the post is fetched again from its origin and stored as its author wrote it:
    /// a thread, or a reply in the thread its `inReplyTo` chain leads to. Announces from
    /// anyone else, of our own posts, and of likes and the rest are acknowledged and dropped.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let h = data.app_data();
        let urls = Urls::new(&h.config);
        // The Group's moderators removed or restored a post in its space.
        if let Some(m) = moderation_in(&self.object) {
            let group = self.actor.dereference(data).await?;
            let Some(space) = followed_space(data, &group).await? else {
                return Ok(());
            };
            if apply_moderation(data, &self.id, space.id, m).await? {
                return Ok(());
            }
        }
        let Some((url, deleted)) = announced_post(&self.object) else {
            return Ok(());
        };
        if url.as_str().starts_with(urls.base()) {
            return Ok(()); // ours, passed back to us
        }
        let group = self.actor.dereference(data).await?;
        let Some(space) = followed_space(data, &group).await? else {
            return Ok(());
        };
        let key = url.to_string();
        let existing =
            h.db.run(move |c| Ok(crate::db::posts::find_by_ap_id(c, &key)?))
                .await?;
        let fetched = fetch_post(data, &url).await?;
        if !first_time(data, &self.id).await? {
            return Ok(());
        }
        let object = match fetched {
            Fetched::Gone => {
                if let Some(post) = existing {
                    crate::service::threads::delete_as(h, post.author_id, post.id, None).await?;
                }
                return Ok(());
            }
            Fetched::Post(_) if deleted => return Ok(()), // its origin still has it
            Fetched::Post(p) => *p,
        };
        let author_url = urls_in(&object.attributed_to)
            .into_iter()
            .next()
            .ok_or_else(|| FedError(AppError::invalid("attributedTo", "the post has no author")))?;
        verify_authored(&object, &author_url)?;
        let author_actor: ApubRemote =
            activitypub_federation::fetch::object_id::ObjectId::from(author_url)
                .dereference(data)
                .await?;
        let author = person_for(data, &author_actor).await?;
        let (body, html) = remote_content(&object);
        if body.trim().is_empty() {
            return Ok(());
        }
        let title = title_of(&object);
        let content = crate::service::threads::Content {
            body: body.clone(),
            html,
            ap_id: Some(object.id.to_string()),
            // Not passed on: the Group that announced it already did.
            received: None,
        };
        if let Some(post) = existing {
            if post.author_id != author.id {
                return Err(FedError(AppError::forbidden(
                    "only the author can edit their words",
                )));
            }
            let title = title.filter(|_| post.parent_id.is_none());
            crate::service::threads::edit_as(h, &author, post.id, content, title).await?;
            return Ok(());
        }
        match object.in_reply_to.clone() {
            Some(parent) => {
                let parent = place_reply(data, parent).await?;
                let (u, space_id) = (urls.clone(), space.id);
                let find = move |parent: Url| {
                    let u = u.clone();
                    move |c: &mut crate::db::DbConn| {
                        let Some((thread_id, parent_id)) = find_parent(c, &u, &parent)? else {
                            return Ok(None);
                        };
                        // A Group places replies only in its own threads.
                        let in_space = crate::db::threads::find(c, thread_id)?
                            .is_some_and(|t| t.space_id == space_id);
                        Ok(in_space.then_some((thread_id, parent_id)))
                    }
                };
                let mut placed = h.db.run(find(parent.clone())).await?;
                // The thread itself may not have arrived yet (its Announce is on its way, or
                // was lost): fetch it from its origin and store it first, so the reply is not
                // dropped.
                if placed.is_none()
                    && let Fetched::Post(thread) = fetch_post(data, &parent).await?
                    && thread.in_reply_to.is_none()
                {
                    store_thread(data, &group, &space, &thread).await?;
                    placed = h.db.run(find(parent)).await?;
                }
                if let Some((thread_id, parent_id)) = placed {
                    crate::service::threads::reply_as(
                        h,
                        &author,
                        thread_id,
                        Some(parent_id),
                        content,
                    )
                    .await?;
                }
            }
            None => store_thread(data, &group, &space, &object).await?,
        }
        Ok(())
    }
}

/// Stores a new thread a Group passed on (already fetched from its origin). It must be addressed
/// to that Group. Stored once: when two deliveries race (the Announce of the Create and of the
/// Page, or a reply that brought its thread along), the second finds it there.
async fn store_thread(
    data: &Data<Hearth>,
    group: &ApubRemote,
    space: &crate::db::spaces::Space,
    object: &PostJson,
) -> FedResult<()> {
    let h = data.app_data();
    let mut addressed = urls_in(&object.to);
    addressed.extend(urls_in(&object.cc));
    addressed.extend(urls_in(&object.audience));
    if !addressed.contains(&group.id) {
        return Ok(());
    }
    let author_url = urls_in(&object.attributed_to)
        .into_iter()
        .next()
        .ok_or_else(|| FedError(AppError::invalid("attributedTo", "the post has no author")))?;
    verify_authored(object, &author_url)?;
    let author_actor: ApubRemote =
        activitypub_federation::fetch::object_id::ObjectId::from(author_url)
            .dereference(data)
            .await?;
    let author = person_for(data, &author_actor).await?;
    let (body, html) = remote_content(object);
    if body.trim().is_empty() {
        return Ok(());
    }
    let key = object.id.to_string();
    if h.db
        .run(move |c| Ok(crate::db::posts::find_by_ap_id(c, &key)?))
        .await?
        .is_some()
    {
        return Ok(());
    }
    let title = title_of(object).unwrap_or_else(|| title_from_text(&body, &group.row.username));
    let content = crate::service::threads::Content {
        body,
        html,
        ap_id: Some(object.id.to_string()),
        received: None,
    };
    match crate::service::threads::ask_as(h, &author, &space.name, title, content).await {
        Err(e) if e.is_unique_violation() => Ok(()),
        other => other.map(drop).map_err(FedError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_mastodon_posts_drop_the_mention() {
        assert_eq!(
            title_from_text("@support My router reboots\nsince Monday", "support"),
            "My router reboots"
        );
        assert_eq!(
            title_from_text("@support@acme.example help", "support"),
            "help"
        );
        assert_eq!(title_from_text("@support", "support"), "(untitled)");
    }

    fn fixture(name: &str) -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/activitypub")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The Announce shapes peers send (SOURCES.md): each names the post to re-fetch, or is
    /// deliberately not about a post.
    #[test]
    fn announce_shapes_name_the_post_to_fetch() {
        for (name, expected) in [
            ("lemmy/announce-create-page.json", Some(false)),
            ("lemmy/announce-page-compat.json", Some(false)),
            ("piefed/announce-create-page.json", Some(false)),
            ("nodebb/announce-create-note.json", Some(false)),
            ("nodebb/announce-note.json", Some(false)),
            ("gotosocial/announce-followers-only.json", Some(false)),
            ("nodebb/announce-relayed-lemmy-like.json", None),
        ] {
            let doc = fixture(name);
            let got = announced_post(&doc["object"]);
            assert_eq!(got.as_ref().map(|(_, d)| *d), expected, "{name}");
            if let Some((url, _)) = got {
                let inner = &doc["object"];
                let want = match inner {
                    serde_json::Value::String(s) => s.clone(),
                    o if o["type"] == "Create" => object_id(&o["object"]).unwrap().to_string(),
                    o => o["id"].as_str().unwrap().to_string(),
                };
                assert_eq!(url.as_str(), want, "{name}");
            }
        }
        let delete = serde_json::json!({"type": "Delete", "object": "https://a.example/p/1"});
        assert_eq!(
            announced_post(&delete).map(|(u, d)| (u.to_string(), d)),
            Some(("https://a.example/p/1".to_string(), true))
        );
    }

    /// Lemmy's moderator removal (a `Delete` by a non-author with `summary`) and its `Undo`
    /// are read as a removal with its reason and a restore; other activities are not.
    #[test]
    fn removals_are_read_from_lemmy_shapes() {
        let remove = fixture("lemmy/remove-note-by-mod.json");
        let m = moderation_in(&remove).unwrap();
        assert_eq!(m.post.as_str(), "http://ds9.lemmy.ml/comment/1");
        assert_eq!(
            m.actor.as_ref().map(Url::as_str),
            Some("http://enterprise.lemmy.ml/u/lemmy_beta")
        );
        assert_eq!(m.reason.as_deref(), Some("bad comment"));
        let undo = serde_json::json!({"type": "Undo", "actor": remove["actor"], "object": remove});
        let m = moderation_in(&undo).unwrap();
        assert_eq!(m.post.as_str(), "http://ds9.lemmy.ml/comment/1");
        assert_eq!(m.reason, None);
        // A Delete without a reason is still a removal (empty reason) when it is not the author's.
        let bare = serde_json::json!({"type": "Delete", "actor": "https://a.example/u/m", "object": "https://a.example/p/1"});
        assert_eq!(moderation_in(&bare).unwrap().reason.as_deref(), Some(""));
        for other in [
            fixture("lemmy/like-note.json"),
            fixture("lemmy/undo-like-note.json"),
            fixture("lemmy/create-page.json"),
            serde_json::json!("https://a.example/p/1"),
        ] {
            assert_eq!(moderation_in(&other), None, "{other}");
        }
    }

    /// Accepts name the Follow embedded (Lemmy) or by id only (Mitra, GoToSocial).
    #[test]
    fn accepts_name_the_follow_either_way() {
        for name in [
            "lemmy/accept-follow-embedded.json",
            "mitra/accept-id-only-from-group.json",
            "gotosocial/accept-like-id-only.json",
        ] {
            let doc = fixture(name);
            assert!(object_id(&doc["object"]).is_some(), "{name}");
            let parsed: InboxActivity = serde_json::from_value(doc).unwrap();
            assert!(matches!(parsed, InboxActivity::Accept(_)), "{name}");
        }
    }

    #[test]
    fn remote_html_becomes_text() {
        assert_eq!(
            html_to_text("<p>One &amp; two</p><p>Three<br>four</p>"),
            "One & two\n\nThree\nfour"
        );
    }
}
