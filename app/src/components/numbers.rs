//! Numbers as people read them on dashboards: rates, intervals, changes in points, and a pass
//! rate that rests on too few verdicts shown as such.

use crate::domain::stats::proportions::Interval;
use crate::domain::trends::{Change, Direction, Rate};
use leptos::prelude::*;

/// `0.9312` → "93.1%".
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// An interval of rates, "91.0–95.1%".
pub fn percent_interval(interval: Interval) -> String {
    format!("{:.1}–{:.1}%", interval.low * 100.0, interval.high * 100.0)
}

/// A difference of rates in percentage points with its sign, "−2.1 pts".
pub fn points(delta: f64) -> String {
    let value = delta * 100.0;
    if value.abs() < 0.05 {
        "±0.0 pts".to_owned()
    } else if value < 0.0 {
        format!("−{:.1} pts", -value)
    } else {
        format!("+{value:.1} pts")
    }
}

/// A pass rate with its interval and n; "n too small" instead of a confident number.
#[component]
pub fn RateCell(rate: Rate) -> impl IntoView {
    let interval = format!("95% CI {} · n = {}", percent_interval(rate.interval), rate.n);
    match rate.rate {
        Some(value) if !rate.is_thin() => view! {
            <span class="rate" title=interval.clone()>{percent(value)}</span>
            <span class="hint">{format!(" {}", percent_interval(rate.interval))}</span>
            <div class="hint">{format!("n = {}", rate.n)}</div>
        }
        .into_any(),
        Some(value) => view! {
            <span class="rate thin" title=interval>{percent(value)}</span>
            <div class="hint">{format!("n = {} (too few)", rate.n)}</div>
        }
        .into_any(),
        None => view! { <span class="muted">"no verdicts"</span> }.into_any(),
    }
}

/// A pass rate on one line, "98.5% of 263", its interval in the title; thin rates in italics.
#[component]
pub fn CompactRate(rate: Rate) -> impl IntoView {
    let title = format!("95% CI {} · n = {}", percent_interval(rate.interval), rate.n);
    match rate.rate {
        Some(value) => view! {
            <span class="rate nowrap" class:thin=rate.is_thin() title=title>{percent(value)}</span>
            <span class="hint nowrap">{format!(" of {}", rate.n)}</span>
        }
        .into_any(),
        None => view! { <span class="muted">"no verdicts"</span> }.into_any(),
    }
}

/// A change with its direction, size and significance.
#[component]
pub fn ChangeCell(change: Change, significant: bool) -> impl IntoView {
    let (arrow, class) = match (change.direction, significant) {
        (Direction::Down, true) => ("▼", "change change-worse"),
        (Direction::Up, true) => ("▲", "change change-better"),
        (Direction::Down, false) => ("▽", "change"),
        (Direction::Up, false) => ("△", "change"),
        (Direction::Flat, _) => ("–", "change"),
    };
    let title = format!(
        "95% CI {} to {} · p = {:.3} ({})",
        points(change.interval.low),
        points(change.interval.high),
        change.test.p,
        change.test.method.label()
    );
    view! {
        <span class=class title=title>
            {arrow}" "{change.delta.map(points).unwrap_or_else(|| "—".into())}
        </span>
        {significant.then(|| view! { <div class="hint">"significant"</div> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(percent(0.93125), "93.1%");
        assert_eq!(points(-0.021), "−2.1 pts");
        assert_eq!(points(0.1), "+10.0 pts");
        assert_eq!(points(0.0001), "±0.0 pts");
        assert_eq!(
            percent_interval(Interval {
                low: 0.91,
                high: 0.951
            }),
            "91.0–95.1%"
        );
    }
}
