//! Text from outside (an exchange's error message, a body excerpt, a status value) made safe to
//! print: every `Display` of a runtime error writes such text through [`Escaped`].
//!
//! A terminal obeys control characters (`ESC [2K` erases the line, `ESC ]` sets the title) and
//! Unicode bidi controls reorder what is shown (`U+202E` makes `txt.exe` read `exe.txt`), so a
//! hostile or broken reply could hide or rewrite the line that reports it. Those characters, and
//! only those, are written as Rust escapes (`\u{1b}`, `\n`, `\u{202e}`); everything else,
//! accents and other scripts included, is written as it is. The raw text stays in the error's
//! fields for programs.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Whether `c` is written escaped: control characters (C0, DEL, C1), the Unicode bidi controls
/// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), and the line and paragraph separators
/// (U+2028, U+2029), which some terminals and log viewers treat as line breaks.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every character [`needs_escape`] selects written as its Rust escape
/// (`char::escape_default`); borrowed when there is none.
///
/// ```
/// assert_eq!(
///     xgen_runtime::escape_text("EGeneral:\u{1b}[2KInvalid \u{202e}gnp.exe"),
///     "EGeneral:\\u{1b}[2KInvalid \\u{202e}gnp.exe"
/// );
/// assert_eq!(xgen_runtime::escape_text("Übung macht den Meister"), "Übung macht den Meister");
/// ```
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(Escaped(text).to_string())
}

/// Displays `T` with the characters [`needs_escape`] selects escaped, whatever `T`'s `Display`
/// writes: `Escaped(&message)` for a field, `Escaped(&plugin_error)` for a whole error.
/// Formatting flags (width, fill) are not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

/// Passes text on to the formatter, escaping as it goes.
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut clean_from = 0;
        for (i, c) in s.char_indices() {
            if needs_escape(c) {
                self.0.write_str(s.get(clean_from..i).unwrap_or_default())?;
                for escaped in c.escape_default() {
                    self.0.write_char(escaped)?;
                }
                clean_from = i + c.len_utf8();
            }
        }
        self.0.write_str(s.get(clean_from..).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_nothing_else() {
        let table = [
            ("plain text", "plain text"),
            (
                "\u{1b}[2K\u{1b}]0;owned\u{7}",
                "\\u{1b}[2K\\u{1b}]0;owned\\u{7}",
            ),
            ("a\nb\r\tc", "a\\nb\\r\\tc"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("\u{7f}", "\\u{7f}"),
            ("abc\u{202E}fed", "abc\\u{202e}fed"),
            (
                "\u{202A}\u{202B}\u{202C}\u{202D}\u{2066}\u{2067}\u{2068}\u{2069}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("\u{200E}\u{200F}\u{061C}", "\\u{200e}\\u{200f}\\u{61c}"),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
            ("é ü 日本 \u{FFFD} …", "é ü 日本 \u{FFFD} …"),
        ];
        for (raw, shown) in table {
            assert_eq!(escape_text(raw), shown, "{raw:?}");
            assert_eq!(Escaped(raw).to_string(), shown, "{raw:?}");
        }
        assert!(matches!(escape_text("fine"), Cow::Borrowed("fine")));
    }

    #[test]
    fn a_whole_display_goes_through_the_filter() {
        struct Hostile;
        impl fmt::Display for Hostile {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Several writes, as a real `Display` makes them.
                let override_char = '\u{202E}';
                f.write_str("refused: ")?;
                f.write_str("\u{1b}[2K")?;
                write!(f, "{override_char}")
            }
        }
        assert_eq!(Escaped(Hostile).to_string(), "refused: \\u{1b}[2K\\u{202e}");
    }
}
