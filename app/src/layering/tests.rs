//! The layering rules on the tree, and the reader they rest on, each shown to catch what it is
//! for on a small made-up tree.

use super::*;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_tree_keeps_its_layers_and_no_use_cases_name_each_other_round_a_circle() {
    let problems = violations(&src());
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

/// A made-up tree under a temporary folder: (path under src, contents).
fn tree(files: &[(&str, &str)]) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("vernier-layering-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in files {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    root
}

#[test]
fn wrong_imports_of_each_kind_are_caught() {
    let root = tree(&[
        (
            "server/db/outputs.rs",
            "use crate::server::ingest::store;\nuse super::scores::ScoreChange;\n",
        ),
        (
            "server/db/users.rs",
            "fn f() { super::super::auth::internal(\"x\", 1); }\n",
        ),
        ("domain/output.rs", "use crate::server::{db, request};\n"),
        (
            "error.rs",
            "use crate::server::request::chain;\nfn f() { crate::server::auth::internal(); }\n",
        ),
        ("server/ingest.rs", "use super::feedback::attach;\n"),
        ("server/feedback.rs", "use super::ingest::{self, replay};\n"),
        ("server/realtime.rs", "use super::ingest;\n"),
        ("api/metrics.rs", "use crate::pages::metrics::MetricsPage;\n"),
    ]);
    let mut problems = violations(&root);
    problems
        .iter_mut()
        .for_each(|p| *p = p.replace(&root.display().to_string(), ""));
    problems.sort();
    assert_eq!(
        problems,
        [
            "/api/metrics.rs (Api) names pages::metrics::MetricsPage (Pages)",
            "/domain/output.rs (Domain) names server::db (Db)",
            "/domain/output.rs (Domain) names server::request (Infrastructure)",
            "/error.rs (Error) names server::auth::internal (UseCase(\"auth\"))",
            "/server/db/outputs.rs (Db) names server::ingest::store (UseCase(\"ingest\"))",
            "/server/db/users.rs (Db) names server::auth::internal (UseCase(\"auth\"))",
            "use cases name each other round a circle: feedback → ingest",
        ]
    );
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn test_code_may_compose_any_layers() {
    let root = tree(&[
        ("server/db/scores/tests.rs", "use crate::server::ingest::store_scored;\n"),
        ("server/db/fixture.rs", "use crate::server::metric_lifecycle;\n"),
        (
            "server/db/users.rs",
            "use super::database;\n#[cfg(test)]\nmod tests {\n    use crate::server::auth;\n}\n#[cfg(test)]\nimpl X { fn f() { crate::server::auth::x(); } }\n",
        ),
    ]);
    assert_eq!(violations(&root), Vec::<String>::new());
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn comments_strings_and_characters_are_not_code() {
    let (code, literals) = split_source(
        "// use crate::server::auth;\nlet a = \"crate::server::x\"; /* crate::api /* nested */ */ let c = '\"'; fn f<'a>(x: &'a str) {}\nlet r = r#\"UPDATE \"scores\" SET\"#;",
    );
    assert!(!code.contains("crate::"), "{code}");
    assert!(code.contains("fn f<'a>(x: &'a str)"), "lifetimes stay: {code}");
    assert_eq!(literals, ["crate::server::x", "UPDATE \"scores\" SET"]);
}

#[test]
fn relative_paths_and_use_trees_resolve_to_modules() {
    let module = [
        "server".to_owned(),
        "db".to_owned(),
        "monitors".to_owned(),
        "evaluation".to_owned(),
    ];
    let found = named_paths(
        "use super::super::{alert_channels::queue, scores::{self, ScoreChange}};\nuse crate::domain::monitor;\nfn f() { self::g(); }",
        &module,
    );
    let found: Vec<String> = found.into_iter().map(|p| p.join("::")).collect();
    assert_eq!(
        found,
        [
            "domain::monitor",
            "server::db::alert_channels::queue",
            "server::db::monitors::evaluation::g",
            "server::db::scores",
            "server::db::scores::ScoreChange",
        ]
    );
}

#[test]
fn any_statement_writing_a_table_is_found_however_it_is_spelled() {
    let literals: Vec<String> = [
        "INSERT INTO scores (output_id) VALUES ($1)",
        "update scores\n            set error = $2 where id = $1",
        "DELETE FROM ONLY public.scores WHERE metric_id = $1",
        "UPDATE scores s SET passed = true",
        "SELECT * FROM scores",
        "UPDATE score_rollups SET passes = 0",
        "INSERT INTO scores_archive SELECT 1",
        "WITH gone AS (DELETE FROM scores RETURNING 1) SELECT count(*) FROM gone",
    ]
    .map(String::from)
    .to_vec();
    let found = statements_writing(&literals, "scores");
    assert_eq!(
        found,
        [
            literals[0].as_str(),
            literals[1].as_str(),
            literals[2].as_str(),
            literals[3].as_str(),
            literals[7].as_str()
        ]
    );
}

#[test]
fn circles_are_found_whatever_their_length() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")]
            .iter()
            .fold(BTreeMap::new(), |mut g, (from, to)| {
                g.entry(from.to_string()).or_default().insert(to.to_string());
                g
            });
    assert_eq!(
        circles(&graph),
        [vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}
