//! The JSON shapes Hearth reads from other servers. Lenient where peers differ (see
//! `../shared/fixtures/activitypub/SOURCES.md`): optional fields are optional, and `icon` may be
//! an object or a list. What Hearth sends is built with `serde_json::json!` in `actors.rs` and
//! `activities.rs`, next to the code that sends it.

use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::kinds::activity::{FollowType, UndoType};
use activitypub_federation::protocol::public_key::PublicKey;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actors::ApubRemote;

/// Any actor: a Person, a Group, an Application or Service (instance actors), an Organization.
///
/// ```json
/// {"id": "https://mastodon.example/users/ana", "type": "Person", "preferredUsername": "ana",
///  "name": "Ana", "inbox": "https://mastodon.example/users/ana/inbox",
///  "endpoints": {"sharedInbox": "https://mastodon.example/inbox"},
///  "publicKey": {"id": "https://mastodon.example/users/ana#main-key", "owner": "…", "publicKeyPem": "…"}}
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorJson {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub icon: Option<serde_json::Value>,
    pub inbox: Url,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    /// Lemmy's mark of a Group where only moderators start threads.
    #[serde(default)]
    pub posting_restricted_to_mods: Option<bool>,
    /// Hearth's staff claim (`hearth:staffOf`): the brand's Group(s) this person speaks for. Only
    /// believed once checked (`actors::verify_staff`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_of: Option<serde_json::Value>,
    /// `hearth:staffTitle`, e.g. "Support Lead".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_title: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default)]
    pub shared_inbox: Option<Url>,
}

impl ActorJson {
    /// The avatar URL, whether `icon` is an Image object, a list of them, or a bare URL.
    pub fn icon_url(&self) -> Option<String> {
        fn pick(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(o) => o.get("url").and_then(pick),
                serde_json::Value::Array(a) => a.iter().find_map(pick),
                _ => None,
            }
        }
        self.icon
            .as_ref()
            .and_then(pick)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    }
}

/// `Follow` of a space.
///
/// ```json
/// {"id": "https://mastodon.example/3f1c…", "type": "Follow",
///  "actor": "https://mastodon.example/users/ana", "object": "https://community.acme.example/s/support"}
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub actor: ObjectId<ApubRemote>,
    pub object: Url,
}

/// `Undo(Follow)`: the follower stops following. Peers embed the original Follow.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoFollow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: ObjectId<ApubRemote>,
    pub object: Follow,
}

/// `to`, `cc`, `attributedTo` and `tag` come as a single value or a list, depending on the peer.
pub fn one_or_many(v: &Option<serde_json::Value>) -> Vec<serde_json::Value> {
    match v {
        None | Some(serde_json::Value::Null) => vec![],
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
    }
}

/// The URLs in an addressing or attribution field (strings, or objects with an `id`/`href`).
pub fn urls_in(v: &Option<serde_json::Value>) -> Vec<Url> {
    one_or_many(v)
        .iter()
        .filter_map(|x| match x {
            serde_json::Value::String(s) => Url::parse(s).ok(),
            serde_json::Value::Object(o) => o
                .get("id")
                .or_else(|| o.get("href"))
                .and_then(|s| s.as_str())
                .and_then(|s| Url::parse(s).ok()),
            _ => None,
        })
        .collect()
}

/// A post from another server: a `Note` (Mastodon, Misskey, replies everywhere), a `Page`
/// (Lemmy, PieFed, Mbin threads) or an `Article`.
///
/// ```json
/// {"id": "https://mastodon.example/users/ana/statuses/1", "type": "Note",
///  "attributedTo": "https://mastodon.example/users/ana",
///  "content": "<p><span class=\"h-card\"><a href=\"…/s/support\">@support</a></span> My router…</p>",
///  "inReplyTo": null, "to": ["https://www.w3.org/ns/activitystreams#Public"],
///  "cc": ["https://community.acme.example/s/support"],
///  "tag": [{"type": "Mention", "href": "https://community.acme.example/s/support"}]}
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostJson {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub attributed_to: Option<serde_json::Value>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub source: Option<serde_json::Value>,
    #[serde(default)]
    pub in_reply_to: Option<Url>,
    #[serde(default)]
    pub to: Option<serde_json::Value>,
    #[serde(default)]
    pub cc: Option<serde_json::Value>,
    #[serde(default)]
    pub audience: Option<serde_json::Value>,
    #[serde(default)]
    pub tag: Option<serde_json::Value>,
    /// Everything else, kept so the object can be passed on as it was received.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl PostJson {
    /// The markdown source, when the peer sent one (Lemmy, Hearth).
    pub fn markdown_source(&self) -> Option<String> {
        let s = self.source.as_ref()?;
        let media = s
            .get("mediaType")
            .and_then(|m| m.as_str())
            .unwrap_or_default();
        if media == "text/markdown" {
            s.get("content")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        } else {
            None
        }
    }
}

/// `Create` of a post.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePost {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::CreateType,
    pub actor: ObjectId<ApubRemote>,
    pub object: PostJson,
    /// Addressing, `@context` and the rest, kept to pass the activity on unchanged.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// `Like` of a post (Mastodon's favourite, Lemmy's upvote; Misskey adds a reaction).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Like {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::LikeType,
    pub actor: ObjectId<ApubRemote>,
    pub object: Url,
}

/// `Undo(Like)`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoLike {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: ObjectId<ApubRemote>,
    pub object: Like,
}

/// `Delete` of a post (the object is its id, or a `Tombstone` with the id).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::DeleteType,
    pub actor: ObjectId<ApubRemote>,
    pub object: serde_json::Value,
    /// Addressing and the rest, kept to pass the activity on unchanged.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// `Update` of a post by its author.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePost {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::UpdateType,
    pub actor: ObjectId<ApubRemote>,
    pub object: PostJson,
    /// Addressing and the rest, kept to pass the activity on unchanged.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// `Update` of an actor by itself: a changed profile (for staff of a brand on another Hearth, a
/// changed role). Nothing embedded is trusted: the actor is fetched again from its origin.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActor {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::UpdateType,
    pub actor: ObjectId<ApubRemote>,
    pub object: ActorRef,
}

/// The `id` and `type` of an actor, enough to tell an actor's `Update` from a post's.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ActorRef {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ActorKind,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub enum ActorKind {
    Person,
    Service,
    Application,
    Group,
    Organization,
}

/// `Flag`: a report. Mastodon and GoToSocial send it from their instance actor with a list of
/// objects and the reason in `content`; Lemmy from the person, one object, reason in `summary`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::FlagType,
    pub actor: ObjectId<ApubRemote>,
    pub object: serde_json::Value,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// `Announce` by a Group we follow (FEP-1b12): the object is an activity (`Create`, `Update`,
/// `Delete`, …), an object, or only the URL of one. Nothing in it is trusted: Hearth re-fetches
/// the post from its origin.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::AnnounceType,
    pub actor: ObjectId<ApubRemote>,
    pub object: serde_json::Value,
}

/// `Accept` of a Follow we sent: the Follow embedded (Mastodon, Lemmy) or only its id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accept {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::AcceptType,
    pub actor: ObjectId<ApubRemote>,
    pub object: serde_json::Value,
}

/// `Reject` of a Follow we sent.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reject {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: activitypub_federation::kinds::activity::RejectType,
    pub actor: ObjectId<ApubRemote>,
    pub object: serde_json::Value,
}
