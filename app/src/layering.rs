//! The written layering rules, held by tests that read the sources (test builds only).
//!
//! Layers, from the inside out: `domain` (pure), `error`, the request context and the cipher
//! (`server::request`, `server::secrets`), `server::db`, the use cases (every other module of
//! `server`), the server functions (`api`), and the views (`components` and `session`, then
//! `pages`). A file may
//! name its own layer and the ones inside it, never one outside; `error` names nothing but the
//! request module; and no two use-case modules name each other, directly or round a circle.
//! Test code (`tests.rs`, `tests/`, `#[cfg(test)]` items, `db/fixture`) may compose any layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a module sits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Layer {
    Domain,
    Error,
    /// `server::request` and `server::secrets`: what the error type and storage may use.
    Infrastructure,
    Db,
    UseCase(String),
    Api,
    Components,
    Pages,
    /// The crate root (the shell and the route table): may use everything.
    Root,
}

impl Layer {
    /// The layer of module path `path` (`["server", "db", "scores"]`).
    pub(crate) fn of(path: &[String]) -> Layer {
        let first = path.first().map(String::as_str);
        let second = path.get(1).map(String::as_str);
        match (first, second) {
            // `choice!` is exported at the crate root from `domain/choice.rs`.
            (Some("domain"), _) | (Some("choice"), None) => Layer::Domain,
            (Some("error"), _) => Layer::Error,
            (Some("server"), Some("request" | "secrets")) => Layer::Infrastructure,
            (Some("server"), Some("db")) => Layer::Db,
            (Some("server"), Some(name)) => Layer::UseCase(name.to_owned()),
            (Some("api"), _) => Layer::Api,
            // The signed-in person as the views share it.
            (Some("components" | "session"), _) => Layer::Components,
            (Some("pages"), _) => Layer::Pages,
            _ => Layer::Root,
        }
    }

    /// Whether a file of this layer may name a module of `target`'s.
    pub(crate) fn may_name(&self, target: &Layer, target_path: &[String]) -> bool {
        use Layer::*;
        match (self, target) {
            (_, Domain) => !matches!(self, Error),
            (Error, Infrastructure) => target_path.get(1).is_some_and(|m| m == "request"),
            (Error, Error) => true,
            (Error, _) => false,
            (Domain, Error) => true,
            (Domain, _) => false,
            (Infrastructure, Error | Infrastructure) => true,
            (Db, Error | Infrastructure | Db) => true,
            (UseCase(_), Error | Infrastructure | Db | UseCase(_)) => true,
            (Api, Error | Infrastructure | Db | UseCase(_) | Api) => true,
            (Components, Error | Api | Components) => true,
            (Pages, Error | Api | Components | Pages) => true,
            (Root, _) => true,
            _ => false,
        }
    }
}

/// Rust source with comments removed and string and character literals emptied, and the
/// contents of the string literals, in order.
pub(crate) fn split_source(text: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::with_capacity(text.len());
    let mut literals = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            code.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                code.push(c);
                i += 1;
                continue;
            }
            let start = j + 1;
            let mut end = start;
            while end < chars.len()
                && !(chars[end] == '"' && (1..=hashes).all(|h| chars.get(end + h) == Some(&'#')))
            {
                end += 1;
            }
            literals.push(chars[start..end.min(chars.len())].iter().collect());
            code.push_str("\"\"");
            i = end + 1 + hashes;
        } else if c == '"' {
            let mut literal = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                    // A line continuation joins lines with a space's worth of text.
                    literal.push(if chars.get(i) == Some(&'n') { '\n' } else { ' ' });
                } else {
                    literal.push(chars[i]);
                }
                i += 1;
            }
            literals.push(literal);
            code.push_str("\"\"");
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('a', '\n', '\''); a lifetime has no closing quote.
            i += if next == Some('\\') { 2 } else { 1 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            code.push_str("' '");
            i += 1;
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, literals)
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// `code` without the items marked `#[cfg(test)]` (an inline test module, a test-only impl).
pub(crate) fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at its first `;` before any brace, or where its first brace closes.
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after.char_indices().skip("#[cfg(test)]".len()) {
            match c {
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every module path `code` names through `crate::`, `super::` or `self::`, resolved against
/// the file's own module path, with `use` trees expanded. Macro paths (`crate::choice!`) are
/// left out.
pub(crate) fn named_paths(code: &str, module: &[String]) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let flat = expand_use_trees(code);
    let bytes: Vec<char> = flat.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::", "self::"]
            .iter()
            .find(|p| flat_at(&bytes, i, p) && !ident_before(&bytes, i) && (i == 0 || bytes[i - 1] != ':'));
        let Some(_) = starts else {
            i += 1;
            continue;
        };
        let mut segments = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < bytes.len() && (bytes[j].is_alphanumeric() || bytes[j] == '_') {
                j += 1;
            }
            segments.push(bytes[start..j].iter().collect::<String>());
            if flat_at(&bytes, j, "::") && bytes.get(j + 2).is_some_and(|c| c.is_alphabetic() || *c == '_') {
                j += 2;
            } else {
                break;
            }
        }
        let is_macro = bytes.get(j) == Some(&'!');
        if !is_macro {
            if let Some(path) = resolve(&segments, module) {
                found.insert(path);
            }
        }
        i = j.max(i + 1);
    }
    found
}

fn flat_at(chars: &[char], i: usize, text: &str) -> bool {
    text.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// `use a::{b, c::{d}};` becomes `use a::b; use a::c::d;` so every leaf is one path.
fn expand_use_trees(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let tree: String = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
        for leaf in leaves(&tree) {
            out.push_str("use ");
            out.push_str(&leaf);
            out.push_str(";\n");
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn leaves(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches("::self").to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| leaves(&format!("{prefix}{p}")))
        .map(|leaf| leaf.replace("::self", ""))
        .collect()
}

fn resolve(segments: &[String], module: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = match segments.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module.to_vec(),
        _ => return None,
    };
    let mut rest = &segments[1..];
    if segments[0] == "super" {
        base.pop()?;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The module path of `file` under `src` (`src/server/db/scores.rs` → server, db, scores).
pub(crate) fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut path: Vec<String> = relative
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|s| s == "lib" || s == "mod") {
        path.pop();
    }
    path
}

/// Every Rust file under `dir`, recursively.
pub(crate) fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Whether a file holds only tests or test set-up.
pub(crate) fn is_test_file(path: &Path) -> bool {
    let text = path.to_string_lossy();
    path.ends_with("tests.rs") || text.contains("/tests/") || text.contains("/db/fixture")
}

/// The SQL statements among `literals` that write `table` (INSERT, UPDATE, DELETE, MERGE,
/// TRUNCATE or COPY into it), whitespace and case aside.
pub(crate) fn statements_writing<'a>(literals: &'a [String], table: &str) -> Vec<&'a str> {
    let pattern = regex::Regex::new(&format!(
        r#"(?i)\b(insert\s+into|update(\s+only)?|delete\s+from(\s+only)?|merge\s+into|truncate(\s+table)?(\s+only)?)\s+("?public"?\s*\.\s*)?"?{table}"?(\s|\(|,|;|$)|\bcopy\s+("?public"?\s*\.\s*)?"?{table}"?\s*(\(|from\b)"#
    ))
    .expect("a valid pattern");
    literals
        .iter()
        .map(String::as_str)
        .filter(|l| pattern.is_match(l))
        .collect()
}

/// What breaks the layering in the files under `src`: one line per wrongly named module, and
/// one per circle of use-case modules.
pub(crate) fn violations(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut use_cases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(src) {
        if is_test_file(&file) {
            continue;
        }
        let module = module_of(src, &file);
        let layer = Layer::of(&module);
        let (code, _) = split_source(&std::fs::read_to_string(&file).unwrap());
        for path in named_paths(&without_test_items(&code), &module) {
            let target = Layer::of(&path);
            if !layer.may_name(&target, &path) {
                problems.push(format!(
                    "{} ({layer:?}) names {} ({target:?})",
                    file.display(),
                    path.join("::")
                ));
            }
            if let (Layer::UseCase(from), Layer::UseCase(to)) = (&layer, &target) {
                if from != to {
                    use_cases.entry(from.clone()).or_default().insert(to.clone());
                }
            }
        }
    }
    for circle in circles(&use_cases) {
        problems.push(format!(
            "use cases name each other round a circle: {}",
            circle.join(" → ")
        ));
    }
    problems
}

/// The circles (strongly connected parts of more than one node) of a graph, each sorted.
pub(crate) fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reaches = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph.get(from).into_iter().flatten().collect();
        while let Some(node) = todo.pop() {
            if seen.insert(node.clone()) {
                todo.extend(graph.get(node).into_iter().flatten());
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|k| (k, reaches(k))).collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for (node, reached) in &reach {
        let circle: Vec<String> = reached
            .iter()
            .filter(|other| reach.get(other).is_some_and(|back| back.contains(*node)))
            .cloned()
            .collect();
        if circle.len() > 1 {
            found.insert(circle);
        }
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests;
