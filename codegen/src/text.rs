//! Spec text on its way to a terminal or a review comment: what could drive the terminal or
//! change how text reads is shown escaped.
//!
//! Diagnostics, `xgen diff` and `xgen ops` print names and values from specs. A control
//! character there (`ESC[2K` erases a line), a bare carriage return, or a Unicode direction
//! override (U+202E makes text read backwards) must not act on the screen; they are shown as
//! Rust escapes (`\u{1b}`, `\r`, `\u{202e}`) instead.

use std::borrow::Cow;

/// `text` with control characters and Unicode bidirectional controls escaped; unchanged (and
/// not copied) when it has none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` would act on a terminal or reorder the text around it.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The Unicode bidirectional formatting characters (embeddings, overrides, isolates and marks),
/// which rustc also refuses in doc comments.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            escape("okx getWithdrawalHistory"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_and_direction_overrides_are_escaped() {
        assert_eq!(escape("a\u{1b}[1A\u{1b}[2Kb"), "a\\u{1b}[1A\\u{1b}[2Kb");
        assert_eq!(escape("x\ry\tz"), "x\\ry\\tz");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
    }
}
