//! Tables as CSV: the rows the pages show, one line each, for spreadsheets and notebooks.

use app::domain::trends::compare::{Comparison, Verdict};
use app::domain::trends::overview::Overview;
use app::domain::trends::Rate;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Writes `rows` under `headings` as CSV (RFC 4180 quoting).
pub fn table(headings: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(headings);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A CSV download named `filename`.
pub fn download(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn rate(rate: &Rate) -> [String; 5] {
    [
        rate.passes.to_string(),
        rate.n.to_string(),
        number(rate.rate),
        number(Some(rate.interval.low)),
        number(Some(rate.interval.high)),
    ]
}

/// The overview's rows.
pub fn overview(overview: &Overview) -> String {
    table(
        &[
            "metric",
            "name",
            "passes_7d",
            "n_7d",
            "pass_rate_7d",
            "ci_low",
            "ci_high",
            "change_vs_prior_7d",
            "change_p",
            "significant",
            "failures",
            "evaluations",
            "dollar_impact",
            "evaluation_spend",
        ],
        overview.rows.iter().map(|row| {
            let mut line = vec![row.key.clone(), row.name.clone()];
            line.extend(rate(&row.now));
            line.extend([
                number(row.change.delta),
                number(Some(row.change.test.p)),
                row.significant.to_string(),
                row.failures.to_string(),
                row.evaluations.to_string(),
                row.dollar_impact.to_decimal(),
                row.evaluation_spend.to_decimal(),
            ]);
            line
        }),
    )
}

/// The comparison's rows.
pub fn comparison(comparison: &Comparison) -> String {
    table(
        &[
            "metric",
            "segment_key",
            "segment_value",
            "a_passes",
            "a_n",
            "a_rate",
            "a_ci_low",
            "a_ci_high",
            "b_passes",
            "b_n",
            "b_rate",
            "b_ci_low",
            "b_ci_high",
            "difference",
            "difference_ci_low",
            "difference_ci_high",
            "test",
            "p",
            "q",
            "verdict",
            "needed_per_version",
        ],
        comparison.rows.iter().map(|row| {
            let (key, value) = row.segment.as_ref().map_or((String::new(), String::new()), |s| {
                (s.key.clone(), s.value.clone())
            });
            let mut line = vec![row.metric_key.clone(), key, value];
            line.extend(rate(&row.a));
            line.extend(rate(&row.b));
            line.extend([
                number(row.change.delta),
                number(Some(row.change.interval.low)),
                number(Some(row.change.interval.high)),
                row.change.test.method.label().to_owned(),
                number(Some(row.change.test.p)),
                number(Some(row.q)),
                match row.verdict {
                    Verdict::Regression => "regression",
                    Verdict::Improvement => "improvement",
                    Verdict::NoSignificantChange => "no_significant_change",
                    Verdict::TooLittleData { .. } => "too_little_data",
                }
                .to_owned(),
                match row.verdict {
                    Verdict::TooLittleData { needed } => needed.to_string(),
                    _ => String::new(),
                },
            ]);
            line
        }),
    )
}

/// The trend's points.
pub fn trend(trend: &app::domain::trends::trend::Trend) -> String {
    table(
        &[
            "bucket_start",
            "passes",
            "n",
            "pass_rate",
            "ci_low",
            "ci_high",
            "failures",
            "failure_cost",
        ],
        trend.points.iter().map(|p| {
            let mut line = vec![p.at.to_rfc3339()];
            line.extend(rate(&p.rate));
            line.extend([p.failures.to_string(), p.failure_cost.to_decimal()]);
            line
        }),
    )
}

/// The managers' overview, a project per line.
pub fn maturity(rows: &[app::domain::maturity::standing::MaturityRow]) -> String {
    let stage =
        |s: Option<app::domain::metric::kinds::Stage>| s.map_or(String::new(), |s| s.as_str().to_owned());
    table(
        &[
            "project",
            "name",
            "signed_off",
            "computed",
            "backed",
            "items_held",
            "items",
            "metrics_due",
            "top_impact_metric",
            "top_impact_dollars",
            "last_reviewed",
        ],
        rows.iter().map(|r| {
            vec![
                r.slug.clone(),
                r.name.clone(),
                stage(r.signed_off),
                stage(r.computed),
                r.backed.to_string(),
                r.completion.0.to_string(),
                r.completion.1.to_string(),
                r.metrics_due.to_string(),
                r.top_impact
                    .as_ref()
                    .map_or(String::new(), |(key, _)| key.clone()),
                r.top_impact
                    .as_ref()
                    .map_or(String::new(), |(_, dollars)| dollars.to_decimal()),
                r.last_reviewed.map_or(String::new(), |at| at.to_rfc3339()),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_lines_are_quoted() {
        let text = table(
            &["a", "b"],
            [vec!["x, y".to_owned(), "say \"hi\"\nbye".to_owned()]],
        );
        assert_eq!(text, "a,b\n\"x, y\",\"say \"\"hi\"\"\nbye\"\n");
    }
}
