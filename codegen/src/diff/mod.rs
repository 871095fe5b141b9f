//! `xgen diff`: what a spec change means for code that uses the generated client.
//!
//! [`compare`] takes two loaded spec sets ([`crate::Config::load`]), matches them by exchange
//! name and reports each [`Change`] with a [`Rule`] and its [`Severity`]: breaking (code stops
//! compiling, or a request it sends starts failing), potentially breaking, or non-breaking. The
//! rules, their severities and the reason for each are in one table, [`Rule`] (`rules.rs`).
//! It also generates both sides and lists the files under `generated/` that would change.
//!
//! A type shared by several operations is reported under each operation that reaches it, with
//! `request`/`response` in the subject for the direction it travels: a reviewer sees every
//! affected method without looking the type up, and a shared enum can be breaking for one
//! operation (a value removed from a request) and non-breaking for another.
//!
//! Changes are sorted by exchange, then operation (exchange-level changes first), then severity
//! (breaking first), then subject; description changes come last in each exchange and are
//! rendered quietly (dimmed; folded away in Markdown).
//!
//! # JSON
//!
//! [`SpecDiff::render_json`] prints one object; `version` changes only when a field is removed
//! or changes meaning (fields may be added):
//!
//! ```json
//! {
//!   "version": 1,
//!   "worst": "breaking",
//!   "summary": { "breaking": 1, "potentially-breaking": 0, "non-breaking": 2 },
//!   "changes": [
//!     {
//!       "exchange": "okx",
//!       "operation": "cancelWithdrawal",
//!       "severity": "breaking",
//!       "rule": "type-changed",
//!       "subject": "request field `CancelWithdrawalRequest.wdId`",
//!       "detail": "type string → integer",
//!       "why": "The Rust type changes ...",
//!       "old": "okx/cancel-withdrawal.yaml#/operations/0/params/0",
//!       "new": "okx/cancel-withdrawal.yaml#/operations/0/params/0"
//!     }
//!   ],
//!   "generated": [ { "path": "generated/okx.rs", "change": "modified" } ]
//! }
//! ```
//!
//! `worst` is `null` when nothing changed; `severity` is `breaking`, `potentially-breaking` or
//! `non-breaking` ([`Severity::id`]); `rule` is a [`Rule::id`]; `operation` is the operation id
//! as the spec spells it, or `null` for an exchange-level change (signing, envelope, base URLs);
//! `old` and `new` are `file#json-pointer` (files relative to the specs folder), or `null` where
//! that side has no such node; `change` is `added`, `removed` or `modified`. Changes and files
//! are in the order described above.

mod render;
mod rules;
mod walk;

pub use rules::{Rule, Severity};

use crate::ir::Api;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// One reported change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The exchange (its folder name in `specs/`).
    pub exchange: String,
    /// The operation id as the spec spells it; `None` for exchange-level changes (signing,
    /// envelope, base URLs, title, the exchange itself).
    pub operation: Option<String>,
    /// What kind of change it is.
    pub rule: Rule,
    /// How it affects code using the generated client: always `rule.severity()`.
    pub severity: Severity,
    /// What changed: `request field `CancelWithdrawalRequest.wdId``, `response enum `State``,
    /// `path`.
    pub subject: String,
    /// How: `type string → integer`, `value `failed` added`.
    pub detail: String,
    /// Where the old node was: `file#pointer`, from [`crate::ir::Origin`].
    pub old_origin: Option<String>,
    /// Where the new node is: `file#pointer`.
    pub new_origin: Option<String>,
}

impl Change {
    fn new(
        exchange: &str,
        operation: Option<&str>,
        rule: Rule,
        subject: String,
        detail: String,
    ) -> Self {
        Change {
            exchange: exchange.to_owned(),
            operation: operation.map(str::to_owned),
            rule,
            severity: rule.severity(),
            subject,
            detail,
            old_origin: None,
            new_origin: None,
        }
    }

    fn origins(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old_origin = old;
        self.new_origin = new;
        self
    }

    /// Whether this only changes documentation (shown last and quietly).
    pub fn is_description(&self) -> bool {
        self.rule == Rule::DescriptionChanged
    }

    /// The report's order: exchange, descriptions last, operation (exchange-level first),
    /// breaking first, subject, detail.
    fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.exchange,
            self.is_description(),
            &self.operation,
            Reverse(self.severity),
            &self.subject,
            &self.detail,
            self.rule,
        )
    }
}

/// What happens to a file under `generated/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileChange {
    /// The new specs generate it and the old ones did not.
    Added,
    /// The old specs generated it and the new ones do not.
    Removed,
    /// Both generate it, with different contents.
    Modified,
}

impl FileChange {
    /// `added`, `removed` or `modified`, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileChange::Added => "added",
            FileChange::Removed => "removed",
            FileChange::Modified => "modified",
        }
    }
}

/// A file under `generated/` that the new specs would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFileChange {
    /// Its path, with `/` separators: `generated/okx.rs`.
    pub path: String,
    /// How it changes.
    pub kind: FileChange,
}

/// Everything that differs between two spec sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecDiff {
    /// The changes, in report order (see the module docs).
    pub changes: Vec<Change>,
    /// The generated files that would change, sorted by path.
    pub generated: Vec<GeneratedFileChange>,
}

/// Compares two loaded spec sets (matched by exchange name) and the generated files each
/// produces.
///
/// Fails only if one side cannot be generated (an error in the emitter).
pub fn compare(old: &[Api], new: &[Api]) -> crate::Result<SpecDiff> {
    let mut changes = walk::apis(old, new);
    changes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A type reached twice by the same operation in the same direction is reported once.
    changes.dedup();
    let generated = generated_changes(old, new)?;
    Ok(SpecDiff { changes, generated })
}

fn generated_changes(old: &[Api], new: &[Api]) -> crate::Result<Vec<GeneratedFileChange>> {
    let files = |apis: &[Api]| -> crate::Result<BTreeMap<String, String>> {
        Ok(crate::generate_apis(apis)?
            .into_iter()
            .map(|file| {
                let path = file.path.to_string_lossy().replace('\\', "/");
                (format!("generated/{path}"), file.contents)
            })
            .collect())
    };
    let (old, new) = (files(old)?, files(new)?);
    let mut out = Vec::new();
    for (path, contents) in &old {
        match new.get(path) {
            None => out.push((path, FileChange::Removed)),
            Some(newer) if newer != contents => out.push((path, FileChange::Modified)),
            Some(_) => {}
        }
    }
    out.extend(
        new.keys()
            .filter(|path| !old.contains_key(*path))
            .map(|path| (path, FileChange::Added)),
    );
    out.sort();
    Ok(out
        .into_iter()
        .map(|(path, kind)| GeneratedFileChange {
            path: path.clone(),
            kind,
        })
        .collect())
}

impl SpecDiff {
    /// The most harmful severity among the changes; `None` when nothing changed.
    pub fn worst(&self) -> Option<Severity> {
        self.changes.iter().map(|c| c.severity).max()
    }

    /// How many changes there are of each severity, every severity present (most harmful
    /// first).
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|&s| (s, self.changes.iter().filter(|c| c.severity == s).count()))
            .collect()
    }

    /// Whether neither the specs' meaning nor any generated file changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.generated.is_empty()
    }

    /// One line per change, grouped by exchange, then a summary and the generated files that
    /// would change. ANSI colours only when `color` is true.
    pub fn render_text(&self, color: bool) -> String {
        render::text(self, color)
    }

    /// Ready to paste into a review comment: a summary table, then the details per exchange
    /// with each rule's reason, then the generated files.
    pub fn render_markdown(&self) -> String {
        render::markdown(self)
    }

    /// The stable JSON shape documented in this module's docs.
    pub fn render_json(&self) -> String {
        render::json(self)
    }
}
