//! Pieces the signing plugins share: checking credential text, keeping secrets out of logs,
//! hex output, and reading error codes that exchanges type loosely.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use zeroize::Zeroizing;

/// Shows the first four characters of an API key: enough to tell keys apart in logs.
pub(crate) struct ApiKeyHint<'a>(pub(crate) &'a str);

impl fmt::Debug for ApiKeyHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(4).collect();
        write!(f, "\"{shown}…\"")
    }
}

/// `text` without surrounding whitespace, reusing its allocation. A newline pasted from a file
/// or an environment variable is the usual culprit, and HTTP drops surrounding whitespace from
/// header values anyway, so it could never have been sent.
pub(crate) fn trim_owned(mut text: String) -> String {
    let end = text.trim_end().len();
    text.truncate(end);
    let leading = text.len() - text.trim_start().len();
    text.drain(..leading);
    text
}

/// The character position (0-based) of the first character that cannot go in an HTTP header
/// value as sent by the transport (visible ASCII and space only), if any.
pub(crate) fn header_unsafe_position(text: &str) -> Option<usize> {
    text.chars()
        .position(|c| !(c.is_ascii_graphic() || c == ' '))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    out
}

/// Secret text that is sent as it is (OKX's passphrase): `Debug` prints `[redacted]`, and the
/// text is wiped when dropped.
#[derive(Clone)]
pub(crate) struct SecretText(Zeroizing<String>);

impl SecretText {
    pub(crate) fn new(text: String) -> SecretText {
        SecretText(Zeroizing::new(text))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Reads an error code documented as a string (OKX `"code":"0"`) but accepts a bare integer
/// too, so a server that types it differently still gets its error reported rather than a
/// decode failure.
pub(crate) fn code_as_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct CodeText;
    impl Visitor<'_> for CodeText {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an error code, as a string or an integer")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    deserializer.deserialize_any(CodeText)
}

/// Reads an error code documented as a number (Bybit `retCode`, AlphaPoint `errorcode`) but
/// accepts its decimal text too, for the same reason as [`code_as_text`]. `null` is `None`.
pub(crate) fn code_as_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    struct CodeNumber;
    impl<'de> Visitor<'de> for CodeNumber {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer error code")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("the error code does not fit in 64 bits"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::custom("the error code is text that is not an integer"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(CodeNumber)
        }
    }
    deserializer.deserialize_any(CodeNumber)
}

/// Reads an optional message field: a string is kept, `null` and any other kind of value (a
/// server bug) become `None` rather than hiding the error they came with behind a decode
/// failure.
pub(crate) fn loose_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    struct LooseText;
    impl<'de> Visitor<'de> for LooseText {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a message")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(LooseText)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    deserializer.deserialize_any(LooseText)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Codes {
        #[serde(deserialize_with = "code_as_text")]
        text: String,
        #[serde(default, deserialize_with = "code_as_number")]
        number: Option<i64>,
        #[serde(default, deserialize_with = "loose_text")]
        message: Option<String>,
    }

    fn read(json: &str) -> Codes {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn codes_are_read_loosely() {
        let c = read(r#"{"text":"50113","number":"-2015","message":"hi"}"#);
        assert_eq!(
            (c.text.as_str(), c.number, c.message.as_deref()),
            ("50113", Some(-2015), Some("hi"))
        );
        let c = read(r#"{"text":0,"number":10004,"message":{"a":[1]}}"#);
        assert_eq!(
            (c.text.as_str(), c.number, c.message.as_deref()),
            ("0", Some(10004), None)
        );
        let c = read(r#"{"text":"x","number":null,"message":null}"#);
        assert_eq!((c.number, c.message), (None, None));
        assert!(serde_json::from_str::<Codes>(r#"{"text":"0","number":"abc"}"#).is_err());
        assert!(serde_json::from_str::<Codes>(r#"{"text":[]}"#).is_err());
    }

    #[test]
    fn text_helpers() {
        assert_eq!(trim_owned("  a b\r\n".to_owned()), "a b");
        assert_eq!(header_unsafe_position("ab c"), None);
        assert_eq!(header_unsafe_position("abé\n"), Some(2));
        assert_eq!(hex_lower(&[0x00, 0xAB, 0x7f]), "00ab7f");
        assert_eq!(format!("{:?}", SecretText::new("pw".into())), "[redacted]");
        assert_eq!(format!("{:?}", ApiKeyHint("abcdefg")), "\"abcd…\"");
    }
}
