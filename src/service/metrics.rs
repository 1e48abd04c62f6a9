//! How well staff listen, per week: questions asked, the share staff answered, how long people
//! waited for a first staff response, who is still waiting past the target, and how many people
//! were helped. Figures about the relationship, never about the askers: no follower counts, no
//! ranking of customers. Drawn as server-rendered SVG with the numbers beside it, and as CSV.

use std::collections::HashSet;
use std::fmt::Write;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, desk, spaces};
use crate::error::{AppError, AppResult};

use super::{Hearth, Viewer};

pub const WEEKS_DEFAULT: i64 = 12;
pub const WEEKS_MAX: i64 = 104;

/// One week (Monday 00:00 UTC to the next Monday) of questions asked by people who are not staff.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Week {
    /// The Monday the week starts on (UTC).
    pub week: NaiveDate,
    /// Threads started that week by people who are not staff.
    pub asked: i64,
    /// Of those, how many have had a staff reply.
    pub answered_by_staff: i64,
    /// `answered_by_staff / asked`, 0–1; absent when nothing was asked.
    pub share_answered: Option<f64>,
    /// Median time from the question to the first staff reply, in seconds (the mean of the two
    /// middle values for an even count); absent when staff answered none.
    pub median_first_response_seconds: Option<i64>,
    /// 90th percentile of the same (nearest rank).
    pub p90_first_response_seconds: Option<i64>,
    /// Of that week's threads, how many wait for staff now and have waited past their space's
    /// target.
    pub waiting_over_target: i64,
    /// Distinct people whose questions that week had a staff reply.
    pub people_helped: i64,
}

/// The figures for a space (or every space) over the last weeks, oldest week first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Metrics {
    /// The space, or absent for the whole instance.
    pub space: Option<String>,
    pub weeks: Vec<Week>,
}

fn monday_of(t: NaiveDateTime) -> NaiveDate {
    let d = t.date();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The median of sorted values (mean of the two middle ones for an even count).
fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p` % of the
/// values at or below it.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// The weeks ending with the one containing `now`, from the threads asked since the first.
pub fn compute(rows: &[desk::Asked], weeks: i64, now: NaiveDateTime) -> Vec<Week> {
    let last = monday_of(now);
    let first = last - Duration::weeks(weeks - 1);
    (0..weeks)
        .map(|k| {
            let start = first + Duration::weeks(k);
            let in_week: Vec<&desk::Asked> = rows
                .iter()
                .filter(|r| monday_of(r.created_at) == start)
                .collect();
            let mut waits: Vec<i64> = in_week
                .iter()
                .filter_map(|r| {
                    r.first_staff_reply_at
                        .map(|f| (f - r.created_at).num_seconds().max(0))
                })
                .collect();
            waits.sort_unstable();
            let asked = in_week.len() as i64;
            let answered = waits.len() as i64;
            let helped: HashSet<i64> = in_week
                .iter()
                .filter(|r| r.first_staff_reply_at.is_some())
                .map(|r| r.author_id)
                .collect();
            let over = in_week
                .iter()
                .filter(|r| {
                    r.target_minutes > 0
                        && r.waiting_since
                            .is_some_and(|w| (now - w).num_minutes() >= r.target_minutes)
                })
                .count() as i64;
            Week {
                week: start,
                asked,
                answered_by_staff: answered,
                share_answered: (asked > 0).then(|| answered as f64 / asked as f64),
                median_first_response_seconds: median(&waits),
                p90_first_response_seconds: percentile(&waits, 90),
                waiting_over_target: over,
                people_helped: helped.len() as i64,
            }
        })
        .collect()
}

/// The figures for one space (by name) or all spaces here (staff only).
pub async fn weekly(
    h: &Hearth,
    viewer: &Viewer,
    space: Option<&str>,
    weeks: Option<i64>,
) -> AppResult<Metrics> {
    if !viewer.role().is_staff() {
        return Err(AppError::forbidden("only staff can see the desk's figures"));
    }
    let weeks = weeks.unwrap_or(WEEKS_DEFAULT);
    if !(1..=WEEKS_MAX).contains(&weeks) {
        return Err(AppError::invalid(
            "weeks",
            format!("weeks must be between 1 and {WEEKS_MAX}"),
        ));
    }
    let space = space
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    let name = space.clone();
    let (rows, now) =
        h.db.run(move |c| {
            let space_id = match &name {
                None => None,
                Some(n) => Some(
                    spaces::find_by_name(c, n)?
                        .filter(|s| !s.is_remote())
                        .ok_or_else(|| AppError::not_found("space"))?
                        .id,
                ),
            };
            let now = db::now();
            let since = (monday_of(now) - Duration::weeks(weeks - 1))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default();
            Ok((desk::asked_since(c, since, space_id)?, now))
        })
        .await?;
    Ok(Metrics {
        space,
        weeks: compute(&rows, weeks, now),
    })
}

/// The figures as CSV, one row per week.
pub fn csv(m: &Metrics) -> String {
    let mut out = String::from(
        "week,asked,answered_by_staff,share_answered,median_first_response_seconds,\
         p90_first_response_seconds,waiting_over_target,people_helped\n",
    );
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for w in &m.weeks {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            w.week,
            w.asked,
            w.answered_by_staff,
            w.share_answered
                .map(|s| format!("{s:.3}"))
                .unwrap_or_default(),
            opt(w.median_first_response_seconds),
            opt(w.p90_first_response_seconds),
            w.waiting_over_target,
            w.people_helped
        );
    }
    out
}

/// A bar chart as SVG: one group of bars per week, one bar per series. Only numbers and the
/// fixed labels given here go into it, so it needs no escaping beyond what `esc` does for the
/// labels.
pub fn bar_chart(
    title: &str,
    unit: &str,
    labels: &[String],
    series: &[(&str, &str, Vec<f64>)],
) -> String {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }
    let (w, h, left, bottom, top) = (640.0_f64, 220.0_f64, 44.0_f64, 36.0_f64, 24.0_f64);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let n = labels.len().max(1) as f64;
    let group = (w - left - 8.0) / n;
    let bar = (group * 0.8) / series.len().max(1) as f64;
    let plot_h = h - bottom - top;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-{id}" class="chart"><title id="chart-{id}">{t}</title>"#,
        id = esc(&title.to_ascii_lowercase().replace(' ', "-")),
        t = esc(title)
    );
    // Axis and the top value.
    let _ = write!(
        svg,
        r#"<line x1="{left}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="currentColor" stroke-width="1"/><text x="{tx}" y="{ty}" font-size="11" text-anchor="end" fill="currentColor">{max} {unit}</text><text x="{tx}" y="{y0}" font-size="11" text-anchor="end" fill="currentColor">0</text>"#,
        y0 = h - bottom,
        x1 = w - 4.0,
        tx = left - 4.0,
        ty = top + 4.0,
        max = (max * 10.0).round() / 10.0,
        unit = esc(unit),
    );
    for (i, label) in labels.iter().enumerate() {
        let gx = left + group * i as f64 + group * 0.1;
        for (k, (name, colour, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0.0).max(0.0);
            let bh = plot_h * v / max;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{c}"><title>{name} {label}: {v}</title></rect>"#,
                x = gx + bar * k as f64,
                y = h - bottom - bh,
                bw = (bar - 1.0).max(1.0),
                c = esc(colour),
                name = esc(name),
                label = esc(label),
                v = (v * 10.0).round() / 10.0,
            );
        }
        // Every other week's date under the axis (counted from the latest week, which always
        // has its label), so labels do not collide.
        if (labels.len() - 1 - i).is_multiple_of(2) || labels.len() <= 6 {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y}" font-size="10" fill="currentColor">{l}</text>"#,
                x = gx,
                y = h - bottom + 14.0,
                l = esc(label.get(5..).unwrap_or(label)),
            );
        }
    }
    // Legend.
    for (k, (name, colour, _)) in series.iter().enumerate() {
        let x = left + 150.0 * k as f64;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/><text x="{tx}" y="{ty}" font-size="11" fill="currentColor">{n}</text>"#,
            y = h - 12.0,
            c = esc(colour),
            tx = x + 14.0,
            ty = h - 3.0,
            n = esc(name),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The two charts of the metrics page: questions and staff answers per week, and the median
/// and 90th-percentile hours to a first staff response.
pub fn charts(m: &Metrics) -> (String, String) {
    let labels: Vec<String> = m.weeks.iter().map(|w| w.week.to_string()).collect();
    let asked = bar_chart(
        "Questions and staff answers per week",
        "",
        &labels,
        &[
            (
                "asked",
                "#8a8f98",
                m.weeks.iter().map(|w| w.asked as f64).collect(),
            ),
            (
                "answered by staff",
                "#2e7d4f",
                m.weeks.iter().map(|w| w.answered_by_staff as f64).collect(),
            ),
        ],
    );
    let hours = |v: Option<i64>| v.map(|s| s as f64 / 3600.0).unwrap_or(0.0);
    let times = bar_chart(
        "Hours to a first staff response",
        "h",
        &labels,
        &[
            (
                "median",
                "#b4461c",
                m.weeks
                    .iter()
                    .map(|w| hours(w.median_first_response_seconds))
                    .collect(),
            ),
            (
                "90th percentile",
                "#6b3fa0",
                m.weeks
                    .iter()
                    .map(|w| hours(w.p90_first_response_seconds))
                    .collect(),
            ),
        ],
    );
    (asked, times)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn asked(created: &str, first: Option<&str>, waiting: Option<&str>, who: i64) -> desk::Asked {
        desk::Asked {
            created_at: at(created),
            first_staff_reply_at: first.map(at),
            waiting_since: waiting.map(at),
            author_id: who,
            target_minutes: 24 * 60,
        }
    }

    #[test]
    fn percentiles_by_hand() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3]), Some(2));
        assert_eq!(median(&[1, 2, 9]), Some(2));
        assert_eq!(percentile(&[], 90), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(percentile(&eleven, 90), Some(10));
    }

    #[test]
    fn weeks_from_a_known_dataset() {
        // 2026-11-30 is a Monday; "now" is Wednesday 2026-12-02 12:00.
        let now = at("2026-12-02 12:00");
        let rows = vec![
            // The week before: three questions by two people; staff answered two, after 1 h
            // and 3 h; the third waits since Tuesday (over a day: over the target).
            asked("2026-11-23 09:00", Some("2026-11-23 10:00"), None, 1),
            asked("2026-11-24 09:00", Some("2026-11-24 12:00"), None, 1),
            asked("2026-11-25 09:00", None, Some("2026-11-25 09:00"), 2),
            // This week: one answered after 30 min, one waiting for 2 h (under the target).
            asked("2026-11-30 08:00", Some("2026-11-30 08:30"), None, 3),
            asked("2026-12-02 10:00", None, Some("2026-12-02 10:00"), 4),
        ];
        let weeks = compute(&rows, 3, now);
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[0].week.to_string(), "2026-11-16");
        assert_eq!(weeks[0].asked, 0);
        assert_eq!(weeks[0].share_answered, None);
        assert_eq!(weeks[0].median_first_response_seconds, None);
        let w = &weeks[1];
        assert_eq!(w.week.to_string(), "2026-11-23");
        assert_eq!(
            (
                w.asked,
                w.answered_by_staff,
                w.people_helped,
                w.waiting_over_target
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(w.share_answered, Some(2.0 / 3.0));
        assert_eq!(w.median_first_response_seconds, Some(2 * 3600));
        assert_eq!(w.p90_first_response_seconds, Some(3 * 3600));
        let w = &weeks[2];
        assert_eq!(
            (
                w.asked,
                w.answered_by_staff,
                w.people_helped,
                w.waiting_over_target
            ),
            (2, 1, 1, 0)
        );
        assert_eq!(w.median_first_response_seconds, Some(1800));
        let m = Metrics { space: None, weeks };
        let csv = csv(&m);
        assert_eq!(csv.lines().count(), 4);
        assert_eq!(
            csv.lines().nth(2).unwrap(),
            "2026-11-23,3,2,0.667,7200,10800,1,1"
        );
        assert_eq!(csv.lines().nth(1).unwrap(), "2026-11-16,0,0,,,,0,0");
        let (a, b) = charts(&m);
        assert!(a.starts_with("<svg") && a.ends_with("</svg>"));
        assert!(a.contains("<title>asked 2026-11-23: 3</title>"), "{a}");
        assert!(b.contains("<title>median 2026-11-23: 2</title>"), "{b}");
    }
}
