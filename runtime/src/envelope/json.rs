//! Decoding JSON with the path of a failure, and refusing documents that name a key twice.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::body_excerpt;
use crate::error::Error;
use crate::transport::RawResponse;

/// A JSON decoding failure, with the path where it happened.
#[derive(Debug)]
pub struct JsonError {
    /// Where in the document: `data[0].state`, `result.rows[2]`, `[0].id`; empty for the
    /// document itself.
    pub path: String,
    /// What serde_json objected to, with its line and column.
    pub source: serde_json::Error,
}

impl JsonError {
    /// The same failure, its path read from inside `prefix`: a record at `data[3]` that failed
    /// at `state` failed at `data[3].state`.
    pub fn within(mut self, prefix: &str) -> JsonError {
        self.path = join_path(prefix, &self.path);
        self
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(the whole document)"
        } else {
            &self.path
        };
        write!(
            f,
            "{}: {}",
            crate::escape::Escaped(path),
            crate::escape::Escaped(&self.source)
        )
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(source: serde_json::Error) -> JsonError {
        JsonError {
            path: String::new(),
            source,
        }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for JsonError {
    fn from(error: serde_path_to_error::Error<serde_json::Error>) -> JsonError {
        let path = error.path().to_string();
        JsonError {
            // The crate writes the document itself as `.`.
            path: if path == "." { String::new() } else { path },
            source: error.into_inner(),
        }
    }
}

/// `prefix` and `path` as one path: `data` and `[0].state` make `data[0].state`, `result` and
/// `rows` make `result.rows`.
pub fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Decodes `body` as `T` as `serde_json::from_slice` does (trailing characters are an error),
/// with the path of a failure.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Decodes a value already parsed (one record picked out of a reply) as `T`, with the path of a
/// failure relative to the value.
pub fn decode_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, JsonError> {
    Ok(serde_path_to_error::deserialize(value)?)
}

/// An [`Error::Decode`] for `response` that failed at `error.path`: for code that reads a
/// reply further than its envelope (the withdrawal layer picking one record out of a list).
pub fn decode_error(response: &RawResponse, error: JsonError) -> Error {
    Error::Decode {
        status: response.status,
        body_excerpt: body_excerpt(&response.body),
        path: error.path,
        source: error.source,
    }
}

/// [`Error::Decode`] if one object in the body names a key twice, at any depth; the path names
/// the key (`errorcode`, `data[0].state`). A body that is not valid JSON passes: the envelope's
/// own decoding classifies it.
pub fn ensure_unique_keys(response: &RawResponse) -> Result<(), Error> {
    let mut path = String::new();
    let mut duplicate = None;
    let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
    let walk = UniqueKeys {
        path: &mut path,
        duplicate: &mut duplicate,
    };
    match walk.deserialize(&mut deserializer) {
        Err(source) => match duplicate {
            Some(path) => Err(Error::Decode {
                status: response.status,
                body_excerpt: body_excerpt(&response.body),
                path,
                source,
            }),
            None => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// Walks one JSON value, failing at the first object that repeats a key; `path` is the value's
/// path while it is walked, `duplicate` receives the path of the repeated key.
struct UniqueKeys<'a> {
    path: &'a mut String,
    duplicate: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        let depth = self.path.len();
        while let Some(KeyText(key)) = map.next_key()? {
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(&key);
            if seen.contains(&key) {
                *self.duplicate = Some(self.path.clone());
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}`: parsers disagree on which of its values counts, so \
                     the reply is refused"
                )));
            }
            seen.insert(key);
            map.next_value_seed(UniqueKeys {
                path: &mut *self.path,
                duplicate: &mut *self.duplicate,
            })?;
            self.path.truncate(depth);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.path.len();
        let mut index = 0usize;
        loop {
            self.path.push_str(&format!("[{index}]"));
            let more = seq.next_element_seed(UniqueKeys {
                path: &mut *self.path,
                duplicate: &mut *self.duplicate,
            })?;
            self.path.truncate(depth);
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An object key as text, borrowed from the body when it has no escapes (keys compare after
/// unescaping: `"a"` and `"\u0061"` are the same key).
struct KeyText<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
