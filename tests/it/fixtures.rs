//! Real documents from twelve fediverse implementations (tests/fixtures/activitypub, sources and
//! quirks in its SOURCES.md): every one is read deliberately. Activities Hearth handles must
//! parse into its inbox types; activity types it ignores are listed here by name, so a new kind
//! is a decision, not an accident; actors must parse as actors and posts as posts.

use std::path::{Path, PathBuf};

use hearth::federation::activities::{InboxActivity, is_handled};
use hearth::federation::protocol::{ActorJson, PostJson};
use serde_json::Value;

/// Activity types acknowledged and dropped (202) at the inbox, with why.
const IGNORED: &[(&str, &str)] = &[
    (
        "Add",
        "moderator and featured-post changes of remote groups",
    ),
    (
        "Remove",
        "moderator and featured-post changes of remote groups",
    ),
    ("Block", "bans in remote communities"),
    ("Lock", "locking threads of remote communities"),
    ("Dislike", "Hearth has likes only, no downvotes"),
    (
        "Update",
        "Update of anything but a post (a Group, a Person)",
    ),
    ("Create", "Create of anything but a post (a poll: Question)"),
];

/// Documents refused on purpose (400), with why.
const REFUSED: &[(&str, &str)] = &[(
    "gotosocial/delete-no-id.json",
    "an activity without an id can be neither checked against its actor's host nor deduplicated",
)];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Mbin's snapshots have scrubbed ids ("SCRUBBED_ID"): structure only, not valid documents.
fn scrubbed(v: &Value) -> bool {
    v.to_string().contains("SCRUBBED_")
}

#[test]
fn every_fixture_is_handled_or_refused_deliberately() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/activitypub");
    let all = files(&dir);
    assert!(all.len() >= 80, "fixtures present: {}", all.len());
    let (mut handled, mut ignored, mut actors, mut posts, mut other) = (0, 0, 0, 0, 0);
    for path in &all {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let parsed_activity = serde_json::from_value::<InboxActivity>(v.clone());
        if REFUSED.iter().any(|(f, _)| name == *f) {
            assert!(
                parsed_activity.is_err(),
                "{name} is on the refused list but parses"
            );
            continue;
        }
        match kind {
            "Person" | "Group" | "Application" | "Service" | "Organization" => {
                let actor = serde_json::from_value::<ActorJson>(v.clone());
                assert!(
                    actor.is_ok() || scrubbed(&v),
                    "{name}: actor does not parse: {:?}",
                    actor.err()
                );
                actors += 1;
            }
            "Note" | "Page" | "Article" | "Question" => {
                let post = serde_json::from_value::<PostJson>(v.clone());
                assert!(
                    post.is_ok(),
                    "{name}: post does not parse: {:?}",
                    post.err()
                );
                posts += 1;
            }
            _ if is_handled(&v) => {
                assert!(
                    parsed_activity.is_ok() || scrubbed(&v),
                    "{name}: a {kind} Hearth handles does not parse: {:?}",
                    parsed_activity.err()
                );
                handled += 1;
            }
            "" | "OrderedCollection" | "Feed" | "Collection" => {
                // WebFinger and NodeInfo documents, collections: read by their own code paths.
                other += 1;
            }
            _ => {
                // Delete of an account (object: Person) is handled by type; anything else must
                // be on the ignore list.
                assert!(
                    IGNORED.iter().any(|(k, _)| *k == kind),
                    "{name}: activity type {kind} is neither handled nor deliberately ignored"
                );
                ignored += 1;
            }
        }
    }
    eprintln!(
        "fixtures: {handled} handled, {ignored} ignored, {actors} actors, {posts} posts, {other} other"
    );
    assert!(handled >= 20, "{handled}");
}

#[test]
fn peer_quirks_are_tolerated() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/activitypub");
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    // Mastodon: a post to a group, with the group only in `cc` and a Mention.
    let v = read("mastodon/create-note-to-group.json");
    assert!(matches!(
        serde_json::from_value::<InboxActivity>(v).unwrap(),
        InboxActivity::CreatePost(_)
    ));
    // Lemmy: no @context at all.
    let v = read("lemmy/follow-group.json");
    assert!(v.get("@context").is_none());
    assert!(matches!(
        serde_json::from_value::<InboxActivity>(v).unwrap(),
        InboxActivity::Follow(_)
    ));
    // Misskey: a Like with a custom emoji reaction.
    let v = read("misskey/like-custom-emoji-reaction.json");
    assert!(matches!(
        serde_json::from_value::<InboxActivity>(v).unwrap(),
        InboxActivity::Like(_)
    ));
    // GoToSocial and Mastodon Flags with a list of objects; Lemmy's with one and a summary.
    for f in [
        "gotosocial/flag.json",
        "mastodon/flag.json",
        "lemmy/flag-report-page.json",
    ] {
        assert!(
            matches!(
                serde_json::from_value::<InboxActivity>(read(f)).unwrap(),
                InboxActivity::Flag(_)
            ),
            "{f}"
        );
    }
    // Deletes: a Tombstone object, a bare id.
    for f in [
        "mastodon/delete-note-tombstone.json",
        "lemmy/delete-user.json",
    ] {
        assert!(
            matches!(
                serde_json::from_value::<InboxActivity>(read(f)).unwrap(),
                InboxActivity::Delete(_)
            ),
            "{f}"
        );
    }
    // Actors: icon as an object, GoToSocial's `/main-key` key ids.
    let p: ActorJson = serde_json::from_value(read("mastodon/person.json")).unwrap();
    assert!(p.icon_url().is_some() || p.icon.is_none());
    let g: ActorJson = serde_json::from_value(read("gotosocial/person.json")).unwrap();
    assert!(g.public_key.id.ends_with("main-key"));
}
