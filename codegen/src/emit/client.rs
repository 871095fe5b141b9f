//! The operations table and the client with one async method per operation.

use super::docs::lines;
use super::types::type_ref;
use crate::describe::{self, Location, OperationInfo};
use crate::error::{Error, Result};
use crate::ir::{
    names, Api, ApiKeyLocation, AuthKind, AuthScheme, BodyEncoding, HttpMethod, Operation,
    RateLimit, ResponseBody,
};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;
use xgen_runtime::ValueKind;

/// The `operations` module in parts, so the caller can format its many statics apart (and on
/// several threads): the empty module with its docs, the items before the statics (the
/// `auth_schemes` module, if any), and `ALL` after them. Each static is [`operation_static`].
pub(super) struct OperationsModule {
    pub outer: TokenStream,
    pub leading: Option<TokenStream>,
    pub all: TokenStream,
}

pub(super) fn operations_module(
    api: &Api,
    auth_constants: &BTreeMap<String, String>,
) -> OperationsModule {
    let doc = lines("What the runtime and `xgen request` know about each operation.");
    let all_doc = lines("Every operation of this client, sorted by name.");
    let auth = auth_schemes_module(api, auth_constants);
    let idents: Vec<Ident> = api.operations.values().map(operation_ident).collect();
    OperationsModule {
        outer: quote! { #doc pub mod operations {} },
        leading: (!auth.is_empty()).then_some(auth),
        all: quote! {
            #all_doc
            pub static ALL: &[&::xgen_runtime::Operation] = &[#(&#idents),*];
        },
    }
}

fn operation_ident(op: &Operation) -> Ident {
    format_ident!("{}", names::operation_constant(&op.id))
}

/// `pub mod auth_schemes { pub const API_KEY: AuthScheme = ...; }`: the document's security
/// schemes that operations name, for the `openapi` signing scheme; nothing for the others.
fn auth_schemes_module(api: &Api, constants: &BTreeMap<String, String>) -> TokenStream {
    if api.profile.auth_schemes.is_empty() {
        return TokenStream::new();
    }
    let consts = api.profile.auth_schemes.values().map(|scheme| {
        let ident = auth_scheme_ident(scheme, constants);
        let name = &scheme.name;
        let doc = lines(&format!("`{name}`: {}.", describe::auth_text(&scheme.kind)));
        let kind = match &scheme.kind {
            AuthKind::Bearer => quote! { ::xgen_runtime::AuthKind::Bearer },
            AuthKind::Basic => quote! { ::xgen_runtime::AuthKind::Basic },
            AuthKind::ApiKey { location, param } => {
                let location = format_ident!(
                    "{}",
                    match location {
                        ApiKeyLocation::Header => "Header",
                        ApiKeyLocation::Query => "Query",
                        ApiKeyLocation::Cookie => "Cookie",
                    }
                );
                quote! {
                    ::xgen_runtime::AuthKind::ApiKey {
                        location: ::xgen_runtime::ApiKeyLocation::#location,
                        name: #param,
                    }
                }
            }
        };
        quote! {
            #doc
            pub const #ident: ::xgen_runtime::AuthScheme = ::xgen_runtime::AuthScheme {
                name: #name,
                kind: #kind,
            };
        }
    });
    let doc = lines(
        "The security schemes the operations below name, as the OpenAPI document declares them.",
    );
    quote! {
        #doc
        pub mod auth_schemes {
            #(#consts)*
        }
    }
}

/// The constant of `scheme` in the `auth_schemes` module, from
/// [`names::auth_scheme_constants`] (validation has checked there is one).
fn auth_scheme_ident(scheme: &AuthScheme, constants: &BTreeMap<String, String>) -> Ident {
    match constants.get(&scheme.name) {
        Some(constant) => format_ident!("{}", constant),
        None => format_ident!("{}", names::FieldName::from_wire(&scheme.name).constant()),
    }
}

/// The static that describes `op` to the runtime, in the `operations` module.
pub(super) fn operation_static(
    op: &Operation,
    api: &Api,
    auth_constants: &BTreeMap<String, String>,
) -> TokenStream {
    let info = describe::describe(op, api);
    let ident = operation_ident(op);
    let doc = lines(&format!(
        "`{} {}`: {}",
        op.method.as_str(),
        op.path,
        op.docs.summary.as_deref().unwrap_or(&op.id)
    ));
    let OperationInfo {
        exchange,
        id,
        name,
        path,
        signed,
        ..
    } = &info;
    let method = format_ident!("{}", method_variant(op.method));
    let encoding = match (info.body, &info.raw_media_type) {
        (None, _) => quote! { None },
        (Some(BodyEncoding::Json), _) => quote! { Json },
        (Some(BodyEncoding::Form), _) => quote! { Form },
        (Some(BodyEncoding::Multipart), _) => quote! { Multipart },
        (Some(BodyEncoding::Raw), media_type) => {
            let media_type = media_type.as_deref().unwrap_or("application/octet-stream");
            quote! { Raw(#media_type) }
        }
    };
    let params = info.params.iter().map(|param| {
        let wire = &param.wire_name;
        let location = format_ident!(
            "{}",
            match param.location {
                Location::Body => "Body",
                Location::WholeBody => "WholeBody",
                Location::Header => "Header",
                Location::Path => "Path",
                Location::Query => "Query",
            }
        );
        let kind = value_kind_ident(param.kind);
        let required = param.required;
        let explode = param.explode;
        // The variant's name is its `Debug` text: a unit variant prints as written.
        let style = format_ident!("{}", format!("{:?}", param.style));
        quote! {
            ::xgen_runtime::Param {
                wire_name: #wire,
                location: ::xgen_runtime::ParamLocation::#location,
                kind: ::xgen_runtime::ValueKind::#kind,
                required: #required,
                style: ::xgen_runtime::ParamStyle::#style,
                explode: #explode,
            }
        }
    });
    let signer_fields = info.signer_fields.iter().map(|(wire, kind, location)| {
        let kind = value_kind_ident(*kind);
        let location = format_ident!("{}", format!("{location:?}"));
        quote! {
            ::xgen_runtime::SignerField {
                wire_name: #wire,
                kind: ::xgen_runtime::ValueKind::#kind,
                location: ::xgen_runtime::ParamLocation::#location,
            }
        }
    });
    let rate_limit = rate_limit_metadata(op.rate_limit.as_ref());
    let host = match &info.host {
        Some(host) => quote! { ::core::option::Option::Some(#host) },
        None => quote! { ::core::option::Option::None },
    };
    let security = info.security.iter().map(|alternative| {
        let schemes = alternative
            .iter()
            .filter_map(|name| api.profile.auth_schemes.get(name))
            .map(|scheme| auth_scheme_ident(scheme, auth_constants));
        quote! { &[#(&auth_schemes::#schemes),*] }
    });
    quote! {
        #doc
        pub static #ident: ::xgen_runtime::Operation = ::xgen_runtime::Operation {
            exchange: #exchange,
            id: #id,
            name: #name,
            method: ::xgen_runtime::Method::#method,
            path: #path,
            host: #host,
            body: ::xgen_runtime::BodyEncoding::#encoding,
            params: &[#(#params),*],
            signer_fields: &[#(#signer_fields),*],
            signed: #signed,
            rate_limit: #rate_limit,
            security: &[#(#security),*],
        };
    }
}

/// `Some(RateLimit { .. })` or `None`, spelt out in full: the operations module is generated
/// code, and a spec type may not shadow `Option`'s variants there.
fn rate_limit_metadata(limit: Option<&RateLimit>) -> TokenStream {
    let Some(limit) = limit else {
        return quote! { ::core::option::Option::None };
    };
    // Unsuffixed, so the output reads `requests: 6`, as the spec writes it.
    let requests = Literal::u32_unsuffixed(limit.requests);
    let per_seconds = Literal::u32_unsuffixed(limit.per_seconds);
    let scope = &limit.scope;
    quote! {
        ::core::option::Option::Some(::xgen_runtime::RateLimit {
            requests: #requests,
            per_seconds: #per_seconds,
            scope: #scope,
        })
    }
}

/// The runtime's `ValueKind` variant for `kind`.
fn value_kind_ident(kind: ValueKind) -> Ident {
    format_ident!(
        "{}",
        match kind {
            ValueKind::String => "String",
            ValueKind::Integer => "Integer",
            ValueKind::Number => "Number",
            ValueKind::Boolean => "Boolean",
            ValueKind::Bytes => "Bytes",
            _ => "Json",
        }
    )
}

fn method_variant(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "Get",
        HttpMethod::Post => "Post",
        HttpMethod::Put => "Put",
        HttpMethod::Patch => "Patch",
        HttpMethod::Delete => "Delete",
    }
}

/// A Rust path the runtime's registry gives as text (`::xgen_runtime::okx::OkxSigner`), as
/// tokens. The registry's own tests keep every path well-formed; a malformed one is a bug in
/// xgen, reported as such rather than emitted.
fn registry_path(path: &str, exchange: &str) -> Result<TokenStream> {
    syn::parse_str::<syn::Path>(path)
        .map(|path| quote! { #path })
        .map_err(|e| Error::Emit {
            exchange: exchange.to_owned(),
            message: format!("the registry's type path `{path}` does not parse: {e}"),
        })
}

/// The `Client` struct, and the first members of its `impl` (its constants and constructors);
/// the caller adds one [`operation_method`] per operation, formatting each apart.
pub(super) fn client(api: &Api) -> Result<(TokenStream, TokenStream)> {
    let title = api.docs.summary.as_deref().unwrap_or(&api.exchange);
    let mut text = format!(
        "A client for the {title}.\n\nCloning is cheap and clones share one connection pool and one signer, \
         so nonces stay strictly increasing across clones. Build one client per API key and clone it."
    );
    if !api.skipped.is_empty() {
        // Said where a reviewer and a user look: an operation of the spec with no method here.
        text.push_str("\n\n# Not generated\n\nThese operations of the spec use what xgen cannot generate yet:\n");
        for skipped in &api.skipped {
            text.push_str(&format!(
                "\n- `{}`: {} (`{}`)",
                skipped.id, skipped.reason, skipped.origin.pointer
            ));
        }
    }
    let doc = lines(&text);
    let scheme = api.profile.signing;
    let signer = registry_path(scheme.signer_type, &api.exchange)?;
    let scheme_name = scheme.name;
    let urls = base_url_consts(api);
    // A scheme without credentials (`none`) needs no signer from the caller.
    let (signer_param, signer_arg, signer_value) = match scheme.takes_credentials {
        true => (
            quote! { signer: #signer, },
            quote! { signer, },
            quote! { signer },
        ),
        false => (
            quote! {},
            quote! {},
            quote! { <#signer as ::core::default::Default>::default() },
        ),
    };
    // A white-label API has no production host of its own: callers always give one.
    let new = api.profile.base_urls.contains_key("production").then(|| {
        let production = format_ident!("{}", names::base_url_constant("production"));
        match api.profile.hosts.is_empty() {
            true => quote! {
                /// A client for the production environment.
                pub fn new(#signer_param) -> Result<Self, ::xgen_runtime::Error> {
                    Self::with_base_url(#signer_arg Self::#production)
                }
            },
            false => {
                let hosts = format_ident!("{}", names::hosts_constant("production"));
                quote! {
                    /// A client for the production environment, each operation sent to its host.
                    pub fn new(#signer_param) -> Result<Self, ::xgen_runtime::Error> {
                        let runtime = ::xgen_runtime::Client::new(Self::#production, ::std::sync::Arc::new(#signer_value))?
                            .with_hosts(Self::#hosts)?;
                        Ok(Self { runtime })
                    }
                }
            }
        }
    });
    let with_base_url_doc = lines(match api.profile.hosts.is_empty() {
        true => "A client for another base URL: another environment, or a test server.",
        false => {
            "A client that sends every operation, whatever its host, to one base URL: a test \
                  server. For another environment's hosts, build the runtime client with \
                  `with_hosts` and pass it to `from_runtime`."
        }
    });
    let head = quote! {
        #doc
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: ::xgen_runtime::Client,
        }
    };
    let members = quote! {
        /// The signing scheme the profile names, as `xgen_runtime::registry` knows it: what
        /// builds this client's signer from credentials given by name.
        pub const SIGNING_SCHEME: &'static str = #scheme_name;

        #urls

        #new

        #with_base_url_doc
        pub fn with_base_url(#signer_param base_url: &str) -> Result<Self, ::xgen_runtime::Error> {
            let runtime = ::xgen_runtime::Client::new(base_url, ::std::sync::Arc::new(#signer_value))?;
            Ok(Self { runtime })
        }

        /// A client over a runtime client you built yourself (your own HTTP client, signer or nonce source).
        pub fn from_runtime(runtime: ::xgen_runtime::Client) -> Self {
            Self { runtime }
        }

        /// The runtime client underneath.
        pub fn runtime(&self) -> &::xgen_runtime::Client {
            &self.runtime
        }
    };
    Ok((head, members))
}

fn base_url_consts(api: &Api) -> TokenStream {
    let consts = api.profile.base_urls.iter().map(|(env, url)| {
        let ident = format_ident!("{}", names::base_url_constant(env));
        let doc = lines(&format!("The base URL of the `{env}` environment."));
        quote! { #doc pub const #ident: &'static str = #url; }
    });
    let hosts = api.profile.base_urls.keys().filter(|_| !api.profile.hosts.is_empty()).map(|env| {
        let ident = format_ident!("{}", names::hosts_constant(env));
        let doc = lines(&format!(
            "The base URL of each host of the `{env}` environment, by the name operations give \
             their host (`Operation::host`): for `xgen_runtime::Client::with_hosts` over a client \
             of `{}`.",
            names::base_url_constant(env)
        ));
        let pairs = api.profile.hosts.iter().filter_map(|(host, urls)| {
            urls.get(env).map(|url| quote! { (#host, #url) })
        });
        quote! { #doc pub const #ident: &'static [(&'static str, &'static str)] = &[#(#pairs),*]; }
    });
    quote! { #(#consts)* #(#hosts)* }
}

/// The envelope type replies are decoded through, as generated code names it.
pub(super) fn envelope_type(api: &Api) -> Result<TokenStream> {
    registry_path(api.profile.envelope.rust_type, &api.exchange)
}

/// The method `method` (the operation's key in [`Api::operations`]) for `op`, decoding through
/// `envelope` ([`envelope_type`]).
pub(super) fn operation_method(
    method: &str,
    op: &Operation,
    envelope: &TokenStream,
) -> TokenStream {
    let ident = format_ident!("{}", method);
    let doc = method_docs(op);
    let statik = operation_ident(op);
    let (arg, body) = match &op.request {
        Some(request) => {
            let ty = format_ident!("{}", request.as_str());
            (quote! { , request: &#ty }, quote! { request })
        }
        None => (quote! {}, quote! { &() }),
    };
    // What the reply decodes to, and the runtime call that decodes it that way.
    let (response, call) = match op.response_body {
        ResponseBody::Json => {
            let payload = type_ref(&op.response);
            let response = match op.response_nullable {
                true => quote! { ::core::option::Option<#payload> },
                false => payload,
            };
            (response, quote! { send::<_, #envelope, _> })
        }
        ResponseBody::Empty => (quote! { () }, quote! { send_empty::<_, #envelope> }),
        ResponseBody::Text => (quote! { String }, quote! { send_text::<_, #envelope> }),
        ResponseBody::Bytes => (quote! { Vec<u8> }, quote! { send_bytes::<_, #envelope> }),
    };
    quote! {
        #doc
        pub async fn #ident(&self #arg) -> Result<#response, ::xgen_runtime::Error> {
            self.runtime
                .#call(&operations::#statik, #body)
                .await
        }
    }
}

fn method_docs(op: &Operation) -> TokenStream {
    let mut text = String::new();
    let summary = op.docs.summary.as_deref().unwrap_or(&op.id);
    text.push_str(summary.trim());
    if let Some(description) = &op.docs.description {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    if let Some(meaning) = &op.success_means {
        text.push_str("\n\n# What success means\n\n");
        text.push_str(meaning.trim());
    }
    if let Some(permissions) = &op.permissions {
        text.push_str("\n\n# API key permissions\n\n");
        text.push_str(permissions.trim());
    }
    if let Some(limit) = &op.rate_limit {
        let per = match limit.per_seconds {
            1 => "second".to_owned(),
            60 => "minute".to_owned(),
            n if n % 60 == 0 => format!("{} minutes", n / 60),
            n => format!("{n} seconds"),
        };
        let requests = match limit.requests {
            1 => "1 request".to_owned(),
            n => format!("{n} requests"),
        };
        text.push_str(&format!(
            "\n\n# Rate limit\n\n{requests} per {per}, per {}.",
            limit.scope
        ));
    }
    if let Some(meaning) = op
        .response_docs
        .description
        .as_deref()
        .or(op.response_docs.summary.as_deref())
    {
        text.push_str("\n\n# Returns\n\n");
        text.push_str(meaning.trim());
    }
    text.push_str(&format!(
        "\n\n# Request\n\n`{} {}` (`{}`)",
        op.method.as_str(),
        op.path,
        op.id
    ));
    if op.signer_fields().next().is_some() {
        let owned: Vec<String> = op
            .signer_fields()
            .map(|f| format!("`{}`", f.wire))
            .collect();
        text.push_str(&format!(", signed; the signer sets {}", owned.join(", ")));
    }
    text.push_str(
        ".\n\n# Errors\n\nThe exchange's own errors come back typed; so do a non-2xx status, a body that is \
         not the documented envelope, and transport failures.",
    );
    if let Some(error) = &op.error {
        text.push_str(&format!(
            " The spec gives an error reply's body the type `{}`: \
             `error.error_body::<{0}>()` reads it from `Error::Http`.",
            rust_type_text(error)
        ));
    }
    lines(&text)
}

/// A type as a reader writes it in docs (`Problem`, `Vec<Problem>`).
fn rust_type_text(ty: &crate::ir::TypeRef) -> String {
    match ty {
        crate::ir::TypeRef::Named(name) => name.as_str().to_owned(),
        other => type_ref(other)
            .to_string()
            .replace(' ', "")
            .replace("::std::vec::", "")
            .replace("::std::collections::", "")
            .replace("::serde_json::", "serde_json::"),
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::names::{self, CLIENT_ITEMS};

    /// Every item of the generated `Client` that is not an operation's method is one
    /// `ir::names` reserves, so no operation can take its name: a method added here without
    /// reserving it fails this test.
    #[test]
    fn every_item_of_the_client_is_reserved() {
        let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzzed/specs");
        let apis = crate::Config::new().specs_dir(specs).load().unwrap();
        for api in &apis {
            let mut text = String::new();
            super::super::write_api_module(api, &mut text).unwrap();
            let file: syn::File = syn::parse_str(&text).unwrap();
            let urls: Vec<String> = api
                .profile
                .base_urls
                .keys()
                .flat_map(|env| [names::base_url_constant(env), names::hosts_constant(env)])
                .collect();
            let mut checked = 0;
            for item in &file.items {
                match item {
                    syn::Item::Struct(s) if s.ident == "Client" => {
                        let derives: Vec<String> = s
                            .attrs
                            .iter()
                            .filter(|a| a.path().is_ident("derive"))
                            .map(|a| quote::quote!(#a).to_string())
                            .collect();
                        // `Clone` brings `clone` and `clone_from`, `Debug` brings `fmt`.
                        assert_eq!(derives, ["# [derive (Debug , Clone)]"], "{}", api.exchange);
                    }
                    syn::Item::Impl(i) if is_client(&i.self_ty) => {
                        checked += i.items.len();
                        for item in &i.items {
                            let name = match item {
                                syn::ImplItem::Fn(f) => f.sig.ident.to_string(),
                                syn::ImplItem::Const(c) => c.ident.to_string(),
                                other => panic!("unexpected item {}", quote::quote!(#other)),
                            };
                            assert!(
                                api.operations.contains_key(&name)
                                    || CLIENT_ITEMS.contains(&name.as_str())
                                    || urls.contains(&name),
                                "{}: `Client::{name}` is not reserved in ir::names",
                                api.exchange
                            );
                        }
                    }
                    _ => {}
                }
            }
            assert!(checked >= 4, "{}: no `impl Client` found", api.exchange);
        }
    }

    fn is_client(ty: &syn::Type) -> bool {
        matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
    }
}
