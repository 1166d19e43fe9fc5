//! Charts drawn by ECharts in the browser (charming builds the option; the server renders an
//! empty box with the same numbers in a table beside it). Each chart is disposed of when its
//! view goes away and follows the window's size.

#[cfg(feature = "hydrate")]
mod echarts;
use crate::domain::trends::overview::Overview;
use crate::domain::trends::trend::Trend;
use charming::component::{Axis, Grid, Legend};
use charming::element::{
    AreaStyle, AxisType, Color, ItemStyle, Label, LineStyle, LineStyleType, MarkLine, MarkLineData,
    MarkLineVariant, Symbol, Tooltip, Trigger,
};
use charming::series::{Bar, Line, Scatter};
use charming::Chart;
#[cfg(feature = "hydrate")]
use echarts::{dispose, with_echarts};
use leptos::prelude::*;

/// The day (or hour) labels of a trend's x axis.
fn label(trend: &Trend, at: chrono::DateTime<chrono::Utc>) -> String {
    if trend.grain == "hour" {
        at.format("%m-%d %H:00").to_string()
    } else {
        at.format("%Y-%m-%d").to_string()
    }
}

/// Named dashed red lines (versions, thresholds) drawn over a series.
fn dashed_marks(lines: Vec<MarkLineVariant>) -> MarkLine {
    MarkLine::new()
        .symbol(vec![Symbol::None, Symbol::None])
        .label(Label::new().formatter("{b}"))
        .line_style(LineStyle::new().type_(LineStyleType::Dashed).color("#b42318"))
        .data(lines)
}

/// A metric's trend: the pass rate (percent) with its 95% Wilson band, points resting on too
/// few verdicts apart in grey, failures as bars on a second axis, and a line where each system
/// version first appeared.
pub fn trend_chart(trend: &Trend) -> Chart {
    let labels: Vec<String> = trend.points.iter().map(|p| label(trend, p.at)).collect();
    let percent = |x: f64| (x * 1000.0).round() / 10.0;
    // The rates resting on enough verdicts (`thin` false), or on too few (`thin` true).
    let rates = |thin: bool| -> Vec<Option<f64>> {
        trend
            .points
            .iter()
            .map(|p| p.rate.rate.filter(|_| p.rate.is_thin() == thin).map(percent))
            .collect()
    };
    // The band: its floor, and its height stacked on top; none for thin points.
    let band = |edge: &dyn Fn(&crate::domain::stats::proportions::Interval) -> f64| -> Vec<Option<f64>> {
        trend
            .points
            .iter()
            .map(|p| {
                p.rate
                    .rate
                    .filter(|_| !p.rate.is_thin())
                    .map(|_| edge(&p.rate.interval))
            })
            .collect()
    };
    let band_low = band(&|i| percent(i.low));
    let band_width = band(&|i| percent(i.high) - percent(i.low));
    let markers: Vec<MarkLineVariant> = trend
        .markers
        .iter()
        .map(|m| {
            MarkLineVariant::Simple(
                MarkLineData::new()
                    .name(m.version.clone())
                    .x_axis(label(trend, m.at)),
            )
        })
        .collect();
    let lowest = trend
        .points
        .iter()
        .filter(|p| !p.rate.is_thin())
        .filter_map(|p| p.rate.rate.map(|_| percent(p.rate.interval.low)))
        .fold(100.0_f64, f64::min);
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().data(vec!["pass rate", "95% interval", "n < 30", "failures"]))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .name("pass rate %")
                .min(((lowest - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0)
                .max(100),
        )
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .name("failures")
                .position("right"),
        )
        .series(
            Line::new()
                .name("band-base")
                .stack("band")
                .symbol(Symbol::None)
                .line_style(LineStyle::new().opacity(0))
                .data(band_low),
        )
        .series(
            Line::new()
                .name("95% interval")
                .stack("band")
                .symbol(Symbol::None)
                .line_style(LineStyle::new().opacity(0))
                .area_style(AreaStyle::new().color(Color::Value("rgba(47, 91, 211, 0.15)".into())))
                .data(band_width),
        )
        .series(
            Line::new()
                .name("pass rate")
                .item_style(ItemStyle::new().color("#2f5bd3"))
                .mark_line(dashed_marks(markers))
                .data(rates(false)),
        )
        .series(
            Scatter::new()
                .name("n < 30")
                .item_style(ItemStyle::new().color("#98a2b3"))
                .data(rates(true)),
        )
        .series(
            Bar::new()
                .name("failures")
                .y_axis_index(1)
                .item_style(ItemStyle::new().color("rgba(180, 35, 24, 0.35)"))
                .data(trend.points.iter().map(|p| p.failures as i64).collect::<Vec<_>>()),
        )
}

/// Dollars lost to failures per day, stacked by metric (the costliest metric at the bottom).
pub fn impact_chart(overview: &Overview) -> Chart {
    let days: Vec<String> = overview
        .rows
        .first()
        .map(|row| row.days.iter().map(|d| d.day.to_string()).collect())
        .unwrap_or_default();
    let dollars = |micros: i64| (micros as f64 / 1e4).round() / 100.0;
    overview.rows.iter().filter(|row| row.failures > 0).fold(
        Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(Legend::new())
            .x_axis(Axis::new().type_(AxisType::Category).data(days))
            .y_axis(Axis::new().type_(AxisType::Value).name("US$ lost")),
        |chart, row| {
            chart.series(
                Bar::new().name(row.name.clone()).stack("dollars").data(
                    row.days
                        .iter()
                        .map(|d| dollars(d.failure_cost.micros()))
                        .collect::<Vec<_>>(),
                ),
            )
        },
    )
}

/// A monitor's backtest: the condition's value at each replayed evaluation, its firing and
/// recovery thresholds, the spans it would have fired (shaded) and where each version appeared.
pub fn backtest_chart(view: &crate::api::alerts::BacktestView) -> Chart {
    use charming::element::{MarkArea, MarkAreaData};
    let at = |i: usize| view.start + chrono::Duration::minutes(view.step_minutes * i as i64);
    let label = |t: chrono::DateTime<chrono::Utc>| t.format("%m-%d %H:%M").to_string();
    let labels: Vec<String> = (0..view.values.len()).map(|i| label(at(i))).collect();
    // The label of the first evaluation at or after `t` (the last one if none).
    let index_of = |t: chrono::DateTime<chrono::Utc>| {
        let steps = (t - view.start).num_minutes().max(0) as f64 / view.step_minutes as f64;
        (steps.ceil() as usize).min(view.values.len().saturating_sub(1))
    };
    let scale = if view.dollars { 1.0 } else { 100.0 };
    let round = |x: f64| (x * scale * 100.0).round() / 100.0;
    let values: Vec<Option<f64>> = view
        .values
        .iter()
        .map(|v| v.map(|v| round(f64::from(v))))
        .collect();
    let firing: Vec<(MarkAreaData, MarkAreaData)> = view
        .firing
        .iter()
        .filter(|_| !labels.is_empty())
        .map(|(from, to)| {
            let end = to.map_or(labels.len() - 1, index_of);
            (
                MarkAreaData::new()
                    .name("firing")
                    .x_axis(labels[index_of(*from)].clone()),
                MarkAreaData::new().x_axis(labels[end].clone()),
            )
        })
        .collect();
    let mut lines = vec![MarkLineVariant::Simple(
        MarkLineData::new()
            .name("fires above")
            .y_axis(round(view.threshold)),
    )];
    if (view.recovery - view.threshold).abs() > f64::EPSILON {
        lines.push(MarkLineVariant::Simple(
            MarkLineData::new()
                .name("resolves below")
                .y_axis(round(view.recovery)),
        ));
    }
    lines.extend(
        view.versions
            .iter()
            .filter(|_| !labels.is_empty())
            .map(|(version, day)| {
                MarkLineVariant::Simple(
                    MarkLineData::new()
                        .name(version.clone())
                        .x_axis(labels[index_of(*day)].clone()),
                )
            }),
    );
    let unit = if view.dollars {
        "US$ in window"
    } else {
        "% of verdicts"
    };
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit))
        .series(
            Line::new()
                .name(view.condition.clone())
                .symbol(Symbol::None)
                .connect_nulls(false)
                .item_style(ItemStyle::new().color("#2f5bd3"))
                .mark_line(dashed_marks(lines))
                .mark_area(
                    MarkArea::new()
                        .label(Label::new().show(false))
                        .item_style(ItemStyle::new().color("rgba(180, 35, 24, 0.15)"))
                        .data(firing),
                )
                .data(values),
        )
}

/// A box ECharts draws `chart()`'s chart into once the page runs in the browser.
/// An A/B test's pass rates per metric and arm: each rate as a dot on its interval (a
/// forest plot), the control of each metric first.
pub fn experiment_chart(view: &crate::domain::experiment::analysis::ExperimentView) -> Chart {
    let percent = |x: f64| (x * 1000.0).round() / 10.0;
    let metrics = view.primary.iter().chain(&view.guardrails);
    let arms: Vec<(String, &crate::domain::experiment::analysis::ArmRate)> = metrics
        .flat_map(|m| {
            m.arms
                .iter()
                .map(move |arm| (format!("{} · {}", m.key, arm.version), arm))
        })
        .collect();
    // Categories run bottom-up on a vertical category axis: reverse to read top-down.
    let arms: Vec<_> = arms.into_iter().rev().collect();
    let labels: Vec<String> = arms.iter().map(|(label, _)| label.clone()).collect();
    let lowest = arms
        .iter()
        .map(|(_, a)| percent(a.interval.low))
        .fold(100.0_f64, f64::min);
    Chart::new()
        .grid(Grid::new().left(12).right(40).contain_label(true))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().data(vec!["pass rate", "interval"]))
        .y_axis(Axis::new().type_(AxisType::Category).data(labels))
        .x_axis(
            Axis::new()
                .type_(AxisType::Value)
                .name("pass rate %")
                .min((lowest / 10.0).floor().clamp(0.0, 9.0) * 10.0)
                .max(100),
        )
        .series(
            Bar::new()
                .name("interval-base")
                .stack("interval")
                .item_style(ItemStyle::new().color("rgba(0, 0, 0, 0)"))
                .data(
                    arms.iter()
                        .map(|(_, a)| percent(a.interval.low))
                        .collect::<Vec<_>>(),
                ),
        )
        .series(
            Bar::new()
                .name("interval")
                .stack("interval")
                .item_style(ItemStyle::new().color("rgba(47, 91, 211, 0.25)"))
                .data(
                    arms.iter()
                        .map(|(_, a)| percent(a.interval.high) - percent(a.interval.low))
                        .collect::<Vec<_>>(),
                ),
        )
        .series(
            Scatter::new()
                .name("pass rate")
                .item_style(ItemStyle::new().color("#2f5bd3"))
                .data(arms.iter().map(|(_, a)| a.rate.map(percent)).collect::<Vec<_>>()),
        )
}

/// A dataset dimension's distribution (language, topic, label…): items per value, largest on
/// top, with the smallest share a value may have marked.
pub fn distribution_chart(balance: &crate::domain::dataset::health::Balance, min_share: f64) -> Chart {
    let shares: Vec<_> = balance.shares.iter().rev().collect();
    let floor = (min_share * balance.labelled as f64 * 10.0).round() / 10.0;
    // ECharts' default 60 px above and below the grid would leave a short chart no room.
    Chart::new()
        .grid(
            Grid::new()
                .left(12)
                .right(40)
                .top(28)
                .bottom(8)
                .contain_label(true),
        )
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .y_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(shares.iter().map(|s| s.value.clone()).collect::<Vec<_>>()),
        )
        .x_axis(Axis::new().type_(AxisType::Value).name("items"))
        .series(
            Bar::new()
                .name("items")
                .item_style(ItemStyle::new().color("#2f5bd3"))
                .data(shares.iter().map(|s| s.items as f64).collect::<Vec<_>>())
                .mark_line(dashed_marks(vec![MarkLineVariant::Simple(
                    MarkLineData::new().name("smallest share").x_axis(floor),
                )])),
        )
}

#[component]
pub fn EChart(
    /// The element id (unique on the page).
    id: String,
    /// Pixels.
    #[prop(default = 320)]
    height: u32,
    chart: impl Fn() -> Chart + Send + Sync + 'static,
) -> impl IntoView {
    let node: NodeRef<leptos::html::Div> = NodeRef::new();
    #[cfg(feature = "hydrate")]
    {
        let target = id.clone();
        let drawn: StoredValue<Option<charming::renderer::Echarts>, LocalStorage> =
            StoredValue::new_local(None);
        let chart = std::sync::Arc::new(chart);
        // Draws once the box is in the page (after hydration, or after a client-side
        // navigation has mounted it) and ECharts has loaded, on the next frame.
        Effect::new(move |_| {
            if node.get().is_none() || drawn.with_value(Option::is_some) {
                return;
            }
            let (target, chart) = (target.clone(), chart.clone());
            with_echarts(move || {
                // The chart may have left the page while ECharts loaded; its id may be another's.
                if !node
                    .try_get_untracked()
                    .flatten()
                    .is_some_and(|el| el.is_connected())
                {
                    return;
                }
                let renderer = charming::WasmRenderer::new_opt(None, Some(height));
                if let Ok(echarts) = renderer.render(&target, &chart()) {
                    // The view may have gone meanwhile: then the chart goes too.
                    if let Some(Some(orphan)) = drawn.try_set_value(Some(echarts)) {
                        dispose(&orphan);
                    }
                }
            });
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            drawn.with_value(|chart| {
                if let Some(chart) = chart {
                    chart.resize(wasm_bindgen::JsValue::UNDEFINED);
                }
            });
        });
        on_cleanup(move || {
            resize.remove();
            drawn.with_value(|chart| {
                if let Some(chart) = chart {
                    dispose(chart);
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div id=id node_ref=node class="chart" style=format!("height: {height}px") data-testid="chart"></div> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Money;
    use crate::domain::trends::trend::{build, VersionMarker};
    use crate::domain::trends::{Counts, Point};
    use chrono::TimeZone;

    #[test]
    fn the_backtest_chart_shades_firing_spans_and_marks_thresholds_and_versions() {
        use crate::api::alerts::BacktestView;
        let start = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let hour = |h: i64| start + chrono::Duration::hours(h);
        let view = BacktestView {
            start,
            step_minutes: 60,
            values: vec![Some(0.05), None, Some(0.5), Some(0.5), Some(0.02)],
            firing: vec![(hour(2), Some(hour(4)))],
            notifications: vec![],
            firings: 1,
            minutes_firing: 120,
            threshold: 0.2,
            recovery: 0.1,
            dollars: false,
            versions: vec![("prompt-v2".into(), hour(2))],
            condition: "failure rate above 20%".into(),
        };
        let json = serde_json::to_value(backtest_chart(&view)).unwrap();
        let line = &json["series"][0];
        assert_eq!(line["data"], serde_json::json!([5.0, null, 50.0, 50.0, 2.0]));
        assert_eq!(json["xAxis"]["data"][2], "11-01 02:00");
        assert_eq!(line["markArea"]["data"][0][0]["xAxis"], "11-01 02:00");
        assert_eq!(line["markArea"]["data"][0][1]["xAxis"], "11-01 04:00");
        let marks = line["markLine"]["data"].as_array().unwrap();
        assert_eq!(marks[0]["yAxis"], 20.0);
        assert_eq!(marks[1]["yAxis"], 10.0);
        assert_eq!(
            (marks[2]["name"].as_str(), marks[2]["xAxis"].as_str()),
            (Some("prompt-v2"), Some("11-01 02:00"))
        );
    }

    #[test]
    fn the_experiment_chart_puts_each_arms_rate_on_its_interval_top_down() {
        use crate::domain::experiment::analysis::{compare_arms, ExperimentView, Verdict};
        use crate::domain::experiment::design::{Design, ExperimentForm, History};
        // One verdict per user: the intervals are Wilson's.
        use crate::domain::stats::ratio::one_each as users;
        let form = ExperimentForm {
            key: "ab".into(),
            name: "A/B".into(),
            versions: "a, b".into(),
            primary: "thumbs".into(),
            baseline: "50%".into(),
            ..ExperimentForm::new()
        };
        let design = Design::parse(
            &form,
            &History::default(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        )
        .unwrap();
        let primary = compare_arms(
            "thumbs",
            "Thumbs",
            &design.versions,
            &[users(48, 80), users(56, 70)],
            0.05,
        );
        let view = ExperimentView {
            id: 1,
            design,
            ended_on: None,
            created_by: "owner".into(),
            progress: vec![],
            units: None,
            horizon: None,
            verdict: Verdict::NoDetectableDifference { worse: vec![] },
            primary: Some(primary),
            guardrails: vec![],
            segments: vec![],
            comparison_alpha: 0.05,
        };
        let json = serde_json::to_value(experiment_chart(&view)).unwrap();
        assert_eq!(
            json["yAxis"]["data"],
            serde_json::json!(["thumbs · b", "thumbs · a"])
        );
        assert_eq!(json["series"][2]["data"], serde_json::json!([80.0, 60.0]));
        let (base, width) = (&json["series"][0]["data"][1], &json["series"][1]["data"][1]);
        // Wilson 95% of 48/80: 49.0% to 70.0%.
        assert_eq!(
            (base.as_f64(), width.as_f64().map(|w| (w * 10.0).round() / 10.0)),
            (Some(49.0), Some(21.0))
        );
        assert_eq!(json["grid"][0]["containLabel"], true);
    }

    #[test]
    fn the_impact_chart_stacks_each_failing_metrics_daily_dollars() {
        use crate::domain::trends::overview::{build as overview, MetricFacts, MetricSeries};
        let day = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let series = |key: &str, cents: i64, failures: [u64; 2]| MetricSeries {
            metric: MetricFacts {
                key: key.into(),
                name: key.into(),
                cost_per_failure: Money::from_cents(cents),
                cost_per_evaluation: Money::ZERO,
            },
            days: failures
                .iter()
                .enumerate()
                .map(|(i, &f)| Point {
                    at: day(1 + i as u32),
                    counts: Counts::verdicts(10 - f, f),
                })
                .collect(),
            last_week: Counts::default(),
            week_before: Counts::default(),
        };
        let overview = overview(
            vec![
                series("language", 600, [2, 0]),
                series("tone", 250, [1, 3]),
                series("length", 100, [0, 0]),
            ],
            2,
        );
        let json = serde_json::to_value(impact_chart(&overview)).unwrap();
        let series = json["series"].as_array().unwrap();
        assert_eq!(series.len(), 2, "a metric without failures adds nothing");
        assert_eq!(series[0]["name"], "language");
        assert_eq!(
            series[0]["data"],
            serde_json::json!([12.0, 0.0]),
            "the costliest metric first"
        );
        assert_eq!(series[1]["data"], serde_json::json!([2.5, 7.5]));
        assert!(series.iter().all(|s| s["stack"] == "dollars"));
        assert_eq!(
            json["xAxis"]["data"],
            serde_json::json!(["2026-11-01", "2026-11-02"])
        );
    }

    #[test]
    fn the_trend_chart_marks_versions_keeps_thin_points_apart_and_bands_the_rate() {
        let day = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let counts = Counts::verdicts;
        let points = [
            Point {
                at: day(10),
                counts: counts(95, 5),
            },
            Point {
                at: day(11),
                counts: counts(2, 1),
            },
            Point {
                at: day(12),
                counts: counts(80, 20),
            },
        ];
        let markers = vec![VersionMarker {
            version: "prompt-v2".into(),
            at: day(12),
        }];
        let trend = build("m".into(), "M".into(), "day", &points, Money::ZERO, markers);
        let json = serde_json::to_value(trend_chart(&trend)).unwrap();
        let series = json["series"].as_array().unwrap();
        let named = |name: &str| series.iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(named("pass rate")["data"], serde_json::json!([95.0, null, 80.0]));
        assert_eq!(named("n < 30")["data"], serde_json::json!([null, 66.7, null]));
        assert_eq!(named("failures")["data"], serde_json::json!([5, 1, 20]));
        assert_eq!(named("failures")["yAxisIndex"], 1.0);
        let marker = &named("pass rate")["markLine"]["data"][0];
        assert_eq!(
            (marker["name"].as_str(), marker["xAxis"].as_str()),
            (Some("prompt-v2"), Some("2026-11-12"))
        );
        // The band: its base is the interval's low end and its width reaches the high end.
        let low = named("band-base")["data"][0].as_f64().unwrap();
        let width = named("95% interval")["data"][0].as_f64().unwrap();
        assert!(
            (low - 88.8).abs() < 0.05 && (low + width - 97.8).abs() < 0.05,
            "{low} {width}"
        );
        assert_eq!(json["xAxis"]["data"][1], "2026-11-11");
    }
}
