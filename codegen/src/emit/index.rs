//! The index file that declares one module per exchange.

use super::docs;
use crate::ir::Api;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The index's file name; the root crate `include!`s it.
pub const INDEX_FILE: &str = "clients.rs";

pub(super) fn index(apis: &[Api]) -> TokenStream {
    let modules = apis.iter().map(|api| {
        let name = format_ident!("{}", api.exchange.replace('-', "_"));
        let file = super::module_file_name(api);
        let doc = docs::doc_attrs(&api.docs, &api.exchange);
        quote! {
            #doc
            pub mod #name {
                include!(#file);
            }
        }
    });
    quote! { #(#modules)* }
}
