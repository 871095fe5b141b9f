//! Small helpers shared by the exchange modules: header lookup, hex, form and JSON parsing,
//! nonce books.

use std::collections::{HashMap, HashSet};

/// A keyed HMAC. HMAC takes keys of any length, so this cannot fail.
pub(crate) fn hmac<M: hmac::KeyInit>(key: &[u8]) -> M {
    M::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The first value of a header (names are recorded lower-case).
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The media type of the `Content-Type` header, lower-cased, without parameters.
pub(crate) fn media_type(headers: &[(String, String)]) -> String {
    header(headers, "content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The body as a JSON object, or why not.
pub(crate) fn json_object(
    body: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("JSON body is not an object".to_owned()),
        Err(e) => Err(format!("JSON body does not parse: {e}")),
    }
}

/// A JSON string literal for `s` (quoted and escaped).
pub(crate) fn js(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Lower-case hex.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Decodes lower-case hex only (upper-case digits are rejected: the exchanges document lower case).
pub(crate) fn hex_decode_lower(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// `application/x-www-form-urlencoded` parsing (`+` is a space, `%XX` escapes).
pub(crate) fn parse_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Parses decimal digits (no sign, no spaces) into a `u64`.
pub(crate) fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Kraken's per-key nonce rule: strictly increasing, or with a window `n`, not more than `n` below
/// the highest seen; an exact reuse is always rejected.
#[derive(Default)]
pub(crate) struct NonceBooks {
    books: HashMap<String, NonceBook>,
}

#[derive(Default)]
struct NonceBook {
    max: Option<u64>,
    used: HashSet<u64>,
}

impl NonceBooks {
    /// Checks `nonce` for `key` and records it when fresh.
    pub(crate) fn check_and_record(
        &mut self,
        key: &str,
        nonce: u64,
        window: u64,
    ) -> Result<(), String> {
        let book = self.books.entry(key.to_owned()).or_default();
        if book.used.contains(&nonce) {
            return Err(format!("nonce {nonce} reused"));
        }
        if let Some(max) = book.max {
            if nonce < max && max - nonce > window {
                return Err(format!("nonce {nonce} below {max} (window {window})"));
            }
            if window == 0 && nonce <= max {
                return Err(format!("nonce {nonce} not above {max}"));
            }
        }
        book.used.insert(nonce);
        book.max = Some(book.max.map_or(nonce, |m| m.max(nonce)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_lower_case_only() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        assert_eq!(hex_lower(&bytes), "000fa5ff");
        assert_eq!(hex_decode_lower("000fa5ff").unwrap(), bytes);
        assert_eq!(hex_decode_lower("000FA5FF"), None);
        assert_eq!(hex_decode_lower("abc"), None);
        assert_eq!(hex_decode_lower("zz"), None);
    }

    #[test]
    fn forms_decode() {
        assert_eq!(
            parse_form(b"a=1&b=x+y%21&c").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), "".into())
            ]
        );
        assert_eq!(parse_form(b"a=%4"), None);
        assert_eq!(parse_form(b"a=%+1"), None);
        assert_eq!(parse_form(b"").unwrap(), vec![]);
    }

    #[test]
    fn nonce_books_follow_krakens_rules() {
        let mut books = NonceBooks::default();
        assert!(books.check_and_record("k", 10, 0).is_ok());
        assert!(books.check_and_record("k", 10, 0).is_err());
        assert!(books.check_and_record("k", 9, 0).is_err());
        assert!(books.check_and_record("other", 1, 0).is_ok());
        assert!(books.check_and_record("k", 8, 5).is_ok());
        assert!(books.check_and_record("k", 8, 5).is_err());
        assert!(books.check_and_record("k", 4, 5).is_err());
    }
}
