//! HTML templates (minijinja), compiled into the binary. Autoescaping is on for every `.html`
//! template, so text from people is escaped unless a template explicitly says otherwise.

use minijinja::{Environment, Value};

use crate::error::AppError;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "macros.html",
    "error.html",
    "home.html",
    "login.html",
    "register.html",
    "registered.html",
    "application.html",
    "profile.html",
    "settings.html",
    "admin.html",
    "space.html",
    "compose.html",
    "post.html",
    "thread.html",
    "edit.html",
    "history.html",
    "space_admin.html",
    "deliveries.html",
    "report.html",
    "moderation.html",
    "desk.html",
    "metrics.html",
    "notifications.html",
    "modlog.html",
);

/// `2026-12-01T06:42:17.123456Z` (how views serialise times) → `2026-12-01 06:42 UTC`. Done by
/// slicing rather than parsing: it runs several times per post on every page.
fn short_datetime(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    let shaped = b.len() >= 16 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':';
    if shaped && rfc3339.is_char_boundary(16) {
        format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
    } else {
        rfc3339.to_string()
    }
}

pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        // Escape the five characters that matter in HTML text and attributes, and leave `/`
        // alone so URLs stay readable in the page source.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(s) if *state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
                for c in s.chars() {
                    match c {
                        '&' => out.write_str("&amp;")?,
                        '<' => out.write_str("&lt;")?,
                        '>' => out.write_str("&gt;")?,
                        '"' => out.write_str("&quot;")?,
                        '\'' => out.write_str("&#x27;")?,
                        c => std::fmt::Write::write_char(out, c)?,
                    }
                }
                Ok(())
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
        }
        env.add_function("asset", |path: &str| {
            // Our own URL, not user input: safe to emit unescaped.
            Value::from_safe_string(format!("/static/{path}?v={}", crate::assets::version(path)))
        });
        env.add_filter("lines", |s: &str| -> Vec<String> {
            s.lines().map(str::to_string).collect()
        });
        env.add_filter("datetime", |v: Value| -> String {
            short_datetime(&v.to_string())
        });
        Templates { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, AppError> {
        let t = self.env.get_template(name).map_err(AppError::internal)?;
        t.render(ctx).map_err(AppError::internal)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_datetime() {
        assert_eq!(
            super::short_datetime("2026-12-01T06:42:17.123456Z"),
            "2026-12-01 06:42 UTC"
        );
        assert_eq!(super::short_datetime("not a date"), "not a date");
    }
}
