//! Doc attributes from spec text.

use crate::ir::Docs;
use proc_macro2::TokenStream;
use quote::quote;

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
fn markdown_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
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
                return line;
            }
            let line = if in_fence { line.trim_end() } else { trimmed };
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
