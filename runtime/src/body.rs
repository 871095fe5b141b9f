//! Request bodies: encoded once, then spliced by the signer.
//!
//! Exchanges sign the exact bytes sent, so the body is serialised exactly once and the signer
//! works on those bytes. Its own fields (Kraken's `nonce`) go in front of the caller's fields by
//! splicing text, not by re-parsing and re-serialising, which could change the bytes (key order,
//! number formatting, escapes) and costs time on every request.

use serde::Serialize;

use crate::digits::Digits;
use crate::error::Error;
use crate::operation::BodyEncoding;

/// An encoded request body: the bytes that will be sent, and how they are encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    bytes: Vec<u8>,
    encoding: BodyEncoding,
    /// The `Content-Type` of a multipart body, which names its boundary; the others' is their
    /// encoding's.
    multipart_type: Option<String>,
}

/// The bytes of a raw body from the request's one body field: a string's UTF-8 bytes, or an
/// array of byte values (a `Vec<u8>` as serde writes it).
fn raw_bytes(value: &serde_json::Value, media_type: &str) -> Result<Vec<u8>, Error> {
    bytes_of(value, || {
        Error::encode(format!(
            "a `{media_type}` body must be bytes (a `Vec<u8>`, or an array of numbers 0 to 255) or text"
        ))
    })
}

/// A string's UTF-8 bytes, or an array of byte values (a `Vec<u8>` as serde writes it); else
/// `wrong()`.
fn bytes_of(value: &serde_json::Value, wrong: impl Fn() -> Error) -> Result<Vec<u8>, Error> {
    match value {
        serde_json::Value::String(text) => Ok(text.clone().into_bytes()),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_u64()
                    .and_then(|byte| u8::try_from(byte).ok())
                    .ok_or_else(&wrong)
            })
            .collect(),
        _ => Err(wrong()),
    }
}

/// The fields of `fields`, an object of named fields (or nothing), in the order it serialises
/// them: a struct's field order, which `serde_json::Value` (its keys sorted) would lose.
pub(crate) fn ordered_fields<T: Serialize + ?Sized>(
    fields: &T,
) -> Result<Vec<(String, serde_json::Value)>, Error> {
    let json = serde_json::to_vec(fields)
        .map_err(|e| Error::encode(format!("the body could not be read: {e}")))?;
    serde_json::from_slice::<Ordered>(&json)
        .map(|ordered| ordered.0)
        .map_err(|_| Error::encode("a multipart body must be an object of named fields"))
}

/// An object's fields in the order written.
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of named fields")
            }
            // `()`: no fields.
            fn visit_unit<E: serde::de::Error>(self) -> Result<Ordered, E> {
                Ok(Ordered(Vec::new()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Ordered(fields))
            }
        }
        deserializer.deserialize_any(Fields)
    }
}

/// Multipart boundaries are this with a number after it, the first that no part holds:
/// deterministic, so the same request gives the same bytes (and signature).
const BOUNDARY_PREFIX: &str = "xgen-boundary-";

/// One part of a multipart body: its header lines, each ending in CRLF, and its content.
struct Part {
    headers: Vec<u8>,
    content: Vec<u8>,
}

/// `name` inside a quoted `Content-Disposition` parameter, the way browsers write it (HTML's
/// form submission): a quote or line break percent-encoded, so it cannot end the header.
fn push_disposition_name(out: &mut Vec<u8>, name: &str) {
    for &b in name.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A body field owned by the signer, to be put in front of the caller's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyField<'a> {
    /// The name on the wire.
    pub name: &'a str,
    /// The value.
    pub value: FieldValue<'a>,
}

/// The value of a signer-owned body field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// An unsigned integer: a bare JSON number, or decimal digits in a form.
    Integer(u64),
    /// Text: an escaped JSON string, or a urlencoded form value.
    String(&'a str),
}

impl Body {
    /// A body with no bytes and [`BodyEncoding::None`].
    pub fn empty() -> Body {
        Body::of(Vec::new(), BodyEncoding::None)
    }

    /// Serialises `fields` with `encoding`.
    ///
    /// JSON must come out as an object, because signers add fields to it. With
    /// [`BodyEncoding::None`] the fields are ignored and the body is empty.
    pub fn encode<T: Serialize + ?Sized>(
        encoding: BodyEncoding,
        fields: &T,
    ) -> Result<Body, Error> {
        let bytes = match encoding {
            BodyEncoding::None => Vec::new(),
            BodyEncoding::Json => {
                let bytes = serde_json::to_vec(fields)
                    .map_err(|e| Error::encode(format!("JSON serialisation failed: {e}")))?;
                if bytes.first() != Some(&b'{') {
                    return Err(Error::encode(
                        "a JSON body must be an object, but the request serialised to another kind of value",
                    ));
                }
                bytes
            }
            BodyEncoding::Form => serde_urlencoded::to_string(fields)
                .map_err(|e| Error::encode(format!("form serialisation failed: {e}")))?
                .into_bytes(),
            BodyEncoding::Raw(_) => {
                let value = serde_json::to_value(fields)
                    .map_err(|e| Error::encode(format!("the body could not be read: {e}")))?;
                return Body::encode_whole(encoding, &value);
            }
            // Nothing here says which fields are files: every one is a text part.
            BodyEncoding::Multipart => return Body::encode_multipart(fields, |_| false),
        };
        Ok(Body::of(bytes, encoding))
    }

    fn of(bytes: Vec<u8>, encoding: BodyEncoding) -> Body {
        Body {
            bytes,
            encoding,
            multipart_type: None,
        }
    }

    /// `fields`, an object of named fields, as `multipart/form-data` (RFC 7578): one part per
    /// field that is not null, in the order `fields` serialises them. A field `is_file` names is
    /// a file part of its bytes (a `Vec<u8>` as serde writes it, or a string's UTF-8), named as
    /// a file of the field's name and typed `application/octet-stream`; the others are text
    /// parts: strings, numbers and booleans as their text, arrays and objects as JSON text.
    ///
    /// The boundary is the first `xgen-boundary-N` that occurs in no part, and
    /// [`Body::content_type`] names it.
    pub fn encode_multipart<T: Serialize + ?Sized>(
        fields: &T,
        is_file: impl Fn(&str) -> bool,
    ) -> Result<Body, Error> {
        Body::multipart(ordered_fields(fields)?, is_file)
    }

    /// [`Body::encode_multipart`] of the fields of `fields`, a JSON object (whose keys serde_json
    /// keeps sorted), in the order of `order`, then any others.
    pub(crate) fn encode_multipart_in_order(
        fields: serde_json::Value,
        order: &[String],
        is_file: impl Fn(&str) -> bool,
    ) -> Result<Body, Error> {
        let serde_json::Value::Object(mut fields) = fields else {
            return Err(Error::encode(
                "a multipart body must be an object of named fields",
            ));
        };
        let mut pairs = Vec::with_capacity(fields.len());
        for name in order {
            if let Some(value) = fields.remove(name) {
                pairs.push((name.clone(), value));
            }
        }
        pairs.extend(fields);
        Body::multipart(pairs, is_file)
    }

    fn multipart(
        fields: Vec<(String, serde_json::Value)>,
        is_file: impl Fn(&str) -> bool,
    ) -> Result<Body, Error> {
        let mut parts = Vec::with_capacity(fields.len());
        for (name, value) in &fields {
            let mut headers = b"Content-Disposition: form-data; name=\"".to_vec();
            push_disposition_name(&mut headers, name);
            headers.push(b'"');
            let content = match value {
                serde_json::Value::Null => continue,
                _ if is_file(name) => {
                    // Servers tell a file from a text field by its filename.
                    headers.extend_from_slice(b"; filename=\"");
                    push_disposition_name(&mut headers, name);
                    headers.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream");
                    bytes_of(value, || {
                        Error::encode(format!(
                            "the file field `{name}` must be bytes (a `Vec<u8>`, or an array of \
                             numbers 0 to 255) or text"
                        ))
                    })?
                }
                serde_json::Value::String(text) => text.as_bytes().to_vec(),
                serde_json::Value::Number(number) => number.to_string().into_bytes(),
                serde_json::Value::Bool(flag) => flag.to_string().into_bytes(),
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                    serde_json::to_vec(value).map_err(|e| {
                        Error::encode(format!("JSON serialisation of `{name}` failed: {e}"))
                    })?
                }
            };
            headers.extend_from_slice(b"\r\n");
            parts.push(Part { headers, content });
        }
        let boundary = (0u64..)
            .map(|n| format!("{BOUNDARY_PREFIX}{n}"))
            .find(|boundary| {
                let boundary = boundary.as_bytes();
                !parts.iter().any(|part| {
                    contains(&part.headers, boundary) || contains(&part.content, boundary)
                })
            })
            .expect("finitely many parts hold finitely many boundaries");
        let size: usize = parts
            .iter()
            .map(|part| boundary.len() + part.headers.len() + part.content.len() + 8)
            .sum();
        let mut bytes = Vec::with_capacity(size + boundary.len() + 6);
        for part in parts {
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(boundary.as_bytes());
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(&part.headers);
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(&part.content);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"--");
        bytes.extend_from_slice(boundary.as_bytes());
        bytes.extend_from_slice(b"--\r\n");
        Ok(Body {
            bytes,
            encoding: BodyEncoding::Multipart,
            multipart_type: Some(format!("multipart/form-data; boundary={boundary}")),
        })
    }

    /// A body that is one value of any JSON kind (an array, a string), for an operation whose
    /// body is not an object of named fields. Signers cannot add fields to such a body, and
    /// say so if they try.
    pub(crate) fn encode_whole(
        encoding: BodyEncoding,
        value: &serde_json::Value,
    ) -> Result<Body, Error> {
        if let BodyEncoding::Raw(media_type) = encoding {
            return Ok(Body::of(raw_bytes(value, media_type)?, encoding));
        }
        if value.is_object() || encoding != BodyEncoding::Json {
            return Body::encode(encoding, value);
        }
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::encode(format!("JSON serialisation failed: {e}")))?;
        Ok(Body::of(bytes, encoding))
    }

    /// A body of exactly `bytes`, for callers that must send a serialisation of their own (to
    /// match another client byte for byte, say Python's `json.dumps` with its `", "`
    /// separators and `\u00e9` escapes). The signer signs these bytes as they are.
    ///
    /// JSON must be one valid JSON object starting at the first byte, because signers may add
    /// fields to it; [`BodyEncoding::None`] takes no bytes. Form bytes are taken as given.
    /// Multipart bytes must open with their boundary line (`--boundary` and CRLF), which the
    /// `Content-Type` sent names.
    pub fn from_bytes(encoding: BodyEncoding, bytes: Vec<u8>) -> Result<Body, Error> {
        if encoding == BodyEncoding::Multipart {
            let boundary = bytes
                .strip_prefix(b"--")
                .and_then(|rest| rest.split(|&b| b == b'\r').next())
                .filter(|boundary| !boundary.is_empty() && bytes.len() > boundary.len() + 2)
                .and_then(|boundary| std::str::from_utf8(boundary).ok())
                .ok_or_else(|| {
                    Error::encode(
                        "a multipart body must open with its boundary line (`--boundary`)",
                    )
                })?;
            let multipart_type = format!("multipart/form-data; boundary={boundary}");
            return Ok(Body {
                bytes,
                encoding,
                multipart_type: Some(multipart_type),
            });
        }
        match encoding {
            BodyEncoding::None if !bytes.is_empty() => {
                return Err(Error::encode(
                    "the operation has no request body, but body bytes were given",
                ))
            }
            BodyEncoding::Json => {
                if bytes.first() != Some(&b'{') {
                    return Err(Error::encode(
                        "a JSON body must be an object starting at its first byte",
                    ));
                }
                serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).map_err(|e| {
                    Error::encode(format!("the JSON body given is not valid JSON: {e}"))
                })?;
            }
            _ => {}
        }
        Ok(Body::of(bytes, encoding))
    }

    /// Puts `fields`, in order, in front of the fields already in the body.
    ///
    /// JSON `{"asset":"XBT"}` becomes `{"nonce":123,"asset":"XBT"}` (and `{}` becomes
    /// `{"nonce":123}`); a form `asset=XBT` becomes `nonce=123&asset=XBT`. Fails on a body with
    /// [`BodyEncoding::None`], which has nowhere to put them.
    pub fn prepend_fields(&mut self, fields: &[BodyField<'_>]) -> Result<(), Error> {
        if fields.is_empty() {
            return Ok(());
        }
        let extra: usize = fields
            .iter()
            .map(|f| {
                let value_len = match f.value {
                    FieldValue::Integer(_) => 20,
                    FieldValue::String(s) => s.len(),
                };
                // Room for quotes, separators and a few escapes without a second allocation.
                f.name.len() + value_len + 8
            })
            .sum();
        let mut out = Vec::with_capacity(self.bytes.len() + extra);
        match self.encoding {
            BodyEncoding::None => {
                return Err(Error::encode(
                    "the operation has no request body, so signer fields cannot be added to it",
                ))
            }
            BodyEncoding::Raw(media_type) => {
                return Err(Error::encode(format!(
                    "the body is `{media_type}` bytes sent as they are, so signer fields cannot be added to it"
                )))
            }
            BodyEncoding::Multipart => {
                return Err(Error::encode(
                    "the body is multipart/form-data, where signer fields have no place",
                ))
            }
            BodyEncoding::Json => {
                let rest = match self.bytes.split_first() {
                    Some((b'{', rest)) => rest,
                    _ => return Err(Error::encode("the JSON body is not an object")),
                };
                out.push(b'{');
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    push_json_string(&mut out, field.name)?;
                    out.push(b':');
                    match field.value {
                        FieldValue::Integer(n) => out.extend_from_slice(Digits::new(n).as_bytes()),
                        FieldValue::String(s) => push_json_string(&mut out, s)?,
                    }
                }
                // `{}` or, for bytes given as they are, `{ }`: no fields to separate from.
                let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
                if !empty {
                    out.push(b',');
                }
                out.extend_from_slice(rest);
            }
            BodyEncoding::Form => {
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b'&');
                    }
                    push_form_encoded(&mut out, field.name.as_bytes());
                    out.push(b'=');
                    match field.value {
                        FieldValue::Integer(n) => out.extend_from_slice(Digits::new(n).as_bytes()),
                        FieldValue::String(s) => push_form_encoded(&mut out, s.as_bytes()),
                    }
                }
                if !self.bytes.is_empty() {
                    out.push(b'&');
                    out.extend_from_slice(&self.bytes);
                }
            }
        }
        self.bytes = out;
        Ok(())
    }

    /// The bytes that will be sent.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How the bytes are encoded.
    pub fn encoding(&self) -> BodyEncoding {
        self.encoding
    }

    /// The `Content-Type` header value, if there is a body: the encoding's, but for a multipart
    /// body's, which names its boundary (`multipart/form-data; boundary=xgen-boundary-0`).
    pub fn content_type(&self) -> Option<&str> {
        match &self.multipart_type {
            Some(content_type) => Some(content_type),
            None => self.encoding.content_type(),
        }
    }

    /// The bytes, consuming the body.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("encoding", &self.encoding)
            .field("text", &String::from_utf8_lossy(&self.bytes))
            .finish()
    }
}

/// Writes `s` as a JSON string literal.
fn push_json_string(out: &mut Vec<u8>, s: &str) -> Result<(), Error> {
    // Nonces and field names never need escaping; skip serde_json for them.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return Ok(());
    }
    serde_json::to_writer(&mut *out, s)
        .map_err(|e| Error::encode(format!("JSON serialisation of a signer field failed: {e}")))
}

/// Writes `bytes` `application/x-www-form-urlencoded`, the way `serde_urlencoded` does, so the
/// signer's fields look like the caller's.
fn push_form_encoded(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b),
            b' ' => out.push(b'+'),
            _ => {
                out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nonce(n: u64) -> [BodyField<'static>; 1] {
        [BodyField {
            name: "nonce",
            value: FieldValue::Integer(n),
        }]
    }

    fn text(body: &Body) -> &str {
        std::str::from_utf8(body.as_bytes()).unwrap()
    }

    #[test]
    fn json_nonce_goes_first() {
        let mut body = Body::encode(BodyEncoding::Json, &json!({"asset": "XBT"})).unwrap();
        body.prepend_fields(&nonce(123)).unwrap();
        assert_eq!(text(&body), r#"{"nonce":123,"asset":"XBT"}"#);
    }

    #[test]
    fn json_empty_object_gets_no_trailing_comma() {
        let mut body = Body::encode(BodyEncoding::Json, &json!({})).unwrap();
        body.prepend_fields(&nonce(1_616_492_376_594)).unwrap();
        assert_eq!(text(&body), r#"{"nonce":1616492376594}"#);
    }

    #[test]
    fn json_string_values_are_escaped() {
        let mut body = Body::encode(BodyEncoding::Json, &json!({"a": 1})).unwrap();
        let fields = [
            BodyField {
                name: "nonce",
                value: FieldValue::String("1700000000456"),
            },
            BodyField {
                name: "we\"ird",
                value: FieldValue::String("quote \" slash \\ newline \n é"),
            },
        ];
        body.prepend_fields(&fields).unwrap();
        let expected =
            r#"{"nonce":"1700000000456","we\"ird":"quote \" slash \\ newline \n é","a":1}"#;
        assert_eq!(text(&body), expected);
        // The splice must still be valid JSON with the same meaning.
        let parsed: serde_json::Value = serde_json::from_slice(body.as_bytes()).unwrap();
        assert_eq!(parsed["we\"ird"], "quote \" slash \\ newline \n é");
    }

    #[test]
    fn json_rejects_non_objects() {
        let err = Body::encode(BodyEncoding::Json, &[1, 2]).unwrap_err();
        assert!(matches!(err, Error::Encode { .. }), "{err:?}");
    }

    #[test]
    fn form_nonce_goes_first() {
        let fields = [
            ("asset", "XBT"),
            ("refid", "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"),
        ];
        let mut body = Body::encode(BodyEncoding::Form, &fields).unwrap();
        body.prepend_fields(&nonce(123)).unwrap();
        assert_eq!(
            text(&body),
            "nonce=123&asset=XBT&refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"
        );
    }

    #[test]
    fn form_empty_body_gets_no_trailing_ampersand() {
        let mut body = Body::encode(BodyEncoding::Form, &json!({})).unwrap();
        body.prepend_fields(&nonce(1_700_000_000_000_000_000))
            .unwrap();
        assert_eq!(text(&body), "nonce=1700000000000000000");
    }

    #[test]
    fn form_encoding_matches_serde_urlencoded() {
        let tricky = "a b&c=d+é/~*-._%\"";
        let mut body = Body::encode(BodyEncoding::Form, &json!({})).unwrap();
        body.prepend_fields(&[BodyField {
            name: "k y",
            value: FieldValue::String(tricky),
        }])
        .unwrap();
        let expected = serde_urlencoded::to_string([("k y", tricky)]).unwrap();
        assert_eq!(text(&body), expected);
    }

    #[test]
    fn from_bytes_keeps_bytes_and_still_takes_fields() {
        let mut body =
            Body::from_bytes(BodyEncoding::Json, br#"{"name": "\u00e9"}"#.to_vec()).unwrap();
        assert_eq!(text(&body), r#"{"name": "\u00e9"}"#);
        body.prepend_fields(&nonce(5)).unwrap();
        assert_eq!(text(&body), r#"{"nonce":5,"name": "\u00e9"}"#);
        let mut spaced = Body::from_bytes(BodyEncoding::Json, b"{ }".to_vec()).unwrap();
        spaced.prepend_fields(&nonce(5)).unwrap();
        assert_eq!(text(&spaced), r#"{"nonce":5 }"#);
        serde_json::from_slice::<serde_json::Value>(spaced.as_bytes()).unwrap();
        let form = Body::from_bytes(BodyEncoding::Form, b"a=b%20c".to_vec()).unwrap();
        assert_eq!(text(&form), "a=b%20c");
        for (encoding, bad) in [
            (BodyEncoding::Json, &b" {}"[..]),
            (BodyEncoding::Json, b"[1]"),
            (BodyEncoding::Json, b"{\"a\":"),
            (BodyEncoding::None, b"x"),
        ] {
            let err = Body::from_bytes(encoding, bad.to_vec()).unwrap_err();
            assert!(matches!(err, Error::Encode { .. }), "{err:?}");
        }
        assert!(Body::from_bytes(BodyEncoding::None, Vec::new())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn no_body_cannot_take_fields() {
        let mut body = Body::encode(BodyEncoding::None, &json!({"ignored": 1})).unwrap();
        assert!(body.is_empty());
        assert!(body.prepend_fields(&nonce(1)).is_err());
        assert!(body.prepend_fields(&[]).is_ok());
    }

    #[test]
    fn multipart_has_one_part_per_field_in_order_with_the_boundary_in_its_content_type() {
        #[derive(Serialize)]
        struct Upload {
            symbol: &'static str,
            quantity: f64,
            post_only: bool,
            tags: Vec<&'static str>,
        }
        let upload = Upload {
            symbol: "BTC-USD",
            quantity: 1.5,
            post_only: true,
            tags: vec!["a", "b"],
        };
        let body = Body::encode_multipart(&upload, |_| false).unwrap();
        assert_eq!(body.encoding(), BodyEncoding::Multipart);
        assert_eq!(
            body.content_type(),
            Some("multipart/form-data; boundary=xgen-boundary-0")
        );
        let expected = "--xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"symbol\"\r\n\r\n\
            BTC-USD\r\n\
            --xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"quantity\"\r\n\r\n\
            1.5\r\n\
            --xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"post_only\"\r\n\r\n\
            true\r\n\
            --xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"tags\"\r\n\r\n\
            [\"a\",\"b\"]\r\n\
            --xgen-boundary-0--\r\n";
        assert_eq!(text(&body), expected);
    }

    #[test]
    fn multipart_file_fields_are_file_parts_of_their_bytes() {
        let fields = json!({"file": [0, 255, 104, 105], "note": "hi", "text_file": "hé"});
        let body = Body::encode_multipart(&fields, |name| name.ends_with("file")).unwrap();
        let mut expected = b"--xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(&[0, 255, b'h', b'i']);
        expected.extend_from_slice(
            "\r\n--xgen-boundary-0\r\n\
             Content-Disposition: form-data; name=\"note\"\r\n\r\n\
             hi\r\n\
             --xgen-boundary-0\r\n\
             Content-Disposition: form-data; name=\"text_file\"; filename=\"text_file\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\
             hé\r\n\
             --xgen-boundary-0--\r\n"
                .as_bytes(),
        );
        assert_eq!(body.as_bytes(), expected);
        let error = Body::encode_multipart(&json!({"file": [256]}), |_| true).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("the file field `file` must be bytes"),
            "{error}"
        );
    }

    #[test]
    fn multipart_skips_null_fields_and_escapes_names() {
        let fields = json!({"a\"b\r\n": 1, "gone": null});
        let body = Body::encode_multipart(&fields, |_| false).unwrap();
        assert_eq!(
            text(&body),
            "--xgen-boundary-0\r\n\
             Content-Disposition: form-data; name=\"a%22b%0D%0A\"\r\n\r\n\
             1\r\n\
             --xgen-boundary-0--\r\n"
        );
        let empty = Body::encode_multipart(&(), |_| false).unwrap();
        assert_eq!(text(&empty), "--xgen-boundary-0--\r\n");
        let not_an_object = Body::encode_multipart(&[1, 2], |_| false).unwrap_err();
        assert!(
            matches!(not_an_object, Error::Encode { .. }),
            "{not_an_object:?}"
        );
    }

    #[test]
    fn multipart_boundary_occurs_in_no_part() {
        // Content holding the first boundaries, as text and as a file's bytes, moves it on.
        let fields = json!({
            "a": "--xgen-boundary-0 and xgen-boundary-1",
            "b": "xgen-boundary-2".as_bytes(),
        });
        let body = Body::encode_multipart(&fields, |name| name == "b").unwrap();
        assert_eq!(
            body.content_type(),
            Some("multipart/form-data; boundary=xgen-boundary-3")
        );
        let delimiters = text(&body).matches("--xgen-boundary-3").count();
        assert_eq!(delimiters, 3, "two parts and the close: {}", text(&body));
    }

    #[test]
    fn multipart_takes_no_signer_fields_and_bytes_given_keep_their_boundary() {
        let mut body = Body::encode_multipart(&json!({"a": 1}), |_| false).unwrap();
        let error = body.prepend_fields(&nonce(1)).unwrap_err();
        assert!(error.to_string().contains("no place"), "{error}");
        let given = b"--abc\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--abc--\r\n";
        let body = Body::from_bytes(BodyEncoding::Multipart, given.to_vec()).unwrap();
        assert_eq!(
            body.content_type(),
            Some("multipart/form-data; boundary=abc")
        );
        assert!(Body::from_bytes(BodyEncoding::Multipart, b"a=1".to_vec()).is_err());
        // Nothing says which fields are files: all are text.
        let plain = Body::encode(BodyEncoding::Multipart, &json!({"f": [1]})).unwrap();
        assert!(
            text(&plain).contains("name=\"f\"\r\n\r\n[1]\r\n"),
            "{plain:?}"
        );
    }
}
