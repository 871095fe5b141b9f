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
/// `clippy -D warnings`. Outside code, what rustdoc's default lints refuse is escaped (see
/// [`rustdoc_safe`]), so it passes `cargo doc` with warnings denied too.
fn markdown_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
    // The width of the marker of the list item being continued (`- `: 2, `10. `: 4).
    let mut list_item: Option<usize> = None;
    // Tabs become four spaces: clippy's `tabs_in_doc_comments` refuses them.
    let text = plain(text).replace('\t', "    ");
    let keep_html = html_is_balanced(&text);
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
            let safe = rustdoc_safe(trimmed, keep_html);
            if let Some(width) = list_marker_width(trimmed) {
                list_item = Some(width);
                return format!(" {safe}");
            }
            match list_item {
                Some(width) => format!(" {:width$}{safe}", ""),
                None => format!(" {safe}"),
            }
        })
        .collect()
}

/// A line of spec prose as rustdoc takes it without a warning, code spans left as they are:
/// a bare URL becomes an autolink (`bare_urls`), brackets that are not a Markdown link are
/// escaped, since rustdoc would resolve `[word]` as an intra-doc link (`broken_intra_doc_links`),
/// and HTML tags are escaped unless the text's tags nest properly (`invalid_html_tags`: Kraken
/// writes `<n>` for a number and closes `<sup><sub>` in the wrong order). What rustdoc renders
/// reads the same.
fn rustdoc_safe(line: &str, keep_html: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let spans = code_spans(line);
    // Brackets pair across code spans (OKX's `[`1m`/`3m`]`), so they are found on the line with
    // its code blanked out.
    let mut blanked = String::with_capacity(line.len());
    for (segment, is_code) in &spans {
        match is_code {
            true => blanked.extend(std::iter::repeat_n(' ', segment.len())),
            false => blanked.push_str(segment),
        }
    }
    let brackets = brackets_to_escape(&blanked);
    let mut segment_start = 0;
    for (segment, is_code) in spans {
        let start = segment_start;
        segment_start += segment.len();
        if is_code {
            out.push_str(segment);
            continue;
        }
        let mut rest = segment;
        while let Some(c) = rest.chars().next() {
            let offset = start + segment.len() - rest.len();
            let mut behind = out.chars().rev();
            let (before, before_that) = (behind.next(), behind.next());
            if c == '\\' {
                // An escape already: keep it and the character it escapes.
                let escaped = rest[1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&rest[..1 + escaped]);
                rest = &rest[1 + escaped..];
                continue;
            }
            if c == '<' {
                if let Some(tag) = html_tag(rest) {
                    if !keep_html {
                        out.push('\\');
                    }
                    out.push_str(tag.text);
                    rest = &rest[tag.text.len()..];
                    continue;
                }
            }
            if brackets.contains(&offset) {
                out.push('\\');
            }
            if rest.starts_with("http://") || rest.starts_with("https://") {
                // Already a link: an autolink, a Markdown link's destination, an HTML
                // attribute, or a link's text; a URL in plain parentheses or quotes is not.
                let linked = matches!(
                    (before, before_that),
                    (Some('<' | '['), _) | (Some('('), Some(']')) | (Some('"' | '\''), Some('='))
                );
                let end = url_end(rest);
                if !linked && end > "https://".len() {
                    out.push('<');
                    out.push_str(&rest[..end]);
                    out.push('>');
                    rest = &rest[end..];
                    continue;
                }
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `line` cut into text and code spans (`is_code`), each code span with its backticks. An
/// opening run of backticks with no closing run of the same length is text, as in CommonMark.
fn code_spans(line: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    let bytes = line.as_bytes();
    while at < bytes.len() {
        if bytes[at] == b'\\' {
            at += 2;
            continue;
        }
        if bytes[at] != b'`' {
            at += 1;
            continue;
        }
        let run = bytes[at..].iter().take_while(|&&b| b == b'`').count();
        let fence = &line[at..at + run];
        let closing = line[at + run..].match_indices(fence).find(|(offset, _)| {
            let end = at + run + offset + run;
            bytes.get(end) != Some(&b'`') && bytes[at + run + offset - 1] != b'`'
        });
        match closing {
            Some((offset, _)) => {
                let end = at + run + offset + run;
                if text_start < at {
                    parts.push((&line[text_start..at], false));
                }
                parts.push((&line[at..end], true));
                at = end;
                text_start = end;
            }
            None => at += run,
        }
    }
    if text_start < line.len() {
        parts.push((&line[text_start..], false));
    }
    parts
}

/// The byte offsets of the brackets in `text` that pair up without making a Markdown link
/// (`[text](url)`, `[text][ref]`): rustdoc would read each such pair as an intra-doc link. A
/// bracket without a partner links nothing and stays.
fn brackets_to_escape(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut escape = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'[' => open.push(at),
            b']' => {
                if let Some(start) = open.pop() {
                    let link_text = matches!(bytes.get(at + 1), Some(b'(' | b'['));
                    let link_reference = start > 0 && bytes[start - 1] == b']';
                    if !link_text && !link_reference {
                        escape.extend([start, at]);
                    }
                }
            }
            _ => {}
        }
        at += 1;
    }
    escape
}

/// The length of the URL `text` starts with: up to white space or a character that ends it in
/// prose, less the punctuation that ends a sentence.
fn url_end(text: &str) -> usize {
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | ')' | ']'))
        .unwrap_or(text.len());
    text[..end]
        .trim_end_matches(['.', ',', ';', ':', '!', '?', '\''])
        .len()
}

/// An HTML tag at the start of `text`, as CommonMark reads one on a line.
struct HtmlTag<'t> {
    /// The tag as written, `<` to `>`.
    text: &'t str,
    /// Its element name, lowercase.
    name: String,
    /// `</name>`.
    closing: bool,
    /// `<name/>`, or an element that has no end tag (`<br>`).
    standalone: bool,
}

/// The elements HTML never closes.
const VOID_ELEMENTS: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

fn html_tag(text: &str) -> Option<HtmlTag<'_>> {
    let rest = text.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    let after_name = &rest[name_len..];
    if !after_name.starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()) {
        return None;
    }
    let end = after_name.find('>')?;
    if after_name[..end].contains('<') {
        return None;
    }
    let name = rest[..name_len].to_ascii_lowercase();
    let tag_len = text.len() - after_name.len() + end + 1;
    let standalone =
        after_name[..end].trim_end().ends_with('/') || VOID_ELEMENTS.contains(&name.as_str());
    Some(HtmlTag {
        text: &text[..tag_len],
        name,
        closing,
        standalone,
    })
}

/// Whether every HTML tag in `text` (outside code) is closed, in order: only then are its tags
/// kept as HTML.
fn html_is_balanced(text: &str) -> bool {
    let mut open: Vec<String> = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for (segment, is_code) in code_spans(line.trim()) {
            if is_code {
                continue;
            }
            for (at, _) in segment.match_indices('<') {
                if at > 0 && segment.as_bytes()[at - 1] == b'\\' {
                    continue;
                }
                let Some(tag) = html_tag(&segment[at..]) else {
                    continue;
                };
                match (tag.closing, tag.standalone) {
                    (false, true) => {}
                    // `</br>`: an element HTML never closes, closed (Bitget's).
                    (true, true) => return false,
                    (false, false) => open.push(tag.name),
                    (true, false) => {
                        if open.pop().as_deref() != Some(tag.name.as_str()) {
                            return false;
                        }
                    }
                }
            }
        }
    }
    open.is_empty()
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
    fn what_rustdoc_lints_refuse_is_escaped_outside_code() {
        assert_eq!(
            markdown_lines("See https://docs.kraken.com/api. Or [the docs](https://x.y/z)."),
            vec![" See <https://docs.kraken.com/api>. Or [the docs](https://x.y/z)."]
        );
        assert_eq!(
            markdown_lines("Array of [price, volume] or `[a]` and [b][c]"),
            vec![" Array of \\[price, volume\\] or `[a]` and [b][c]"]
        );
        // Kraken's: a placeholder `<n>` and misnested tags; every tag is escaped then.
        assert_eq!(
            markdown_lines("expire <n> seconds\n<br><sup><sub>(if added)</sup></sub>"),
            vec![
                " expire \\<n> seconds",
                " \\<br>\\<sup>\\<sub>(if added)\\</sup>\\</sub>"
            ]
        );
        // Found in the corpus: a URL in parentheses or quotes, brackets around code spans,
        // and a closing tag of an element HTML never closes.
        assert_eq!(
            markdown_lines("More (https://a.b/c) or \"https://d.e\", e.g. [`1m`/`3m`]"),
            vec![" More (<https://a.b/c>) or \"<https://d.e>\", e.g. \\[`1m`/`3m`\\]"]
        );
        assert_eq!(
            markdown_lines("Limit</br>one<br>two"),
            vec![" Limit\\</br>one\\<br>two"]
        );
        // Tags that nest stay HTML; `a < b`, autolinks and code are not tags.
        assert_eq!(
            markdown_lines("<b>bold</b><br/> a < b <https://x.y> `<n>` \\[x\\]"),
            vec![" <b>bold</b><br/> a < b <https://x.y> `<n>` \\[x\\]"]
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
