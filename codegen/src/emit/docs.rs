//! Doc attributes from spec text.

use crate::ir::Docs;
use proc_macro2::TokenStream;
use quote::quote;
use std::borrow::Cow;

/// `#[doc = "..."]` lines for `docs`, or for `fallback` when the spec says nothing.
pub(super) fn doc_attrs(docs: &Docs, fallback: &str) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &docs.summary {
        text.push_str(summary.trim());
    }
    if let Some(description) = &docs.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(description.trim());
    }
    if text.is_empty() {
        text.push_str(fallback);
    }
    lines(&text)
}

/// `#[doc = "..."]` lines for Markdown text written here rather than taken from a spec.
pub(super) fn lines(text: &str) -> TokenStream {
    let lines = markdown_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// Spec Markdown made safe for rustdoc: a fence without a language would be compiled as a Rust
/// doctest, and so would an indented block, so fences get `text` and lines lose their indent.
/// A line that continues a list item is indented to the item's text, as clippy's
/// `doc_lazy_continuation` asks, and tabs become spaces, so exchanges' Markdown passes
/// `clippy -D warnings`.
fn markdown_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
    // The width of the marker of the list item being continued (`- `: 2, `10. `: 4).
    let mut list_item: Option<usize> = None;
    // Tabs become four spaces: clippy's `tabs_in_doc_comments` refuses them.
    let text = plain(text).replace('\t', "    ");
    text.lines()
        .map(|line| {
            let trimmed = line.trim();
            if let Some(lang) = trimmed.strip_prefix("```") {
                let line = if !in_fence && (lang.is_empty() || lang == "rust") {
                    " ```text".to_owned()
                } else {
                    format!(" {trimmed}")
                };
                in_fence = !in_fence;
                list_item = None;
                return line;
            }
            if in_fence {
                let line = line.trim_end();
                return if line.is_empty() {
                    String::new()
                } else {
                    format!(" {line}")
                };
            }
            if trimmed.is_empty() {
                list_item = None;
                return String::new();
            }
            if let Some(width) = list_marker_width(trimmed) {
                list_item = Some(width);
                return format!(" {trimmed}");
            }
            match list_item {
                Some(width) => format!(" {:width$}{trimmed}", ""),
                None => format!(" {trimmed}"),
            }
        })
        .collect()
}

/// The width of the Markdown list marker `line` starts with (`- `, `* `, `+ `, `1. `, `2) `).
fn list_marker_width(line: &str) -> Option<usize> {
    if ["- ", "* ", "+ "]
        .iter()
        .any(|marker| line.starts_with(marker))
    {
        return Some(2);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &line[digits..];
    (digits > 0 && digits <= 9 && (rest.starts_with(". ") || rest.starts_with(") ")))
        .then_some(digits + 2)
}

/// Spec text as a doc comment may hold it. Every line break becomes `\n`: a lone `\r` (old Mac
/// line ends), which rustc refuses in a doc comment, ends a line too. Unicode bidirectional
/// controls, which rustc's `text_direction_codepoint_in_comment` lint refuses because they make
/// text read otherwise than it compiles, and other control characters (an escape sequence, a
/// NUL) are shown as Rust escapes (`\u{202e}`) instead; tabs stay.
fn plain(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c != '\t' && c != '\n' && crate::text::needs_escape(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_are_made_plain() {
        assert_eq!(markdown_lines("a\rb\r\nc\nd"), vec![" a", " b", " c", " d"]);
        assert_eq!(
            markdown_lines("abc\u{202e}def\u{2066}"),
            vec![" abc\\u{202e}def\\u{2066}"]
        );
        assert_eq!(markdown_lines("\u{1b}[2K\tx"), vec![" \\u{1b}[2K    x"]);
        assert!(matches!(plain("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_line_continuing_a_list_item_is_indented_to_its_text() {
        assert_eq!(
            markdown_lines("Note:\n- one\ncontinued\n10. ten\nmore\n\nafter"),
            vec![
                " Note:",
                " - one",
                "   continued",
                " 10. ten",
                "     more",
                "",
                " after"
            ]
        );
        assert_eq!(
            markdown_lines("-1 is\nnot a list"),
            vec![" -1 is", " not a list"]
        );
    }

    #[test]
    fn fences_without_language_become_text() {
        assert_eq!(
            markdown_lines("a\n```\nx\n```"),
            vec![" a", " ```text", " x", " ```"]
        );
        assert_eq!(
            markdown_lines("```json\n  {}\n```"),
            vec![" ```json", "   {}", " ```"]
        );
    }

    #[test]
    fn indented_lines_lose_indent_outside_fences() {
        assert_eq!(
            markdown_lines("    code?\n\nnext"),
            vec![" code?", "", " next"]
        );
    }
}
