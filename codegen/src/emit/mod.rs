//! Emission: a frozen [`Api`] to formatted Rust source.
//!
//! Each function builds one `TokenStream`; [`format`] is the one place that turns tokens into
//! text (prettyplease, its version pinned by `Cargo.lock`), so tests and users see the same text.

mod client;
mod docs;
mod index;
mod types;

use crate::error::{Error, Result};
use crate::ir::Api;
use proc_macro2::TokenStream;
use quote::quote;

pub use index::INDEX_FILE;

/// Where a generated file's text goes as it is made: a `String` in memory, or a file being
/// written (`output`), so that a large API's module need never be held whole.
pub trait Sink {
    /// Appends `text`.
    fn push(&mut self, text: &str) -> Result<()>;
}

impl Sink for String {
    fn push(&mut self, text: &str) -> Result<()> {
        self.push_str(text);
        Ok(())
    }
}

/// Room for one exchange's module, to reserve up front when it is made in memory: growing by
/// doubling would copy a large module and hold both copies. Generated modules run at 1.2 to
/// 1.5 KB per operation and type; a little more is reserved, since untouched capacity costs
/// address space, not memory.
pub fn module_size_estimate(api: &Api) -> usize {
    2 * 1024 * (api.operations.len() + api.types.len()) + 64 * 1024
}

/// The generated module for one exchange, into `out`.
///
/// Each item is formatted on its own and pushed, so the tokens and syntax tree of only one
/// item are alive at a time: a large API's whole module as one token stream costs many times
/// its text in memory.
pub fn write_api_module(api: &Api, out: &mut dyn Sink) -> Result<()> {
    let sources: Vec<String> = api
        .sources
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let what = api.exchange.as_str();
    out.push(&header(&format!(
        "{} in the specs folder",
        sources.join(", ")
    )))?;
    for def in api.types.values() {
        out.push(&unparse(what, types::type_def(def))?)?;
    }
    let (module, items) = client::operations_module(api);
    braced(out, what, module, quote! { mod __xgen {} }, items)?;
    let (head, members) = client::client(api)?;
    out.push(&unparse(what, head)?)?;
    braced(
        out,
        what,
        quote! { impl Client {} },
        quote! { impl Client {} },
        members,
    )
}

/// `outer` (an empty `mod` or `impl`, with its docs) with `inner` inside, each inner item
/// formatted alone inside `wrapper` (the same kind of block) so it is indented as prettyplease
/// indents it there: the same text as formatting the whole block at once, without holding it
/// all as one syntax tree. Pushed to `out` item by item, never built apart: the client's `impl`
/// of a large API is megabytes.
fn braced(
    out: &mut dyn Sink,
    what: &str,
    outer: TokenStream,
    wrapper: TokenStream,
    inner: impl Iterator<Item = TokenStream>,
) -> Result<()> {
    let empty = unparse(what, outer)?;
    let Some(open) = empty.strip_suffix("{}\n") else {
        return Err(Error::Emit {
            exchange: what.to_owned(),
            message: format!("an empty block formatted unexpectedly: {empty:?}"),
        });
    };
    out.push(open)?;
    out.push("{\n")?;
    // Each item is put into the (empty) wrapper and printed from the syntax tree, without
    // turning it back into tokens and parsing it again.
    for item in inner {
        let wrapped = match syn::parse2::<syn::Item>(wrapper.clone()) {
            Err(e) => return Err(emit_error(what, &e)),
            Ok(syn::Item::Mod(mut module)) => {
                let items = syn::parse2::<syn::File>(item)
                    .map_err(|e| emit_error(what, &e))?
                    .items;
                module.content = Some((Default::default(), items));
                syn::Item::Mod(module)
            }
            Ok(syn::Item::Impl(mut block)) => {
                block.items = syn::parse2::<ImplItems>(item)
                    .map_err(|e| emit_error(what, &e))?
                    .0;
                syn::Item::Impl(block)
            }
            _ => {
                return Err(Error::Emit {
                    exchange: what.to_owned(),
                    message: "a wrapper that is neither a module nor an impl".to_owned(),
                })
            }
        };
        let mut file =
            syn::parse2::<syn::File>(TokenStream::new()).map_err(|e| emit_error(what, &e))?;
        file.items.push(wrapped);
        let text = prettyplease::unparse(&file);
        // Everything between the wrapper's first and last lines is the item, indented.
        let body = text
            .split_once('\n')
            .and_then(|(_, rest)| rest.strip_suffix("}\n"))
            .unwrap_or("");
        out.push(body)?;
    }
    out.push("}\n")
}

/// The members of an `impl` block, parsed from tokens.
struct ImplItems(Vec<syn::ImplItem>);

impl syn::parse::Parse for ImplItems {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(ImplItems(items))
    }
}

fn emit_error(what: &str, error: &syn::Error) -> Error {
    Error::Emit {
        exchange: what.to_owned(),
        message: error.to_string(),
    }
}

/// The index that declares one module per exchange.
pub fn index_module(apis: &[Api]) -> Result<String> {
    let exchanges: Vec<&str> = apis.iter().map(|api| api.exchange.as_str()).collect();
    format(
        "index",
        index::index(apis),
        &format!("the specs folder (exchanges: {})", exchanges.join(", ")),
    )
}

/// The file name of an exchange's module.
pub fn module_file_name(api: &Api) -> String {
    format!("{}.rs", api.exchange.replace('-', "_"))
}

fn format(what: &str, tokens: TokenStream, sources: &str) -> Result<String> {
    Ok(header(sources) + &unparse(what, tokens)?)
}

/// The first lines of every generated file. No version and no timestamp, so regenerating never
/// churns it.
fn header(sources: &str) -> String {
    format!(
        "// @generated by xgen from {sources}.\n\
         // Do not edit: change the spec, then run `cargo run --bin xgen -- generate`.\n\n"
    )
}

/// Items as formatted source: the one place tokens become text (prettyplease).
fn unparse(what: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Emit {
        exchange: what.to_owned(),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&file))
}
