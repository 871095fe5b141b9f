//! JSON into the same located tree as YAML (see [`super::yaml`]), under the same limits and the
//! same duplicate-key check, in one pass over the text and memory linear in it.
//!
//! Strict JSON (RFC 8259), with three allowances for published files: a leading byte-order mark,
//! a tab inside a string, and a lone UTF-16 surrogate escape, which becomes U+FFFD rather than
//! failing the document. Numbers resolve as YAML's plain scalars do (`12` an integer, `1.5` and
//! integers beyond 64 bits floats), so a document reads the same in either format.

use super::yaml::{resolve_plain, Entry, KeyIndex, Mark, Node, Tree, Value};
use crate::error::{Error, Result};
use std::path::Path;

/// Parses `text` (the contents of `path`, for diagnostics) as one JSON document.
pub fn parse(path: &Path, text: &str) -> Result<Node> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        tree: Tree::new(path),
    };
    if reader.bytes.starts_with("\u{feff}".as_bytes()) {
        reader.at = 3;
    }
    reader.whitespace();
    if reader.at == reader.bytes.len() {
        // As YAML reads an empty file: a null document, which later phases name.
        return Ok(Node { value: Value::Null });
    }
    let root = reader.value()?;
    reader.whitespace();
    if reader.at < reader.bytes.len() {
        return Err(reader.error(reader.at, "text after the end of the JSON document"));
    }
    reader.tree.finish(root)
}

/// Line and column (in characters, 1-based) of a byte offset. Counted from the start, and only
/// on the paths that report a place (errors, duplicate keys), so reading keeps no position state.
pub(super) fn mark(text: &str, offset: usize) -> Mark {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    Mark {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
    }
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The byte being read.
    at: usize,
    tree: Tree,
}

impl Reader<'_> {
    fn mark(&self, offset: usize) -> Mark {
        mark(self.text, offset)
    }

    fn error(&self, offset: usize, message: &str) -> Error {
        // Offsets always fall on a character boundary: every stop is at an ASCII byte or the end.
        self.tree.syntax(self.mark(offset), message.to_owned())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// `byte`, after any whitespace, or an error saying what was expected.
    fn expect(&mut self, byte: u8, expected: &str) -> Result<()> {
        self.whitespace();
        if self.peek() == Some(byte) {
            self.at += 1;
            return Ok(());
        }
        Err(self.unexpected(expected))
    }

    fn unexpected(&self, expected: &str) -> Error {
        let found = match self.text[self.at..].chars().next() {
            None => "the end of the file".to_owned(),
            Some(c) => format!("`{}`", crate::text::escape(&c.to_string())),
        };
        self.error(self.at, &format!("expected {expected}, found {found}"))
    }

    fn value(&mut self) -> Result<Node> {
        self.whitespace();
        let value = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => {
                let text = self.string()?;
                Value::Str(self.tree.intern(text))
            }
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.unexpected("a JSON value")),
        };
        Ok(Node { value })
    }

    fn object(&mut self) -> Result<Value> {
        let (text, start) = (self.text, self.at);
        self.tree.enter(|| mark(text, start))?;
        self.at += 1;
        let mut entries: Vec<Entry> = Vec::new();
        // Where each key began, for the duplicate-key message only.
        let mut places: Vec<usize> = Vec::new();
        let mut index = KeyIndex::default();
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                self.whitespace();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a key in double quotes"));
                }
                let key_at = self.at;
                let key = self.string()?;
                self.expect(b':', "`:` after the key")?;
                let value = self.value()?;
                if let Some(first) = index.find(&entries, &key) {
                    let (at, first) = (self.mark(key_at), self.mark(places[first]));
                    self.tree.duplicate(&key, at, first);
                } else {
                    entries.push(Entry {
                        key: self.tree.intern(key),
                        value,
                    });
                    places.push(key_at);
                }
                self.whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}` in an object")),
                }
            }
        }
        self.tree.leave();
        Ok(Value::Map(entries.into_boxed_slice()))
    }

    fn array(&mut self) -> Result<Value> {
        let (text, start) = (self.text, self.at);
        self.tree.enter(|| mark(text, start))?;
        self.at += 1;
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]` in an array")),
                }
            }
        }
        self.tree.leave();
        Ok(Value::Seq(items.into_boxed_slice()))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            return Ok(value);
        }
        Err(self.unexpected("a JSON value"))
    }

    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][-+]?[0-9]+)?`, resolved as YAML resolves it.
    fn number(&mut self) -> Result<Value> {
        let start = self.at;
        let digits = |reader: &mut Self| {
            let from = reader.at;
            while let Some(b'0'..=b'9') = reader.peek() {
                reader.at += 1;
            }
            reader.at > from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let whole = self.at;
        if !digits(self) {
            return Err(self.unexpected("a digit"));
        }
        if self.bytes[whole] == b'0' && self.at - whole > 1 {
            return Err(self.error(whole, "a number with a leading zero"));
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'-' | b'+') = self.peek() {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        Ok(resolve_plain(
            self.text[start..self.at].to_owned(),
            &mut self.tree,
        ))
    }

    /// A string, from its opening quote, with its escapes decoded.
    fn string(&mut self) -> Result<String> {
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character in one piece.
            let run = self.bytes[self.at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || (b < 0x20 && b != b'\t'))
                .map_or(self.bytes.len(), |n| self.at + n);
            out.push_str(&self.text[self.at..run]);
            self.at = run;
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => {
                    return Err(self.error(
                        self.at,
                        "a control character inside a string (write it as an escape, `\\n`)",
                    ))
                }
                None => return Err(self.error(start, "a string that is never closed")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.at;
        self.at += 1;
        let simple = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                let unit = self.hex4(at)?;
                out.push(self.code_point(unit)?);
                return Ok(());
            }
            _ => return Err(self.error(at, "an unknown escape in a string")),
        };
        self.at += 1;
        out.push(simple);
        Ok(())
    }

    /// The character of a `\u` escape whose first UTF-16 unit is `unit`, reading the second
    /// unit of a surrogate pair when there is one.
    fn code_point(&mut self, unit: u16) -> Result<char> {
        if (0xD800..0xDC00).contains(&unit) && self.bytes[self.at..].starts_with(b"\\u") {
            let low_at = self.at;
            self.at += 2;
            let low = self.hex4(low_at)?;
            if (0xDC00..0xE000).contains(&low) {
                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // Not a pair: the lone high surrogate is replaced, the second escape read again.
            self.at = low_at;
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        Ok(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// Four hex digits of a `\u` escape that began at `escape`.
    fn hex4(&mut self, escape: usize) -> Result<u16> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| {
                u16::from_str_radix(d, 16)
                    .ok()
                    .filter(|_| !d.starts_with('+'))
            });
        match digits {
            Some(unit) => {
                self.at += 4;
                Ok(unit)
            }
            None => Err(self.error(escape, "a `\\u` escape without four hex digits")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(Path::new("t.json"), text).unwrap()
    }

    fn error(text: &str) -> String {
        parse(Path::new("t.json"), text).unwrap_err().to_string()
    }

    #[test]
    fn values_read_as_yaml_reads_them() {
        let node = tree(
            r#"{"a": 12, "b": "12", "c": 1.5, "d": true, "e": null, "f": [1, -7, 1e3],
                "g": 123456789012345678901234567890, "h": {}, "i": []}"#,
        );
        assert_eq!(node.get("a").unwrap().value, Value::Int(12));
        assert_eq!(node.get("b").unwrap().value, Value::Str("12".into()));
        assert_eq!(node.get("c").unwrap().value, Value::Float(1.5));
        assert_eq!(node.get("d").unwrap().value, Value::Bool(true));
        assert_eq!(node.get("e").unwrap().value, Value::Null);
        assert_eq!(node.pointer("/f/1").unwrap().value, Value::Int(-7));
        assert_eq!(node.pointer("/f/2").unwrap().value, Value::Float(1000.0));
        assert!(matches!(node.get("g").unwrap().value, Value::Float(_)));
        assert_eq!(node.get("h").unwrap().entries().map(<[_]>::len), Some(0));
        assert_eq!(node.get("i").unwrap().items().map(<[_]>::len), Some(0));
    }

    #[test]
    fn escapes_decode_surrogate_pairs_included() {
        let node = tree(r#"{"s": "a\"b\\c\/d\n\t\u00e9 \ud83d\udc4d \ud800x"}"#);
        assert_eq!(
            node.get("s").unwrap().as_str(),
            Some("a\"b\\c/d\n\té 👍 \u{fffd}x")
        );
    }

    #[test]
    fn every_duplicate_key_is_named_with_both_places() {
        assert_eq!(
            error("{\n  \"a\": 1,\n  \"b\": {\"x\": 1, \"x\": 2},\n  \"a\": 3\n}"),
            "t.json:3:17: duplicate key `x`; it is also at line 3 column 9\n\
             t.json:4:3: duplicate key `a`; it is also at line 2 column 3"
        );
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        assert_eq!(
            error("{\n  \"a\": [1, 2\n}"),
            "t.json:3:1: expected `,` or `]` in an array, found `}`"
        );
        assert_eq!(
            error("{\"a\": 1} x"),
            "t.json:1:10: text after the end of the JSON document"
        );
        assert_eq!(
            error("{\"é\": tru}"),
            "t.json:1:7: expected a JSON value, found `t`"
        );
        assert!(error("{\"a\": \"x").contains("never closed"));
        assert!(error("{\"a\": 01}").contains("leading zero"));
        assert!(error("{\"a\": \"\\q\"}").contains("unknown escape"));
        assert!(error("{\"a\": \"\\u12\"}").contains("four hex digits"));
        assert!(error("{\"a\": \"x\u{1}\"}").contains("control character"));
    }

    #[test]
    fn wide_objects_read_in_linear_time() {
        let keys: Vec<String> = (0..200_000).map(|n| format!("\"k{n}\": {n}")).collect();
        let node = tree(&format!("{{{}}}", keys.join(", ")));
        assert_eq!(node.entries().map(<[_]>::len), Some(200_000));
        let message = error(&format!("{{{}, \"k7\": 0}}", keys.join(", ")));
        assert!(message.contains("duplicate key `k7`"), "{message}");
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(error(&deep).contains("nested more than 128 levels"));
    }

    #[test]
    fn a_yaml_file_holding_json_reads_as_json_and_yaml_flow_still_reads() {
        let yaml = |text: &str| super::super::yaml::parse(Path::new("t.yaml"), text).unwrap();
        assert_eq!(
            yaml(r#" {"a": "\ud83d\udc4d"}"#).get("a").unwrap().as_str(),
            Some("👍")
        );
        assert_eq!(yaml("{a: 1}").get("a").unwrap().value, Value::Int(1));
    }
}
