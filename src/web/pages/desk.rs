//! The listening desk page (staff only) and its buttons: take, hand over, release, mark answered.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::merge_maps;
use serde::Deserialize;

use crate::app::AppState;
use crate::service::{desk, metrics, spaces};
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MetricsParams {
    space: String,
}

/// The desk's figures: two charts (SVG drawn here, readable without JavaScript) and the table of
/// numbers behind them.
pub async fn metrics(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<MetricsParams>,
) -> WebResult<Response> {
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let m = metrics::weekly(&s.hearth, &viewer, Some(&q.space), None).await?;
    let (asked_chart, times_chart) = metrics::charts(&m);
    let spaces = spaces::list(&s.hearth, false).await?;
    let dash = || "—".to_string();
    let rows: Vec<minijinja::Value> = m
        .weeks
        .iter()
        .map(|w| {
            context! {
                week => w.week.to_string(),
                asked => w.asked,
                answered_by_staff => w.answered_by_staff,
                share => w.share_answered.map(|x| format!("{:.0} %", x * 100.0)).unwrap_or_else(dash),
                median => w.median_first_response_seconds.map(desk::human_duration).unwrap_or_else(dash),
                p90 => w.p90_first_response_seconds.map(desk::human_duration).unwrap_or_else(dash),
                waiting_over_target => w.waiting_over_target,
                people_helped => w.people_helped,
            }
        })
        .collect();
    let body = s.templates.render(
        "metrics.html",
        merge_maps([
            context! {
                metrics => val(&m),
                rows => rows,
                asked_chart => asked_chart,
                times_chart => times_chart,
                spaces => val(&spaces),
            },
            page.base(),
        ]),
    )?;
    Ok(html(body))
}

/// The same figures as a CSV download.
pub async fn metrics_csv(
    State(s): State<AppState>,
    page: PageCtx,
    Query(q): Query<MetricsParams>,
) -> WebResult<Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let viewer = match page.require_viewer() {
        Ok(v) => v.clone(),
        Err(r) => return Ok(r),
    };
    let m = metrics::weekly(&s.hearth, &viewer, Some(&q.space), None).await?;
    let file = format!(
        "attachment; filename=\"hearth-desk-{}.csv\"",
        m.space.as_deref().unwrap_or("all")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        metrics::csv(&m),
    )
        .into_response())
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
