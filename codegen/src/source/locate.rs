//! Line and column of a node named by its JSON pointer, for diagnostics.
//!
//! The trees keep no positions (a large document's tree stays small), so a diagnostic's
//! [`Origin`] is a file and a pointer. When a run reports, [`Locator`] reads each file it names
//! once more and walks its text to the node, which costs nothing on a run without diagnostics.

use super::yaml::Mark;
use crate::error::Error;
use crate::ir::Origin;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yaml_rust2::parser::{Event, Parser};

/// Finds where origins are, reading each file at most once.
#[derive(Default)]
pub struct Locator {
    /// What origins' file names are relative to.
    base: PathBuf,
    texts: HashMap<Arc<Path>, Option<String>>,
}

impl Locator {
    /// A locator for the origins of [`Config::load`](crate::Config::load), whose file names
    /// include the specs folder as it was given.
    pub fn new() -> Self {
        Self::default()
    }

    /// A locator for origins whose file names are relative to `base`: the parent of the folder
    /// given to [`Config::load_exchange`](crate::Config::load_exchange).
    pub fn within(base: impl Into<PathBuf>) -> Self {
        Locator {
            base: base.into(),
            texts: HashMap::new(),
        }
    }

    /// Where `origin` is: its line and column, if its file still reads and holds the node.
    pub fn position(&mut self, origin: &Origin) -> Option<Mark> {
        let base = &self.base;
        let text = self
            .texts
            .entry(origin.file.clone())
            .or_insert_with(|| super::read_text(&base.join(&origin.file)).ok())
            .as_deref()?;
        locate(&origin.file, text, &origin.pointer)
    }

    /// `origin` as diagnostics show it: `file:line:column #pointer` when the node is found,
    /// `file#pointer` otherwise.
    pub fn origin(&mut self, origin: &Origin) -> String {
        match self.position(origin) {
            Some(at) => format!(
                "{}:{}:{} #{}",
                origin.file.display(),
                at.line,
                at.column,
                origin.pointer
            ),
            None => origin.to_string(),
        }
    }

    /// `error` as [`Display`](std::fmt::Display) shows it, each origin it starts with (one per
    /// line for several errors) given its line and column.
    pub fn error(&mut self, error: &Error) -> String {
        if let Error::Many(errors) = error {
            return errors
                .iter()
                .map(|e| self.error(e))
                .collect::<Vec<_>>()
                .join("\n");
        }
        let text = error.to_string();
        let Some(origin) = error.origin() else {
            return text;
        };
        match text.strip_prefix(&origin.to_string()) {
            Some(rest) => format!("{}{rest}", self.origin(origin)),
            None => text,
        }
    }
}

/// Line and column of the node at `pointer` in `text`, the contents of `path` (whose extension
/// says JSON or YAML). `None` if the text does not parse that far or has no such node.
pub fn locate(path: &Path, text: &str, pointer: &str) -> Option<Mark> {
    let segments: Vec<String> = match pointer {
        "" => Vec::new(),
        _ => pointer
            .strip_prefix('/')?
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let looks_json = text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{');
    if is_json || looks_json {
        if let Some(at) = JsonWalk::new(text).seek(&segments) {
            return Some(at);
        }
        if is_json {
            return None;
        }
    }
    YamlWalk::new(text).seek(&segments)
}

/// A walk over YAML events to one node, skipping every subtree off the path.
struct YamlWalk<'t> {
    parser: Parser<std::str::Chars<'t>>,
}

impl<'t> YamlWalk<'t> {
    fn new(text: &'t str) -> Self {
        YamlWalk {
            parser: Parser::new_from_str(text),
        }
    }

    fn next(&mut self) -> Option<(Event, Mark)> {
        let (event, marker) = self.parser.next_token().ok()?;
        let at = Mark {
            line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
        };
        Some((event, at))
    }

    /// The first event of the document's root node.
    fn root(&mut self) -> Option<(Event, Mark)> {
        loop {
            match self.next()? {
                (Event::StreamStart | Event::DocumentStart | Event::Nothing, _) => {}
                (Event::StreamEnd | Event::DocumentEnd, _) => return None,
                node => return Some(node),
            }
        }
    }

    fn seek(&mut self, segments: &[String]) -> Option<Mark> {
        let (mut event, mut at) = self.root()?;
        for segment in segments {
            (event, at) = match event {
                Event::MappingStart(..) => self.value_of(segment)?,
                Event::SequenceStart(..) => self.item(segment.parse().ok()?)?,
                // Through an alias the node is elsewhere; its use is the nearest place.
                Event::Alias(_) => return Some(at),
                _ => return None,
            };
        }
        // A block mapping's start is marked where its first key ends; its first key is where a
        // reader looks.
        if let Event::MappingStart(..) = event {
            if let Some((Event::Scalar(..), key_at)) = self.next() {
                return Some(key_at.min(at));
            }
        }
        Some(at)
    }

    /// Inside a mapping: the first event of the value under `key`.
    fn value_of(&mut self, key: &str) -> Option<(Event, Mark)> {
        loop {
            match self.next()? {
                (Event::MappingEnd, _) => return None,
                (Event::Scalar(text, ..), _) if text == key => return self.next(),
                (other, _) => {
                    self.skip(other)?;
                    let (value, _) = self.next()?;
                    self.skip(value)?;
                }
            }
        }
    }

    /// Inside a sequence: the first event of item `index`.
    fn item(&mut self, index: usize) -> Option<(Event, Mark)> {
        for _ in 0..index {
            match self.next()? {
                (Event::SequenceEnd, _) => return None,
                (other, _) => self.skip(other)?,
            }
        }
        match self.next()? {
            (Event::SequenceEnd, _) => None,
            node => Some(node),
        }
    }

    /// Reads past the rest of the node that `first` starts.
    fn skip(&mut self, first: Event) -> Option<()> {
        let mut depth = match first {
            Event::MappingStart(..) | Event::SequenceStart(..) => 1usize,
            _ => return Some(()),
        };
        while depth > 0 {
            match self.next()?.0 {
                Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
                Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                Event::StreamEnd => return None,
                _ => {}
            }
        }
        Some(())
    }
}

/// A walk over JSON text to one node, skipping every value off the path.
struct JsonWalk<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> JsonWalk<'t> {
    fn new(text: &'t str) -> Self {
        JsonWalk { text, at: 0 }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
        if self.text[self.at..].starts_with('\u{feff}') {
            self.at += '\u{feff}'.len_utf8();
            self.whitespace();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn seek(&mut self, segments: &[String]) -> Option<Mark> {
        self.whitespace();
        for segment in segments {
            match self.peek()? {
                b'{' => self.value_of(segment)?,
                b'[' => self.item(segment.parse().ok()?)?,
                _ => return None,
            }
        }
        Some(super::json::mark(self.text, self.at))
    }

    /// At a `{`: moves to the value under `key`.
    fn value_of(&mut self, key: &str) -> Option<()> {
        self.at += 1;
        loop {
            self.whitespace();
            match self.peek()? {
                b'}' => return None,
                b',' => self.at += 1,
                b'"' => {
                    let name = self.string()?;
                    self.whitespace();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    self.whitespace();
                    if name == key {
                        return Some(());
                    }
                    self.skip()?;
                }
                _ => return None,
            }
        }
    }

    /// At a `[`: moves to item `index`.
    fn item(&mut self, index: usize) -> Option<()> {
        self.at += 1;
        let mut seen = 0;
        loop {
            self.whitespace();
            match self.peek()? {
                b']' => return None,
                b',' => self.at += 1,
                _ if seen == index => return Some(()),
                _ => {
                    self.skip()?;
                    seen += 1;
                }
            }
        }
    }

    /// A string's text, escapes read as JSON reads them (a key is compared as its value).
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return serde_json::from_str(&self.text[start..self.at]).ok();
                }
                _ => self.at += 1,
            }
        }
    }

    /// Reads past the value that starts here.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string();
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.at += 1;
                }
                b',' if depth == 0 => return Some(()),
                _ => self.at += 1,
            }
            if depth == 0 {
                self.whitespace();
                if matches!(self.peek(), Some(b',' | b'}' | b']') | None) {
                    return Some(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str, text: &str, pointer: &str) -> Option<(u32, u32)> {
        locate(Path::new(path), text, pointer).map(|m| (m.line, m.column))
    }

    const YAML: &str = "openapi: 3.0.0\npaths:\n  /a~b/c:\n    get:\n      parameters:\n        - name: x\n        - in: query\n          schema:\n            type: ISO 4217\n";

    #[test]
    fn yaml_nodes_are_found_by_pointer() {
        let pointer = "/paths/~1a~0b~1c/get/parameters/1/schema/type";
        assert_eq!(at("a.yaml", YAML, pointer), Some((9, 19)));
        assert_eq!(
            at("a.yaml", YAML, "/paths/~1a~0b~1c/get/parameters/0"),
            Some((6, 11))
        );
        assert_eq!(at("a.yaml", YAML, ""), Some((1, 1)));
        assert_eq!(at("a.yaml", YAML, "/paths/~1nowhere"), None);
        assert_eq!(
            at("a.yaml", YAML, "/paths/~1a~0b~1c/get/parameters/2"),
            None
        );
        assert_eq!(at("a.yaml", "a: [unclosed", "/a/1"), None);
    }

    #[test]
    fn json_nodes_are_found_by_pointer() {
        let json =
            "{\n  \"a\": {\"x\": [1, {\"y\": \"z\"}], \"b\\u0021\": null},\n  \"c\": true\n}";
        assert_eq!(at("a.json", json, "/a/x/1/y"), Some((2, 24)));
        assert_eq!(at("a.json", json, "/a/b!"), Some((2, 42)));
        assert_eq!(at("a.json", json, "/c"), Some((3, 8)));
        assert_eq!(at("a.json", json, "/a/x/2"), None);
        assert_eq!(at("a.json", json, "/d"), None);
    }
}
