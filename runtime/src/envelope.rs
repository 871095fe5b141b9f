//! The reply seam: how each exchange wraps its results, and the checks every envelope shares.
//!
//! An [`Envelope`] decides what a reply means. The helpers here make the cases that have nothing
//! to do with the exchange come out the same everywhere, in this order:
//!
//! 1. an empty body is [`Error::EmptyBody`], whatever the status;
//! 2. a well-formed envelope carrying an exchange error is that error (it keeps the status), even
//!    on a non-2xx status, because the exchange's words say more than the status;
//! 3. a body that is not JSON at all (an HTML page from a proxy) is [`Error::NotJson`];
//! 4. otherwise a non-2xx status is [`Error::Http`];
//! 5. JSON that is truncated, malformed or of the wrong shape is [`Error::Decode`], which names
//!    the JSON path of the failure (`data[0].state`) as well as its line and column.
//!
//! Before any of that, [`ensure_unique_keys`] refuses a reply in which one object names a key
//! twice (`{"errorcode":100,"errorcode":0}`), anywhere in the document: JSON parsers disagree on
//! which value counts (serde_json keeps the last one silently), so such a reply could read as
//! a success to this client and as an error to the exchange. It is an [`Error::Decode`] whose
//! path names the repeated key.

mod json;

use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::Error;
use crate::transport::RawResponse;

pub use json::{decode_error, decode_json, decode_value, ensure_unique_keys, join_path, JsonError};

/// The most body bytes an excerpt shows.
pub const EXCERPT_LIMIT: usize = 512;

/// Turns an exchange's reply into the typed result or a typed error.
///
/// Every envelope here starts with [`ensure_body`] and [`ensure_unique_keys`], decodes with
/// [`decode_json`] (so a failure names its JSON path) and classifies failures with
/// [`parse_failure`]; a new one should do the same.
pub trait Envelope {
    /// Decodes `response`.
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error>;
}

/// For replies with no envelope: the whole body is the result.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainJson;

impl Envelope for PlainJson {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        match decode_json(&response.body) {
            Ok(value) => {
                ensure_success(response)?;
                Ok(value)
            }
            Err(e) => Err(parse_failure(response, e)),
        }
    }
}

/// `envelope: none`: plain JSON, errors by HTTP status.
pub(crate) static NONE: crate::registry::Envelope = crate::registry::Envelope::new(
    "none",
    "no envelope: the reply is plain JSON, and a non-2xx status is an HTTP error",
    "::xgen_runtime::PlainJson",
    None,
    <PlainJson as Envelope>::decode::<serde_json::Value>,
);

/// [`Error::EmptyBody`] if the body is empty or only whitespace.
pub fn ensure_body(response: &RawResponse) -> Result<(), Error> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyBody {
            status: response.status,
        });
    }
    Ok(())
}

/// [`Error::Http`] if the status is not 2xx. For use once the body has been found to carry no
/// exchange error.
pub fn ensure_success(response: &RawResponse) -> Result<(), Error> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    Err(Error::Http {
        status: response.status,
        body_excerpt: body_excerpt(&response.body),
        body: serde_json::from_slice(&response.body).ok().map(Box::new),
    })
}

/// The error for a body that failed to parse with `error`: [`Error::NotJson`],
/// [`Error::Http`] or [`Error::Decode`], per the order in the module docs. `error` is a
/// [`JsonError`] from [`decode_json`] (with its path) or a bare `serde_json::Error`.
pub fn parse_failure(response: &RawResponse, error: impl Into<JsonError>) -> Error {
    let error = error.into();
    let body = &response.body;
    if let Err(e) = ensure_body(response) {
        return e;
    }
    let starts_like_json = matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    let says_not_json = response.says_json() == Some(false);
    // Checking validity again costs a second parse, but only on this failure path, and it keeps
    // a valid but unexpected value (`"ok"`) from being called "not JSON".
    if (!starts_like_json || says_not_json) && serde_json::from_slice::<IgnoredAny>(body).is_err() {
        return Error::NotJson {
            status: response.status,
            content_type: response.content_type.clone(),
            body_excerpt: body_excerpt(body),
        };
    }
    if let Err(e) = ensure_success(response) {
        return e;
    }
    decode_error(response, error)
}

/// The first [`EXCERPT_LIMIT`] bytes of `body` as one line of text, for error messages.
///
/// Invalid UTF-8 becomes U+FFFD, runs of whitespace become one space, other control characters
/// and the Unicode bidi controls ([`crate::needs_escape`]) become U+FFFD (a hostile body must
/// not drive the terminal or reorder the line), and `…` marks a cut. The cut falls on a
/// character boundary.
pub fn body_excerpt(body: &[u8]) -> String {
    let mut end = body.len().min(EXCERPT_LIMIT);
    let cut = end < body.len();
    if cut {
        // Step back over at most three continuation bytes so a multi-byte character is not split.
        let mut back = 0;
        while back < 3 && end > 0 && body.get(end).is_some_and(|b| b & 0xC0 == 0x80) {
            end -= 1;
            back += 1;
        }
    }
    let text = String::from_utf8_lossy(body.get(..end).unwrap_or_default());
    let mut out = String::with_capacity(text.len() + 3);
    let mut in_space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        out.push(if crate::escape::needs_escape(c) {
            '\u{FFFD}'
        } else {
            c
        });
    }
    if cut {
        out.push('…');
    }
    out
}

/// Checks every envelope's tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// `body`, answered with HTTP 200 as JSON, decodes through `E` to a [`Error::Decode`] whose
    /// path is `repeated` (the key named twice) and whose text says so, never to a success or
    /// to the exchange's error.
    pub(crate) fn assert_repeated_key_refused<E: Envelope>(body: &str, repeated: &str) {
        let response = RawResponse {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        };
        let err = E::decode::<serde_json::Value>(&response).unwrap_err();
        let Error::Decode {
            path,
            body_excerpt,
            status,
            ..
        } = &err
        else {
            panic!("{body}: expected a decode error, got {err:?}")
        };
        assert_eq!((path.as_str(), *status), (repeated, 200), "{body}");
        assert_eq!(body_excerpt, &super::body_excerpt(body.as_bytes()));
        let text = err.to_string();
        let key = repeated.rsplit(['.', ']']).next().unwrap_or(repeated);
        assert!(
            text.starts_with(&format!("{repeated}: duplicate key `{key}`")),
            "{text}"
        );
        assert!(err.outcome_unknown(), "{err}");
    }

    /// The raw text carries an erase-line sequence and a right-to-left override; `shown` (an
    /// error's `Display`) must carry them escaped and never raw.
    pub(crate) fn assert_escaped(shown: &str) {
        assert!(shown.contains("\\u{1b}[2K"), "{shown}");
        assert!(shown.contains("\\u{202e}"), "{shown}");
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
    }

    /// A message with an erase-line sequence and a right-to-left override, as JSON text.
    pub(crate) const HOSTILE_JSON: &str = "\\u001b[2KAll good \u{202e}gnp.exe";
    /// The same message, decoded.
    pub(crate) const HOSTILE: &str = "\u{1b}[2KAll good \u{202e}gnp.exe";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, content_type: Option<&str>, body: &[u8]) -> RawResponse {
        RawResponse {
            status,
            content_type: content_type.map(str::to_owned),
            body: body.to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn excerpt_short_body_is_whole() {
        assert_eq!(
            body_excerpt(b"  <html>\r\n  <b>Bad\tGateway</b>\n"),
            "<html> <b>Bad Gateway</b>"
        );
    }

    #[test]
    fn excerpt_cuts_long_body_on_char_boundary() {
        // 511 ASCII bytes then a 2-byte 'é' straddling the 512-byte limit.
        let mut body = vec![b'a'; 511];
        body.extend_from_slice("é and more".as_bytes());
        let excerpt = body_excerpt(&body);
        assert!(excerpt.ends_with("a…"), "{excerpt}");
        assert!(!excerpt.contains('\u{FFFD}'));
        assert_eq!(excerpt.chars().filter(|&c| c == 'a').count(), 511);
    }

    #[test]
    fn excerpt_neutralises_control_characters() {
        assert_eq!(body_excerpt(b"a\x1b[31mb\xff"), "a\u{FFFD}[31mb\u{FFFD}");
        assert_eq!(
            body_excerpt("txt\u{202E}exe.\u{2066}x\u{200F}".as_bytes()),
            "txt\u{FFFD}exe.\u{FFFD}x\u{FFFD}"
        );
    }

    #[test]
    fn plain_json_refuses_repeated_keys_at_any_depth() {
        testing::assert_repeated_key_refused::<PlainJson>(r#"{"a":1,"a":2}"#, "a");
        testing::assert_repeated_key_refused::<PlainJson>(
            r#"[{"id":1},{"id":2,"state":"ok","state":"failed"}]"#,
            "[1].state",
        );
        testing::assert_repeated_key_refused::<PlainJson>(
            r#"{"rows":[{"x":{"y":1,"y":1}}]}"#,
            "rows[0].x.y",
        );
        // Not JSON: the usual classification, not a duplicate-key error.
        let response = reply(200, Some("text/html"), b"<html>");
        assert!(matches!(
            PlainJson::decode::<serde_json::Value>(&response),
            Err(Error::NotJson { .. })
        ));
    }

    #[test]
    fn decode_errors_name_the_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Ticket {
            #[serde(rename = "ticketNumber")]
            ticket_number: i64,
            amount: f64,
        }
        let err = PlainJson::decode::<Vec<Ticket>>(&reply(
            200,
            None,
            br#"[{"ticketNumber":1,"amount":0.5},{"ticketNumber":"x","amount":1}]"#,
        ))
        .unwrap_err();
        let Error::Decode { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "[1].ticketNumber");
        assert!(
            err.to_string()
                .starts_with("[1].ticketNumber: invalid type: string \"x\", expected i64 (JSON of an unexpected shape at line 1, column "),
            "{err}"
        );
        let err =
            PlainJson::decode::<Vec<Ticket>>(&reply(200, None, br#"[{"amount":1}]"#)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("[0]: missing field `ticketNumber` ("),
            "{err}"
        );
        // Trailing characters stay an error, as with serde_json::from_slice.
        let err = PlainJson::decode::<Vec<u8>>(&reply(200, None, b"[1] x")).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    #[test]
    fn json_error_paths_join() {
        assert_eq!(join_path("data", "[0].state"), "data[0].state");
        assert_eq!(
            join_path("result.rows[2]", "status"),
            "result.rows[2].status"
        );
        assert_eq!(join_path("", "status"), "status");
        assert_eq!(join_path("data[1]", ""), "data[1]");
        let value = serde_json::json!({"state": 5});
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Row {
            state: String,
        }
        let err = decode_value::<Row>(&value).unwrap_err().within("data[3]");
        assert_eq!(err.path, "data[3].state");
        assert!(
            err.to_string()
                .starts_with("data[3].state: invalid type: integer `5`"),
            "{err}"
        );
    }

    #[test]
    fn an_error_reply_keeps_its_json_body_for_the_type_the_spec_gives_it() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Problem {
            code: String,
        }
        let body = br#"{"code":"insufficient_funds","detail":"x"}"#;
        let err = PlainJson::decode::<Vec<u8>>(&reply(402, None, body)).unwrap_err();
        assert_eq!(
            err.error_body::<Problem>().unwrap().unwrap(),
            Problem {
                code: "insufficient_funds".into()
            }
        );
        assert!(
            err.error_body::<Vec<u8>>().unwrap().is_err(),
            "another shape"
        );
        let html = PlainJson::decode::<Vec<u8>>(&reply(502, None, b"<html>")).unwrap_err();
        assert!(html.error_body::<Problem>().is_none(), "not JSON: {html:?}");
    }

    #[test]
    fn plain_json_decodes_and_classifies() {
        let ok: Vec<u8> =
            PlainJson::decode(&reply(200, Some("application/json"), b"[1,2]")).unwrap();
        assert_eq!(ok, [1, 2]);
        let err = PlainJson::decode::<Vec<u8>>(&reply(200, None, b"[1,")).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        let err = PlainJson::decode::<Vec<u8>>(&reply(503, None, b"[1,2]")).unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        let err =
            PlainJson::decode::<Vec<u8>>(&reply(200, Some("text/plain"), b"nope")).unwrap_err();
        assert!(matches!(err, Error::NotJson { status: 200, .. }), "{err:?}");
        let err =
            PlainJson::decode::<Vec<u8>>(&reply(200, None, b"\"valid but wrong\"")).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = PlainJson::decode::<Vec<u8>>(&reply(204, None, b" \n")).unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 204 }), "{err:?}");
    }
}
