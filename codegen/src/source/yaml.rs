//! YAML and JSON into a tree that remembers where each node stood, with the limits every spec
//! file is held to.
//!
//! Every input file goes through [`parse`] first, so the checks below apply to every format:
//!
//! - size: a file larger than [`MAX_FILE_BYTES`] is refused before it is read;
//! - nesting: a node deeper than [`MAX_DEPTH`] is refused as the parser reaches it, so a
//!   hostile file of nested brackets costs time linear in its length, not more;
//! - aliases: expanding `*anchor` references may not grow the tree past a budget, so an alias
//!   bomb is refused rather than expanded;
//! - duplicate keys: a key given twice in one mapping is an error naming both places, wherever
//!   it is, instead of the last one silently winning.
//!
//! A `.json` file, or any file whose text begins with `{` and that reads as JSON, is read by
//! xgen's own JSON reader (`source::json`) into the same tree under the same checks: YAML's
//! scanner holds every token of a flow collection until it closes, which for a 20 MB JSON
//! document is most of the file as tokens, several times its size.
//!
//! Plain scalars resolve by YAML 1.2's core schema (`null`, `true`, `12`, `1.5`); quoted and
//! block scalars are strings. Mapping keys are kept as the text written (`200:` is the key
//! `"200"`), since OpenAPI's keys are names, status codes and paths.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The largest spec file read, in bytes. Real API descriptions are far smaller (Binance's whole
/// spot API is 1 MB); the limit keeps memory bounded (see the README's "Limits").
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// The deepest nesting of mappings and sequences accepted. OpenAPI documents nest a few dozen
/// levels at most.
pub const MAX_DEPTH: usize = 128;

/// How many nodes alias expansion may add beyond those written, at least; the budget grows
/// with the file (one extra node per ten bytes).
const ALIAS_BUDGET_MIN: usize = 100_000;

/// Syntax errors in files up to this size are described by libyaml too, whose messages say
/// where the construct that failed began.
const SECOND_OPINION_BYTES: usize = 1024 * 1024;

/// A position in a file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Mark {
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
}

impl Mark {
    fn from(marker: Marker) -> Mark {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Mark {
            line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col().saturating_add(1)).unwrap_or(u32::MAX),
        }
    }
}

/// A node of the document.
///
/// Positions are used while the tree is read (syntax errors, duplicate keys) and not kept:
/// later phases locate nodes by JSON pointer, and a large document's tree stays small.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it is.
    pub value: Value,
}

/// A node's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text; equal texts in one file share one allocation.
    Str(Arc<str>),
    /// A sequence.
    Seq(Box<[Node]>),
    /// A mapping, in the order written; keys are unique.
    Map(Box<[Entry]>),
}

/// One key and value of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key, as written; shared by every mapping that uses the same key (`type`,
    /// `description`), which is most of them.
    pub key: Arc<str>,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|e| &*e.key == key)
            .map(|e| &e.value)
    }

    /// The entries, if this is a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(number) => Some(number),
            _ => None,
        }
    }

    /// The node at an RFC 6901 JSON pointer below this one (`/components/schemas/Pet`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(_) => node.get(&segment)?,
                Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// What the node is, for messages (`a string`, `a mapping`).
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Reads a file and parses it, checking its size before reading it.
pub fn read(path: &Path) -> Result<(String, Node)> {
    let text = super::read_text(path)?;
    let node = parse(path, &text)?;
    Ok((text, node))
}

/// Parses `text` (the contents of `path`, which is for diagnostics) into a tree, checking depth,
/// aliases and duplicate keys. Duplicate keys are all reported, each naming both places, in
/// [`Error::Many`] when there are several.
pub fn parse(path: &Path, text: &str) -> Result<Node> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        return super::json::parse(path, text);
    }
    // YAML written as JSON (a `.yaml` file holding a JSON document): read as JSON when it is,
    // as YAML otherwise, so YAML's flow syntax (`{a: 1}`) keeps working.
    if text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{')
    {
        if let Ok(node) = super::json::parse(path, text) {
            return Ok(node);
        }
    }
    let mut builder = Builder {
        text,
        parser: Parser::new_from_str(text),
        anchors: Vec::new(),
        alias_budget: ALIAS_BUDGET_MIN.max(text.len() / 10),
        tree: Tree::new(path),
    };
    let root = builder.document()?;
    builder.tree.finish(root)
}

/// What reading any format into a tree keeps track of: nesting depth, duplicate keys found, and
/// the texts read so far, each stored once.
pub(super) struct Tree {
    pub(super) path: PathBuf,
    depth: usize,
    duplicates: Vec<Error>,
    texts: HashSet<Arc<str>>,
}

impl Tree {
    pub(super) fn new(path: &Path) -> Tree {
        Tree {
            path: path.to_owned(),
            depth: 0,
            duplicates: Vec::new(),
            texts: HashSet::new(),
        }
    }

    pub(super) fn syntax(&self, at: Mark, message: String) -> Error {
        Error::Syntax {
            path: self.path.clone(),
            line: at.line as usize,
            column: at.column as usize,
            message,
        }
    }

    /// One level deeper: an error past [`MAX_DEPTH`], placed by `at` (asked only then).
    pub(super) fn enter(&mut self, at: impl FnOnce() -> Mark) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.syntax(at(), nested_too_deep()));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The shared copy of a text: a mapping key or a string value. Specs repeat most of their
    /// texts (`type`, `string`, `description`, the same `$ref`, copied prose), and one
    /// allocation per distinct text keeps a large document's tree a few times its size.
    pub(super) fn intern(&mut self, text: String) -> Arc<str> {
        if let Some(shared) = self.texts.get(text.as_str()) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.texts.insert(shared.clone());
        shared
    }

    /// Notes `key`, at `at`, as a second occurrence of the key at `first`; reading goes on, so
    /// every duplicate is reported.
    pub(super) fn duplicate(&mut self, key: &str, at: Mark, first: Mark) {
        let message = format!(
            "duplicate key `{}`; it is also at line {} column {}",
            crate::text::escape(key),
            first.line,
            first.column
        );
        self.duplicates.push(self.syntax(at, message));
    }

    /// The tree, or every duplicate key found while reading it.
    pub(super) fn finish(mut self, root: Node) -> Result<Node> {
        match self.duplicates.len() {
            0 => Ok(root),
            1 => Err(self.duplicates.remove(0)),
            _ => Err(Error::Many(self.duplicates)),
        }
    }
}

/// Finds a key among the entries a mapping has so far: a scan while the mapping is small, a hash
/// index once it is not, so a mapping of a million keys is not a quadratic read.
#[derive(Default)]
pub(super) struct KeyIndex {
    index: std::collections::HashMap<Arc<str>, usize>,
}

impl KeyIndex {
    const SCAN_UP_TO: usize = 32;

    /// Where `key` is in `entries` (whose keys are unique), if it is.
    pub(super) fn find(&mut self, entries: &[Entry], key: &str) -> Option<usize> {
        if entries.len() <= Self::SCAN_UP_TO {
            return entries.iter().position(|e| *e.key == *key);
        }
        let known = self.index.len();
        for (position, entry) in entries.iter().enumerate().skip(known) {
            self.index.insert(entry.key.clone(), position);
        }
        self.index.get(key).copied()
    }
}

struct Builder<'t> {
    text: &'t str,
    parser: Parser<std::str::Chars<'t>>,
    /// Anchored nodes by anchor id (yaml-rust2 numbers them from 1).
    anchors: Vec<(usize, Node)>,
    /// Nodes alias expansion may still add.
    alias_budget: usize,
    tree: Tree,
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, Mark)> {
        match self.parser.next_token() {
            Ok((event, marker)) => Ok((event, Mark::from(marker))),
            Err(error) => {
                let at = Mark::from(*error.marker());
                // The scanner has a flow-nesting limit of its own, met before ours in `[[[...`.
                if error.info() == "recursion limit exceeded" {
                    return Err(self.tree.syntax(at, nested_too_deep()));
                }
                // libyaml says more about where a construct began; ask it, on this failure path
                // only and for files small enough that its event list costs little.
                if self.text.len() <= SECOND_OPINION_BYTES {
                    if let Err(detail) = yaml_serde::from_str::<serde::de::IgnoredAny>(self.text) {
                        if detail.location().is_some() {
                            return Err(Error::yaml(self.tree.path.clone(), &detail));
                        }
                    }
                }
                Err(self.tree.syntax(at, error.info().to_owned()))
            }
        }
    }

    /// The first document; an empty stream is `null`, and a second document is an error (a spec
    /// file is one document).
    fn document(&mut self) -> Result<Node> {
        let mut root = None;
        loop {
            let (event, at) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {
                }
                Event::StreamEnd => break,
                other if root.is_none() => root = Some(self.node(other, at)?),
                _ => {
                    return Err(self
                        .tree
                        .syntax(at, "a second YAML document in one file".to_owned()))
                }
            }
        }
        Ok(root.unwrap_or(Node { value: Value::Null }))
    }

    fn node(&mut self, event: Event, at: Mark) -> Result<Node> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_string = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = match style {
                    TScalarStyle::Plain if !tagged_string => resolve_plain(text, &mut self.tree),
                    _ => Value::Str(self.tree.intern(text)),
                };
                let node = Node { value };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::SequenceStart(anchor, _) => {
                self.tree.enter(|| at)?;
                let mut items = Vec::new();
                loop {
                    let (event, item_at) = self.next()?;
                    if let Event::SequenceEnd = event {
                        break;
                    }
                    items.push(self.node(event, item_at)?);
                }
                self.tree.leave();
                // Boxed slices, not vectors: no spare capacity kept for the life of the tree.
                let node = Node {
                    value: Value::Seq(items.into_boxed_slice()),
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, _) => {
                self.tree.enter(|| at)?;
                let mut entries: Vec<Entry> = Vec::new();
                // Where each key stood, for the duplicate-key message only.
                let mut places: Vec<Mark> = Vec::new();
                let mut index = KeyIndex::default();
                loop {
                    let (event, key_at) = self.next()?;
                    let key = match event {
                        Event::MappingEnd => break,
                        Event::Scalar(text, ..) => text,
                        Event::Alias(_) => {
                            return Err(self
                                .tree
                                .syntax(key_at, "an alias as a mapping key".to_owned()))
                        }
                        _ => {
                            return Err(self
                                .tree
                                .syntax(key_at, "a mapping key that is not plain text".to_owned()))
                        }
                    };
                    let (event, value_at) = self.next()?;
                    let value = self.node(event, value_at)?;
                    if let Some(first) = index.find(&entries, &key) {
                        self.tree.duplicate(&key, key_at, places[first]);
                        continue;
                    }
                    entries.push(Entry {
                        key: self.tree.intern(key),
                        value,
                    });
                    places.push(key_at);
                }
                self.tree.leave();
                let node = Node {
                    value: Value::Map(entries.into_boxed_slice()),
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let Some((_, target)) = self.anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(self
                        .tree
                        .syntax(at, "an alias to an unknown anchor".to_owned()));
                };
                let size = count(target);
                if size > self.alias_budget {
                    return Err(self.tree.syntax(
                        at,
                        "aliases expand the document too far (an alias bomb?); write the \
                         repeated parts out"
                            .to_owned(),
                    ));
                }
                self.alias_budget -= size;
                Ok(target.clone())
            }
            _ => Err(self.tree.syntax(at, "unexpected YAML structure".to_owned())),
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
    }
}

fn nested_too_deep() -> String {
    format!("nested more than {MAX_DEPTH} levels deep, which no spec needs")
}

/// The number of nodes in a tree, iteratively (a deep tree must not overflow the stack).
fn count(node: &Node) -> usize {
    let mut total = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        total += 1;
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    total
}

/// A plain scalar by YAML 1.2's core schema.
pub(super) fn resolve_plain(text: String, tree: &mut Tree) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(value) = integer(&text) {
        return Value::Int(value);
    }
    if is_float(&text) {
        if let Ok(value) = text.parse::<f64>() {
            return Value::Float(value);
        }
    }
    Value::Str(tree.intern(text))
}

fn integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let parsed = if let Some(hex) = text.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = text.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let magnitude: i64 = digits.parse().ok()?;
        return Some(if negative { -magnitude } else { magnitude });
    } else {
        return None;
    };
    Some(parsed)
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(Path::new("t.yaml"), text).unwrap()
    }

    fn error(text: &str) -> String {
        parse(Path::new("t.yaml"), text).unwrap_err().to_string()
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let node = tree("a: 12\nb: '12'\nc: 1.5\nd: true\ne: ~\nf: text\ng: -7\nh: 0x1F\n");
        assert_eq!(node.get("a").unwrap().value, Value::Int(12));
        assert_eq!(node.get("b").unwrap().value, Value::Str("12".into()));
        assert_eq!(node.get("c").unwrap().value, Value::Float(1.5));
        assert_eq!(node.get("d").unwrap().value, Value::Bool(true));
        assert_eq!(node.get("e").unwrap().value, Value::Null);
        assert_eq!(node.get("f").unwrap().value, Value::Str("text".into()));
        assert_eq!(node.get("g").unwrap().value, Value::Int(-7));
        assert_eq!(node.get("h").unwrap().value, Value::Int(31));
    }

    #[test]
    fn keys_keep_their_text_and_place() {
        let node = tree("responses:\n  200:\n    description: ok\n");
        let responses = node.get("responses").unwrap();
        let entry = &responses.entries().unwrap()[0];
        assert_eq!(&*entry.key, "200");
        assert_eq!(
            node.pointer("/responses/200/description").unwrap().as_str(),
            Some("ok")
        );
    }

    #[test]
    fn every_duplicate_key_is_named_with_both_places() {
        assert_eq!(
            error("base_urls:\n  production: a\n  production: b\n"),
            "t.yaml:3:3: duplicate key `production`; it is also at line 2 column 3"
        );
        let text = "a: 1\nb: {x: 1, x: 2}\na: 3\n";
        assert_eq!(
            error(text),
            "t.yaml:2:11: duplicate key `x`; it is also at line 2 column 5\n\
             t.yaml:3:1: duplicate key `a`; it is also at line 1 column 1"
        );
    }

    #[test]
    fn json_reads_too_with_its_duplicates() {
        let node = tree(r#"{"a": [1, {"b": "c"}]}"#);
        assert_eq!(node.pointer("/a/1/b").unwrap().as_str(), Some("c"));
        assert!(error(r#"{"a": 1, "a": 2}"#).contains("duplicate key `a`"));
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = format!("x: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        let message = error(&deep);
        assert!(message.contains("nested more than 128 levels"), "{message}");
        // A generous bound: linear work on 200 kB, not minutes.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn alias_bombs_are_refused_and_small_aliases_expand() {
        let node = tree("base: &b {x: 1}\nuse: *b\n");
        assert_eq!(node.pointer("/use/x").unwrap().value, Value::Int(1));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = format!("*a{}", level - 1);
            bomb.push_str(&format!(
                "a{level}: &a{level} [{}]\n",
                vec![prev; 10].join(", ")
            ));
        }
        assert!(error(&bomb).contains("alias bomb"), "{}", error(&bomb));
    }

    #[test]
    fn syntax_errors_are_located() {
        assert!(error("a: [1, 2\nb: 3\n").starts_with("t.yaml:"));
        assert!(error("a: 1\n---\nb: 2\n").contains("a second YAML document"));
    }
}
