//! Line and column of a node named by its JSON pointer, for diagnostics.
//!
//! The trees keep no positions (a large document's tree stays small), so a diagnostic's
//! [`Origin`] is a file and a pointer. When a run reports, [`Locator`] reads each file it names
//! once more and walks its text to the node, which costs nothing on a run without diagnostics.

use super::yaml::Mark;
use crate::error::Error;
use crate::ir::{pointer_segment, Origin};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yaml_rust2::parser::{Event, Parser};

/// Finds where origins are, reading each file at most once and walking it once per batch.
#[derive(Default)]
pub struct Locator {
    /// What origins' file names are relative to.
    base: PathBuf,
    texts: HashMap<Arc<Path>, Option<String>>,
    /// Positions found by [`Locator::prepare`], by file and pointer (`None`: not in the file).
    found: HashMap<(Arc<Path>, String), Option<Mark>>,
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
            ..Self::default()
        }
    }

    /// Finds every one of `origins` in one walk of each file they name: a run with a hundred
    /// warnings in a 4 MB document reads it once, not a hundred times.
    pub fn prepare<'o>(&mut self, origins: impl IntoIterator<Item = &'o Origin>) {
        let mut by_file: BTreeMap<Arc<Path>, BTreeSet<String>> = BTreeMap::new();
        for origin in origins {
            let key = (origin.file.clone(), origin.pointer.clone());
            if !self.found.contains_key(&key) {
                by_file
                    .entry(origin.file.clone())
                    .or_default()
                    .insert(origin.pointer.clone());
            }
        }
        for (file, wanted) in by_file {
            let mut marks = match self.text(&file) {
                Some(text) => marks_in(&file, text, &wanted),
                None => HashMap::new(),
            };
            for pointer in wanted {
                let mark = marks.remove(&pointer);
                self.found.insert((file.clone(), pointer), mark);
            }
        }
    }

    fn text(&mut self, file: &Arc<Path>) -> Option<&str> {
        let base = &self.base;
        self.texts
            .entry(file.clone())
            .or_insert_with(|| super::read_text(&base.join(file)).ok())
            .as_deref()
    }

    /// Where `origin` is: its line and column, if its file still reads and holds the node.
    pub fn position(&mut self, origin: &Origin) -> Option<Mark> {
        let key = (origin.file.clone(), origin.pointer.clone());
        if let Some(found) = self.found.get(&key) {
            return *found;
        }
        self.prepare([origin]);
        self.found.get(&key).copied().flatten()
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
        let errors = match error {
            Error::Many(errors) => errors.as_slice(),
            one => std::slice::from_ref(one),
        };
        self.prepare(errors.iter().filter_map(Error::origin));
        errors
            .iter()
            .map(|error| {
                let text = error.to_string();
                let Some(origin) = error.origin() else {
                    return text;
                };
                match text.strip_prefix(&origin.to_string()) {
                    Some(rest) => format!("{}{rest}", self.origin(origin)),
                    None => text,
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Line and column of the node at `pointer` in `text`, the contents of `path` (whose extension
/// says JSON or YAML). `None` if the text does not parse that far or has no such node.
pub fn locate(path: &Path, text: &str, pointer: &str) -> Option<Mark> {
    let wanted = BTreeSet::from([pointer.to_owned()]);
    marks_in(path, text, &wanted).remove(pointer)
}

/// The positions of the `wanted` pointers in `text`, in one walk that enters only the nodes on
/// the way to one of them and stops when all are found.
fn marks_in(path: &Path, text: &str, wanted: &BTreeSet<String>) -> HashMap<String, Mark> {
    let mut search = Search {
        wanted,
        found: HashMap::new(),
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let looks_json = text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{');
    if is_json || looks_json {
        JsonWalk::new(text).walk(&mut search);
        if is_json || !search.found.is_empty() {
            return search.found;
        }
    }
    YamlWalk::new(text).walk(&mut search);
    search.found
}

/// The pointers a walk looks for, and where those it met are.
struct Search<'w> {
    wanted: &'w BTreeSet<String>,
    found: HashMap<String, Mark>,
}

impl Search<'_> {
    /// Whether `pointer` or a node below it is wanted: the walk enters only those.
    fn leads_to(&self, pointer: &str) -> bool {
        if self.wanted.contains(pointer) {
            return true;
        }
        let below = format!("{pointer}/");
        self.wanted
            .range(below.clone()..)
            .next()
            .is_some_and(|w| w.starts_with(&below))
    }

    fn note(&mut self, pointer: &str, at: Mark) {
        if self.wanted.contains(pointer) {
            self.found.entry(pointer.to_owned()).or_insert(at);
        }
    }

    fn done(&self) -> bool {
        self.found.len() == self.wanted.len()
    }
}

/// A walk over YAML events, entering only the nodes on the way to a wanted one.
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

    fn walk(&mut self, search: &mut Search<'_>) {
        loop {
            match self.next() {
                Some((Event::StreamStart | Event::DocumentStart | Event::Nothing, _)) => {}
                Some((Event::StreamEnd | Event::DocumentEnd, _)) | None => return,
                Some((event, at)) => {
                    let _ = self.visit(event, at, &mut String::new(), search);
                    return;
                }
            }
        }
    }

    /// The node that `event` starts, at `pointer`; `None` stops the walk (all found, or the
    /// text ends in error).
    fn visit(
        &mut self,
        event: Event,
        at: Mark,
        pointer: &mut String,
        search: &mut Search<'_>,
    ) -> Option<()> {
        match event {
            Event::MappingStart(..) => {
                let mut first_key = true;
                loop {
                    let (key, key_at) = self.next()?;
                    let name = match key {
                        Event::MappingEnd => break,
                        Event::Scalar(name, ..) => name,
                        other => {
                            self.skip(other)?;
                            let (value, _) = self.next()?;
                            self.skip(value)?;
                            continue;
                        }
                    };
                    if first_key {
                        // A block mapping's start is marked where its first key ends; a reader
                        // looks at the key.
                        search.note(pointer, key_at.min(at));
                        first_key = false;
                    }
                    let (value, value_at) = self.next()?;
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&pointer_segment(&name));
                    if search.leads_to(pointer) {
                        self.visit(value, value_at, pointer, search)?;
                    } else {
                        self.skip(value)?;
                    }
                    pointer.truncate(length);
                }
                search.note(pointer, at);
            }
            Event::SequenceStart(..) => {
                search.note(pointer, at);
                let mut index = 0usize;
                loop {
                    let (item, item_at) = self.next()?;
                    if let Event::SequenceEnd = item {
                        break;
                    }
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    if search.leads_to(pointer) {
                        self.visit(item, item_at, pointer, search)?;
                    } else {
                        self.skip(item)?;
                    }
                    pointer.truncate(length);
                    index += 1;
                }
            }
            // Through an alias the node is elsewhere; its use is the nearest place.
            _ => search.note(pointer, at),
        }
        if search.done() {
            return None;
        }
        Some(())
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

/// A walk over JSON text, entering only the values on the way to a wanted one.
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

    fn walk(&mut self, search: &mut Search<'_>) {
        self.whitespace();
        let _ = self.visit(&mut String::new(), search);
    }

    /// The value here, at `pointer`; `None` stops the walk.
    fn visit(&mut self, pointer: &mut String, search: &mut Search<'_>) -> Option<()> {
        search.note(pointer, super::json::mark(self.text, self.at));
        match self.peek()? {
            b'{' => {
                self.at += 1;
                loop {
                    self.whitespace();
                    match self.peek()? {
                        b'}' => {
                            self.at += 1;
                            break;
                        }
                        b',' => self.at += 1,
                        b'"' => {
                            let name = self.string()?;
                            self.whitespace();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.at += 1;
                            self.whitespace();
                            let length = pointer.len();
                            pointer.push('/');
                            pointer.push_str(&pointer_segment(&name));
                            if search.leads_to(pointer) {
                                self.visit(pointer, search)?;
                            } else {
                                self.skip()?;
                            }
                            pointer.truncate(length);
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut index = 0usize;
                loop {
                    self.whitespace();
                    match self.peek()? {
                        b']' => {
                            self.at += 1;
                            break;
                        }
                        b',' => self.at += 1,
                        _ => {
                            let length = pointer.len();
                            pointer.push('/');
                            pointer.push_str(&index.to_string());
                            if search.leads_to(pointer) {
                                self.visit(pointer, search)?;
                            } else {
                                self.skip()?;
                            }
                            pointer.truncate(length);
                            index += 1;
                        }
                    }
                }
            }
            _ => self.skip()?,
        }
        if search.done() {
            return None;
        }
        Some(())
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
