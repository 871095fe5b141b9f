//! The hand-written schema format to IR. The same IR as OpenAPI: nothing downstream knows which
//! format an operation came from.
//!
//! Anonymous types are named like the OpenAPI front-end names them (operation id, enclosing
//! type, field), so the two formats give the same Rust for the same shape.

use super::define_type;
use crate::error::{Error, Result};
use crate::ir::{
    Api, BodyEncoding, Docs, Enum, EnumRepr, EnumValue, EnumVariant, Field, FieldName, HttpMethod,
    Operation, Origin, Param, ParamLocation, Primitive, RequestBody, SignerField, Struct, TypeDef,
    TypeKind, TypeName, TypeRef, Union, UnionVariant,
};
use crate::source::profile::Profile;
use crate::source::schema::{
    BodySpec, Kind, LocationSpec, MethodSpec, Node, OperationSpec, ScalarSpec, SchemaFile,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowers the operations of one schema file (those the profile selects) into `api`.
pub(super) fn lower_file(
    file: &SchemaFile,
    path: &Path,
    profile: &Profile,
    api: &mut Api,
) -> Result<()> {
    let mut lowering = Lowering {
        file,
        root: Origin::root(path),
        api,
        profile,
        visiting: Vec::new(),
        recursive: BTreeMap::new(),
        depth: 0,
        lowered: BTreeMap::new(),
    };
    for (index, spec) in file.operations.iter().enumerate() {
        let selected = profile
            .operations
            .as_ref()
            .is_none_or(|ids| ids.contains(&spec.id));
        if selected {
            let origin = lowering.root.child("operations").child(&index.to_string());
            let operation = lowering.operation(spec, origin)?;
            super::insert_operation(lowering.api, operation)?;
        }
    }
    Ok(())
}

struct Lowering<'a> {
    file: &'a SchemaFile,
    root: Origin,
    api: &'a mut Api,
    profile: &'a Profile,
    /// Named types being lowered, outermost first, to stop at a recursive `ref`.
    visiting: Vec<String>,
    /// Named types being lowered that a `ref` inside them pointed back to, with the chain of
    /// named types that led there (`A`, `B`, `A`).
    recursive: BTreeMap<String, Vec<String>>,
    /// How deep the node being lowered is, counting inline nesting and `ref`s alike.
    depth: usize,
    /// Named types already lowered, with their docs: each is lowered once, however often it is
    /// referred to (a type referring to the one before it twice would otherwise cost 2^n).
    lowered: BTreeMap<String, (TypeRef, Docs)>,
}

/// The deepest a type may nest, inline and through `ref`s together: far beyond any API, and
/// shallow enough that lowering never runs out of stack.
const MAX_DEPTH: usize = 64;

impl Lowering<'_> {
    fn operation(&mut self, spec: &OperationSpec, origin: Origin) -> Result<Operation> {
        let id = spec.id.as_str();
        let mut body_fields = Vec::new();
        let mut params = Vec::new();
        for (index, node) in spec.params.iter().enumerate() {
            let at = origin.child("params").child(&index.to_string());
            match node.location.unwrap_or(LocationSpec::Body) {
                LocationSpec::Body => body_fields.push((node, at)),
                location => params.push(self.param(id, node, location, at)?),
            }
        }
        params.sort_by(|a, b| a.name.wire.cmp(&b.name.wire));
        let body = match spec.body {
            BodySpec::None if !body_fields.is_empty() => {
                return Err(invalid(
                    &origin.child("body"),
                    "is `none` but some params travel in the body",
                ));
            }
            BodySpec::None => None,
            BodySpec::Json => {
                Some(self.body(id, BodyEncoding::Json, body_fields, spec.signed, &origin)?)
            }
            BodySpec::Form => {
                Some(self.body(id, BodyEncoding::Form, body_fields, spec.signed, &origin)?)
            }
        };
        let response = self.node(
            &spec.response,
            &origin.child("response"),
            TypeName::joined(&[id, "Response"]),
        )?;
        let parts = body
            .as_ref()
            .map(|(body, fields)| (fields.clone(), body.signer_fields.as_slice()));
        let request = super::request_struct(
            self.api,
            id,
            TypeName::joined(&[id, "Request"]),
            parts,
            &params,
            Docs::default(),
            origin.child("params"),
        )?;
        let body = body.map(|(body, _)| body);
        let rate_limit = spec
            .rate_limit
            .as_ref()
            .map(|limit| super::rate_limit(limit, origin.child("rate_limit")))
            .transpose()?;
        Ok(Operation {
            id: id.to_owned(),
            method: match spec.method {
                MethodSpec::Get => HttpMethod::Get,
                MethodSpec::Post => HttpMethod::Post,
                MethodSpec::Put => HttpMethod::Put,
                MethodSpec::Patch => HttpMethod::Patch,
                MethodSpec::Delete => HttpMethod::Delete,
            },
            path: spec.path.clone(),
            host: None,
            docs: Docs {
                summary: Some(spec.summary.clone()),
                description: spec.description.clone(),
            },
            permissions: spec.permission.clone(),
            rate_limit,
            success_means: spec.success_means.clone(),
            params,
            body,
            request,
            response: response.0,
            response_docs: response.1,
            response_nullable: false,
            error: None,
            signer_params: Vec::new(),
            signed: spec.signed,
            security: Vec::new(),
            response_body: crate::ir::ResponseBody::Json,
            origin,
        })
    }

    fn param(
        &mut self,
        id: &str,
        node: &Node,
        location: LocationSpec,
        origin: Origin,
    ) -> Result<Param> {
        let wire = field_name(node, &origin)?;
        let (ty, docs) = self.node(node, &origin, TypeName::joined(&[id, wire]))?;
        Ok(Param {
            // Schema files have scalars and arrays of them: OpenAPI's default styles.
            style: match location {
                LocationSpec::Query => xgen_runtime::ParamStyle::Form,
                _ => xgen_runtime::ParamStyle::Simple,
            },
            explode: true,
            name: FieldName::from_wire(wire),
            location: match location {
                LocationSpec::Query => ParamLocation::Query,
                LocationSpec::Path => ParamLocation::Path,
                LocationSpec::Header | LocationSpec::Body => ParamLocation::Header,
            },
            ty,
            required: node.required || location == LocationSpec::Path,
            docs,
            origin,
        })
    }

    /// The request struct: body params minus the fields the signer owns.
    fn body(
        &mut self,
        id: &str,
        encoding: BodyEncoding,
        fields: Vec<(&Node, Origin)>,
        signed: bool,
        origin: &Origin,
    ) -> Result<(RequestBody, Vec<Field>)> {
        let mut signer_fields = Vec::new();
        let mut caller_fields = Vec::new();
        for (node, at) in fields {
            let wire = field_name(node, &at)?;
            if self.profile.signer_fields.iter().any(|f| f == wire) {
                let (ty, _) = self.node(node, &at, TypeName::joined(&[id, wire]))?;
                signer_fields.push(SignerField {
                    location: xgen_runtime::ParamLocation::Body,
                    wire: wire.to_owned(),
                    ty,
                });
            } else {
                caller_fields.push((node, at));
            }
        }
        if signed {
            if let Some(missing) = self
                .profile
                .signer_fields
                .iter()
                .find(|f| !signer_fields.iter().any(|s| &s.wire == *f))
            {
                return Err(invalid(
                    &origin.child("params"),
                    &format!("the signed body has no '{missing}' param, which the profile says the signer fills in"),
                ));
            }
        }
        signer_fields.sort_by(|a, b| a.wire.cmp(&b.wire));
        let name = TypeName::joined(&[id, "Request"]);
        let strukt = self.structure(&name, &caller_fields)?;
        Ok((
            RequestBody {
                encoding,
                signer_fields,
                whole: None,
                raw_media_type: None,
            },
            strukt.fields,
        ))
    }

    fn structure(&mut self, name: &TypeName, fields: &[(&Node, Origin)]) -> Result<Struct> {
        let mut sorted = Vec::with_capacity(fields.len());
        let mut seen = BTreeSet::new();
        for (node, at) in fields {
            let wire = field_name(node, at)?;
            if !seen.insert(wire) {
                return Err(invalid(at, &format!("field '{wire}' is listed twice")));
            }
            sorted.push((wire, *node, at));
        }
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut names: Vec<FieldName> = sorted
            .iter()
            .map(|(wire, _, _)| FieldName::from_wire(wire))
            .collect();
        FieldName::dedupe(&mut names);
        let mut out = Vec::with_capacity(sorted.len());
        for ((wire, node, at), field_name) in sorted.into_iter().zip(names) {
            let (ty, docs) = self.node(node, at, TypeName::joined(&[name.as_str(), wire]))?;
            out.push(Field {
                name: field_name,
                ty,
                required: node.required,
                nullable: node.nullable,
                boxed: false,
                docs,
                origin: at.clone(),
            });
        }
        Ok(Struct {
            fields: out,
            additional: None,
        })
    }

    /// Lowers a node's type; `name` is used if it needs a named type of its own.
    fn node(&mut self, node: &Node, origin: &Origin, name: TypeName) -> Result<(TypeRef, Docs)> {
        if self.depth >= MAX_DEPTH {
            return Err(invalid(
                origin,
                &format!(
                    "nests types more than {MAX_DEPTH} levels deep (inline and through `ref`s), \
                     which no API needs"
                ),
            ));
        }
        self.depth += 1;
        let lowered = self.node_within(node, origin, name);
        self.depth -= 1;
        lowered
    }

    fn node_within(
        &mut self,
        node: &Node,
        origin: &Origin,
        name: TypeName,
    ) -> Result<(TypeRef, Docs)> {
        let docs = Docs {
            summary: None,
            description: node.description.clone(),
        };
        let name = node.title.as_deref().map_or(name, TypeName::from_spec);
        let ty = match (node.kind, &node.reference) {
            (Some(_), Some(_)) => {
                return Err(invalid(origin, "has both `type` and `ref`; give one"))
            }
            (None, None) => return Err(invalid(origin, "has neither `type` nor `ref`")),
            (None, Some(reference)) => return self.reference(reference, origin, docs),
            (Some(kind), None) => kind,
        };
        self.refuse_keys_for(node, ty, origin)?;
        let primitive = |p| Ok((TypeRef::Primitive(p), docs.clone()));
        match ty {
            Kind::String => primitive(Primitive::String),
            Kind::Integer => primitive(Primitive::I64),
            Kind::Int32 => primitive(Primitive::I32),
            Kind::Number => primitive(Primitive::F64),
            Kind::Decimal => primitive(Primitive::DecimalString),
            Kind::Boolean => primitive(Primitive::Bool),
            Kind::Any => Ok((TypeRef::Any, docs)),
            Kind::Array => {
                let items = node
                    .items
                    .as_deref()
                    .ok_or_else(|| invalid(origin, "is an `array` without `items`"))?;
                let item_name = TypeName::joined(&[name.as_str(), "Item"]);
                let (item, _) = self.node(items, &origin.child("items"), item_name)?;
                Ok((TypeRef::Array(Box::new(item)), docs))
            }
            Kind::Map => {
                let value = node
                    .value
                    .as_deref()
                    .ok_or_else(|| invalid(origin, "is a `map` without `value`"))?;
                let value_name = TypeName::joined(&[name.as_str(), "Value"]);
                let (value, _) = self.node(value, &origin.child("value"), value_name)?;
                Ok((TypeRef::Map(Box::new(value)), docs))
            }
            Kind::Object => {
                let fields = node
                    .fields
                    .as_deref()
                    .ok_or_else(|| invalid(origin, "is an `object` without `fields`"))?;
                let at: Vec<(&Node, Origin)> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f, origin.child("fields").child(&i.to_string())))
                    .collect();
                let strukt = self.structure(&name, &at)?;
                let def = TypeDef {
                    name,
                    docs: docs.clone(),
                    origin: origin.clone(),
                    kind: TypeKind::Struct(strukt),
                };
                Ok((TypeRef::Named(define_type(self.api, def)?), docs))
            }
            Kind::Enum => self.enumeration(node, origin, name, docs),
            Kind::OneOf => self.union(node, origin, name, docs),
        }
    }

    /// Keys that belong to another type are mistakes the reader should hear about.
    fn refuse_keys_for(&self, node: &Node, kind: Kind, origin: &Origin) -> Result<()> {
        let present = [
            ("fields", node.fields.is_some(), Kind::Object),
            ("items", node.items.is_some(), Kind::Array),
            ("value", node.value.is_some(), Kind::Map),
            ("values", node.values.is_some(), Kind::Enum),
            ("one_of", node.one_of.is_some(), Kind::OneOf),
        ];
        match present
            .iter()
            .find(|(_, is_there, owner)| *is_there && *owner != kind)
        {
            Some((key, _, _)) => Err(invalid(
                origin,
                &format!("has `{key}`, which a `{}` does not take", kind_name(kind)),
            )),
            None => Ok(()),
        }
    }

    fn reference(
        &mut self,
        reference: &str,
        origin: &Origin,
        use_docs: Docs,
    ) -> Result<(TypeRef, Docs)> {
        let file = self.file;
        let Some((key, target)) = file.types.get_key_value(reference) else {
            let known: Vec<&str> = file.types.keys().map(String::as_str).collect();
            let known = if known.is_empty() {
                "the file has no `types`".to_owned()
            } else {
                format!("it has: {}", known.join(", "))
            };
            return Err(invalid(
                &origin.child("ref"),
                &format!("'{reference}' is not a type in this file's `types` ({known})"),
            ));
        };
        // The name `node` gives it, so a recursive `ref` names the same type.
        let name = target
            .title
            .as_deref()
            .map_or_else(|| TypeName::from_spec(key), TypeName::from_spec);
        if let Some((ty, target_docs)) = self.lowered.get(key) {
            let docs = match use_docs.description.is_some() {
                true => use_docs,
                false => target_docs.clone(),
            };
            return Ok((ty.clone(), docs));
        }
        if let Some(start) = self.visiting.iter().position(|k| k == key) {
            let mut chain = self.visiting[start..].to_vec();
            chain.push(key.clone());
            self.recursive.entry(key.clone()).or_insert(chain);
            return Ok((TypeRef::Named(name), use_docs));
        }
        let at = self.root.child("types").child(key);
        self.visiting.push(key.clone());
        let lowered = self.node(target, &at, name.clone());
        self.visiting.pop();
        let cycle = self.recursive.remove(key);
        let (mut ty, target_docs) = lowered?;
        if let Some(chain) = cycle {
            // A `ref` inside pointed back here. If the type got no name of its own (an array or a
            // map of itself), it needs one; if every step was a bare `ref`, it has no shape.
            if ty == TypeRef::Named(name.clone()) && !self.api.types.contains_key(&name) {
                return Err(invalid(
                    &at,
                    &format!(
                        "is only a `ref` to itself ({}), so it has no shape; give one of them a `type`",
                        chain.join(" → ")
                    ),
                ));
            }
            ty = super::define_recursive(self.api, name, ty, target_docs.clone(), at)?;
        }
        self.lowered
            .insert(key.clone(), (ty.clone(), target_docs.clone()));
        let docs = if use_docs.description.is_some() {
            use_docs
        } else {
            target_docs
        };
        Ok((ty, docs))
    }

    fn enumeration(
        &mut self,
        node: &Node,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<(TypeRef, Docs)> {
        let values = node
            .values
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid(origin, "is an `enum` without `values`"))?;
        let repr = match values[0].value {
            ScalarSpec::Integer(_) => EnumRepr::Integer,
            ScalarSpec::String(_) => EnumRepr::String,
        };
        let mut variants = Vec::with_capacity(values.len());
        for (index, spec) in values.iter().enumerate() {
            let value = match (&spec.value, repr) {
                (ScalarSpec::Integer(n), EnumRepr::Integer) => EnumValue::Integer(*n),
                (ScalarSpec::String(s), EnumRepr::String) => EnumValue::String(s.clone()),
                _ => {
                    let at = origin.child("values").child(&index.to_string());
                    return Err(invalid(
                        &at,
                        "mixes strings and integers; an enum's values are all one or the other",
                    ));
                }
            };
            let docs = Docs {
                summary: None,
                description: spec.description.clone(),
            };
            let name = TypeName::variant(spec.name.as_deref().unwrap_or(&value.to_string()));
            variants.push(EnumVariant { name, value, docs });
        }
        let mut names: Vec<TypeName> = variants.iter().map(|v| v.name.clone()).collect();
        TypeName::dedupe(&mut names);
        for (variant, name) in variants.iter_mut().zip(names) {
            variant.name = name;
        }
        let fallback = super::fallback_variant(&variants);
        let def = TypeDef {
            name,
            docs: docs.clone(),
            origin: origin.clone(),
            kind: TypeKind::Enum(Enum {
                repr,
                variants,
                fallback: Some(fallback),
            }),
        };
        Ok((TypeRef::Named(define_type(self.api, def)?), docs))
    }

    fn union(
        &mut self,
        node: &Node,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<(TypeRef, Docs)> {
        let shapes = node
            .one_of
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid(origin, "is a `one-of` without `one_of`"))?;
        let mut variants = Vec::with_capacity(shapes.len());
        for (index, shape) in shapes.iter().enumerate() {
            let label = shape
                .title
                .clone()
                .or_else(|| shape.reference.clone())
                .unwrap_or_else(|| shape.kind.map_or("Variant", kind_label).to_owned());
            let at = origin.child("one_of").child(&index.to_string());
            let (ty, _) = self.node(shape, &at, TypeName::joined(&[name.as_str(), &label]))?;
            variants.push(UnionVariant {
                name: TypeName::variant(&label),
                ty,
                boxed: false,
            });
        }
        let mut names: Vec<TypeName> = variants.iter().map(|v| v.name.clone()).collect();
        TypeName::dedupe(&mut names);
        for (variant, name) in variants.iter_mut().zip(names) {
            variant.name = name;
        }
        let def = TypeDef {
            name,
            docs: docs.clone(),
            origin: origin.clone(),
            kind: TypeKind::Union(Union {
                variants,
                tag: None,
            }),
        };
        Ok((TypeRef::Named(define_type(self.api, def)?), docs))
    }
}

fn field_name<'n>(node: &'n Node, origin: &Origin) -> Result<&'n str> {
    node.name
        .as_deref()
        .ok_or_else(|| invalid(origin, "has no `name`"))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "string",
        Kind::Integer => "integer",
        Kind::Int32 => "int32",
        Kind::Number => "number",
        Kind::Decimal => "decimal",
        Kind::Boolean => "boolean",
        Kind::Object => "object",
        Kind::Array => "array",
        Kind::Map => "map",
        Kind::Enum => "enum",
        Kind::OneOf => "one-of",
        Kind::Any => "any",
    }
}

/// A union variant's name for an untitled inline shape: its JSON type, as the OpenAPI
/// front-end names them.
fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::String | Kind::Decimal => "String",
        Kind::Integer | Kind::Int32 => "Integer",
        Kind::Number => "Number",
        Kind::Boolean => "Boolean",
        Kind::Array => "List",
        Kind::Map => "Map",
        Kind::Object | Kind::Enum | Kind::OneOf | Kind::Any => "Variant",
    }
}

fn invalid(origin: &Origin, message: &str) -> Error {
    Error::Invalid {
        origin: origin.clone(),
        message: message.to_owned(),
    }
}
