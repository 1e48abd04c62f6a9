//! The listening desk page (staff only) and its buttons: take, hand over, release, mark answered.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::service::{desk, spaces};
use crate::web::{PageCtx, WebResult, html, see_other, val};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeskParams {
    space: String,
    assignee: String,
    cursor: String,
}

pub async fn show(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<DeskParams>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let queue = desk::queue(
        &s.hearth,
        &viewer,
        desk::DeskQuery {
            space: Some(q.space.clone()),
            assignee: Some(q.assignee.clone()),
            cursor: Some(q.cursor.clone()),
            limit: None,
        },
    )
    .await?;
    let spaces = spaces::list(&s.hearth, false).await?;
    let next = queue.next.as_ref().map(|c| {
        serde_urlencoded::to_string([
            ("space", q.space.as_str()),
            ("assignee", q.assignee.as_str()),
            ("cursor", c.as_str()),
        ])
        .unwrap_or_default()
    });
    let body = s.templates.render(
        "desk.html",
        merge_maps([
            context! {
                desk => val(&queue),
                spaces => val(&spaces),
                space => q.space,
                assignee => q.assignee,
                next => next,
                me => viewer.person.name.clone(),
            },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    /// Empty: to nobody.
    assignee: String,
    /// Where to go back to: the desk (with its filters) or the thread.
    back: String,
}

/// Only paths on this site, so the form cannot send a person elsewhere.
fn back_to(back: &str) -> String {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back.to_string()
    } else {
        "/desk".to_string()
    }
}

pub async fn assign(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let to = Some(f.assignee.trim()).filter(|a| !a.is_empty());
    desk::assign(&s.hearth, &viewer, id, to).await?;
    Ok(see_other(&back_to(&f.back)))
}

pub async fn answered(
    State(s): State<AppState>,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    desk::mark_answered(&s.hearth, &viewer, id).await?;
    Ok(see_other(&back_to(&f.back)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn back_links_stay_on_this_site() {
        assert_eq!(super::back_to("/desk?space=support"), "/desk?space=support");
        assert_eq!(super::back_to("/s/support/t/3"), "/s/support/t/3");
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "desk",
        ] {
            assert_eq!(super::back_to(bad), "/desk", "{bad}");
        }
    }
}
