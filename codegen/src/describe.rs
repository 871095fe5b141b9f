//! What each operation looks like from outside, derived once from the frozen IR.
//!
//! Three readers need the same facts about an operation (its parameters with their wire
//! names, locations, kinds and types; the signer's fields; its security): the emitter writes
//! them into each generated module's `operations` table, `xgen ops` lists them, and
//! `xgen request` checks and routes `--param` values with them at run time. They all read
//! [`describe`], so a generated client and the command line can never disagree.

use crate::ir::{
    Api, AuthKind, BodyEncoding, EnumRepr, HttpMethod, Operation, ParamLocation, Primitive,
    RateLimit, TypeKind, TypeRef,
};
use heck::ToKebabCase;
use xgen_runtime::ValueKind;

/// One operation as a caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationInfo {
    /// The exchange's name in xgen (`okx`).
    pub exchange: String,
    /// The id as the spec spells it (`cancelWithdrawal`).
    pub id: String,
    /// The id in kebab case, as `xgen request` takes it (`cancel-withdrawal`).
    pub name: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The full path, base path included.
    pub path: String,
    /// The host that serves it, where the API has several (`Futures`); `None` for the base URL.
    pub host: Option<String>,
    /// The body encoding, if the operation has a body.
    pub body: Option<BodyEncoding>,
    /// The media type of a raw body (`application/octet-stream`).
    pub raw_media_type: Option<String>,
    /// Every parameter the caller sets, sorted by wire name, then location.
    pub params: Vec<ParamInfo>,
    /// Body fields the signer fills in, sorted by wire name.
    pub signer_fields: Vec<(String, ValueKind, xgen_runtime::ParamLocation)>,
    /// Whether the request is signed.
    pub signed: bool,
    /// The OpenAPI security alternatives (scheme names), for the `openapi` scheme.
    pub security: Vec<Vec<String>>,
    /// The documented rate limit.
    pub rate_limit: Option<RateLimit>,
    /// The API key permissions the exchange names.
    pub permissions: Option<String>,
    /// What a successful reply means.
    pub success_means: Option<String>,
    /// The one-line summary.
    pub summary: Option<String>,
}

/// One parameter the caller sets.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// Its name in the request object and in `xgen request --param`: the wire name, or
    /// `path:id` (`query:`, `header:`) for a parameter named like a body field.
    pub key: String,
    /// The name on the wire.
    pub wire_name: String,
    /// Where it travels.
    pub location: Location,
    /// Its JSON kind, for turning `NAME=VALUE` text into a value.
    pub kind: ValueKind,
    /// Its type in the IR, for checking a value in full.
    pub ty: TypeRef,
    /// Whether the spec requires it.
    pub required: bool,
    /// How an array or object is written (OpenAPI's `style`).
    pub style: xgen_runtime::ParamStyle,
    /// Whether an array or object is written as several values (OpenAPI's `explode`).
    pub explode: bool,
    /// What the spec says about it.
    pub description: Option<String>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A body field.
    Body,
    /// The whole body (one that is not an object of named fields).
    WholeBody,
    /// A header.
    Header,
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
}

impl Location {
    /// The word for it (`body`, `query`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::WholeBody => "whole body",
            Location::Header => "header",
            Location::Path => "path",
            Location::Query => "query",
        }
    }

    /// The runtime's name for it.
    pub fn runtime(self) -> xgen_runtime::ParamLocation {
        match self {
            Location::Body => xgen_runtime::ParamLocation::Body,
            Location::WholeBody => xgen_runtime::ParamLocation::WholeBody,
            Location::Header => xgen_runtime::ParamLocation::Header,
            Location::Path => xgen_runtime::ParamLocation::Path,
            Location::Query => xgen_runtime::ParamLocation::Query,
        }
    }
}

impl From<ParamLocation> for Location {
    fn from(location: ParamLocation) -> Location {
        match location {
            ParamLocation::Path => Location::Path,
            ParamLocation::Query => Location::Query,
            ParamLocation::Header => Location::Header,
        }
    }
}

/// Every operation of `api`, sorted by name.
pub fn operations(api: &Api) -> Vec<OperationInfo> {
    api.operations
        .values()
        .map(|op| describe(op, api))
        .collect()
}

/// One operation of `api`.
pub fn describe(op: &Operation, api: &Api) -> OperationInfo {
    OperationInfo {
        exchange: api.exchange.clone(),
        id: op.id.clone(),
        name: op.id.to_kebab_case(),
        method: op.method,
        path: op.path.clone(),
        host: op.host.clone(),
        body: op.body.as_ref().map(|b| b.encoding),
        raw_media_type: op.body.as_ref().and_then(|b| b.raw_media_type.clone()),
        params: params(op, api),
        signer_fields: op
            .signer_fields()
            .map(|f| (f.wire.clone(), value_kind(&f.ty, api), f.location))
            .collect(),
        signed: op.signed,
        security: op.security.clone(),
        rate_limit: op.rate_limit.clone(),
        permissions: op.permissions.clone(),
        success_means: op.success_means.clone(),
        summary: op.docs.summary.clone(),
    }
}

/// Body fields and path/query/header parameters, sorted by wire name, then location.
fn params(op: &Operation, api: &Api) -> Vec<ParamInfo> {
    let mut params = Vec::new();
    let request = op
        .request
        .as_ref()
        .and_then(|name| api.types.get(name))
        .map(|d| &d.kind);
    let struct_fields = match request {
        Some(TypeKind::Struct(strukt)) => strukt.fields.as_slice(),
        _ => &[],
    };
    // Each parameter's key in the request object: its wire name, or `path:id` where a body
    // field has the name (see `lower::request_struct`).
    let keys: Vec<String> = op
        .params
        .iter()
        .map(|param| {
            let location: Location = param.location.into();
            let qualified = location.runtime().request_key(&param.name.wire);
            match struct_fields.iter().any(|f| f.name.wire == qualified) {
                true => qualified,
                false => param.name.wire.clone(),
            }
        })
        .collect();
    if let Some(TypeKind::Struct(strukt)) = request {
        // The request struct holds the parameters too; what is not a parameter is a body field.
        let body_fields = strukt
            .fields
            .iter()
            .filter(|f| !keys.contains(&f.name.wire));
        let whole = op.body.as_ref().and_then(|b| b.whole.as_deref());
        for field in body_fields {
            params.push(ParamInfo {
                wire_name: field.name.wire.clone(),
                key: field.name.wire.clone(),
                location: match whole == Some(field.name.wire.as_str()) {
                    true => Location::WholeBody,
                    false => Location::Body,
                },
                style: xgen_runtime::ParamStyle::Form,
                explode: true,
                kind: value_kind(&field.ty, api),
                ty: field.ty.clone(),
                required: field.required,
                description: text(&field.docs),
            });
        }
    }
    for (param, key) in op.params.iter().zip(keys) {
        params.push(ParamInfo {
            wire_name: param.name.wire.clone(),
            key,
            location: param.location.into(),
            style: param.style,
            explode: param.explode,
            kind: value_kind(&param.ty, api),
            ty: param.ty.clone(),
            required: param.required,
            description: text(&param.docs),
        });
    }
    params.sort_by(|a, b| a.key.cmp(&b.key).then(a.location.cmp(&b.location)));
    params
}

fn text(docs: &crate::ir::Docs) -> Option<String> {
    docs.description.clone().or_else(|| docs.summary.clone())
}

/// The JSON kind a command line needs to turn `NAME=VALUE` text into the value.
pub fn value_kind(ty: &TypeRef, api: &Api) -> ValueKind {
    value_kind_within(ty, api, 0)
}

fn value_kind_within(ty: &TypeRef, api: &Api, depth: usize) -> ValueKind {
    match ty {
        TypeRef::Primitive(Primitive::String | Primitive::DecimalString) => ValueKind::String,
        // A multipart body sends these as files; a command line gives them as text.
        TypeRef::Primitive(Primitive::Bytes) => ValueKind::Bytes,
        TypeRef::Primitive(Primitive::I32 | Primitive::I64 | Primitive::U64) => ValueKind::Integer,
        TypeRef::Primitive(Primitive::F64) => ValueKind::Number,
        TypeRef::Primitive(Primitive::Bool) => ValueKind::Boolean,
        TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) if e.repr == EnumRepr::String => ValueKind::String,
            Some(TypeKind::Enum(_)) => ValueKind::Integer,
            // An alias chain is finite once lowering has validated it; the bound keeps a bug
            // from becoming a hang.
            Some(TypeKind::Alias(target) | TypeKind::Newtype(target)) if depth < 64 => {
                value_kind_within(target, api, depth + 1)
            }
            _ => ValueKind::Json,
        },
        TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Any => ValueKind::Json,
    }
}

/// A type as a person reads it in `xgen ops` and in errors: `string`, `integer (64-bit)`,
/// `decimal string`, `one of: "a", "b"`, `array of string`, `object WithdrawalRecord`.
pub fn type_text(ty: &TypeRef, api: &Api) -> String {
    type_text_within(ty, api, 0)
}

fn type_text_within(ty: &TypeRef, api: &Api, depth: usize) -> String {
    if depth > 8 {
        return "…".to_owned();
    }
    match ty {
        TypeRef::Primitive(Primitive::String) => "string".to_owned(),
        TypeRef::Primitive(Primitive::DecimalString) => "decimal string".to_owned(),
        TypeRef::Primitive(Primitive::Bool) => "boolean".to_owned(),
        TypeRef::Primitive(Primitive::I32) => "integer (32-bit)".to_owned(),
        TypeRef::Primitive(Primitive::I64) => "integer".to_owned(),
        TypeRef::Primitive(Primitive::U64) => "unsigned integer".to_owned(),
        TypeRef::Primitive(Primitive::F64) => "number".to_owned(),
        TypeRef::Primitive(Primitive::Bytes) => "bytes".to_owned(),
        TypeRef::Any => "any JSON".to_owned(),
        TypeRef::Array(item) => format!("array of {}", type_text_within(item, api, depth + 1)),
        TypeRef::Map(value) => format!("map of {}", type_text_within(value, api, depth + 1)),
        TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) => {
                let values: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| match &v.value {
                        crate::ir::EnumValue::String(s) => format!("{s:?}"),
                        crate::ir::EnumValue::Integer(n) => n.to_string(),
                    })
                    .collect();
                format!("one of {}", values.join(", "))
            }
            Some(TypeKind::Alias(target) | TypeKind::Newtype(target)) => {
                type_text_within(target, api, depth + 1)
            }
            Some(TypeKind::Struct(_)) => format!("object {name} (JSON)"),
            Some(TypeKind::Union(_)) => format!("{name}, one of several shapes (JSON)"),
            None => name.to_string(),
        },
    }
}

/// How an auth scheme's credential travels, in words, for `xgen ops`.
pub fn auth_text(kind: &AuthKind) -> String {
    match kind {
        AuthKind::Bearer => "bearer token".to_owned(),
        AuthKind::Basic => "HTTP basic".to_owned(),
        AuthKind::ApiKey { location, param } => {
            let place = match location {
                crate::ir::ApiKeyLocation::Header => "header",
                crate::ir::ApiKeyLocation::Query => "query parameter",
                crate::ir::ApiKeyLocation::Cookie => "cookie",
            };
            format!("API key in {place} `{param}`")
        }
    }
}
