//! The operations table and the client with one async method per operation.

use super::docs::lines;
use super::types::type_ref;
use crate::ir::{
    Api, BodyEncoding, EnumRepr, EnvelopeKind, FieldName, HttpMethod, Operation, ParamLocation,
    Primitive, RateLimit, SigningPlugin, TypeKind, TypeRef,
};
use heck::ToKebabCase;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// `pub mod operations { pub static X: Operation = ...; pub static ALL: ... }`.
pub(super) fn operations_module(api: &Api) -> TokenStream {
    let statics = api.operations.values().map(|op| operation_static(op, api));
    let idents = api.operations.values().map(operation_ident);
    let doc = lines("What the runtime and `xgen request` know about each operation.");
    let all_doc = lines("Every operation of this client, sorted by name.");
    quote! {
        #doc
        pub mod operations {
            #(#statics)*

            #all_doc
            pub static ALL: &[&::xgen_runtime::Operation] = &[#(&#idents),*];
        }
    }
}

fn operation_ident(op: &Operation) -> Ident {
    format_ident!("{}", FieldName::from_wire(&op.id).constant())
}

fn operation_static(op: &Operation, api: &Api) -> TokenStream {
    let ident = operation_ident(op);
    let doc = lines(&format!(
        "`{} {}`: {}",
        op.method.as_str(),
        op.path,
        op.docs.summary.as_deref().unwrap_or(&op.id)
    ));
    let exchange = &api.exchange;
    let id = &op.id;
    let name = op.id.to_kebab_case();
    let method = format_ident!("{}", method_variant(op.method));
    let path = &op.path;
    let encoding = format_ident!(
        "{}",
        match op.body.as_ref().map(|b| b.encoding) {
            None => "None",
            Some(BodyEncoding::Json) => "Json",
            Some(BodyEncoding::Form) => "Form",
        }
    );
    let params = params_metadata(op, api);
    let signer_fields = op.body.iter().flat_map(|b| &b.signer_fields).map(|f| {
        let wire = &f.wire;
        let kind = value_kind(&f.ty, api);
        quote! { ::xgen_runtime::SignerField { wire_name: #wire, kind: ::xgen_runtime::ValueKind::#kind } }
    });
    let signed = op.signed;
    let rate_limit = rate_limit_metadata(op.rate_limit.as_ref());
    quote! {
        #doc
        pub static #ident: ::xgen_runtime::Operation = ::xgen_runtime::Operation {
            exchange: #exchange,
            id: #id,
            name: #name,
            method: ::xgen_runtime::Method::#method,
            path: #path,
            body: ::xgen_runtime::BodyEncoding::#encoding,
            params: &[#(#params),*],
            signer_fields: &[#(#signer_fields),*],
            signed: #signed,
            rate_limit: #rate_limit,
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

/// Body fields and path/query/header parameters, sorted by wire name.
fn params_metadata(op: &Operation, api: &Api) -> Vec<TokenStream> {
    let mut params: Vec<(&str, &'static str, &TypeRef, bool)> = Vec::new();
    let request = op
        .request
        .as_ref()
        .and_then(|name| api.types.get(name))
        .map(|d| &d.kind);
    if let Some(TypeKind::Struct(strukt)) = request {
        // The request struct holds the parameters too; what is not a parameter is a body field.
        let body_fields = strukt
            .fields
            .iter()
            .filter(|f| !op.params.iter().any(|p| p.name.wire == f.name.wire));
        for field in body_fields {
            params.push((&field.name.wire, "Body", &field.ty, field.required));
        }
    }
    for param in &op.params {
        let location = match param.location {
            ParamLocation::Path => "Path",
            ParamLocation::Query => "Query",
            ParamLocation::Header => "Header",
        };
        params.push((&param.name.wire, location, &param.ty, param.required));
    }
    params.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
    params
        .into_iter()
        .map(|(wire, location, ty, required)| {
            let location = format_ident!("{}", location);
            let kind = value_kind(ty, api);
            quote! {
                ::xgen_runtime::Param {
                    wire_name: #wire,
                    location: ::xgen_runtime::ParamLocation::#location,
                    kind: ::xgen_runtime::ValueKind::#kind,
                    required: #required,
                }
            }
        })
        .collect()
}

/// The JSON kind a command line needs to turn `NAME=VALUE` text into the value.
fn value_kind(ty: &TypeRef, api: &Api) -> Ident {
    let kind = match ty {
        TypeRef::Primitive(Primitive::String | Primitive::DecimalString) => "String",
        TypeRef::Primitive(Primitive::I32 | Primitive::I64) => "Integer",
        TypeRef::Primitive(Primitive::F64) => "Number",
        TypeRef::Primitive(Primitive::Bool) => "Boolean",
        TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) if e.repr == EnumRepr::String => "String",
            Some(TypeKind::Enum(_)) => "Integer",
            Some(TypeKind::Alias(target)) => return value_kind(target, api),
            _ => "Json",
        },
        TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Any => "Json",
    };
    format_ident!("{}", kind)
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

/// The runtime types a profile's plugins map to.
fn signer_type(signing: SigningPlugin) -> TokenStream {
    match signing {
        SigningPlugin::Kraken => quote! { ::xgen_runtime::kraken::KrakenSigner },
        SigningPlugin::Okx => quote! { ::xgen_runtime::okx::OkxSigner },
        SigningPlugin::Bybit => quote! { ::xgen_runtime::bybit::BybitSigner },
        SigningPlugin::AlphaPoint => quote! { ::xgen_runtime::alphapoint::AlphaPointSigner },
    }
}

fn envelope_type(envelope: EnvelopeKind) -> TokenStream {
    match envelope {
        EnvelopeKind::Kraken => quote! { ::xgen_runtime::kraken::KrakenEnvelope },
        EnvelopeKind::Okx => quote! { ::xgen_runtime::okx::OkxEnvelope },
        EnvelopeKind::Bybit => quote! { ::xgen_runtime::bybit::BybitEnvelope },
        EnvelopeKind::AlphaPoint => quote! { ::xgen_runtime::alphapoint::AlphaPointEnvelope },
    }
}

/// The `Client` struct, its constructors, one method per operation and dispatch by name.
pub(super) fn client(api: &Api) -> TokenStream {
    let title = api.docs.summary.as_deref().unwrap_or(&api.exchange);
    let doc = lines(&format!(
        "A client for the {title}.\n\nCloning is cheap and clones share one connection pool and one signer, \
         so nonces stay strictly increasing across clones. Build one client per API key and clone it."
    ));
    let signer = signer_type(api.profile.signing);
    let urls = base_url_consts(api);
    let methods = api.operations.values().map(|op| operation_method(op, api));
    let dispatch = prepare_by_name(api);
    // A white-label API has no production host of its own: callers always give one.
    let new = api.profile.base_urls.contains_key("production").then(|| {
        quote! {
            /// A client for the production environment.
            pub fn new(signer: #signer) -> Result<Self, ::xgen_runtime::Error> {
                Self::with_base_url(signer, Self::PRODUCTION_URL)
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: ::xgen_runtime::Client,
        }

        impl Client {
            #urls

            #new

            /// A client for another base URL: another environment, or a test server.
            pub fn with_base_url(signer: #signer, base_url: &str) -> Result<Self, ::xgen_runtime::Error> {
                let runtime = ::xgen_runtime::Client::new(base_url, ::std::sync::Arc::new(signer))?;
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

            #(#methods)*

            #dispatch
        }
    }
}

fn base_url_consts(api: &Api) -> TokenStream {
    let consts = api.profile.base_urls.iter().map(|(env, url)| {
        let ident = format_ident!("{}_URL", FieldName::from_wire(env).constant());
        let doc = lines(&format!("The base URL of the `{env}` environment."));
        quote! { #doc pub const #ident: &'static str = #url; }
    });
    quote! { #(#consts)* }
}

fn operation_method(op: &Operation, api: &Api) -> TokenStream {
    let ident = format_ident!("{}", FieldName::from_wire(&op.id).rust);
    let doc = method_docs(op);
    let statik = operation_ident(op);
    let envelope = envelope_type(api.profile.envelope);
    let response = type_ref(&op.response);
    let (arg, body) = match &op.request {
        Some(request) => {
            let ty = format_ident!("{}", request.as_str());
            (quote! { , request: &#ty }, quote! { request })
        }
        None => (quote! {}, quote! { &() }),
    };
    quote! {
        #doc
        pub async fn #ident(&self #arg) -> Result<#response, ::xgen_runtime::Error> {
            self.runtime
                .send::<_, #envelope, _>(&operations::#statik, #body)
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
    if op
        .body
        .as_ref()
        .is_some_and(|b| !b.signer_fields.is_empty())
    {
        let owned: Vec<String> = op
            .body
            .iter()
            .flat_map(|b| &b.signer_fields)
            .map(|f| format!("`{}`", f.wire))
            .collect();
        text.push_str(&format!(", signed; the signer sets {}", owned.join(", ")));
    }
    text.push_str(
        ".\n\n# Errors\n\nThe exchange's own errors come back typed; so do a non-2xx status, a body that is \
         not the documented envelope, and transport failures.",
    );
    lines(&text)
}

/// `prepare_by_name`: builds and signs a request from wire-named JSON, for tools like `xgen request`.
fn prepare_by_name(api: &Api) -> TokenStream {
    let arms = api.operations.values().map(|op| {
        let name = op.id.to_kebab_case();
        let statik = operation_ident(op);
        match &op.request {
            Some(request) => {
                let ty = format_ident!("{}", request.as_str());
                quote! {
                    #name => {
                        let request: #ty = ::xgen_runtime::request_from_params(&operations::#statik, params)?;
                        self.runtime.prepare(&operations::#statik, &request)
                    }
                }
            }
            None => quote! {
                #name => {
                    ::xgen_runtime::request_from_params::<::serde_json::Map<String, ::serde_json::Value>>(&operations::#statik, params)?;
                    self.runtime.prepare(&operations::#statik, &())
                }
            },
        }
    });
    let exchange = &api.exchange;
    quote! {
        /// Builds and signs the request for an operation named in kebab case (`cancel-withdrawal`)
        /// from a JSON object of wire-named parameters, without sending it: what `xgen request` uses.
        pub fn prepare_by_name(
            &self,
            operation: &str,
            params: ::serde_json::Value,
        ) -> Result<::xgen_runtime::PreparedRequest, ::xgen_runtime::Error> {
            match operation {
                #(#arms)*
                _ => Err(::xgen_runtime::Error::UnknownOperation {
                    exchange: #exchange.to_owned(),
                    operation: operation.to_owned(),
                }),
            }
        }
    }
}
