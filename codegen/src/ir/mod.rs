//! The intermediate representation every front-end lowers into and the emitter reads.
//!
//! It knows nothing of OpenAPI or of the hand-written schema format: a front-end resolves
//! references, assigns names and validates, and what reaches the emitter is a frozen [`Api`].
//! Every node remembers where it came from ([`Origin`]) so a later phase can still say where a
//! problem is. Collections whose order reaches the output are `BTreeMap`s or sorted `Vec`s.

pub mod names;

pub use names::{FieldName, TypeName};

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use xgen_runtime::registry::{Envelope, SigningScheme};

/// Where a node came from: a file and a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The file, as given to the generator (relative to the specs folder where possible);
    /// shared by every origin in the file, since a large API has hundreds of thousands.
    pub file: Arc<Path>,
    /// An RFC 6901 JSON pointer into that file (`/paths/~1private~1WithdrawCancel/post`).
    pub pointer: String,
}

impl Origin {
    /// The origin of the document root of `file`.
    pub fn root(file: impl AsRef<Path>) -> Self {
        Origin {
            file: Arc::from(file.as_ref()),
            pointer: String::new(),
        }
    }

    /// The origin of `pointer` in a file whose path is already shared.
    pub fn at(file: Arc<Path>, pointer: String) -> Self {
        Origin { file, pointer }
    }

    /// The origin of the child `segment` of this node; `~` and `/` are escaped per RFC 6901.
    pub fn child(&self, segment: &str) -> Self {
        let escaped = pointer_segment(segment);
        // Exactly as long as needed: a large API has hundreds of thousands of origins, and
        // `format!` would leave each with up to twice the room.
        let mut pointer = String::with_capacity(self.pointer.len() + 1 + escaped.len());
        pointer.push_str(&self.pointer);
        pointer.push('/');
        pointer.push_str(&escaped);
        Origin {
            file: self.file.clone(),
            pointer,
        }
    }
}

impl Origin {
    /// The origin of this node's parent (the root's parent is the root).
    pub fn parent(&self) -> Self {
        let pointer = self
            .pointer
            .rsplit_once('/')
            .map_or("", |(parent, _)| parent);
        Origin {
            file: self.file.clone(),
            pointer: pointer.to_owned(),
        }
    }
}

/// `segment` as an RFC 6901 JSON pointer writes it: `~` as `~0`, `/` as `~1`.
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file.display(), self.pointer)
    }
}

/// Documentation carried from the spec onto the generated item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// A one-line summary or title.
    pub summary: Option<String>,
    /// Longer text, Markdown as in the spec.
    pub description: Option<String>,
}

impl Docs {
    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.summary.is_none() && self.description.is_none()
    }
}

/// One exchange's client: everything the emitter needs for one generated module.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The exchange's name in xgen, also the module name (`kraken`).
    pub exchange: String,
    /// What the module's documentation says about the API.
    pub docs: Docs,
    /// Settings the spec cannot express (signing, envelope, base URLs).
    pub profile: ClientProfile,
    /// Every named type, keyed and therefore ordered by name.
    pub types: BTreeMap<TypeName, TypeDef>,
    /// Every operation, keyed and therefore ordered by its client method's name: its id in
    /// snake case ([`names::method_name`]).
    pub operations: BTreeMap<String, Operation>,
    /// The spec files this was generated from, for the generated header.
    pub sources: Vec<PathBuf>,
    /// Operations of an OpenAPI document that the profile did not ask for by name and that use
    /// something xgen cannot generate yet, left out with the reason, in document order; the
    /// generated module's docs and `xgen generate` list them.
    pub skipped: Vec<Skipped>,
    /// Defects of the spec that have one obvious reading, read that way (an unknown `type` word
    /// read as `string`), in the order found; `xgen generate` prints each as a warning and
    /// `--strict` makes them errors. The spec file itself is never edited.
    pub repairs: Vec<Repair>,
}

/// A spec defect read in its one obvious way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Where the defect stands.
    pub origin: Origin,
    /// What it is and how it was read.
    pub message: String,
}

/// An operation left out of the client, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The operation id (as the spec spells it, or as xgen derived it from method and path).
    pub id: String,
    /// Where the construct xgen cannot generate stands.
    pub origin: Origin,
    /// What that construct is.
    pub reason: String,
}

/// Per-exchange settings, from the exchange's profile file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    /// Base URLs by environment; without `production` (white-label venues) callers give one.
    pub base_urls: BTreeMap<String, String>,
    /// Base URLs by host, then environment, for an API whose operations are served from
    /// several hosts ([`Operation::host`]); empty for one host.
    pub hosts: BTreeMap<String, BTreeMap<String, String>>,
    /// The runtime signing scheme, looked up by the name the profile gives.
    pub signing: &'static SigningScheme,
    /// The response envelope the runtime unwraps, looked up by name.
    pub envelope: &'static Envelope,
    /// The OpenAPI document's security schemes that operations name, by name: what the
    /// `openapi` scheme chooses among per operation. Empty for the other schemes, which decide
    /// everything themselves.
    pub auth_schemes: BTreeMap<String, AuthScheme>,
}

/// An OpenAPI security scheme an operation can require.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthScheme {
    /// Its name in `components/securitySchemes`.
    pub name: String,
    /// How its credential travels.
    pub kind: AuthKind,
    /// Where it was declared.
    pub origin: Origin,
}

/// How an [`AuthScheme`]'s credential travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    /// `Authorization: Bearer` (HTTP bearer, OAuth 2, OpenID Connect).
    Bearer,
    /// `Authorization: Basic`.
    Basic,
    /// An API key under `param`, in a header, the query or a cookie.
    ApiKey {
        /// Where it travels.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        param: String,
    },
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A header.
    Header,
    /// The query string.
    Query,
    /// A cookie.
    Cookie,
}

/// A named type the emitter turns into a Rust item.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Its Rust name.
    pub name: TypeName,
    /// What it documents.
    pub docs: Docs,
    /// Where it was declared.
    pub origin: Origin,
    /// What it is.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known fields.
    Struct(Struct),
    /// A closed or open set of string or integer values.
    Enum(Enum),
    /// One of several shapes, told apart by trying each (`oneOf`/`anyOf`).
    Union(Union),
    /// Another name for a type (`type: array` at the top level, say).
    Alias(TypeRef),
    /// A type of its own with the shape of another, the same on the wire: what a recursive
    /// alias becomes (`A` = array of `A`), since a Rust type alias cannot name itself.
    Newtype(TypeRef),
}

/// An object with known fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Its fields, sorted by wire name.
    pub fields: Vec<Field>,
    /// The type of properties not listed, when `additionalProperties` allows them; they are
    /// kept in a map field named by [`Struct::additional_field`].
    pub additional: Option<TypeRef>,
}

/// One field of a [`Struct`].
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust and wire names.
    pub name: FieldName,
    /// Its type, without the optionality.
    pub ty: TypeRef,
    /// Whether the spec requires the field.
    pub required: bool,
    /// Whether `null` is a valid value.
    pub nullable: bool,
    /// Whether it must be boxed because the type contains itself through it.
    pub boxed: bool,
    /// What it documents.
    pub docs: Docs,
    /// Where it was declared.
    pub origin: Origin,
}

/// A set of values.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    /// What the values are on the wire.
    pub repr: EnumRepr,
    /// The values, in the order the spec lists them (the order of documentation).
    pub variants: Vec<EnumVariant>,
    /// The variant that keeps a value outside the list, as sent (`Other`, or the first free of
    /// `OtherValue`, `OtherValue2`, ... when listed values take it; [`names::fallback_variant`]).
    /// Enums are open so a value the exchange adds never breaks a user's build or
    /// deserialisation; `None` would make the enum closed.
    pub fallback: Option<TypeName>,
}

/// The wire type of an enum's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    /// JSON strings.
    String,
    /// JSON integers.
    Integer,
}

/// One value of an [`Enum`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// The Rust variant name.
    pub name: TypeName,
    /// The value on the wire.
    pub value: EnumValue,
    /// What it documents.
    pub docs: Docs,
}

/// A value of an [`Enum`] as it travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumValue {
    /// A JSON string.
    String(String),
    /// A JSON integer.
    Integer(i64),
}

impl fmt::Display for EnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnumValue::String(text) => f.write_str(text),
            EnumValue::Integer(number) => write!(f, "{number}"),
        }
    }
}

/// One of several shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// The alternatives, in spec order (tried in that order unless `tag` says which).
    pub variants: Vec<UnionVariant>,
    /// The property whose value names the shape (OpenAPI's `discriminator`), if there is one.
    pub tag: Option<UnionTag>,
}

/// How a tagged [`Union`] tells its shapes apart.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionTag {
    /// The property that holds the tag (`petType`).
    pub property: String,
    /// The tag values of each variant, in the order of [`Union::variants`].
    pub values: Vec<Vec<String>>,
    /// The variant that keeps, as JSON, an object whose tag no variant has: the exchange may
    /// add a shape before the client knows it.
    pub fallback: TypeName,
}

/// One alternative of a [`Union`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The Rust variant name.
    pub name: TypeName,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it must be boxed because the type contains itself through it.
    pub boxed: bool,
}

/// A use of a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// A scalar.
    Primitive(Primitive),
    /// A named type in [`Api::types`].
    Named(TypeName),
    /// A JSON array.
    Array(Box<TypeRef>),
    /// A JSON object used as a map from string keys.
    Map(Box<TypeRef>),
    /// Any JSON value.
    Any,
}

/// Scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    /// A string.
    String,
    /// `true` or `false`.
    Bool,
    /// A 32-bit signed integer.
    I32,
    /// A 64-bit signed integer.
    I64,
    /// A 64-bit unsigned integer: an integer the spec bounds at 0 and above `i64::MAX`, or
    /// formats `uint64`.
    U64,
    /// A 64-bit float.
    F64,
    /// A decimal number that travels as a JSON string, to keep every digit.
    DecimalString,
    /// Bytes: the body of an upload (`type: string, format: binary`), `Vec<u8>`.
    Bytes,
}

/// One endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The id as the spec spells it (`cancelWithdrawal`).
    pub id: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The full path, with the server's base path (`/0/private/WithdrawCancel`).
    pub path: String,
    /// The host that serves it, a key of [`ClientProfile::hosts`]; `None` for the base URL.
    pub host: Option<String>,
    /// Summary and description.
    pub docs: Docs,
    /// The API key permissions the exchange says the call needs.
    pub permissions: Option<String>,
    /// The rate limit the exchange documents: from the schema file's `rate_limit` or the
    /// profile's `rate_limits`, never both.
    pub rate_limit: Option<RateLimit>,
    /// What a successful reply means, where the spec or profile says (accepted, not done).
    pub success_means: Option<String>,
    /// Path, query and header parameters, sorted by wire name.
    pub params: Vec<Param>,
    /// The body, if the operation takes one.
    pub body: Option<RequestBody>,
    /// The struct the caller fills in: the body's fields and the path, query and header
    /// parameters, by wire name; `None` when the operation takes nothing.
    pub request: Option<TypeName>,
    /// The payload of a successful response, inside the envelope (`Any` unless
    /// `response_body` is `Json`).
    pub response: TypeRef,
    /// What a successful reply's body is.
    pub response_body: ResponseBody,
    /// What the spec says the payload means.
    pub response_docs: Docs,
    /// Whether the payload may be `null` (the method then returns an `Option`).
    pub response_nullable: bool,
    /// The body of an error reply, where the spec gives one (OpenAPI's `default` response, or
    /// else its first 4xx or 5xx) and no exchange envelope reads errors itself.
    pub error: Option<TypeRef>,
    /// Query and header parameters the signer sets (Binance's `timestamp`), which the caller
    /// never does; body fields the signer sets are in [`RequestBody::signer_fields`].
    pub signer_params: Vec<SignerField>,
    /// Whether the request is signed.
    pub signed: bool,
    /// The OpenAPI `security` alternatives, each a set of names from
    /// [`ClientProfile::auth_schemes`]; an empty set allows an unauthenticated call. Empty
    /// unless the `openapi` scheme signs.
    pub security: Vec<Vec<String>>,
    /// Where it was declared.
    pub origin: Origin,
}

impl Operation {
    /// Every field the signer sets, in the body first, then in the query and headers.
    pub fn signer_fields(&self) -> impl Iterator<Item = &SignerField> {
        self.body
            .iter()
            .flat_map(|b| &b.signer_fields)
            .chain(&self.signer_params)
    }
}

/// What a successful reply's body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResponseBody {
    /// JSON, decoded through the envelope into [`Operation::response`].
    Json,
    /// Nothing (`204`, or no content declared): the method returns `()`.
    Empty,
    /// Text (`text/*`): the method returns the body as a `String`.
    Text,
    /// Bytes of another media type (`application/octet-stream`, `application/pdf`).
    Bytes,
}

/// A documented rate limit: `requests` per `per_seconds`, counted per `scope`; both numbers are
/// at least 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests.
    pub requests: u32,
    /// In how many seconds.
    pub per_seconds: u32,
    /// Counted per what (`user ID`, `IP`).
    pub scope: String,
    /// Where it was given: a schema file's operation or a profile's `rate_limits` entry.
    pub origin: Origin,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as it goes on the wire, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// A path, query or header parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Rust and wire names.
    pub name: FieldName,
    /// Where it travels.
    pub location: ParamLocation,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it is required.
    pub required: bool,
    /// How an array or object is written (OpenAPI's `style`).
    pub style: xgen_runtime::ParamStyle,
    /// Whether an array or object is written as several values (OpenAPI's `explode`).
    pub explode: bool,
    /// What it documents.
    pub docs: Docs,
    /// Where it was declared.
    pub origin: Origin,
}

/// Where a [`Param`] travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// As a header.
    Header,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// Fields the signing plugin owns, sorted by wire name.
    pub signer_fields: Vec<SignerField>,
    /// The wire name of the request struct's one body field when the body is not an object of
    /// named fields (an array, one of several shapes): that field is sent as the body itself.
    pub whole: Option<String>,
    /// The media type of a [`BodyEncoding::Raw`] body, as the spec writes it (parameters
    /// kept: it is the `Content-Type` sent); `None` for the others, whose media type the
    /// encoding says.
    pub raw_media_type: Option<String>,
}

/// Body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BodyEncoding {
    /// `application/json`
    Json,
    /// `application/x-www-form-urlencoded`
    Form,
    /// Bytes or text sent as they are, with the media type of [`RequestBody::raw_media_type`]
    /// (`application/octet-stream`, `text/plain`): an upload.
    Raw,
    /// `multipart/form-data`: the request's fields as parts, its `Vec<u8>` fields (properties
    /// `type: string, format: binary`) as files.
    Multipart,
}

/// A body field the signer fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerField {
    /// Its wire name (`nonce`).
    pub wire: String,
    /// Its wire type, as the spec declares it.
    pub ty: TypeRef,
    /// Where it travels: the body, the query or a header.
    pub location: xgen_runtime::ParamLocation,
}
