//! OpenAPI 3.0 to IR: references, schemas, operations, bodies and the envelope's payload.
//!
//! Anonymous types are named from spec identifiers (the operation id, the enclosing type and the
//! property), never from counters, so adding a property elsewhere never renames a type.

use super::{define_type, split_permissions};
use crate::error::{Error, Result};
use crate::ir::{
    Api, ApiKeyLocation, AuthKind, AuthScheme, BodyEncoding, Docs, Enum, EnumRepr, EnumValue,
    EnumVariant, Field, FieldName, HttpMethod, Operation, Origin, Param, ParamLocation, Primitive,
    RequestBody, SignerField, Struct, TypeDef, TypeKind, TypeName, TypeRef, Union, UnionVariant,
};
use crate::source::profile::Profile;
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, OpenAPI, Parameter, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type, VariantOrUnknownOrEmpty,
};
use std::collections::BTreeSet;
use std::path::Path;
use xgen_runtime::registry::Credentials;

const SCHEMA_PREFIX: &str = "#/components/schemas/";
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Lowers the operations of one OpenAPI document (those the profile selects) into `api`.
pub(super) fn lower_document(
    document: &OpenAPI,
    path: &Path,
    profile: &Profile,
    api: &mut Api,
) -> Result<()> {
    if api.docs.summary.is_none() {
        api.docs.summary = Some(document.info.title.clone());
    }
    let mut lowering = Lowering {
        document,
        root: Origin::root(path),
        api,
        profile,
        visiting: BTreeSet::new(),
    };
    lowering.operations()
}

struct Lowering<'a> {
    document: &'a OpenAPI,
    root: Origin,
    api: &'a mut Api,
    profile: &'a Profile,
    /// Components being lowered, to stop at a recursive reference.
    visiting: BTreeSet<String>,
}

/// A request body, and the fields the caller sets in it.
struct LoweredBody {
    body: RequestBody,
    fields: Vec<Field>,
    docs: Docs,
    origin: Origin,
}

/// A lowered use of a schema, with what the use site needs to know about it.
struct Lowered {
    ty: TypeRef,
    nullable: bool,
    docs: Docs,
}

/// The properties of an object schema, with everything `allOf` contributed merged in.
#[derive(Default)]
struct ObjectShape<'s> {
    properties: IndexMap<String, (&'s ReferenceOr<Box<Schema>>, Origin)>,
    required: BTreeSet<String>,
    additional: Option<(&'s AdditionalProperties, Origin)>,
}

impl<'a> Lowering<'a> {
    fn operations(&mut self) -> Result<()> {
        let document = self.document;
        let base_path = self.base_path()?;
        for (path, item) in document.paths.paths.iter() {
            let origin = self.root.child("paths").child(path);
            let ReferenceOr::Item(item) = item else {
                return Err(unsupported(&origin, "a `$ref` path item"));
            };
            for (method, operation) in item.iter() {
                let origin = origin.child(method);
                let Some(id) = operation.operation_id.as_deref() else {
                    return Err(Error::Invalid {
                        origin,
                        message:
                            "the operation has no operationId, which xgen names its method after"
                                .to_owned(),
                    });
                };
                if !self.selected(id) {
                    continue;
                }
                let method = http_method(method, &origin)?;
                let full_path = format!("{base_path}{path}");
                let lowered =
                    self.operation(id, method, full_path, operation, &item.parameters, origin)?;
                super::insert_operation(self.api, lowered)?;
            }
        }
        Ok(())
    }

    fn selected(&self, id: &str) -> bool {
        self.profile
            .operations
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|s| s == id))
    }

    /// The path part of the first server URL (`https://api.kraken.com/0` gives `/0`): the base
    /// URL itself comes from the profile, per environment.
    fn base_path(&self) -> Result<String> {
        let Some(server) = self.document.servers.first() else {
            return Ok(String::new());
        };
        let origin = self.root.child("servers").child("0").child("url");
        if server.url.contains('{') {
            return Err(unsupported(&origin, "server URL variables"));
        }
        let after_scheme = server
            .url
            .split_once("://")
            .map_or(server.url.as_str(), |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
        Ok(path.trim_end_matches('/').to_owned())
    }

    fn operation(
        &mut self,
        id: &str,
        method: HttpMethod,
        path: String,
        operation: &openapiv3::Operation,
        shared_params: &[ReferenceOr<Parameter>],
        origin: Origin,
    ) -> Result<Operation> {
        let (description, permissions) = match operation.description.as_deref() {
            Some(text) => split_permissions(text),
            None => (None, None),
        };
        let security = operation
            .security
            .as_ref()
            .or(self.document.security.as_ref());
        let signed = security.is_some_and(|reqs| reqs.iter().any(|req| !req.is_empty()));
        let security = match self.api.profile.signing.credentials {
            Credentials::PerAuthScheme => {
                let at = match operation.security {
                    Some(_) => origin.child("security"),
                    None => self.root.child("security"),
                };
                self.security(security, &at)?
            }
            Credentials::Fixed(_) => Vec::new(),
        };
        let params = self.parameters(id, shared_params, &operation.parameters, &origin)?;
        let body = match &operation.request_body {
            Some(body) => {
                Some(self.request_body(id, body, signed, &origin.child("requestBody"))?)
            }
            None => None,
        };
        if signed && body.is_none() && !self.profile.signer_fields.is_empty() {
            return Err(Error::Invalid {
                origin,
                message: format!(
                    "the operation is signed but has no body for the signer's fields ({})",
                    self.profile.signer_fields.join(", ")
                ),
            });
        }
        let (response, response_docs) = self.response(id, operation, &origin.child("responses"))?;
        let (body, request) = match body {
            Some(LoweredBody {
                body,
                fields,
                docs,
                origin,
            }) => {
                let parts = Some((fields, body.signer_fields.as_slice()));
                let request = super::request_struct(self.api, id, parts, &params, docs, origin)?;
                (Some(body), request)
            }
            None => {
                let docs = Docs::default();
                let at = origin.child("parameters");
                (
                    None,
                    super::request_struct(self.api, id, None, &params, docs, at)?,
                )
            }
        };
        Ok(Operation {
            id: id.to_owned(),
            method,
            path,
            docs: Docs {
                summary: operation.summary.clone(),
                description,
            },
            permissions,
            rate_limit: None,
            success_means: None,
            params,
            body,
            request,
            response,
            response_docs,
            signed,
            security,
            origin,
        })
    }

    /// The operation's security alternatives as scheme names, each scheme lowered into
    /// [`ClientProfile::auth_schemes`](crate::ir::ClientProfile::auth_schemes) on first use.
    fn security(
        &mut self,
        requirements: Option<&Vec<openapiv3::SecurityRequirement>>,
        at: &Origin,
    ) -> Result<Vec<Vec<String>>> {
        let Some(requirements) = requirements else {
            return Ok(Vec::new());
        };
        let mut alternatives = Vec::new();
        for (index, requirement) in requirements.iter().enumerate() {
            let mut names = Vec::new();
            for name in requirement.keys() {
                self.auth_scheme(name, &at.child(&index.to_string()).child(name))?;
                names.push(name.clone());
            }
            alternatives.push(names);
        }
        Ok(alternatives)
    }

    /// Lowers the security scheme `name` (once) into the profile's auth schemes.
    fn auth_scheme(&mut self, name: &str, used_at: &Origin) -> Result<()> {
        let origin = self
            .root
            .child("components")
            .child("securitySchemes")
            .child(name);
        let scheme = self
            .document
            .components
            .as_ref()
            .and_then(|c| c.security_schemes.get(name));
        let scheme = match scheme {
            Some(ReferenceOr::Item(scheme)) => scheme,
            Some(ReferenceOr::Reference { .. }) => {
                return Err(unsupported(&origin, "a `$ref` security scheme"))
            }
            None => {
                return Err(Error::Invalid {
                    origin: used_at.clone(),
                    message: format!(
                        "security scheme '{name}' is not declared under components/securitySchemes"
                    ),
                })
            }
        };
        let kind = match scheme {
            openapiv3::SecurityScheme::APIKey { location, name, .. } => AuthKind::ApiKey {
                location: match location {
                    openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                    openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                    openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                },
                param: name.clone(),
            },
            openapiv3::SecurityScheme::HTTP { scheme, .. }
                if scheme.eq_ignore_ascii_case("bearer") =>
            {
                AuthKind::Bearer
            }
            openapiv3::SecurityScheme::HTTP { scheme, .. }
                if scheme.eq_ignore_ascii_case("basic") =>
            {
                AuthKind::Basic
            }
            openapiv3::SecurityScheme::HTTP { scheme, .. } => {
                return Err(unsupported(
                    &origin.child("scheme"),
                    &format!("the HTTP authentication scheme '{scheme}' (bearer and basic are)"),
                ))
            }
            // An OAuth 2 or OpenID Connect access token travels as a bearer token (RFC 6750);
            // obtaining one is the caller's business.
            openapiv3::SecurityScheme::OAuth2 { .. }
            | openapiv3::SecurityScheme::OpenIDConnect { .. } => AuthKind::Bearer,
        };
        let lowered = AuthScheme {
            name: name.to_owned(),
            kind,
            origin,
        };
        match self.api.profile.auth_schemes.get(name) {
            Some(existing) if existing.kind != lowered.kind => Err(Error::Invalid {
                origin: lowered.origin,
                message: format!(
                    "security scheme '{name}' is declared differently at {}",
                    existing.origin
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.api
                    .profile
                    .auth_schemes
                    .insert(name.to_owned(), lowered);
                Ok(())
            }
        }
    }

    fn parameters(
        &mut self,
        id: &str,
        shared: &[ReferenceOr<Parameter>],
        own: &[ReferenceOr<Parameter>],
        origin: &Origin,
    ) -> Result<Vec<Param>> {
        let mut params = Vec::new();
        let shared = shared
            .iter()
            .enumerate()
            .map(|(i, p)| (p, origin.parent().child("parameters").child(&i.to_string())));
        let own = own
            .iter()
            .enumerate()
            .map(|(i, p)| (p, origin.child("parameters").child(&i.to_string())));
        for (param, origin) in shared.chain(own) {
            let ReferenceOr::Item(param) = param else {
                return Err(unsupported(&origin, "a `$ref` parameter"));
            };
            let (location, data) = match param {
                Parameter::Query { parameter_data, .. } => (ParamLocation::Query, parameter_data),
                Parameter::Path { parameter_data, .. } => (ParamLocation::Path, parameter_data),
                Parameter::Header { parameter_data, .. } => (ParamLocation::Header, parameter_data),
                Parameter::Cookie { .. } => return Err(unsupported(&origin, "cookie parameters")),
            };
            let openapiv3::ParameterSchemaOrContent::Schema(schema) = &data.format else {
                return Err(unsupported(&origin, "a parameter described by `content`"));
            };
            let name = TypeName::joined(&[id, &data.name]);
            let lowered = self.schema_ref(schema, &origin.child("schema"), name)?;
            params.retain(|p: &Param| !(p.name.wire == data.name && p.location == location));
            params.push(Param {
                name: FieldName::from_wire(&data.name),
                location,
                ty: lowered.ty,
                required: data.required || location == ParamLocation::Path,
                docs: Docs {
                    summary: None,
                    description: data.description.clone().or(lowered.docs.description),
                },
                origin,
            });
        }
        params.sort_by(|a, b| a.name.wire.cmp(&b.name.wire));
        let mut names: Vec<FieldName> = params.iter().map(|p| p.name.clone()).collect();
        FieldName::dedupe(&mut names);
        for (param, name) in params.iter_mut().zip(names) {
            param.name = name;
        }
        Ok(params)
    }

    fn request_body(
        &mut self,
        id: &str,
        body: &ReferenceOr<openapiv3::RequestBody>,
        signed: bool,
        origin: &Origin,
    ) -> Result<LoweredBody> {
        let ReferenceOr::Item(body) = body else {
            return Err(unsupported(origin, "a `$ref` request body"));
        };
        let content = origin.child("content");
        let (encoding, media) = if let Some(media) = body.content.get(JSON) {
            (BodyEncoding::Json, (media, content.child(JSON)))
        } else if let Some(media) = body.content.get(FORM) {
            (BodyEncoding::Form, (media, content.child(FORM)))
        } else {
            let found: Vec<&str> = body.content.keys().map(String::as_str).collect();
            return Err(unsupported(
                origin,
                &format!("request bodies of type {}", found.join(", ")),
            ));
        };
        let (media, media_origin) = media;
        let schema_origin = media_origin.child("schema");
        let Some(schema) = &media.schema else {
            return Err(Error::Invalid {
                origin: media_origin,
                message: "the body has no schema".to_owned(),
            });
        };
        let (schema, schema_origin) = self.resolve(schema, &schema_origin)?;
        let mut shape = ObjectShape::default();
        self.collect_object(schema, &schema_origin, &mut shape)?;
        if shape.properties.is_empty() && shape.additional.is_none() && !is_object(schema) {
            return Err(Error::Invalid {
                origin: schema_origin,
                message: "the body is not an object".to_owned(),
            });
        }
        let mut signer_fields = Vec::new();
        for wire in &self.profile.signer_fields {
            match shape.properties.shift_remove(wire) {
                Some((property, at)) => {
                    let lowered = self.schema_ref(property, &at, TypeName::joined(&[id, wire]))?;
                    signer_fields.push(SignerField {
                        wire: wire.clone(),
                        ty: lowered.ty,
                    });
                }
                None if signed => {
                    return Err(Error::Invalid {
                        origin: schema_origin,
                        message: format!("the signed body has no '{wire}' property, which the profile says the signer fills in"),
                    });
                }
                None => {}
            }
        }
        signer_fields.sort_by(|a, b| a.wire.cmp(&b.wire));
        let name = TypeName::joined(&[id, "Request"]);
        let strukt = self.structure(&name, shape)?;
        let body = RequestBody {
            encoding,
            signer_fields,
        };
        Ok(LoweredBody {
            body,
            fields: strukt.fields,
            docs: schema_docs(schema),
            origin: schema_origin,
        })
    }

    /// The payload type of the first 2xx response, inside the profile's envelope.
    fn response(
        &mut self,
        id: &str,
        operation: &openapiv3::Operation,
        origin: &Origin,
    ) -> Result<(TypeRef, Docs)> {
        let success =
            operation
                .responses
                .responses
                .iter()
                .find_map(|(code, response)| match code {
                    StatusCode::Code(c @ 200..=299) => Some((c.to_string(), response)),
                    _ => None,
                });
        let Some((code, response)) = success else {
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: "no 2xx response is declared".to_owned(),
            });
        };
        let origin = origin.child(&code);
        let ReferenceOr::Item(response) = response else {
            return Err(unsupported(&origin, "a `$ref` response"));
        };
        let media_origin = origin.child("content").child(JSON);
        let Some(schema) = response.content.get(JSON).and_then(|m| m.schema.as_ref()) else {
            return Err(Error::Invalid {
                origin,
                message: "the success response has no application/json schema".to_owned(),
            });
        };
        let name = TypeName::joined(&[id, "Response"]);
        let media_schema = media_origin.child("schema");
        let Some(payload) = self.api.profile.envelope.payload_property else {
            // No envelope: the whole reply is the payload.
            let lowered = self.schema_ref(schema, &media_schema, name)?;
            return Ok((lowered.ty, lowered.docs));
        };
        let (schema, schema_origin) = self.resolve(schema, &media_schema)?;
        let mut shape = ObjectShape::default();
        self.collect_object(schema, &schema_origin, &mut shape)?;
        let Some((property, at)) = shape.properties.get(payload) else {
            return Err(Error::Invalid {
                origin: schema_origin,
                message: format!(
                    "the response has no '{payload}' property for the envelope to unwrap"
                ),
            });
        };
        let (property, at) = (*property, at.clone());
        let lowered = self.schema_ref(property, &at, name)?;
        Ok((lowered.ty, lowered.docs))
    }

    /// Follows a `#/components/schemas/...` reference to its schema and that schema's origin.
    fn resolve<'s, S: std::borrow::Borrow<Schema>>(
        &self,
        schema: &'s ReferenceOr<S>,
        origin: &Origin,
    ) -> Result<(&'s Schema, Origin)>
    where
        'a: 's,
    {
        match schema {
            ReferenceOr::Item(schema) => Ok((schema.borrow(), origin.clone())),
            ReferenceOr::Reference { reference } => {
                let (name, target) = self.component(reference, origin)?;
                let target_origin = self.root.child("components").child("schemas").child(name);
                Ok((target, target_origin))
            }
        }
    }

    fn component(&self, reference: &str, origin: &Origin) -> Result<(&'a str, &'a Schema)> {
        let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) else {
            return Err(unsupported(
                origin,
                &format!("$ref '{reference}' (only '{SCHEMA_PREFIX}...' in the same file)"),
            ));
        };
        let dangling = || Error::DanglingRef {
            origin: origin.child("$ref"),
            reference: reference.to_owned(),
        };
        let components = self.document.components.as_ref().ok_or_else(dangling)?;
        let (key, schema) = components
            .schemas
            .get_key_value(name)
            .ok_or_else(dangling)?;
        match schema {
            ReferenceOr::Item(schema) => Ok((key.as_str(), schema)),
            ReferenceOr::Reference { reference: next } => {
                let next_origin = self.root.child("components").child("schemas").child(name);
                self.component(next, &next_origin)
            }
        }
    }

    /// Lowers a schema or reference; `name` is used if it needs a named type of its own.
    fn schema_ref<S: std::borrow::Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        origin: &Origin,
        name: TypeName,
    ) -> Result<Lowered> {
        match schema {
            ReferenceOr::Item(schema) => self.schema(schema.borrow(), origin, name),
            ReferenceOr::Reference { reference } => {
                let (component, target) = self.component(reference, origin)?;
                let component_name = TypeName::from_spec(component);
                if !self.visiting.insert(component.to_owned()) {
                    // A recursive reference: the outer lowering defines the type.
                    return Ok(Lowered {
                        ty: TypeRef::Named(component_name),
                        nullable: false,
                        docs: schema_docs(target),
                    });
                }
                let target_origin = self
                    .root
                    .child("components")
                    .child("schemas")
                    .child(component);
                let lowered = self.schema(target, &target_origin, component_name);
                self.visiting.remove(component);
                lowered
            }
        }
    }

    fn schema(&mut self, schema: &Schema, origin: &Origin, name: TypeName) -> Result<Lowered> {
        let docs = schema_docs(schema);
        let nullable = schema.schema_data.nullable;
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let values: Vec<EnumValue> = s
                    .enumeration
                    .iter()
                    .flatten()
                    .cloned()
                    .map(EnumValue::String)
                    .collect();
                self.enumeration(name, EnumRepr::String, values, docs.clone(), origin)?
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::Primitive(Primitive::String),
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                let values: Vec<EnumValue> = i
                    .enumeration
                    .iter()
                    .flatten()
                    .copied()
                    .map(EnumValue::Integer)
                    .collect();
                self.enumeration(name, EnumRepr::Integer, values, docs.clone(), origin)?
            }
            SchemaKind::Type(Type::Integer(i)) => TypeRef::Primitive(match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Primitive::I32,
                _ => Primitive::I64,
            }),
            SchemaKind::Type(Type::Number(_)) => TypeRef::Primitive(Primitive::F64),
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Primitive(Primitive::Bool),
            SchemaKind::Type(Type::Array(array)) => {
                self.array(array.items.as_ref(), origin, &name)?
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => {
                self.object(schema, origin, name, docs.clone())?
            }
            SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => {
                self.union(variants, origin, name, docs.clone())?
            }
            SchemaKind::Not { .. } => return Err(unsupported(origin, "`not` schemas")),
            SchemaKind::Any(any) => self.loose(schema, any, origin, name, docs.clone())?,
        };
        Ok(Lowered { ty, nullable, docs })
    }

    /// A schema without a `type` (or mixing keywords): read by what it has.
    fn loose(
        &mut self,
        schema: &Schema,
        any: &openapiv3::AnySchema,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        if !any.one_of.is_empty() || !any.any_of.is_empty() || any.not.is_some() {
            return Err(unsupported(
                origin,
                "`oneOf`, `anyOf` or `not` mixed with other keywords",
            ));
        }
        if !any.properties.is_empty()
            || !any.all_of.is_empty()
            || any.typ.as_deref() == Some("object")
        {
            return self.object(schema, origin, name, docs);
        }
        if any.items.is_some() || any.typ.as_deref() == Some("array") {
            return self.array(any.items.as_ref(), origin, &name);
        }
        if !any.enumeration.is_empty() {
            let values: Option<Vec<EnumValue>> = any
                .enumeration
                .iter()
                .map(|v| v.as_str().map(|s| EnumValue::String(s.to_owned())))
                .collect();
            return match values {
                Some(values) => self.enumeration(name, EnumRepr::String, values, docs, origin),
                None => Err(unsupported(
                    origin,
                    "an `enum` of values that are not all strings, without a `type`",
                )),
            };
        }
        match any.typ.as_deref() {
            None => Ok(TypeRef::Any),
            Some(other) => Err(unsupported(
                origin,
                &format!("`type: {other}` with these keywords"),
            )),
        }
    }

    fn array(
        &mut self,
        items: Option<&ReferenceOr<Box<Schema>>>,
        origin: &Origin,
        name: &TypeName,
    ) -> Result<TypeRef> {
        let item = match items {
            Some(items) => {
                self.schema_ref(
                    items,
                    &origin.child("items"),
                    TypeName::joined(&[name.as_str(), "Item"]),
                )?
                .ty
            }
            None => TypeRef::Any,
        };
        Ok(TypeRef::Array(Box::new(item)))
    }

    /// An object: a struct if it lists properties, a map if it only allows additional ones.
    fn object(
        &mut self,
        schema: &Schema,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        let mut shape = ObjectShape::default();
        self.collect_object(schema, origin, &mut shape)?;
        if shape.properties.is_empty() {
            let value = match shape.additional {
                Some((AdditionalProperties::Schema(value), at)) => {
                    self.schema_ref(value, &at, TypeName::joined(&[name.as_str(), "Value"]))?
                        .ty
                }
                _ => TypeRef::Any,
            };
            return Ok(TypeRef::Map(Box::new(value)));
        }
        let strukt = self.structure(&name, shape)?;
        let def = TypeDef {
            name,
            docs,
            origin: origin.clone(),
            kind: TypeKind::Struct(strukt),
        };
        Ok(TypeRef::Named(define_type(self.api, def)?))
    }

    /// Gathers properties, required names and additional properties, following `allOf`.
    fn collect_object<'s>(
        &self,
        schema: &'s Schema,
        origin: &Origin,
        shape: &mut ObjectShape<'s>,
    ) -> Result<()>
    where
        'a: 's,
    {
        let (properties, required, additional) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                (&o.properties, &o.required, o.additional_properties.as_ref())
            }
            SchemaKind::Any(any) => (
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
            ),
            SchemaKind::AllOf { .. } => (&*EMPTY_PROPERTIES, &EMPTY_REQUIRED, None),
            _ => {
                return Err(unsupported(
                    origin,
                    "`allOf` with a part that is not an object",
                ))
            }
        };
        for (wire, property) in properties {
            shape.properties.insert(
                wire.clone(),
                (property, origin.child("properties").child(wire)),
            );
        }
        shape.required.extend(required.iter().cloned());
        if let Some(additional) = additional {
            shape.additional = Some((additional, origin.child("additionalProperties")));
        }
        let parts = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.as_slice(),
            SchemaKind::Any(any) => any.all_of.as_slice(),
            _ => &[],
        };
        for (index, part) in parts.iter().enumerate() {
            let (part, part_origin) =
                self.resolve(part, &origin.child("allOf").child(&index.to_string()))?;
            self.collect_object(part, &part_origin, shape)?;
        }
        Ok(())
    }

    fn structure(&mut self, name: &TypeName, shape: ObjectShape<'_>) -> Result<Struct> {
        let mut properties: Vec<_> = shape.properties.into_iter().collect();
        properties.sort_by(|a, b| a.0.cmp(&b.0));
        let mut names: Vec<FieldName> = properties
            .iter()
            .map(|(wire, _)| FieldName::from_wire(wire))
            .collect();
        FieldName::dedupe(&mut names);
        let mut fields = Vec::with_capacity(properties.len());
        for ((wire, (property, origin)), field_name) in properties.into_iter().zip(names) {
            let lowered =
                self.schema_ref(property, &origin, TypeName::joined(&[name.as_str(), &wire]))?;
            fields.push(Field {
                name: field_name,
                ty: lowered.ty,
                required: shape.required.contains(&wire),
                nullable: lowered.nullable,
                boxed: false,
                docs: lowered.docs,
                origin,
            });
        }
        let additional = match shape.additional {
            Some((AdditionalProperties::Schema(value), at)) => Some(
                self.schema_ref(value, &at, TypeName::joined(&[name.as_str(), "Value"]))?
                    .ty,
            ),
            Some((AdditionalProperties::Any(true), _)) => Some(TypeRef::Any),
            _ => None,
        };
        Ok(Struct { fields, additional })
    }

    fn enumeration(
        &mut self,
        name: TypeName,
        repr: EnumRepr,
        values: Vec<EnumValue>,
        docs: Docs,
        origin: &Origin,
    ) -> Result<TypeRef> {
        let mut names: Vec<TypeName> = values
            .iter()
            .map(|v| TypeName::variant(&v.to_string()))
            .collect();
        TypeName::dedupe(&mut names);
        let variants: Vec<EnumVariant> = values
            .into_iter()
            .zip(names)
            .map(|(value, name)| EnumVariant {
                name,
                value,
                docs: Docs::default(),
            })
            .collect();
        // Open everywhere: an exchange adding a value must not break a user's build or decode.
        let fallback = Some(super::fallback_variant(&variants));
        let kind = TypeKind::Enum(Enum {
            repr,
            variants,
            fallback,
        });
        let def = TypeDef {
            name,
            docs,
            origin: origin.clone(),
            kind,
        };
        Ok(TypeRef::Named(define_type(self.api, def)?))
    }

    fn union(
        &mut self,
        variants: &[ReferenceOr<Schema>],
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        let key = if origin.pointer.ends_with("anyOf") {
            "anyOf"
        } else {
            "oneOf"
        };
        let mut lowered = Vec::with_capacity(variants.len());
        for (index, variant) in variants.iter().enumerate() {
            let at = origin.child(key).child(&index.to_string());
            let label = match variant {
                ReferenceOr::Reference { reference } => {
                    reference.rsplit('/').next().unwrap_or("Variant").to_owned()
                }
                ReferenceOr::Item(schema) => variant_label(schema, index),
            };
            let ty = self
                .schema_ref(variant, &at, TypeName::joined(&[name.as_str(), &label]))?
                .ty;
            lowered.push((TypeName::variant(&label), ty));
        }
        let mut names: Vec<TypeName> = lowered.iter().map(|(n, _)| n.clone()).collect();
        TypeName::dedupe(&mut names);
        let variants = lowered
            .into_iter()
            .zip(names)
            .map(|((_, ty), name)| UnionVariant {
                name,
                ty,
                boxed: false,
            })
            .collect();
        let def = TypeDef {
            name,
            docs,
            origin: origin.clone(),
            kind: TypeKind::Union(Union { variants }),
        };
        Ok(TypeRef::Named(define_type(self.api, def)?))
    }
}

static EMPTY_PROPERTIES: std::sync::LazyLock<IndexMap<String, ReferenceOr<Box<Schema>>>> =
    std::sync::LazyLock::new(IndexMap::new);
static EMPTY_REQUIRED: Vec<String> = Vec::new();

/// A variant name for an inline union member, from its title or its JSON type.
fn variant_label(schema: &Schema, index: usize) -> String {
    if let Some(title) = &schema.schema_data.title {
        return title.clone();
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => "String".to_owned(),
        SchemaKind::Type(Type::Integer(_)) => "Integer".to_owned(),
        SchemaKind::Type(Type::Number(_)) => "Number".to_owned(),
        SchemaKind::Type(Type::Boolean(_)) => "Boolean".to_owned(),
        SchemaKind::Type(Type::Array(_)) => "List".to_owned(),
        // An untitled inline object has no spec name; its position is the only stable label.
        _ => format!("Variant{index}"),
    }
}

fn is_object(schema: &Schema) -> bool {
    matches!(schema.schema_kind, SchemaKind::Type(Type::Object(_)))
}

fn schema_docs(schema: &Schema) -> Docs {
    Docs {
        summary: schema.schema_data.title.clone(),
        description: schema.schema_data.description.clone(),
    }
}

fn http_method(method: &str, origin: &Origin) -> Result<HttpMethod> {
    Ok(match method {
        "get" => HttpMethod::Get,
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        other => return Err(unsupported(origin, &format!("the `{other}` method"))),
    })
}

fn unsupported(origin: &Origin, what: &str) -> Error {
    Error::Unsupported {
        origin: origin.clone(),
        what: what.to_owned(),
    }
}
