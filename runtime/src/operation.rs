//! What a generated client tells the runtime about each operation.
//!
//! Generated code declares one [`Operation`] constant per endpoint; the runtime, the signing
//! plugins and `xgen request` read it instead of re-parsing the spec. Everything here is
//! `'static` data so the constants cost nothing at run time.

use std::fmt;

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
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

impl Method {
    /// The method as it goes on the wire, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the request body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// No body.
    None,
    /// `application/json`: one JSON object.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

impl BodyEncoding {
    /// The `Content-Type` header value, if the encoding has a body.
    pub const fn content_type(self) -> Option<&'static str> {
        match self {
            BodyEncoding::None => None,
            BodyEncoding::Json => Some("application/json"),
            BodyEncoding::Form => Some("application/x-www-form-urlencoded"),
        }
    }
}

/// The JSON kind of a value, enough for a command line to turn `NAME=VALUE` text into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// A JSON number that may have a fraction.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Anything else (arrays, objects, unions): given as JSON text.
    Json,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A field of the request body.
    Body,
    /// A query-string parameter.
    Query,
    /// A `{name}` segment of the path.
    Path,
    /// A request header.
    Header,
}

/// One parameter the caller sets, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The name on the wire (JSON key, form key, query key, header name).
    pub wire_name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// Its JSON kind.
    pub kind: ValueKind,
    /// Whether the spec requires it.
    pub required: bool,
}

/// A body field the signing plugin fills in (Kraken's `nonce`); the caller never sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerField {
    /// The name on the wire.
    pub wire_name: &'static str,
    /// How the spec types it: Kraken spot sends the nonce as an integer, Kraken Pay as a string.
    pub kind: ValueKind,
}

/// Everything the runtime needs to know about one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The exchange's name in xgen (`kraken`).
    pub exchange: &'static str,
    /// The operation's id as the spec spells it (`cancelWithdrawal`).
    pub id: &'static str,
    /// The id in kebab case, as `xgen request` takes it (`cancel-withdrawal`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The full path, base path included (`/0/private/WithdrawCancel`).
    pub path: &'static str,
    /// How the body is encoded.
    pub body: BodyEncoding,
    /// The parameters the caller sets, sorted by wire name.
    pub params: &'static [Param],
    /// The body fields the signer owns.
    pub signer_fields: &'static [SignerField],
    /// Whether the request must be signed (the spec's security requirement is not empty).
    pub signed: bool,
}

impl Operation {
    /// The parameter with this wire name, if the caller may set it.
    pub fn param(&self, wire_name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.wire_name == wire_name)
    }

    /// The signer-owned body field with this wire name, if the operation has it.
    pub fn signer_field(&self, wire_name: &str) -> Option<&'static SignerField> {
        self.signer_fields.iter().find(|f| f.wire_name == wire_name)
    }
}
