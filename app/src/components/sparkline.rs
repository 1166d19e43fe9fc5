//! A small inline line of daily pass rates, for table rows; days without verdicts are gaps.

use crate::domain::trends::overview::DayRate;
use leptos::prelude::*;

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 28.0;

/// The SVG path of `days` scaled into the sparkline's box, one move per run of days with a
/// rate (the y axis runs from the lowest rate shown, at least 20 points below 100%, to 100%).
pub fn path(days: &[DayRate]) -> String {
    let rates: Vec<f64> = days.iter().filter_map(|d| d.rate).collect();
    let floor = rates.iter().copied().fold(0.8_f64, f64::min).max(0.0);
    let span = (1.0 - floor).max(0.01);
    let step = if days.len() > 1 {
        WIDTH / (days.len() - 1) as f64
    } else {
        0.0
    };
    let mut path = String::new();
    let mut drawing = false;
    for (i, day) in days.iter().enumerate() {
        match day.rate {
            Some(rate) => {
                let (x, y) = (i as f64 * step, HEIGHT - (rate - floor) / span * HEIGHT);
                path.push_str(&format!("{}{x:.1},{y:.1} ", if drawing { "L" } else { "M" }));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    path.trim_end().to_owned()
}

/// The daily pass rates as a line, the last day's rate in the title.
#[component]
pub fn Sparkline(days: Vec<DayRate>) -> impl IntoView {
    let title = days
        .iter()
        .rev()
        .find_map(|d| d.rate.map(|r| format!("{}: {:.1}% of {}", d.day, r * 100.0, d.n)))
        .unwrap_or_else(|| "no verdicts".into());
    let label = title.clone();
    view! {
        <svg class="sparkline" viewBox=format!("-2 -2 {} {}", WIDTH + 4.0, HEIGHT + 4.0) width="124" height="32" role="img" aria-label=label>
            <title>{title}</title>
            <path d=path(&days) fill="none" stroke="currentColor" stroke-width="1.5"/>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, rate: Option<f64>) -> DayRate {
        DayRate {
            day: chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            rate,
            n: 10,
            failures: 0,
            failure_cost: crate::domain::money::Money::ZERO,
        }
    }

    #[test]
    fn a_day_without_verdicts_breaks_the_line() {
        let days = [
            day(1, Some(1.0)),
            day(2, Some(0.9)),
            day(3, None),
            day(4, Some(0.8)),
            day(5, Some(1.0)),
        ];
        assert_eq!(path(&days), "M0.0,0.0 L30.0,14.0 M90.0,28.0 L120.0,0.0");
        assert_eq!(path(&[]), "");
    }
}
