//! Emission: a frozen [`Api`] to formatted Rust source.
//!
//! Each function builds one `TokenStream`; [`format`] is the one place that turns tokens into
//! text (prettyplease, its version pinned by `Cargo.lock`), so tests and users see the same text.

mod client;
mod docs;
mod index;
mod types;

use crate::error::{Error, Result};
use crate::ir::names;
use crate::ir::{Api, Operation, TypeDef};
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
/// Each item is formatted on its own and pushed, so the tokens and syntax trees of only a few
/// items are alive at a time: a large API's whole module as one token stream costs many times
/// its text in memory. The many items (types, operation statics, methods) are formatted on
/// several threads ([`in_parallel`]), in order, since tokens to text is most of the work.
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
    let types: Vec<&TypeDef> = api.types.values().collect();
    in_parallel(out, &types, |def| unparse(what, types::type_def(def)))?;

    let operations: Vec<(&String, &Operation)> = api.operations.iter().collect();
    let auth_constants = names::auth_scheme_constants(api.profile.auth_schemes.keys());
    let module = client::operations_module(api, &auth_constants);
    open_block(out, what, module.outer)?;
    if let Some(leading) = module.leading {
        out.push(&inside(what, Block::Module, leading)?)?;
    }
    in_parallel(out, &operations, |(_, op)| {
        inside(
            what,
            Block::Module,
            client::operation_static(op, api, &auth_constants),
        )
    })?;
    out.push(&inside(what, Block::Module, module.all)?)?;
    out.push("}\n")?;

    let (head, constructors) = client::client(api)?;
    out.push(&unparse(what, head)?)?;
    open_block(out, what, quote! { impl Client {} })?;
    out.push(&inside(what, Block::Impl, constructors)?)?;
    in_parallel(out, &operations, |(method, op)| {
        let envelope = client::envelope_type(api)?;
        inside(
            what,
            Block::Impl,
            client::operation_method(method, op, &envelope),
        )
    })?;
    out.push("}\n")
}

/// How many formatted items may wait to be pushed, per thread: enough to keep every thread
/// busy, few enough that waiting text is small beside the module.
const WAITING_PER_THREAD: usize = 32;

/// `format` of each of `items`, pushed to `out` in order, computed on as many threads as the
/// machine has (tokens are not `Send`, so each thread builds its own from the IR). The threads
/// take items in turn through a bounded channel, so only the items finished ahead of the one
/// being waited for are held as text (a few, as items are alike in size), never the module.
fn in_parallel<T: Sync>(
    out: &mut dyn Sink,
    items: &[T],
    format: impl Fn(&T) -> Result<String> + Sync,
) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads == 1 || items.len() < 2 * WAITING_PER_THREAD {
        for item in items {
            out.push(&format(item)?)?;
        }
        return Ok(());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (format, next) = (&format, &next);
    std::thread::scope(|scope| {
        let (sender, formatted) =
            std::sync::mpsc::sync_channel::<(usize, Result<String>)>(threads * WAITING_PER_THREAD);
        for _ in 0..threads {
            let sender = sender.clone();
            scope.spawn(move || loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    return;
                };
                // A bug that panics is this item's error, not the process's end.
                let text = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| format(item)))
                    .unwrap_or_else(|_| {
                        Err(Error::Emit {
                            exchange: String::new(),
                            message: format!("formatting item {index} panicked"),
                        })
                    });
                // The receiver is gone when an earlier item failed: stop.
                if sender.send((index, text)).is_err() {
                    return;
                }
            });
        }
        drop(sender);
        // Items arrive as threads finish them; they are pushed in order.
        let mut waiting = std::collections::BTreeMap::new();
        let mut wanted = 0;
        for (index, text) in formatted {
            waiting.insert(index, text);
            while let Some(text) = waiting.remove(&wanted) {
                out.push(&text?)?;
                wanted += 1;
            }
        }
        Ok(())
    })
}

/// The kind of block [`inside`] formats an item in.
#[derive(Clone, Copy)]
enum Block {
    Module,
    Impl,
}

/// The first line of `outer` (an empty `mod` or `impl` with its docs), up to and with its `{`.
fn open_block(out: &mut dyn Sink, what: &str, outer: TokenStream) -> Result<()> {
    let empty = unparse(what, outer)?;
    let Some(open) = empty.strip_suffix("{}\n") else {
        return Err(Error::Emit {
            exchange: what.to_owned(),
            message: format!("an empty block formatted unexpectedly: {empty:?}"),
        });
    };
    out.push(open)?;
    out.push("{\n")
}

/// `item` (one item, or several) formatted inside an empty block of its kind, so it is
/// indented as prettyplease indents it there: the same text as formatting the whole block at
/// once, without holding it all as one syntax tree. Printed from the syntax tree, without
/// turning it back into tokens and parsing it again.
fn inside(what: &str, block: Block, item: TokenStream) -> Result<String> {
    let wrapped = match block {
        Block::Module => {
            let mut module: syn::ItemMod =
                syn::parse2(quote! { mod __xgen {} }).map_err(|e| emit_error(what, &e))?;
            let items = syn::parse2::<syn::File>(item)
                .map_err(|e| emit_error(what, &e))?
                .items;
            module.content = Some((Default::default(), items));
            syn::Item::Mod(module)
        }
        Block::Impl => {
            let mut block: syn::ItemImpl =
                syn::parse2(quote! { impl Client {} }).map_err(|e| emit_error(what, &e))?;
            block.items = syn::parse2::<ImplItems>(item)
                .map_err(|e| emit_error(what, &e))?
                .0;
            syn::Item::Impl(block)
        }
    };
    let mut file =
        syn::parse2::<syn::File>(TokenStream::new()).map_err(|e| emit_error(what, &e))?;
    file.items.push(wrapped);
    let text = prettyplease::unparse(&file);
    // Everything between the wrapper's first and last lines is the item, indented.
    Ok(text
        .split_once('\n')
        .and_then(|(_, rest)| rest.strip_suffix("}\n"))
        .unwrap_or("")
        .to_owned())
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
