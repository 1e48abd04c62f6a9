//! Text people write: markdown rendered to HTML through an allow-list sanitiser, and slugs for URLs.
//!
//! Markdown is rendered with pulldown-cmark, then *everything* it produced is passed through
//! ammonia with an explicit allow-list, so raw HTML inside markdown, `javascript:` links, event
//! attributes and styles never reach a page. Images are not allowed: a remote image in a post
//! would tell a third party who reads it (Hearth has no trackers), so image syntax renders as a link.

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Markdown source → safe HTML.
pub fn render_markdown(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_TASKLISTS);
    let parser = Parser::new_ext(source, options).map(|event| match event {
        // An image becomes a plain link to it, its alt text the link text.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    sanitize(&unsafe_html)
}

/// Any HTML → HTML with only harmless tags and attributes, links marked `nofollow ugc noopener`.
pub fn sanitize(html: &str) -> String {
    let tags: HashSet<&str> = [
        "a",
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "input",
        "sup",
        "sub",
    ]
    .into_iter()
    .collect();
    let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
    ammonia::Builder::default()
        .tags(tags)
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect()),
                (
                    "input",
                    ["type", "checked", "disabled"].into_iter().collect(),
                ),
                ("ol", ["start"].into_iter().collect()),
                ("th", ["align"].into_iter().collect()),
                ("td", ["align"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .generic_attributes(HashSet::new())
        .url_schemes(schemes)
        .link_rel(Some("nofollow ugc noopener"))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .clean(html)
        .to_string()
}

/// A URL-friendly form of a title: lower case ASCII words joined by `-`, at most 60 characters.
/// Non-Latin titles may come out empty; URLs then carry only the id.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in title.chars() {
        let c = deunicode_char(c);
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if slug.len() >= 60 {
            break;
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The common Latin letters with diacritics, folded to ASCII for slugs.
fn deunicode_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => 's',
        other => other,
    }
}

/// A plain-text excerpt of markdown, for lists and link previews.
pub fn excerpt(source: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for event in Parser::new(source) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
        if out.chars().count() > max_chars {
            break;
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > max_chars {
        let cut: String = out.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        out
    }
}

/// The image type, from the bytes themselves (never from what the server claims).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_common_formatting() {
        let html = render_markdown("**bold** _it_ `code`\n\n- one\n- two\n\n> quote");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("<em>it</em>"));
        assert!(html.contains("<code>code</code>"));
        assert!(html.contains("<li>one</li>"));
        assert!(html.contains("<blockquote>"));
    }

    #[test]
    fn links_get_rel_and_only_safe_schemes() {
        let html = render_markdown(
            "[site](https://acme.example) [x](javascript:alert(1)) <a href=\"data:text/html,hi\">d</a>",
        );
        assert!(
            html.contains(
                "<a href=\"https://acme.example\" rel=\"nofollow ugc noopener\">site</a>"
            )
        );
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("data:"));
    }

    #[test]
    fn hostile_html_is_removed() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<p onclick=\"alert(1)\">x</p>",
            "<div style=\"position:fixed\">x</div>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg><script>alert(1)</script></svg>",
            "<b><i>unclosed <a href='javascript:alert(1)'>x",
            "<<script>script>alert(1)<</script>/script>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<form action=\"https://evil.example\"><input name=q></form>",
        ];
        for case in cases {
            let html = render_markdown(case);
            let lower = html.to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onclick",
                "style=",
                "javascript:",
                "<iframe",
                "<svg",
                "<img",
                "<form",
            ] {
                assert!(!lower.contains(bad), "{case:?} → {html:?} contains {bad}");
            }
        }
        // Nested and unclosed tags come out balanced.
        let html = render_markdown("<b><i>unclosed");
        assert_eq!(html.matches("<b>").count(), html.matches("</b>").count());
    }

    #[test]
    fn images_become_links() {
        let html = render_markdown("![a cat](https://cats.example/cat.png)");
        assert!(!html.contains("<img"));
        assert!(html.contains("href=\"https://cats.example/cat.png\""));
        assert!(html.contains(">a cat</a>"));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("How do I reset my router?"),
            "how-do-i-reset-my-router"
        );
        assert_eq!(slugify("  Ça marche — très bien!  "), "ca-marche-tres-bien");
        assert_eq!(slugify("日本語"), "");
        assert!(slugify(&"word ".repeat(40)).len() <= 64);
    }

    #[test]
    fn excerpts_are_plain_text() {
        assert_eq!(
            excerpt("**Hello** _world_\n\nsecond", 100),
            "Hello world second"
        );
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
    }
}
