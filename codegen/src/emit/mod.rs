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

/// The generated module for one exchange, as formatted source.
///
/// Each item is formatted on its own and appended, so the tokens and syntax tree of only one
/// item are alive at a time: a large API's whole module as one token stream costs many times
/// its text in memory.
pub fn api_module(api: &Api) -> Result<String> {
    let sources: Vec<String> = api
        .sources
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let what = api.exchange.as_str();
    // Room for the whole module up front, generously: untouched capacity costs address space,
    // not memory, while growing by doubling would copy a large module and hold both copies.
    let estimate = 16 * 1024 * (api.operations.len() + api.types.len()) + 64 * 1024;
    let mut out = String::with_capacity(estimate);
    out.push_str(&header(&format!(
        "{} in the specs folder",
        sources.join(", ")
    )));
    for def in api.types.values() {
        out.push_str(&unparse(what, types::type_def(def))?);
    }
    let (module, items) = client::operations_module(api);
    braced(&mut out, what, module, quote! { mod __xgen {} }, items)?;
    let (head, members) = client::client(api)?;
    out.push_str(&unparse(what, head)?);
    braced(
        &mut out,
        what,
        quote! { impl Client {} },
        quote! { impl Client {} },
        members,
    )?;
    Ok(out)
}

/// `outer` (an empty `mod` or `impl`, with its docs) with `inner` inside, each inner item
/// formatted alone inside `wrapper` (the same kind of block) so it is indented as prettyplease
/// indents it there: the same text as formatting the whole block at once, without holding it
/// all as one syntax tree. Appended to `out`, the module's text, rather than built apart: the
/// client's `impl` of a large API is megabytes, and a second growing copy would set the peak.
fn braced(
    out: &mut String,
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
    out.push_str(open);
    out.push_str("{\n");
    for item in inner {
        let mut wrapped = wrapper.clone();
        wrapped = match syn::parse2::<syn::Item>(wrapped) {
            Ok(syn::Item::Mod(mut module)) => {
                let items = syn::parse2::<syn::File>(item)
                    .map_err(|e| emit_error(what, &e))?
                    .items;
                module.content = Some((Default::default(), items));
                quote! { #module }
            }
            Ok(syn::Item::Impl(mut block)) => {
                let members = syn::parse2::<ImplItems>(item)
                    .map_err(|e| emit_error(what, &e))?
                    .0;
                block.items = members;
                quote! { #block }
            }
            _ => {
                return Err(Error::Emit {
                    exchange: what.to_owned(),
                    message: "a wrapper that is neither a module nor an impl".to_owned(),
                })
            }
        };
        let text = unparse(what, wrapped)?;
        // Everything between the wrapper's first and last lines is the item, indented.
        let body = text
            .split_once('\n')
            .and_then(|(_, rest)| rest.strip_suffix("}\n"))
            .unwrap_or("");
        out.push_str(body);
    }
    out.push_str("}\n");
    Ok(())
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
