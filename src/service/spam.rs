//! The spam score: every new post by a member of a space here gets a score from 0 to 100, from
//! signals that need no outside service — its links and how much of it is links, the same words
//! posted again, the account's age, how fast it posts, and a filter that learns from moderators'
//! decisions (naive Bayes over words, counts in the database). A space holds posts at or above
//! its threshold for a moderator, who sees the score and why; nothing is ever dropped.
//!
//! The analysis here is pure (tested below); `assess` gathers what it needs from the database in
//! a fixed number of queries (three, and a fourth for the words once the filter has learned
//! enough), and `train` records a decision.

use std::collections::{BTreeSet, HashMap};

use chrono::TimeDelta;
use sha2::{Digest, Sha256};

use crate::db::{self, DbConn, persons::Person};
use crate::error::AppResult;

/// The words of a post shorter than this (letters and digits only) are not compared with other
/// posts: "Thanks!" is said often and honestly.
pub const REPEAT_MIN_CHARS: usize = 20;
/// How far back the same words count as repeated, and the window of the posting rate.
pub const REPEAT_DAYS: i64 = 30;
pub const RATE_MINUTES: i64 = 10;
/// The filter speaks once moderators have judged at least this many posts each way.
pub const FILTER_MIN_DOCS: i64 = 3;
/// The most words of one post the filter looks at, and weighs.
const MAX_TOKENS: usize = 200;
const WEIGHED_TOKENS: usize = 15;

/// What the words of a post show by themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Links, not counting mentions (`@name`) and hashtags.
    pub links: usize,
    /// Characters of visible text in links (their text, or the bare address).
    pub link_chars: usize,
    /// Characters of visible text in all.
    pub text_chars: usize,
    /// A hash of the post's own words (letters and digits, lower-cased; links and mentions
    /// left out), when there are enough of them to compare.
    pub hash: Option<i64>,
    /// The distinct words (and linked hosts, as `link:host`) the filter looks at.
    pub tokens: Vec<String>,
}

/// Reads sanitized HTML (what `text::sanitize` and the markdown renderer produce).
pub fn analyse(html: &str) -> Analysis {
    let mut own = String::new(); // visible text outside links and mentions
    let mut links = 0;
    let mut link_chars = 0;
    let mut text_chars = 0;
    let mut hosts = Vec::new();
    // Inside an anchor: its href and the text read so far.
    let mut anchor: Option<(String, String)> = None;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').unwrap_or(after.len());
            let tag = &after[..end];
            rest = after.get(end + 1..).unwrap_or("");
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .find(|s| !s.is_empty())
                .unwrap_or("")
                .to_ascii_lowercase();
            if name == "a" && !tag.starts_with('/') {
                anchor = Some((attribute(tag, "href").unwrap_or_default(), String::new()));
            } else if name == "a" {
                if let Some((href, text)) = anchor.take() {
                    let t = text.trim();
                    if href.is_empty() {
                        // No address left (the sanitizer drops unsafe ones): only words.
                        own.push(' ');
                        own.push_str(&text);
                    } else if t.starts_with('@') || t.starts_with('#') {
                        // A mention or a hashtag: neither a link nor the post's own words.
                    } else {
                        links += 1;
                        link_chars += t.chars().count();
                        hosts.extend(host_of(&href));
                    }
                }
            } else {
                // Block boundaries separate words.
                push_text(&mut anchor, &mut own, " ");
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let chunk = decode(&rest[..end]);
        rest = &rest[end..];
        text_chars += chunk.chars().filter(|c| !c.is_whitespace()).count();
        if anchor.is_some() {
            push_text(&mut anchor, &mut own, &chunk);
            continue;
        }
        // Bare addresses in the text are links too.
        for word in chunk.split_whitespace() {
            let w = word.trim_matches(|c: char| ",.;:!?()[]<>\"'".contains(c));
            let lower = w.to_ascii_lowercase();
            if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("www.")
            {
                links += 1;
                link_chars += w.chars().count();
                hosts.extend(host_of(w));
            } else {
                own.push(' ');
                own.push_str(word);
            }
        }
        own.push(' ');
    }
    // An anchor never closed still counts as a link.
    if let Some((href, text)) = anchor.filter(|(href, _)| !href.is_empty()) {
        links += 1;
        link_chars += text.trim().chars().count();
        hosts.extend(host_of(&href));
    }

    let compact: String = own
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let hash = (compact.chars().count() >= REPEAT_MIN_CHARS).then(|| {
        let digest = Sha256::digest(compact.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    });

    let mut tokens = BTreeSet::new();
    for word in own.split(|c: char| !c.is_alphanumeric()) {
        let n = word.chars().count();
        if (2..=24).contains(&n) {
            tokens.insert(word.to_lowercase());
        }
        if tokens.len() >= MAX_TOKENS {
            break;
        }
    }
    for host in hosts {
        if tokens.len() >= MAX_TOKENS {
            break;
        }
        tokens.insert(format!("link:{host}"));
    }
    Analysis {
        links,
        link_chars,
        text_chars,
        hash,
        tokens: tokens.into_iter().collect(),
    }
}

fn push_text(anchor: &mut Option<(String, String)>, own: &mut String, text: &str) {
    match anchor {
        Some((_, t)) => t.push_str(text),
        None => own.push_str(text),
    }
}

/// An attribute's value in a tag as sanitized HTML writes it (`name="value"`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(decode(&tag[start..start + len]))
}

/// The few entities sanitized HTML uses.
fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

fn host_of(address: &str) -> Option<String> {
    let with_scheme = if address.to_ascii_lowercase().starts_with("www.") {
        format!("http://{address}")
    } else {
        address.to_string()
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// Everything the score weighs.
#[derive(Debug, Clone)]
pub struct Signals<'a> {
    pub analysis: &'a Analysis,
    pub account_age: TimeDelta,
    /// Whether the account is on another server (its age is then how long we have known it).
    pub remote: bool,
    /// Posts with the same words in the last [`REPEAT_DAYS`]: by the same person, by others.
    pub repeats_own: i64,
    pub repeats_others: i64,
    /// The person's posts in the last [`RATE_MINUTES`], before this one.
    pub recent_posts: i64,
    /// The filter's probability that it is spam, once it has learned enough.
    pub filter: Option<f64>,
}

/// A post's spam score (0–100) and the reasons, in words a moderator reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub points: i64,
    pub why: Vec<String>,
}

impl Score {
    pub fn why_text(&self) -> String {
        if self.why.is_empty() {
            "nothing suspicious".into()
        } else {
            self.why.join("; ")
        }
    }
}

pub fn score(s: &Signals<'_>) -> Score {
    let mut points = 0;
    let mut why = Vec::new();
    let mut add = |p: i64, reason: String| {
        points += p;
        why.push(format!("{reason} ({p:+})"));
    };
    let a = s.analysis;
    if a.links > 0 {
        let n = a.links.min(3) as i64;
        add(
            10 * n,
            if a.links == 1 {
                "a link".into()
            } else {
                format!("{} links", a.links)
            },
        );
        // Most of what it says is links.
        if a.link_chars * 10 >= a.text_chars * 4 {
            add(20, "mostly links".into());
        }
    }
    let own = match s.repeats_own {
        0 => 0,
        1 => 30,
        _ => 45,
    };
    let others = if s.repeats_others > 0 { 25 } else { 0 };
    if own >= others && own > 0 {
        add(
            own,
            format!(
                "the same words as {} earlier post{} of theirs",
                s.repeats_own,
                plural(s.repeats_own)
            ),
        );
    } else if others > 0 {
        add(
            others,
            format!(
                "the same words as {} post{} by others",
                s.repeats_others,
                plural(s.repeats_others)
            ),
        );
    }
    let known = if s.remote {
        "first seen here"
    } else {
        "account created"
    };
    if s.account_age < TimeDelta::days(1) {
        add(15, format!("{known} less than a day ago"));
    } else if s.account_age < TimeDelta::days(7) {
        add(5, format!("{known} less than a week ago"));
    }
    if s.recent_posts >= 9 {
        add(
            20,
            format!(
                "{} posts in the last {RATE_MINUTES} minutes",
                s.recent_posts
            ),
        );
    } else if s.recent_posts >= 4 {
        add(
            10,
            format!(
                "{} posts in the last {RATE_MINUTES} minutes",
                s.recent_posts
            ),
        );
    }
    if let Some(p) = s.filter {
        let pts = if p >= 0.99 {
            50
        } else if p >= 0.9 {
            35
        } else if p >= 0.7 {
            15
        } else if p <= 0.1 {
            -20
        } else if p <= 0.3 {
            -10
        } else {
            0
        };
        if pts != 0 {
            let like = if pts > 0 { "like" } else { "unlike" };
            add(
                pts,
                format!("reads {like} what moderators judged spam ({p:.2})"),
            );
        }
    }
    Score {
        points: points.clamp(0, 100),
        why,
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The filter: how likely the words are spam, from how often each appeared in posts judged spam
/// (`spam_docs` of them) and not spam (`ham_docs`). Robinson's smoothing for words seen rarely,
/// the [`WEIGHED_TOKENS`] most telling words combined as naive Bayes does. `None` until it has
/// learned [`FILTER_MIN_DOCS`] posts each way, or when no word is known.
pub fn probability(counts: &[(i64, i64)], spam_docs: i64, ham_docs: i64) -> Option<f64> {
    if spam_docs < FILTER_MIN_DOCS || ham_docs < FILTER_MIN_DOCS {
        return None;
    }
    let mut weights: Vec<f64> = counts
        .iter()
        .filter(|(s, h)| s + h > 0)
        .map(|&(s, h)| {
            let in_spam = s as f64 / spam_docs as f64;
            let in_ham = h as f64 / ham_docs as f64;
            let p = in_spam / (in_spam + in_ham);
            let n = (s + h) as f64;
            // Start from "can't tell" (0.5) and move towards p as the word is seen more.
            ((0.5 + n * p) / (1.0 + n)).clamp(0.01, 0.99)
        })
        .collect();
    if weights.is_empty() {
        return None;
    }
    weights.sort_by(|a, b| (b - 0.5).abs().total_cmp(&(a - 0.5).abs()));
    let log_odds: f64 = weights
        .iter()
        .take(WEIGHED_TOKENS)
        .map(|f| (f / (1.0 - f)).ln())
        .sum();
    Some(1.0 / (1.0 + (-log_odds).exp()))
}

/// Scores a new post by `author` (a member) before it is stored.
pub fn assess(c: &mut DbConn, author: &Person, analysis: &Analysis) -> AppResult<Score> {
    let now = db::now();
    let (repeats_own, repeats_others) = match analysis.hash {
        Some(hash) => {
            let authors = db::spam::same_words(c, hash, now - TimeDelta::days(REPEAT_DAYS))?;
            let own = authors.iter().filter(|&&a| a == author.id).count() as i64;
            (own, authors.len() as i64 - own)
        }
        None => (0, 0),
    };
    let recent_posts =
        db::spam::recent_posts(c, author.id, now - TimeDelta::minutes(RATE_MINUTES))?;
    let filter = filter(c, &analysis.tokens)?;
    Ok(score(&Signals {
        analysis,
        account_age: now - author.created_at,
        remote: author.remote_actor_id.is_some(),
        repeats_own,
        repeats_others,
        recent_posts,
        filter,
    }))
}

fn filter(c: &mut DbConn, tokens: &[String]) -> AppResult<Option<f64>> {
    // Until it has learned enough, one small query (the words are not looked up).
    let (spam_docs, ham_docs) = db::spam::judged(c)?;
    if spam_docs < FILTER_MIN_DOCS || ham_docs < FILTER_MIN_DOCS || tokens.is_empty() {
        return Ok(None);
    }
    let rows = db::spam::counts(c, tokens)?;
    let by_token: HashMap<&str, (i64, i64)> = rows
        .iter()
        .map(|(t, s, h)| (t.as_str(), (*s, *h)))
        .collect();
    let counts: Vec<(i64, i64)> = tokens
        .iter()
        .filter_map(|t| by_token.get(t.as_str()).copied())
        .collect();
    Ok(probability(&counts, spam_docs, ham_docs))
}

/// Records what a moderator's decision teaches the filter about a post: `Some(true)` spam,
/// `Some(false)` not spam, `None` nothing (taking back an earlier lesson). Idempotent.
pub fn train(c: &mut DbConn, post: &db::posts::Post, spam: Option<bool>) -> AppResult<()> {
    if post.trained_spam == spam {
        return Ok(());
    }
    let tokens = analyse(&post.body_html).tokens;
    let delta = |label: Option<bool>, sign: i64| match label {
        Some(true) => (sign, 0),
        Some(false) => (0, sign),
        None => (0, 0),
    };
    let (s1, h1) = delta(post.trained_spam, -1);
    let (s2, h2) = delta(spam, 1);
    db::spam::add(c, &tokens, s1 + s2, h1 + h2)?;
    db::spam::set_trained(c, post.id, spam)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(a: &Analysis) -> Signals<'_> {
        Signals {
            analysis: a,
            account_age: TimeDelta::days(400),
            remote: false,
            repeats_own: 0,
            repeats_others: 0,
            recent_posts: 0,
            filter: None,
        }
    }

    #[test]
    fn links_are_counted_but_mentions_and_hashtags_are_not() {
        let a = analyse(
            "<p><a href=\"https://m.example/@support\" rel=\"nofollow\">@<span>support</span></a> \
             see <a href=\"https://Shop.Example/x?a=1&amp;b=2\">the shop</a> and \
             https://www.other.example/y, <a href=\"https://m.example/tags/help\">#help</a></p>",
        );
        assert_eq!(a.links, 2, "{a:?}");
        assert_eq!(
            a.link_chars,
            "the shop".len() + "https://www.other.example/y".len()
        );
        assert!(a.tokens.contains(&"link:shop.example".to_string()), "{a:?}");
        assert!(
            a.tokens.contains(&"link:other.example".to_string()),
            "{a:?}"
        );
        assert!(a.tokens.contains(&"see".to_string()));
        assert!(
            !a.tokens.iter().any(|t| t == "support" || t == "help"),
            "{a:?}"
        );
        // An anchor whose address the sanitizer dropped is words, not a link.
        let b = analyse("<p>Hi <a rel=\"nofollow\">click</a> here</p>");
        assert_eq!(b.links, 0, "{b:?}");
        assert!(b.tokens.contains(&"click".to_string()), "{b:?}");
    }

    #[test]
    fn the_same_words_hash_alike_whatever_the_links_case_and_spacing() {
        let a =
            analyse("<p>Free money for everyone at <a href=\"https://s.example/1\">this</a></p>");
        let b = analyse(
            "<p>FREE money, for   everyone at</p><p><a href=\"https://s.example/2\">that</a></p>",
        );
        let c =
            analyse("<p>Free money for everybody at <a href=\"https://s.example/1\">this</a></p>");
        assert!(a.hash.is_some());
        assert_eq!(a.hash, b.hash);
        assert_ne!(a.hash, c.hash);
        // Too short to compare.
        assert_eq!(analyse("<p>Thanks, that fixed it!</p>").hash, None);
    }

    #[test]
    fn a_normal_reply_scores_nothing_and_link_spam_from_a_new_account_scores_high() {
        let normal = analyse("<p>The router came back after I unplugged it for a minute.</p>");
        let s = score(&signals(&normal));
        assert_eq!(s.points, 0);
        assert_eq!(s.why_text(), "nothing suspicious");

        let spam = analyse(
            "<p>Cheap <a href=\"https://spam.example/a\">watches</a> and \
             <a href=\"https://spam.example/b\">bags</a></p>",
        );
        let mut sig = signals(&spam);
        sig.account_age = TimeDelta::hours(2);
        sig.remote = true;
        let s = score(&sig);
        // Two links, mostly links, first seen two hours ago.
        assert_eq!(s.points, 20 + 20 + 15, "{s:?}");
        assert!(s.why_text().contains("2 links (+20)"), "{s:?}");
        assert!(
            s.why_text().contains("first seen here less than a day ago"),
            "{s:?}"
        );
    }

    #[test]
    fn repeats_rate_and_the_filter_add_up_and_the_score_stays_within_0_to_100() {
        let a = analyse("<p>Buy followers now at https://spam.example</p>");
        let mut sig = signals(&a);
        sig.repeats_own = 3;
        sig.repeats_others = 2;
        sig.recent_posts = 12;
        sig.filter = Some(0.999);
        let s = score(&sig);
        assert_eq!(s.points, 100, "{s:?}");
        assert!(
            s.why_text()
                .contains("the same words as 3 earlier posts of theirs (+45)")
        );
        assert!(
            s.why_text()
                .contains("12 posts in the last 10 minutes (+20)")
        );

        let b = analyse("<p>Thanks, the update fixed my router.</p>");
        let mut sig = signals(&b);
        sig.filter = Some(0.02);
        let s = score(&sig);
        assert_eq!(s.points, 0, "never below zero: {s:?}");
        assert!(s.why_text().contains("unlike"), "{s:?}");
    }

    #[test]
    fn the_filter_waits_for_enough_decisions_then_tells_spam_from_ham() {
        // Before three decisions each way it says nothing.
        assert_eq!(probability(&[(2, 0)], 2, 5), None);
        assert_eq!(probability(&[(3, 0)], 3, 2), None);
        // Words seen only in spam, and only in ham.
        let spammy = probability(&[(5, 0), (4, 0), (3, 1)], 6, 6).unwrap();
        let hammy = probability(&[(0, 5), (0, 4), (1, 3)], 6, 6).unwrap();
        assert!(spammy > 0.95, "{spammy}");
        assert!(hammy < 0.05, "{hammy}");
        // A word as common in both tells nothing.
        let even = probability(&[(3, 3)], 6, 6).unwrap();
        assert!((even - 0.5).abs() < 1e-9, "{even}");
        // No known word: nothing to say.
        assert_eq!(probability(&[(0, 0)], 6, 6), None);
    }
}
