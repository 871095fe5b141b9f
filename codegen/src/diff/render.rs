//! The three renderings of a [`SpecDiff`]: text for a terminal or log, Markdown for a review
//! comment, JSON for tools.

use super::{Change, Severity, SpecDiff};
use serde::Serialize;
use std::fmt::Write as _;

/// The width of the widest severity label, so the text columns line up.
const LABEL_WIDTH: usize = "potentially breaking".len();

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Breaking => "\x1b[1;31m",
        Severity::PotentiallyBreaking => "\x1b[33m",
        Severity::NonBreaking => "\x1b[32m",
    }
}

/// `okx cancelWithdrawal` or, for an exchange-level change, `okx`.
fn place(change: &Change) -> String {
    match &change.operation {
        Some(op) => format!("{} {op}", change.exchange),
        None => change.exchange.clone(),
    }
}

/// The plain text of one change, without the severity label, with anything in it that could
/// drive a terminal (spec names and values are the spec author's) shown escaped.
fn statement(change: &Change) -> String {
    let raw = format!("{}: {}: {}", place(change), change.subject, change.detail);
    crate::text::escape(&raw).into_owned()
}

fn text_line(change: &Change, color: bool) -> String {
    let word = change.severity.as_str();
    // Padded outside the colour codes, so the columns line up either way.
    let pad = " ".repeat(LABEL_WIDTH - word.len() + 2);
    let statement = statement(change);
    match (color, change.is_description()) {
        (false, _) => format!("{word}{pad}{statement}"),
        // Descriptions are shown quietly: the whole line dimmed.
        (true, true) => format!("{DIM}{word}{pad}{statement}{RESET}"),
        (true, false) => format!("{}{word}{RESET}{pad}{statement}", colour(change.severity)),
    }
}

fn summary(diff: &SpecDiff) -> String {
    let counts: Vec<String> = diff
        .counts()
        .into_iter()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    let total = diff.changes.len();
    let noun = if total == 1 { "change" } else { "changes" };
    format!("{total} {noun}: {}", counts.join(", "))
}

pub(super) fn text(diff: &SpecDiff, color: bool) -> String {
    let mut out = String::new();
    let mut exchange: Option<&str> = None;
    for change in &diff.changes {
        // A blank line between exchanges.
        if exchange.is_some_and(|e| e != change.exchange) {
            out.push('\n');
        }
        exchange = Some(&change.exchange);
        out.push_str(&text_line(change, color));
        out.push('\n');
    }
    if diff.changes.is_empty() {
        out.push_str("no spec changes\n");
    } else {
        out.push('\n');
        out.push_str(&summary(diff));
        out.push('\n');
    }
    if diff.generated.is_empty() {
        out.push_str("no generated file would change\n");
    } else {
        out.push_str("generated files that would change:\n");
        for file in &diff.generated {
            let _ = writeln!(out, "  {:<8}  {}", file.kind.as_str(), file.path);
        }
    }
    out
}

/// Text for a Markdown table cell: pipes escaped, lines joined. For text xgen wrote itself
/// (a rule's reason); spec text goes through [`code`].
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Spec text as a Markdown code span that nothing in it can end early: delimited by one more
/// backtick than its longest run of backticks, control characters escaped, `|` escaped for the
/// table it may sit in. Inside a code span, Markdown and HTML (`**`, `<details>`) are literal.
fn code(text: &str) -> String {
    let text = crate::text::escape(&text.replace('\n', " ")).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space inside the fence keeps a leading or trailing backtick apart from it.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

pub(super) fn markdown(diff: &SpecDiff) -> String {
    let mut out = String::from("## Spec changes\n\n");
    if diff.changes.is_empty() {
        out.push_str("No spec changes.\n");
    } else {
        out.push_str("| severity | changes |\n|---|---:|\n");
        for (severity, n) in diff.counts() {
            let _ = writeln!(out, "| {severity} | {n} |");
        }
    }
    let mut start = 0;
    while start < diff.changes.len() {
        let exchange = &diff.changes[start].exchange;
        let end = diff.changes[start..]
            .iter()
            .position(|c| &c.exchange != exchange)
            .map_or(diff.changes.len(), |n| start + n);
        markdown_exchange(&mut out, exchange, &diff.changes[start..end]);
        start = end;
    }
    out.push_str("\n### Generated files that would change\n\n");
    if diff.generated.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| file | change |\n|---|---|\n");
        for file in &diff.generated {
            let _ = writeln!(out, "| {} | {} |", code(&file.path), file.kind.as_str());
        }
    }
    out
}

fn markdown_exchange(out: &mut String, exchange: &str, changes: &[Change]) {
    let _ = write!(out, "\n### {}\n\n", code(exchange));
    let (descriptions, changes): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.is_description());
    if !changes.is_empty() {
        out.push_str("| severity | operation | change | why |\n|---|---|---|---|\n");
        for change in changes {
            let severity = match change.severity {
                Severity::Breaking => format!("**{}**", change.severity),
                _ => change.severity.to_string(),
            };
            let operation = change
                .operation
                .as_deref()
                .map_or("(exchange)".to_owned(), code);
            let _ = writeln!(
                out,
                "| {severity} | {operation} | {} | {} |",
                code(&format!("{}: {}", change.subject, change.detail)),
                cell(change.rule.why())
            );
        }
    }
    if !descriptions.is_empty() {
        // Quietly: folded away, one short line each.
        let n = descriptions.len();
        let noun = if n == 1 {
            "description"
        } else {
            "descriptions"
        };
        let _ = write!(
            out,
            "\n<details><summary>{n} {noun} changed (non-breaking)</summary>\n\n"
        );
        for change in descriptions {
            let operation = change
                .operation
                .as_deref()
                .map_or(String::new(), |op| format!("{}: ", code(op)));
            let _ = writeln!(
                out,
                "- {operation}{}",
                code(&format!("{}: {}", change.subject, change.detail))
            );
        }
        out.push_str("\n</details>\n");
    }
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    version: u32,
    worst: Option<&'static str>,
    summary: JsonSummary,
    changes: Vec<JsonChange<'a>>,
    generated: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    breaking: usize,
    #[serde(rename = "potentially-breaking")]
    potentially_breaking: usize,
    #[serde(rename = "non-breaking")]
    non_breaking: usize,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    exchange: &'a str,
    operation: Option<&'a str>,
    severity: &'static str,
    rule: &'static str,
    subject: &'a str,
    detail: &'a str,
    why: &'static str,
    old: Option<&'a str>,
    new: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    change: &'static str,
}

pub(super) fn json(diff: &SpecDiff) -> String {
    let count = |s: Severity| diff.changes.iter().filter(|c| c.severity == s).count();
    let shape = JsonDiff {
        version: 1,
        worst: diff.worst().map(Severity::id),
        summary: JsonSummary {
            breaking: count(Severity::Breaking),
            potentially_breaking: count(Severity::PotentiallyBreaking),
            non_breaking: count(Severity::NonBreaking),
        },
        changes: diff
            .changes
            .iter()
            .map(|c| JsonChange {
                exchange: &c.exchange,
                operation: c.operation.as_deref(),
                severity: c.severity.id(),
                rule: c.rule.id(),
                subject: &c.subject,
                detail: &c.detail,
                why: c.rule.why(),
                old: c.old_origin.as_deref(),
                new: c.new_origin.as_deref(),
            })
            .collect(),
        generated: diff
            .generated
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                change: f.kind.as_str(),
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&shape).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn code_spans_hold_whatever_the_spec_says() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
        assert_eq!(code("**bold** <details>"), "`**bold** <details>`");
        assert_eq!(code("\u{1b}[2K"), "`\\u{1b}[2K`");
    }
}
