//! The hand-written schema format: compact YAML that a person writes while reading an
//! exchange's doc page, mirroring its tables (parameter, type, required, description).
//!
//! Every mapping denies unknown keys and every type name is a closed set, so a misspelling is an
//! error with file, line and column rather than a silently ignored setting. `specs/README.md`
//! documents the format with an annotated example.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One schema file: where it was written from, its operations and its named types.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// The doc page this file was written from.
    pub source: Source,
    /// The operations, in the order the docs list them.
    pub operations: Vec<OperationSpec>,
    /// Named types that operations refer to with `ref: Name`.
    #[serde(default)]
    pub types: BTreeMap<String, Node>,
}

/// Provenance: which page, captured when, written when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The doc page's address.
    pub url: String,
    /// When the page was captured, as the capture says (`2026-01-15`).
    pub captured: String,
    /// When this file was written from it.
    pub written: String,
}

/// One endpoint, as its doc page describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// The operation id in camelCase (`cancelWithdrawal`); the method and `xgen request` names
    /// derive from it.
    pub id: String,
    /// The page's title.
    pub summary: String,
    /// The page's text about the endpoint.
    #[serde(default)]
    pub description: Option<String>,
    /// The HTTP method.
    pub method: MethodSpec,
    /// The path, from the host (`/api/v5/asset/cancel-withdrawal`).
    pub path: String,
    /// The API key permission the page names.
    #[serde(default)]
    pub permission: Option<String>,
    /// The rate limit the page gives.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// How the body is encoded; `none` for no body.
    pub body: BodySpec,
    /// `false` for public endpoints that are not signed.
    #[serde(default = "yes")]
    pub signed: bool,
    /// The request parameter table.
    #[serde(default)]
    pub params: Vec<Node>,
    /// The payload of a successful reply, inside the exchange's envelope.
    pub response: Node,
    /// What a successful reply means, in plain words (accepted, not done, say).
    #[serde(default)]
    pub success_means: Option<String>,
}

fn yes() -> bool {
    true
}

/// HTTP methods, upper case as doc pages write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MethodSpec {
    /// `GET`
    #[serde(rename = "GET")]
    Get,
    /// `POST`
    #[serde(rename = "POST")]
    Post,
    /// `PUT`
    #[serde(rename = "PUT")]
    Put,
    /// `PATCH`
    #[serde(rename = "PATCH")]
    Patch,
    /// `DELETE`
    #[serde(rename = "DELETE")]
    Delete,
}

/// Body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodySpec {
    /// A JSON object.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// No body.
    None,
}

/// A documented rate limit: a schema file operation's `rate_limit`, and each entry of a
/// profile's `rate_limits`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// How many requests...
    pub requests: u32,
    /// ...per this many seconds...
    pub per_seconds: u32,
    /// ...counted per what (`user ID`, `IP`, `API key`).
    pub scope: String,
}

/// A parameter, a field or a type: one shape, so a table row reads the same everywhere.
///
/// `name`, `required` and `in` only mean something for parameters and fields; `ref` stands
/// instead of `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The wire name (parameters and fields).
    #[serde(default)]
    pub name: Option<String>,
    /// The type.
    #[serde(default, rename = "type")]
    pub kind: Option<Kind>,
    /// A named type from the file's `types` instead of `type`.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// Whether the docs mark it required (parameters and fields).
    #[serde(default)]
    pub required: bool,
    /// Whether `null` is a valid value.
    #[serde(default)]
    pub nullable: bool,
    /// Where a parameter travels (default `body`).
    #[serde(default, rename = "in")]
    pub location: Option<LocationSpec>,
    /// The docs' description.
    #[serde(default)]
    pub description: Option<String>,
    /// A name for an inline object or enum, instead of the one derived from where it stands.
    #[serde(default)]
    pub title: Option<String>,
    /// `object`: its fields.
    #[serde(default)]
    pub fields: Option<Vec<Node>>,
    /// `array`: the item type.
    #[serde(default)]
    pub items: Option<Box<Node>>,
    /// `map`: the value type.
    #[serde(default)]
    pub value: Option<Box<Node>>,
    /// `enum`: the values, with what each means.
    #[serde(default)]
    pub values: Option<Vec<EnumValueSpec>>,
    /// `one-of`: the alternatives, tried in order.
    #[serde(default)]
    pub one_of: Option<Vec<Node>>,
}

/// The types a node can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Text.
    String,
    /// A 64-bit integer.
    Integer,
    /// A 32-bit integer.
    Int32,
    /// A number that may have a fraction.
    Number,
    /// A number that travels as a JSON string (amounts, millisecond times), kept as text so no
    /// digit is lost.
    Decimal,
    /// `true` or `false`.
    Boolean,
    /// An object with `fields`.
    Object,
    /// An array of `items`.
    Array,
    /// An object used as a map to `value`.
    Map,
    /// One of `values`.
    Enum,
    /// One of the `one_of` shapes.
    OneOf,
    /// Any JSON.
    Any,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationSpec {
    /// A body field.
    Body,
    /// The query string.
    Query,
    /// A path segment.
    Path,
    /// A header.
    Header,
}

/// One enum value and what the docs say it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueSpec {
    /// The value: a string or an integer.
    pub value: ScalarSpec,
    /// The Rust variant's name, where the value itself makes a poor one (OKX's state `-3` is
    /// `Canceling`); derived from the value otherwise.
    #[serde(default)]
    pub name: Option<String>,
    /// What it means.
    #[serde(default)]
    pub description: Option<String>,
}

/// An enum value as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ScalarSpec {
    /// An integer.
    Integer(i64),
    /// A string.
    String(String),
}

/// Reads a schema file.
pub fn read(path: &Path) -> Result<SchemaFile> {
    let text = super::read_text(path)?;
    // Duplicate keys, depth and aliases first: the typed reading below would keep the last of
    // two keys without a word.
    super::yaml::parse(path, &text)?;
    yaml_serde::from_str(&text).map_err(|e| Error::yaml(path.to_owned(), &e))
}
