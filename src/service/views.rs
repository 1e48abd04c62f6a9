//! What the use cases return: plain serialisable structs shared by the web pages (as template
//! context) and the JSON API (as response bodies). Database rows never leave the service layer
//! unconverted, so a password hash cannot end up in a response by accident.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::instance::InstanceSettings;
use crate::db::invites::Invite;
use crate::db::persons::Person;
use crate::db::tokens::AuthToken;
use crate::domain::{AccountStatus, RegistrationMode, Role};

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A person as anyone may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    /// The handle, e.g. `jane`.
    pub name: String,
    /// The name to show; falls back to the handle.
    pub display_name: String,
    pub bio: String,
    pub role: Role,
    /// True for the brand's staff (roles `staff` and `admin`).
    pub is_staff: bool,
    /// The staff title ("Support Lead"); only present for staff.
    pub title: Option<String>,
    /// The badge text shown next to everything they write, e.g. "Staff · Support Lead".
    pub badge: Option<String>,
    pub created_at: DateTime<Utc>,
    /// For people from other servers: their home server.
    pub home: Option<String>,
    /// Their avatar, served from here (for people from other servers, a cached copy).
    pub avatar: Option<String>,
    /// For people from other servers who speak for a brand there: that brand's server, checked
    /// (their actor lives on it and its Group lists them as staff).
    pub verified_staff_of: Option<String>,
}

/// `host[:port]` of a URL.
fn host_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(match u.port() {
        Some(p) => format!("{}:{p}", u.host_str()?),
        None => u.host_str()?.to_string(),
    })
}

impl From<&Person> for Profile {
    fn from(p: &Person) -> Self {
        let role = p.role();
        let is_staff = role.is_staff();
        let verified_staff_of = p
            .remote_actor_id
            .and(p.staff_of.as_deref())
            .and_then(host_of);
        let title = ((is_staff || verified_staff_of.is_some()) && !p.title.is_empty())
            .then(|| p.title.clone());
        let badge = match (&verified_staff_of, is_staff) {
            (Some(brand), _) => Some(match &title {
                Some(t) => format!("Verified staff of {brand} · {t}"),
                None => format!("Verified staff of {brand}"),
            }),
            (None, true) => Some(match &title {
                Some(t) => format!("Staff · {t}"),
                None => "Staff".to_string(),
            }),
            (None, false) => None,
        };
        Profile {
            name: p.name.clone(),
            display_name: if p.display_name.is_empty() {
                p.name.clone()
            } else {
                p.display_name.clone()
            },
            bio: p.bio.clone(),
            role,
            is_staff,
            title,
            badge,
            created_at: utc(p.created_at),
            home: p
                .remote_actor_id
                .and_then(|_| p.name.split_once('@').map(|(_, host)| host.to_string())),
            avatar: match p.remote_actor_id {
                Some(id) => Some(format!("/media/avatars/{id}")),
                None => p
                    .avatar
                    .as_ref()
                    .map(|h| format!("/media/avatars/local/{h}")),
            },
            verified_staff_of,
        }
    }
}

/// The signed-in person's own account: the profile plus what only they (and admins) see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    #[serde(flatten)]
    pub profile: Profile,
    pub id: i64,
    pub status: AccountStatus,
    /// The raw display name as entered (may be empty).
    pub display_name_raw: String,
    /// The stored title, also kept while the person is not staff.
    pub title_raw: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&Person> for Account {
    fn from(p: &Person) -> Self {
        Account {
            profile: Profile::from(p),
            id: p.id,
            status: p.status(),
            display_name_raw: p.display_name.clone(),
            title_raw: p.title.clone(),
            updated_at: utc(p.updated_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Instance {
    pub name: String,
    pub description: String,
    pub registration_mode: RegistrationMode,
    pub domain: String,
    /// The brand colour used for links, buttons and badges (`#rrggbb`).
    pub accent_color: String,
    /// An `https://` image shown next to the name; empty for none.
    pub logo_url: String,
    /// Whether the public moderation log names moderators (else "a moderator").
    pub modlog_names: bool,
    /// What applicants are asked when registration needs approval.
    pub registration_questions: Vec<String>,
}

impl Instance {
    pub fn new(s: &InstanceSettings, domain: &str) -> Self {
        Instance {
            name: s.name.clone(),
            description: s.description.clone(),
            registration_mode: s.registration_mode(),
            domain: domain.to_string(),
            accent_color: s.accent_color.clone(),
            logo_url: s.logo_url.clone(),
            modlog_names: s.modlog_names,
            registration_questions: s.registration_questions(),
        }
    }
}

/// A question asked of an applicant and what they answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// An application waiting for an admin, as the admin sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Application {
    pub name: String,
    pub display_name: String,
    pub applied_at: DateTime<Utc>,
    pub answers: Vec<Answer>,
}

impl Application {
    pub fn new(a: &crate::db::applications::Application, p: &Person) -> Self {
        Application {
            name: p.name.clone(),
            display_name: p.display_name.clone(),
            applied_at: utc(a.created_at),
            answers: serde_json::from_str(&a.answers).unwrap_or_default(),
        }
    }
}

/// Where an application stands, as its applicant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationStatus {
    pub name: String,
    /// `pending` (waiting for an admin), `active` (approved: sign in), `rejected`, or
    /// `suspended`.
    pub status: AccountStatus,
    /// When they applied (absent for accounts that did not apply).
    pub applied_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was turned down, if the admin said.
    pub reason: String,
    pub answers: Vec<Answer>,
}

/// A token as listed to its owner; the secret itself is shown only once, at creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&AuthToken> for TokenInfo {
    fn from(t: &AuthToken) -> Self {
        TokenInfo {
            id: t.id,
            label: t.label.clone(),
            created_at: utc(t.created_at),
            last_used_at: utc(t.last_used_at),
            expires_at: t.expires_at.map(utc),
        }
    }
}

/// A freshly issued credential. `token` is the secret: it is not stored and cannot be shown again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteInfo {
    pub id: i64,
    pub code: String,
    pub used: bool,
    pub created_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl From<&Invite> for InviteInfo {
    fn from(i: &Invite) -> Self {
        InviteInfo {
            id: i.id,
            code: i.code.clone(),
            used: i.used_by.is_some() || i.used_at.is_some(),
            created_at: utc(i.created_at),
            used_at: i.used_at.map(utc),
        }
    }
}

/// A space as shown on the home page, its own page, and in the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Space {
    pub name: String,
    pub title: String,
    /// Markdown source.
    pub description: String,
    /// Rendered and sanitised.
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    /// `open` (any member starts threads) or `announcements` (only staff start threads).
    pub posting_mode: crate::domain::PostingMode,
    pub archived: bool,
    pub url: String,
    pub thread_count: i64,
    pub last_activity_at: Option<DateTime<Utc>>,
    /// For a space on another server: that server (`community.other.example`).
    pub home: Option<String>,
    /// How soon staff aim to answer here, in minutes (0: no target).
    pub response_target_minutes: i64,
    /// How many posts of a newcomer wait for a moderator's approval (0: none).
    pub newcomer_posts: i64,
    /// Members' posts scoring at least this on the spam score wait for a moderator (0: none).
    pub spam_threshold: i64,
}

impl Space {
    pub fn new(
        s: &crate::db::spaces::Space,
        thread_count: i64,
        last: Option<NaiveDateTime>,
    ) -> Self {
        Space {
            name: s.name.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            description_html: s.description_html.clone(),
            rules: s.rules.clone(),
            rules_html: s.rules_html.clone(),
            posting_mode: crate::domain::PostingMode::parse(&s.posting_mode)
                .unwrap_or(crate::domain::PostingMode::Announcements),
            archived: s.archived,
            url: format!("/s/{}", s.name),
            thread_count,
            last_activity_at: last.map(utc),
            response_target_minutes: s.response_target_minutes,
            newcomer_posts: s.newcomer_posts,
            spam_threshold: s.spam_threshold,
            home: s
                .remote_actor_id
                .and_then(|_| s.name.split_once('@'))
                .map(|(_, host)| host.to_string()),
        }
    }
}

/// The short form of a person next to what they wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    pub name: String,
    pub display_name: String,
    pub is_staff: bool,
    /// "Staff · Support Lead" for staff, absent otherwise.
    pub badge: Option<String>,
    pub url: String,
    /// For people from other servers: their home server (`mastodon.example`).
    pub home: Option<String>,
    /// For people from other servers: their avatar, served from here (never hotlinked).
    pub avatar: Option<String>,
    /// For people from other servers: the brand whose verified staff they are.
    pub verified_staff_of: Option<String>,
}

impl From<&Person> for Author {
    fn from(p: &Person) -> Self {
        let profile = Profile::from(p);
        Author {
            home: profile.home.clone(),
            avatar: profile.avatar.clone(),
            url: format!("/u/{}", profile.name),
            name: profile.name,
            display_name: profile.display_name,
            is_staff: profile.is_staff,
            badge: profile.badge,
            verified_staff_of: profile.verified_staff_of,
        }
    }
}

/// A thread in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadSummary {
    pub id: i64,
    pub space: String,
    pub title: String,
    /// The canonical page, e.g. `/s/support/t/42-how-do-i-reset-my-router`.
    pub url: String,
    pub author: Author,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub reply_count: i64,
    pub like_count: i64,
    pub answered: bool,
    pub deleted: bool,
    /// The opening post was removed by moderators (the title is shown only to its author and
    /// moderators).
    pub removed: bool,
    /// The question waits for a moderator's approval (only its author and moderators see it).
    pub held: bool,
}

/// The title others see of a thread whose question moderators removed.
pub const REMOVED_TITLE: &str = "[removed by moderators]";

pub fn thread_url(space: &str, id: i64, slug: &str) -> String {
    if slug.is_empty() {
        format!("/s/{space}/t/{id}")
    } else {
        format!("/s/{space}/t/{id}-{slug}")
    }
}

impl ThreadSummary {
    pub fn new(t: &crate::db::threads::Thread, space: &str, author: &Person) -> Self {
        ThreadSummary {
            id: t.id,
            space: space.to_string(),
            title: if t.deleted {
                "[deleted]".to_string()
            } else if t.removed {
                REMOVED_TITLE.to_string()
            } else {
                t.title.clone()
            },
            url: thread_url(space, t.id, &t.slug),
            author: Author::from(author),
            created_at: utc(t.created_at),
            last_activity_at: utc(t.last_activity_at),
            reply_count: t.reply_count,
            like_count: t.like_count,
            answered: t.answer_post_id.is_some(),
            deleted: t.deleted,
            removed: t.removed,
            held: t.held,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadPage {
    pub threads: Vec<ThreadSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A post's spam score (0–100) and what made it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpamScore {
    pub score: i64,
    pub why: String,
}

/// One post (the opening post or a reply) as a reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    /// The post this one answers; absent for the opening post.
    pub parent_id: Option<i64>,
    pub author: Author,
    /// Markdown source (empty once deleted).
    pub body: String,
    /// Rendered, sanitised HTML.
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    /// Removed by moderators: everyone sees the reason; only the author and moderators still
    /// see the words (`body` and `body_html` are empty for everyone else).
    pub removed: bool,
    /// "removed by moderators: <reason>" is shown with this reason.
    pub removal_reason: Option<String>,
    /// Waiting for a moderator's approval (only its author and moderators see it meanwhile).
    pub held: bool,
    /// Why it waits.
    pub held_reason: Option<String>,
    /// Its spam score when it was written, for moderators and admins only (null for others,
    /// and for posts by staff and in spaces on other servers, which are not scored).
    pub spam: Option<SpamScore>,
    pub like_count: i64,
    /// Whether the viewer likes it (false for visitors).
    pub liked: bool,
    pub is_answer: bool,
    /// Whether the viewer may edit or delete it (only its author).
    pub can_edit: bool,
    /// Depth in the reply tree: 0 for the opening post, 1 for a direct reply.
    pub depth: u32,
}

/// A reply with the replies to it, for rendering the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostNode {
    #[serde(flatten)]
    pub post: Post,
    #[schema(no_recursion)]
    pub replies: Vec<PostNode>,
    /// How many posts are below this one, at any depth.
    pub descendants: usize,
}

/// A whole thread: the question, the accepted answer, and the tree of replies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadView {
    #[serde(flatten)]
    pub summary: ThreadSummary,
    pub space_title: String,
    pub opening: Post,
    /// The reply marked as the answer, shown right under the question.
    pub answer: Option<Post>,
    /// Direct replies, oldest first, each with its own replies.
    pub replies: Vec<PostNode>,
    pub can_reply: bool,
    /// Whether the viewer may mark or change the answer (the asker or staff).
    pub can_mark_answer: bool,
}

/// An earlier version of a post.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionView {
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// When it was replaced by the next one.
    pub replaced_at: DateTime<Utc>,
}

impl From<&crate::db::posts::Revision> for RevisionView {
    fn from(r: &crate::db::posts::Revision) -> Self {
        RevisionView {
            title: r.title.clone(),
            body: r.body.clone(),
            body_html: r.body_html.clone(),
            written_at: utc(r.written_at),
            replaced_at: utc(r.replaced_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct History {
    pub post: Post,
    pub thread_title: String,
    pub thread_url: String,
    /// Newest first.
    pub revisions: Vec<RevisionView>,
}

/// Something a person wrote, for their profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contribution {
    pub post_id: i64,
    /// True when this is the opening post of a thread they started.
    pub started_thread: bool,
    pub thread_title: String,
    /// Removed by moderators (the excerpt then gives their reason, except to the author and
    /// moderators).
    pub removed: bool,
    pub url: String,
    pub space: String,
    pub excerpt: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContributionPage {
    pub items: Vec<Contribution>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}
