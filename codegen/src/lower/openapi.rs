//! OpenAPI 3.0 to IR: references (in the file and in files next to it), schemas, operations,
//! parameters, bodies, replies, security, and the envelope's payload.
//!
//! Published documents are imperfect, so the reading is lenient where nothing is lost (a `null`
//! description, a keyword that does not fit the type, an unknown `type` read as any JSON) and
//! an operation that uses something xgen cannot generate (a multipart body, a cookie parameter)
//! is left out with its reason ([`crate::ir::Skipped`]) unless the profile asked for it by
//! name. Broken documents (a dangling `$ref`, a path with no parameter for its `{name}`) are
//! errors naming the file and JSON pointer, every one of them, not only the first.
//!
//! Anonymous types are named from spec identifiers (the operation id, the enclosing type and
//! the property), never from counters, so adding a property elsewhere never renames a type.

use super::split_permissions;
use crate::error::{Error, Result};
use crate::ir::{
    Api, ApiKeyLocation, AuthKind, AuthScheme, BodyEncoding, Docs, Enum, EnumRepr, EnumValue,
    EnumVariant, Field, FieldName, HttpMethod, Operation, Origin, Param, ParamLocation, Primitive,
    Repair, RequestBody, ResponseBody, SignerField, Skipped, Struct, TypeDef, TypeKind, TypeName,
    TypeRef, Union, UnionTag, UnionVariant,
};
use crate::source::openapi::{Documents, Target};

use crate::source::profile::Profile;
use crate::source::yaml::{Node, Value};
use heck::{ToLowerCamelCase, ToSnakeCase};
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use xgen_runtime::registry::Credentials;
use xgen_runtime::ParamStyle;

const FORM: &str = "application/x-www-form-urlencoded";

const MULTIPART: &str = "multipart/form-data";

/// The request field that holds a body which is not an object of named fields.
const WHOLE_BODY: &str = "body";

/// `additionalProperties: true`, for a `type: object` that lists nothing.
static ANY_PROPERTIES: Node = Node {
    value: Value::Bool(true),
};

/// How deep `$ref`s may chain through each other while one is being lowered; deeper chains are
/// an error rather than a risk to the stack.
const MAX_REF_DEPTH: usize = 200;

/// How deeply objects written inside one another may nest; see `Lowering::object`.
const MAX_OBJECT_DEPTH: usize = crate::source::yaml::MAX_DEPTH / 2;

/// The HTTP methods a path item may hold, in the order OpenAPI lists them.
const METHODS: [(&str, Option<HttpMethod>); 8] = [
    ("get", Some(HttpMethod::Get)),
    ("put", Some(HttpMethod::Put)),
    ("post", Some(HttpMethod::Post)),
    ("delete", Some(HttpMethod::Delete)),
    ("options", None),
    ("head", None),
    ("patch", Some(HttpMethod::Patch)),
    ("trace", None),
];

/// Lowers the operations of one OpenAPI document (those the profile selects) into `api`.
pub(super) fn lower_document(
    documents: &Documents,
    profile: &Profile,
    api: &mut Api,
) -> Result<()> {
    let root = documents.root_node();
    if api.docs.summary.is_none() {
        api.docs.summary = root
            .get("info")
            .and_then(|info| info.get("title"))
            .and_then(Node::as_str)
            .map(str::to_owned);
    }
    let mut lowering = Lowering {
        documents,
        api,
        profile,
        refs: BTreeMap::new(),
        claimed: BTreeMap::new(),
        in_progress: Vec::new(),
        base_path: String::new(),
        object_depth: 0,
        signer_params: Vec::new(),
        added: Vec::new(),
    };
    lowering.claim_component_names();
    lowering.note_null_texts();
    lowering.base_url()?;
    lowering.operations()
}

/// One step of a path into a tree: a key, or an index into a sequence.
#[derive(Clone, Copy)]
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

/// The JSON pointer of `path`.
fn pointer_of(path: &[Step<'_>]) -> String {
    let mut pointer = String::new();
    for step in path {
        pointer.push('/');
        match step {
            Step::Key(key) => pointer.push_str(&crate::ir::pointer_segment(key)),
            Step::Index(index) => pointer.push_str(&index.to_string()),
        }
    }
    pointer
}

/// Calls `found` with the pointer and key of every `description`, `summary` or `title` that is
/// `null` below `node`, which is at `path`. Pointers are made only for what is found: a large
/// document has millions of nodes.
fn null_texts<'n>(node: &'n Node, path: &mut Vec<Step<'n>>, found: &mut dyn FnMut(String, &str)) {
    if let Some(items) = node.items() {
        for (index, item) in items.iter().enumerate() {
            path.push(Step::Index(index));
            null_texts(item, path, found);
            path.pop();
        }
        return;
    }
    let Some(entries) = node.entries() else {
        return;
    };
    let under = match path.last() {
        Some(Step::Key(key)) => *key,
        _ => "",
    };
    let keys_are_names = crate::source::openapi::NAME_MAPS.contains(&under);
    for entry in entries {
        let is_text_key = matches!(&*entry.key, "description" | "summary" | "title");
        path.push(Step::Key(&entry.key));
        if is_text_key && !keys_are_names && entry.value.value == Value::Null {
            found(pointer_of(path), &entry.key);
        } else if !entry.key.starts_with("x-") || keys_are_names {
            null_texts(&entry.value, path, found);
        }
        path.pop();
    }
}

/// What a parameter's value is, for the styles that can write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamShape {
    Scalar,
    Array,
    Object,
    /// An array of objects of scalars.
    Records,
}

impl ParamShape {
    fn word(self) -> &'static str {
        match self {
            ParamShape::Scalar => "scalar",
            ParamShape::Array => "array",
            ParamShape::Object => "object",
            ParamShape::Records => "array of objects",
        }
    }
}

/// Where a `$ref` points: a file and a pointer in it.
type RefKey = (PathBuf, String);

struct Lowering<'a> {
    documents: &'a Documents,
    api: &'a mut Api,
    profile: &'a Profile,
    /// Schemas reached by `$ref`, lowered once each.
    refs: BTreeMap<RefKey, Lowered>,
    /// Type names given to `$ref` targets, so two targets never share one.
    claimed: BTreeMap<TypeName, RefKey>,
    /// `$ref` targets being lowered, innermost last, and whether they were met again inside.
    in_progress: Vec<(RefKey, TypeName, bool)>,
    /// The first server URL's path, which every operation's path continues.
    base_path: String,
    /// How many objects the one being lowered is inside.
    object_depth: usize,
    /// The signer's fields the operation being lowered has as query or header parameters,
    /// which its body then need not have.
    signer_params: Vec<String>,
    /// What the operation being lowered added, so one that turns out to be unsupported can be
    /// taken back out.
    added: Vec<Added>,
}

/// A lowered use of a schema, with what the use site needs to know about it.
#[derive(Debug, Clone)]
struct Lowered {
    ty: TypeRef,
    nullable: bool,
    docs: Docs,
}

/// The properties of an object schema, with everything `allOf` contributed merged in.
#[derive(Default)]
struct ObjectShape<'n> {
    properties: IndexMap<String, (&'n Node, Origin)>,
    required: BTreeSet<String>,
    additional: Option<(&'n Node, Origin)>,
    /// Spec defects read on the way, for the caller to note.
    repairs: Vec<Repair>,
}

/// Where a walk through `allOf`s is: the references on the current path (a repeat is a
/// cycle), and every reference already merged (a repeat adds nothing).
#[derive(Default)]
struct AllOfWalk {
    path: Vec<RefKey>,
    merged: BTreeSet<RefKey>,
}

/// An entry an operation added to the shared state. Kept as a log rather than a copy of the
/// state before the operation: copying every type name for each of 12,000 operations made
/// lowering quadratic in the document.
enum Added {
    Type(TypeName),
    Ref(RefKey),
    Claim(TypeName),
    AuthScheme(String),
    /// The last of the API's repairs.
    Repair,
}

impl<'a> Lowering<'a> {
    // ----- documents and references -------------------------------------------------------

    fn root_origin(&self) -> Origin {
        Origin::root(&self.documents.root)
    }

    /// Component schemas keep their own names: claimed before any anonymous type can take one.
    fn claim_component_names(&mut self) {
        let Some(schemas) = self
            .documents
            .root_node()
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Node::entries)
        else {
            return;
        };
        for entry in schemas {
            let name = TypeName::from_spec(&entry.key);
            let key = (
                self.documents.root.clone(),
                format!(
                    "/components/schemas/{}",
                    crate::ir::pointer_segment(&entry.key)
                ),
            );
            self.claimed.entry(name).or_insert(key);
        }
    }

    /// Follows `$ref`s (of parameters, bodies, responses, path items, schemes) to the object
    /// they name; `node` itself if it is not a reference.
    fn deref<'n>(&self, node: &'n Node, origin: &Origin) -> Result<(&'n Node, Origin)>
    where
        'a: 'n,
    {
        // A `$ref` resolves against the file it is written in, which its origin names.
        let mut current = (node, origin.clone(), origin.file.to_path_buf());
        for _ in 0..MAX_REF_DEPTH {
            let Some(reference) = reference(current.0, &current.1)? else {
                return Ok((current.0, current.1));
            };
            let target = self.documents.resolve(&current.2, reference, &current.1)?;
            current = (target.node, target.origin(), target.file.to_owned());
        }
        Err(Error::Invalid {
            origin: origin.clone(),
            message: format!("$ref chains more than {MAX_REF_DEPTH} deep (a cycle?)"),
        })
    }

    /// The operation's id: the profile's naming extensions the operation has, joined (see
    /// [`joined_id`]), else its `operationId` (a number, as some documents write it, read as its
    /// digits).
    fn named_id(&self, operation: &Node) -> Option<String> {
        let text = |node: &Node| match &node.value {
            crate::source::yaml::Value::Str(text) if !text.trim().is_empty() => {
                Some(text.to_string())
            }
            crate::source::yaml::Value::Int(number) => Some(number.to_string()),
            _ => None,
        };
        let parts: Vec<String> = (self.profile.operation_names.0.iter())
            .filter_map(|key| operation.get(key).and_then(text))
            .collect();
        match parts.as_slice() {
            [] => operation.get("operationId").and_then(text),
            [one] => Some(one.clone()),
            more => Some(joined_id(more)),
        }
    }

    /// The host the profile's `host_by` extension names for the operation: `None` without that
    /// setting or that extension, and an error for a host the profile gives no URLs for, which
    /// would otherwise be sent to the wrong one.
    fn host(&self, operation: &Node, origin: &Origin) -> Result<Option<String>> {
        let Some(key) = self.profile.host_by.as_deref() else {
            return Ok(None);
        };
        let Some(node) = operation.get(key) else {
            return Ok(None);
        };
        match node.as_str() {
            Some(host) if self.profile.hosts.contains_key(host) => Ok(Some(host.to_owned())),
            _ => {
                let known: Vec<&str> = self.profile.hosts.keys().map(String::as_str).collect();
                Err(Error::Invalid {
                    origin: origin.child(key),
                    message: format!(
                        "`{key}` is {}, not a host the profile's `hosts` names ({})",
                        match node.as_str() {
                            Some(text) => format!("`{}`", crate::text::escape(text)),
                            None => node.kind().to_owned(),
                        },
                        known.join(", ")
                    ),
                })
            }
        }
    }

    /// The profile's signer fields that the operation has no query or header parameter for.
    fn unplaced_signer_fields(&self) -> impl Iterator<Item = &String> {
        (self.profile.signer_fields.iter()).filter(|wire| !self.signer_params.contains(*wire))
    }

    /// Whether a signed operation leaves the signer fields with no place outside a body of
    /// named fields: a signer that sets only what an operation declares (Binance's) needs no
    /// place for the rest; any other needs one for each field.
    fn signer_fields_lack_a_place(&self, signed: bool) -> bool {
        signed
            && !self.api.profile.signing.fields_where_declared
            && self.unplaced_signer_fields().next().is_some()
    }

    /// Whether the profile's `signed_when` says the operation is signed: `None` without that
    /// setting, when the operation's `security` decides.
    fn signed_by_profile(&self, operation: &Node) -> Result<Option<bool>> {
        if self.profile.signed_when.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.profile.signed_when.iter().any(|(key, value)| {
            operation.get(key).and_then(Node::as_str) == Some(value.as_str())
        })))
    }

    /// Notes every `description`, `summary` or `title` that is `null` (Binance's file has them):
    /// read as none, which is what the writer meant, and said.
    fn note_null_texts(&mut self) {
        let documents = self.documents;
        let mut found = Vec::new();
        for (file, tree) in documents.trees() {
            null_texts(tree, &mut Vec::new(), &mut |pointer, key| {
                found.push((Origin::at(file.clone(), pointer), key.to_owned()));
            });
        }
        for (origin, key) in found {
            self.repair(origin, format!("`{key}: null` is read as no {key}"));
        }
    }

    /// Notes a spec defect read in its one obvious way.
    fn repair(&mut self, origin: Origin, message: String) {
        self.api.repairs.push(Repair { origin, message });
        self.added.push(Added::Repair);
    }

    /// Takes out everything added since the log was last cleared, newest first.
    fn undo(&mut self) {
        while let Some(added) = self.added.pop() {
            match added {
                Added::Type(name) => {
                    self.api.types.remove(&name);
                }
                Added::Ref(key) => {
                    self.refs.remove(&key);
                }
                Added::Claim(name) => {
                    self.claimed.remove(&name);
                }
                Added::AuthScheme(name) => {
                    self.api.profile.auth_schemes.remove(&name);
                }
                Added::Repair => {
                    self.api.repairs.pop();
                }
            }
        }
        self.in_progress.clear();
    }

    // ----- the document ----------------------------------------------------------------------

    /// The first server's URL: its path is every operation's base path; its scheme and host are
    /// the `production` base URL when the profile gives none. Variables take their defaults.
    fn base_url(&mut self) -> Result<()> {
        let Some(server) = self
            .documents
            .root_node()
            .get("servers")
            .and_then(Node::items)
            .and_then(|servers| servers.first())
        else {
            return Ok(());
        };
        let origin = self.root_origin().child("servers").child("0");
        let Some(template) = server.get("url").and_then(Node::as_str) else {
            return Ok(());
        };
        let url = substitute_server_variables(template, server, &origin)?;
        let (base, path) = split_url(&url);
        if self.api.profile.base_urls.is_empty() && base.starts_with("http") {
            self.api
                .profile
                .base_urls
                .insert("production".to_owned(), base.to_owned());
        }
        self.base_path = path.trim_end_matches('/').to_owned();
        Ok(())
    }

    fn operations(&mut self) -> Result<()> {
        let documents = self.documents;
        let root = documents.root_node();
        let paths_origin = self.root_origin().child("paths");
        let Some(paths) = root.get("paths") else {
            return Ok(());
        };
        let Some(paths) = paths.entries() else {
            return Err(Error::Invalid {
                origin: paths_origin,
                message: format!("`paths` is {}, not a mapping", paths.kind()),
            });
        };
        let mut errors = Vec::new();
        for entry in paths {
            let path_origin = paths_origin.child(&entry.key);
            let (item, item_origin) = match self.deref(&entry.value, &path_origin) {
                Ok(found) => found,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            for (method_key, method) in METHODS {
                let Some(operation) = item.get(method_key) else {
                    continue;
                };
                // Some documents keep each operation in a file of its own (`get: {$ref: ...}`).
                let (operation, origin) =
                    match self.deref(operation, &item_origin.child(method_key)) {
                        Ok(found) => found,
                        Err(error) => {
                            errors.push(error);
                            continue;
                        }
                    };
                let id = self
                    .named_id(operation)
                    .unwrap_or_else(|| derived_id(method_key, &entry.key));
                let selected = self.selection(&id);
                if selected == Selection::No {
                    continue;
                }
                let Some(method) = method else {
                    self.skip_or_fail(
                        selected,
                        &id,
                        &origin,
                        &format!("the `{method_key}` method"),
                        &mut errors,
                    );
                    continue;
                };
                self.added.clear();
                let full_path = format!("{}{}", self.base_path, entry.key);
                let lowered = self.operation(
                    &id,
                    method,
                    full_path,
                    operation,
                    (item, &item_origin),
                    &origin,
                );
                match lowered {
                    Ok(op) => {
                        if let Err(error) = super::insert_operation(self.api, op) {
                            errors.push(error);
                        }
                    }
                    // An operation nobody asked for by name that cannot be generated is left
                    // out, with its reason, rather than failing the whole document: published
                    // documents hold hundreds of operations, and a team needs the rest.
                    Err(error) if selected == Selection::All => {
                        self.undo();
                        let (origin, reason) = skip_reason(error, &origin);
                        self.api.skipped.push(Skipped { id, origin, reason });
                    }
                    Err(error) => {
                        self.undo();
                        errors.push(error);
                    }
                }
            }
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Many(errors)),
        }
    }

    fn skip_or_fail(
        &mut self,
        selected: Selection,
        id: &str,
        origin: &Origin,
        what: &str,
        errors: &mut Vec<Error>,
    ) {
        match selected {
            Selection::All => self.api.skipped.push(Skipped {
                id: id.to_owned(),
                origin: origin.clone(),
                reason: format!("not supported: {what}"),
            }),
            _ => errors.push(Error::Unsupported {
                origin: origin.clone(),
                what: what.to_owned(),
            }),
        }
    }

    fn selection(&self, id: &str) -> Selection {
        match &self.profile.operations {
            None => Selection::All,
            Some(ids) if ids.iter().any(|s| s == id) => Selection::ByName,
            Some(_) => Selection::No,
        }
    }

    // ----- one operation ---------------------------------------------------------------------

    fn operation(
        &mut self,
        id: &str,
        method: HttpMethod,
        path: String,
        operation: &'a Node,
        item: (&'a Node, &Origin),
        origin: &Origin,
    ) -> Result<Operation> {
        let (description, permissions) = match text(operation, "description") {
            Some(text) => split_permissions(&text),
            None => (None, None),
        };
        let own_security = operation.get("security");
        let security_node = own_security.or_else(|| self.documents.root_node().get("security"));
        let security_origin = match own_security {
            Some(_) => origin.child("security"),
            None => self.root_origin().child("security"),
        };
        let requirements = self.requirements(security_node, &security_origin)?;
        let host = self.host(operation, origin)?;
        let signed = match self.signed_by_profile(operation)? {
            Some(signed) => signed,
            None => requirements.iter().any(|names| !names.is_empty()),
        };
        let security = match self.api.profile.signing.credentials {
            Credentials::PerAuthScheme => {
                for (index, names) in requirements.iter().enumerate() {
                    for name in names {
                        let at = security_origin.child(&index.to_string()).child(name);
                        self.auth_scheme(name, &at)?;
                    }
                }
                requirements
            }
            Credentials::Fixed(_) => Vec::new(),
        };
        let params = self.parameters(id, item, operation, origin)?;
        super::check_path_template(&path, &params, origin)?;
        let (params, signer_params) = self.signer_params(params, signed)?;
        self.signer_params = signer_params.iter().map(|f| f.wire.clone()).collect();
        let body = match operation.get("requestBody") {
            Some(body) => {
                Some(self.request_body(id, body, signed, &origin.child("requestBody"))?)
            }
            None => None,
        };
        if body.is_none() && self.signer_fields_lack_a_place(signed) {
            let unplaced: Vec<&str> = self.unplaced_signer_fields().map(String::as_str).collect();
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: format!(
                    "the operation is signed but has neither a body nor a query or header \
                     parameter for the signer's fields ({})",
                    unplaced.join(", ")
                ),
            });
        }
        let (response_body, response, response_docs, response_nullable) =
            self.response(id, operation, &origin.child("responses"))?;
        let error = self.error_reply(id, operation, &origin.child("responses"));
        let request_name = self.free_name(TypeName::joined(&[id, "Request"]));
        let (body, request) = match body {
            Some(lowered) => {
                let parts = Some((lowered.fields, lowered.body.signer_fields.as_slice()));
                let request = super::request_struct(
                    self.api,
                    id,
                    request_name,
                    parts,
                    &params,
                    lowered.docs,
                    lowered.origin,
                )?;
                (Some(lowered.body), request)
            }
            None => {
                let at = origin.child("parameters");
                let request = super::request_struct(
                    self.api,
                    id,
                    request_name,
                    None,
                    &params,
                    Docs::default(),
                    at,
                )?;
                (None, request)
            }
        };
        if let Some(name) = &request {
            self.added.push(Added::Type(name.clone()));
        }
        Ok(Operation {
            id: id.to_owned(),
            method,
            path,
            host,
            docs: Docs {
                summary: text(operation, "summary"),
                description,
            },
            permissions,
            rate_limit: None,
            success_means: None,
            params,
            body,
            request,
            response,
            response_body,
            response_docs,
            response_nullable,
            error,
            signer_params,
            signed,
            security,
            origin: origin.clone(),
        })
    }

    /// The query and header parameters of a signed operation that the profile says the signer
    /// sets (Binance's `timestamp` and `signature`), taken out of the caller's parameters.
    fn signer_params(
        &self,
        params: Vec<Param>,
        signed: bool,
    ) -> Result<(Vec<Param>, Vec<SignerField>)> {
        if !signed {
            return Ok((params, Vec::new()));
        }
        let mut kept = Vec::with_capacity(params.len());
        let mut owned = Vec::new();
        for param in params {
            if !self.profile.signer_fields.contains(&param.name.wire) {
                kept.push(param);
                continue;
            }
            let location = match param.location {
                ParamLocation::Query => xgen_runtime::ParamLocation::Query,
                ParamLocation::Header => xgen_runtime::ParamLocation::Header,
                ParamLocation::Path => {
                    return Err(unsupported(
                        &param.origin,
                        "a path parameter the signer sets (the signer sets body fields, query \
                         parameters and headers)",
                    ))
                }
            };
            owned.push(SignerField {
                wire: param.name.wire,
                ty: param.ty,
                location,
            });
        }
        Ok((kept, owned))
    }

    /// Warns of each other 2xx reply with a JSON body of another schema than `chosen`'s: the
    /// client returns one success type, so that shape is not read.
    fn note_other_successes(
        &mut self,
        responses: &'a [crate::source::yaml::Entry],
        code: &str,
        chosen: &'a Node,
        origin: &Origin,
    ) {
        let json_schema = |response: &'a Node| {
            response
                .get("content")
                .and_then(Node::entries)?
                .iter()
                .filter(|e| is_json_media(&e.key))
                .find_map(|e| e.value.get("schema"))
        };
        let chosen_schema = json_schema(chosen);
        for entry in responses {
            if &*entry.key == code || !entry.key.starts_with('2') {
                continue;
            }
            let at = origin.child(&entry.key);
            let Ok((other, _)) = self.deref(&entry.value, &at) else {
                continue;
            };
            let Some(schema) = json_schema(other) else {
                continue;
            };
            if chosen_schema.is_some_and(|c| std::ptr::eq(c, schema) || c == schema) {
                continue;
            }
            self.repair(
                at,
                format!(
                    "a second success reply with another body: the client reads every 2xx reply \
                     as the `{code}` reply's type"
                ),
            );
        }
    }

    /// The type of an error reply's body: the `default` response beside a success reply, or
    /// else the first 4xx or 5xx, where it is JSON with a schema. Only without an envelope:
    /// an exchange's envelope reads its errors itself. A schema that cannot be read leaves the
    /// operation without an error type, with a warning, rather than leaving it out.
    fn error_reply(&mut self, id: &str, operation: &'a Node, origin: &Origin) -> Option<TypeRef> {
        if self.api.profile.envelope.payload_property.is_some() {
            return None;
        }
        let responses = operation.get("responses").and_then(Node::entries)?;
        let has_success = responses.iter().any(|e| e.key.starts_with('2'));
        let mut codes: Vec<&str> = responses
            .iter()
            .map(|e| &*e.key)
            .filter(|code| code.starts_with('4') || code.starts_with('5'))
            .collect();
        codes.sort_unstable();
        if has_success && responses.iter().any(|e| &*e.key == "default") {
            codes.insert(0, "default");
        }
        for code in codes {
            let node = responses.iter().find(|e| &*e.key == code)?;
            let Ok((response, response_origin)) = self.deref(&node.value, &origin.child(code))
            else {
                continue;
            };
            let Some((media, schema)) = response
                .get("content")
                .and_then(Node::entries)
                .unwrap_or(&[])
                .iter()
                .filter(|e| is_json_media(&e.key))
                .find_map(|e| e.value.get("schema").map(|schema| (&e.key, schema)))
            else {
                continue;
            };
            let at = response_origin
                .child("content")
                .child(media)
                .child("schema");
            return match self.schema_ref(schema, &at, TypeName::joined(&[id, "Error"])) {
                Ok(lowered) => Some(lowered.ty),
                Err(error) => {
                    let (place, reason) = skip_reason(error, &at);
                    self.repair(
                        place,
                        format!("the error reply's body is left untyped: {reason}"),
                    );
                    None
                }
            };
        }
        None
    }

    /// The `security` requirement alternatives, as lists of scheme names.
    fn requirements(&self, node: Option<&Node>, origin: &Origin) -> Result<Vec<Vec<String>>> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let Some(items) = node.items() else {
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: format!("`security` is {}, not a list", node.kind()),
            });
        };
        let mut alternatives = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item.entries() {
                Some(entries) => {
                    alternatives.push(entries.iter().map(|e| e.key.to_string()).collect())
                }
                None if matches!(item.value, Value::Null) => alternatives.push(Vec::new()),
                None => {
                    return Err(Error::Invalid {
                        origin: origin.child(&index.to_string()),
                        message: format!(
                            "a security requirement is {}, not a mapping",
                            item.kind()
                        ),
                    })
                }
            }
        }
        Ok(alternatives)
    }

    /// Lowers the security scheme `name` (once) into the profile's auth schemes.
    fn auth_scheme(&mut self, name: &str, used_at: &Origin) -> Result<()> {
        let origin = self
            .root_origin()
            .child("components")
            .child("securitySchemes")
            .child(name);
        let declared = self
            .documents
            .root_node()
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
            .and_then(|s| s.get(name));
        let Some(declared) = declared else {
            return Err(Error::Invalid {
                origin: used_at.clone(),
                message: format!(
                    "security scheme '{}' is not declared under components/securitySchemes",
                    crate::text::escape(name)
                ),
            });
        };
        let (scheme, origin) = self.deref(declared, &origin)?;
        let kind_text = scheme.get("type").and_then(Node::as_str).unwrap_or("");
        let kind = match kind_text {
            "apiKey" => {
                let location = match scheme.get("in").and_then(Node::as_str) {
                    Some("header") => ApiKeyLocation::Header,
                    Some("query") => ApiKeyLocation::Query,
                    Some("cookie") => ApiKeyLocation::Cookie,
                    other => {
                        return Err(Error::Invalid {
                            origin: origin.child("in"),
                            message: format!(
                                "an apiKey scheme goes in header, query or cookie, not {}",
                                other.map_or("nowhere".to_owned(), |o| format!(
                                    "'{}'",
                                    crate::text::escape(o)
                                ))
                            ),
                        })
                    }
                };
                let Some(param) = scheme.get("name").and_then(Node::as_str) else {
                    return Err(Error::Invalid {
                        origin: origin.child("name"),
                        message: "an apiKey scheme needs the `name` it travels under".to_owned(),
                    });
                };
                AuthKind::ApiKey {
                    location,
                    param: param.to_owned(),
                }
            }
            "http" => match scheme
                .get("scheme")
                .and_then(Node::as_str)
                .map(str::to_ascii_lowercase)
            {
                Some(s) if s == "bearer" => AuthKind::Bearer,
                Some(s) if s == "basic" => AuthKind::Basic,
                other => {
                    return Err(Error::Unsupported {
                        origin: origin.child("scheme"),
                        what: format!(
                            "the HTTP authentication scheme '{}' (bearer and basic are)",
                            crate::text::escape(other.as_deref().unwrap_or(""))
                        ),
                    })
                }
            },
            // An OAuth 2 or OpenID Connect access token travels as a bearer token (RFC 6750);
            // obtaining one is the caller's business.
            "oauth2" | "openIdConnect" => AuthKind::Bearer,
            other => {
                return Err(Error::Unsupported {
                    origin: origin.child("type"),
                    what: format!("security schemes of type '{}'", crate::text::escape(other)),
                })
            }
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
                    "security scheme '{}' is declared differently at {}",
                    crate::text::escape(name),
                    existing.origin
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.api
                    .profile
                    .auth_schemes
                    .insert(name.to_owned(), lowered);
                self.added.push(Added::AuthScheme(name.to_owned()));
                Ok(())
            }
        }
    }

    /// Path-item and operation parameters (the operation's win), sorted by wire name.
    fn parameters(
        &mut self,
        id: &str,
        (item, item_origin): (&'a Node, &Origin),
        operation: &'a Node,
        origin: &Origin,
    ) -> Result<Vec<Param>> {
        let mut found: Vec<(&'a Node, Origin)> = Vec::new();
        for (owner, owner_origin) in [(item, item_origin.clone()), (operation, origin.clone())] {
            let Some(list) = owner.get("parameters") else {
                continue;
            };
            let list_origin = owner_origin.child("parameters");
            let Some(items) = list.items() else {
                return Err(Error::Invalid {
                    origin: list_origin,
                    message: format!("`parameters` is {}, not a list", list.kind()),
                });
            };
            for (index, param) in items.iter().enumerate() {
                let (param, at) = self.deref(param, &list_origin.child(&index.to_string()))?;
                found.push((param, at));
            }
        }
        let mut params: Vec<Param> = Vec::new();
        for (param, origin) in found {
            let Some(name) = param.get("name").and_then(Node::as_str) else {
                return Err(Error::Invalid {
                    origin: origin.child("name"),
                    message: "the parameter has no `name`".to_owned(),
                });
            };
            let location = match param.get("in").and_then(Node::as_str) {
                Some("query") => ParamLocation::Query,
                Some("path") => ParamLocation::Path,
                Some("header") => ParamLocation::Header,
                Some("cookie") => {
                    return Err(unsupported(&origin.child("in"), "cookie parameters"))
                }
                other => {
                    return Err(Error::Invalid {
                        origin: origin.child("in"),
                        message: format!(
                            "a parameter goes in query, path, header or cookie, not {}",
                            other.map_or("nowhere".to_owned(), |o| format!(
                                "'{}'",
                                crate::text::escape(o)
                            ))
                        ),
                    })
                }
            };
            if param.get("content").is_some() && param.get("schema").is_none() {
                return Err(unsupported(
                    &origin.child("content"),
                    "a parameter described by `content`",
                ));
            }
            let style = param.get("style").and_then(Node::as_str);
            let explode = param.get("explode").and_then(Node::as_bool);
            let type_name = TypeName::joined(&[id, name]);
            let lowered = match param.get("schema") {
                Some(schema) => self.schema_ref(schema, &origin.child("schema"), type_name)?,
                None => Lowered {
                    ty: TypeRef::Primitive(Primitive::String),
                    nullable: false,
                    docs: Docs::default(),
                },
            };
            let style = self.parameter_style(&lowered.ty, location, style, &origin)?;
            if style == ParamStyle::Indexed {
                self.repair(
                    origin.child("schema"),
                    format!(
                        "an array of objects in the query, which no OpenAPI style writes; sent \
                         as `{0}[0].field=…&{0}[1].field=…` (the indexed form Binance documents)",
                        crate::text::escape(name)
                    ),
                );
            }
            // A path-item parameter is overridden by the operation's of the same name and place.
            params.retain(|p| !(p.name.wire == name && p.location == location));
            if let Some(twin) = params.iter().find(|p| p.name.wire == name) {
                return Err(unsupported(
                    &origin,
                    &format!(
                        "two parameters named '{}' (also at {}); requests are built by wire name",
                        crate::text::escape(name),
                        twin.origin
                    ),
                ));
            }
            params.push(Param {
                name: FieldName::from_wire(name),
                location,
                ty: lowered.ty,
                // OpenAPI: `explode` defaults to true for `form` and false for the others.
                explode: explode.unwrap_or(style == ParamStyle::Form),
                style,
                required: param
                    .get("required")
                    .and_then(Node::as_bool)
                    .unwrap_or(false)
                    || location == ParamLocation::Path,
                docs: Docs {
                    summary: None,
                    description: text(param, "description").or(lowered.docs.description),
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

    /// The style a parameter is written in, if the runtime can write it: scalars anywhere;
    /// arrays of scalars in the query (`form`, `spaceDelimited`, `pipeDelimited`), the path
    /// (`simple`, `label`, `matrix`) and headers (`simple`); objects of scalars the same, with
    /// `deepObject` in the query and not the delimited styles.
    fn parameter_style(
        &self,
        ty: &TypeRef,
        location: ParamLocation,
        style: Option<&str>,
        origin: &Origin,
    ) -> Result<ParamStyle> {
        let shape = self.parameter_shape(ty, origin)?;
        let runtime_location = match location {
            ParamLocation::Query => xgen_runtime::ParamLocation::Query,
            ParamLocation::Path => xgen_runtime::ParamLocation::Path,
            ParamLocation::Header => xgen_runtime::ParamLocation::Header,
        };
        if shape == ParamShape::Records {
            return match (location, style) {
                (ParamLocation::Query, None | Some("form")) => Ok(ParamStyle::Indexed),
                _ => Err(unsupported(
                    origin,
                    "an array of objects outside the query, or in a style other than `form` \
                     (no `style` writes one)",
                )),
            };
        }
        let Some(word) = style else {
            return Ok(ParamStyle::default_for(runtime_location));
        };
        let known = match word {
            "form" => Some(ParamStyle::Form),
            "spaceDelimited" => Some(ParamStyle::SpaceDelimited),
            "pipeDelimited" => Some(ParamStyle::PipeDelimited),
            "deepObject" => Some(ParamStyle::DeepObject),
            "simple" => Some(ParamStyle::Simple),
            "label" => Some(ParamStyle::Label),
            "matrix" => Some(ParamStyle::Matrix),
            _ => None,
        };
        let allowed = match (location, known) {
            (ParamLocation::Query, Some(ParamStyle::Form)) => true,
            (
                ParamLocation::Query,
                Some(ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited),
            ) => shape != ParamShape::Object,
            (ParamLocation::Query, Some(ParamStyle::DeepObject)) => shape != ParamShape::Array,
            (
                ParamLocation::Path,
                Some(ParamStyle::Simple | ParamStyle::Label | ParamStyle::Matrix),
            ) => true,
            (ParamLocation::Header, Some(ParamStyle::Simple)) => true,
            _ => false,
        };
        match known {
            Some(style) if allowed => Ok(style),
            _ => Err(unsupported(
                &origin.child("style"),
                &format!(
                    "a {} parameter in the `{}` style, which OpenAPI does not define for it",
                    shape.word(),
                    crate::text::escape(word)
                ),
            )),
        }
    }

    /// Whether a parameter's type is a scalar, an array of scalars or an object of them; an
    /// error for what no style writes (nested arrays and objects, one of several shapes).
    fn parameter_shape(&self, ty: &TypeRef, origin: &Origin) -> Result<ParamShape> {
        let is_scalar = |ty: &TypeRef| match self.resolve_alias(ty) {
            TypeRef::Primitive(_) => true,
            TypeRef::Named(n) => {
                matches!(
                    self.api.types.get(n).map(|d| &d.kind),
                    Some(TypeKind::Enum(_))
                )
            }
            _ => false,
        };
        let nested = |what: &str| {
            unsupported(
                origin,
                &format!("{what} parameter with arrays or objects inside (no `style` writes one)"),
            )
        };
        let is_record = |ty: &TypeRef| match self.resolve_alias(ty) {
            TypeRef::Map(value) => is_scalar(value),
            TypeRef::Named(name) => match self.api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Struct(strukt)) => strukt.fields.iter().all(|f| is_scalar(&f.ty)),
                _ => false,
            },
            _ => false,
        };
        match self.resolve_alias(ty) {
            TypeRef::Array(item) if is_scalar(item) => Ok(ParamShape::Array),
            TypeRef::Array(item) if is_record(item) => Ok(ParamShape::Records),
            TypeRef::Array(_) => Err(nested("an array")),
            TypeRef::Map(value) if is_scalar(value) => Ok(ParamShape::Object),
            TypeRef::Map(_) | TypeRef::Any => Err(nested("an object")),
            TypeRef::Named(name) => match self.api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Struct(strukt)) => {
                    if strukt.fields.iter().all(|f| is_scalar(&f.ty)) {
                        Ok(ParamShape::Object)
                    } else {
                        Err(nested("an object"))
                    }
                }
                // One of several scalars (DigitalOcean's SSH key "id or fingerprint"): written
                // as whichever it holds.
                Some(TypeKind::Union(union)) if union.variants.iter().all(|v| is_scalar(&v.ty)) => {
                    Ok(ParamShape::Scalar)
                }
                Some(TypeKind::Union(_)) => Err(unsupported(
                    origin,
                    "a parameter that is one of several shapes, not all scalars (no `style` \
                     writes one)",
                )),
                _ => Ok(ParamShape::Scalar),
            },
            _ => Ok(ParamShape::Scalar),
        }
    }

    fn resolve_alias<'t>(&'t self, ty: &'t TypeRef) -> &'t TypeRef {
        let mut current = ty;
        for _ in 0..64 {
            match current {
                TypeRef::Named(name) => match self.api.types.get(name).map(|d| &d.kind) {
                    Some(TypeKind::Alias(target) | TypeKind::Newtype(target)) => current = target,
                    _ => return current,
                },
                _ => return current,
            }
        }
        current
    }

    /// The request body, of the first media type of these the operation offers: JSON, then a
    /// form, then `multipart/form-data` (an object, its fields as parts), then any other but
    /// multipart, sent as it is.
    fn request_body(
        &mut self,
        id: &str,
        body: &'a Node,
        signed: bool,
        origin: &Origin,
    ) -> Result<LoweredBody> {
        let (body, origin) = self.deref(body, origin)?;
        let content_origin = origin.child("content");
        let content = body.get("content").and_then(Node::entries).unwrap_or(&[]);
        let json = content.iter().find(|e| is_json_media(&e.key));
        let form = content.iter().find(|e| media_type(&e.key) == FORM);
        let multipart = content.iter().find(|e| media_type(&e.key) == MULTIPART);
        // Then the rest, but multipart, in the order written: bytes or text sent as they are.
        let raw = content
            .iter()
            .find(|e| !media_type(&e.key).starts_with("multipart/"));
        let (encoding, media) = match (json, form.or(multipart)) {
            (Some(media), _) => (BodyEncoding::Json, media),
            (None, Some(media)) if form.is_some() => (BodyEncoding::Form, media),
            (None, Some(media)) => (BodyEncoding::Multipart, media),
            (None, None) if raw.is_some() => {
                let media = raw.expect("checked");
                return self.raw_body(media, signed, body, &content_origin.child(&media.key));
            }
            (None, None) => {
                let found: Vec<String> = content
                    .iter()
                    .map(|e| crate::text::escape(&e.key).into_owned())
                    .collect();
                return Err(unsupported(
                    &origin,
                    &match found.is_empty() {
                        true => "a request body without content".to_owned(),
                        false => format!("request bodies of type {}", found.join(", ")),
                    },
                ));
            }
        };
        let media_origin = content_origin.child(&media.key);
        let Some(schema) = media.value.get("schema") else {
            return Err(Error::Invalid {
                origin: media_origin,
                message: "the body has no schema".to_owned(),
            });
        };
        let schema_origin = media_origin.child("schema");
        let (written, written_origin) = (schema, schema_origin.clone());
        let (schema, schema_origin, schema_file) = self.resolve_schema(schema, &schema_origin)?;
        let (mut shape, object) = self.object_shape(schema, &schema_origin, &schema_file)?;
        let free_form = shape.properties.is_empty() && shape.additional.is_none();
        if !object || (free_form && matches!(classify(schema), Shape::Any)) {
            // An array, one of several shapes, or any JSON: the request holds it as one field
            // and the runtime sends that field as the body.
            return self.whole_body(id, written, encoding, signed, body, &written_origin);
        }
        if free_form {
            // `type: object` with nothing listed: any properties (OpenAPI's default).
            shape.additional = Some((&ANY_PROPERTIES, schema_origin.clone()));
        }
        let mut files = Vec::new();
        if encoding == BodyEncoding::Multipart {
            self.multipart_signer_fields(&shape, signed, &schema_origin)?;
            files = self.file_properties(&shape)?;
        }
        let mut signer_fields = Vec::new();
        for wire in &self.profile.signer_fields {
            if self.signer_params.contains(wire) || encoding == BodyEncoding::Multipart {
                continue;
            }
            match shape.properties.shift_remove(wire) {
                Some((property, at)) => {
                    let lowered = self.schema_ref(property, &at, TypeName::joined(&[id, wire]))?;
                    signer_fields.push(SignerField {
                        location: xgen_runtime::ParamLocation::Body,
                        wire: wire.clone(),
                        ty: lowered.ty,
                    });
                }
                None if signed && !self.api.profile.signing.fields_where_declared => {
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
        let mut strukt = self.structure(&name, shape)?;
        for field in &mut strukt.fields {
            if files.contains(&field.name.wire) {
                field.ty = TypeRef::Primitive(Primitive::Bytes);
            }
        }
        Ok(LoweredBody {
            body: RequestBody {
                encoding,
                signer_fields,
                whole: None,
                raw_media_type: None,
            },
            fields: strukt.fields,
            docs: schema_docs(schema),
            origin: schema_origin,
        })
    }

    /// Refuses a signed multipart body in which the signer's fields would have to go: the
    /// runtime cannot add parts. Unless the signing scheme sets only the fields an operation
    /// declares, and this body declares none of them.
    fn multipart_signer_fields(
        &self,
        shape: &ObjectShape<'a>,
        signed: bool,
        origin: &Origin,
    ) -> Result<()> {
        let mut unplaced = self.unplaced_signer_fields();
        let no_place = match self.api.profile.signing.fields_where_declared {
            true => unplaced.any(|wire| shape.properties.contains_key(wire)),
            false => unplaced.next().is_some(),
        };
        match signed && no_place {
            true => Err(unsupported(
                origin,
                "a multipart/form-data body, in which the signer's fields have no place",
            )),
            false => Ok(()),
        }
    }

    /// The properties of a multipart body that are files (`type: string, format: binary`),
    /// sent as file parts of their bytes: `Vec<u8>` fields. Elsewhere such a property is text.
    fn file_properties(&self, shape: &ObjectShape<'a>) -> Result<Vec<String>> {
        let mut files = Vec::new();
        for (wire, (property, at)) in &shape.properties {
            let (schema, _, _) = self.resolve_schema(property, at)?;
            let text = |key| schema.get(key).and_then(Node::as_str);
            if text("type") == Some("string") && text("format") == Some("binary") {
                files.push(wire.clone());
            }
        }
        Ok(files)
    }

    /// A body of another media type than JSON or a form (`application/octet-stream`,
    /// `text/plain`), sent as it is: the request's one `body` field, bytes (`Vec<u8>`) unless the
    /// schema says text (`type: string` without `format: binary`).
    fn raw_body(
        &mut self,
        media: &'a crate::source::yaml::Entry,
        signed: bool,
        body: &'a Node,
        origin: &Origin,
    ) -> Result<LoweredBody> {
        // As written, parameters and all (`text/plain; charset=utf-8`): the Content-Type sent.
        let media_type = media.key.trim().to_owned();
        if self.signer_fields_lack_a_place(signed) {
            return Err(unsupported(
                origin,
                &format!(
                    "a `{}` body, sent as it is, in which the signer's fields have no place",
                    crate::text::escape(&media_type)
                ),
            ));
        }
        let ty = match media.value.get("schema") {
            None => Primitive::Bytes,
            Some(schema) => {
                let at = origin.child("schema");
                let (schema, at, _) = self.resolve_schema(schema, &at)?;
                let format = schema.get("format").and_then(Node::as_str);
                match (schema.get("type").and_then(Node::as_str), format) {
                    (None, _) | (Some("string"), Some("binary")) => Primitive::Bytes,
                    (Some("string"), _) => Primitive::String,
                    _ => {
                        return Err(unsupported(
                            &at,
                            &format!(
                                "a `{}` body whose schema is neither bytes nor text",
                                crate::text::escape(&media_type)
                            ),
                        ))
                    }
                }
            }
        };
        let what = match ty {
            Primitive::Bytes => "bytes",
            _ => "text",
        };
        let description = text(body, "description").unwrap_or_else(|| {
            format!("The request body: {what} sent as they are, as `{media_type}`.")
        });
        let field = Field {
            name: FieldName::from_wire(WHOLE_BODY),
            ty: TypeRef::Primitive(ty),
            required: true,
            nullable: false,
            boxed: false,
            docs: Docs {
                summary: None,
                description: Some(description),
            },
            origin: origin.clone(),
        };
        Ok(LoweredBody {
            body: RequestBody {
                encoding: BodyEncoding::Raw,
                signer_fields: Vec::new(),
                whole: Some(WHOLE_BODY.to_owned()),
                raw_media_type: Some(media_type),
            },
            fields: vec![field],
            docs: Docs::default(),
            origin: origin.clone(),
        })
    }

    /// A body that is not an object of named fields, as the request's one `body` field.
    fn whole_body(
        &mut self,
        id: &str,
        schema: &'a Node,
        encoding: BodyEncoding,
        signed: bool,
        body: &'a Node,
        origin: &Origin,
    ) -> Result<LoweredBody> {
        match encoding {
            BodyEncoding::Form => {
                return Err(unsupported(origin, "a form body that is not an object"))
            }
            BodyEncoding::Multipart => {
                return Err(unsupported(
                    origin,
                    "a multipart/form-data body that is not an object",
                ))
            }
            _ => {}
        }
        if self.signer_fields_lack_a_place(signed) {
            return Err(unsupported(
                origin,
                "a body that is not an object, in which the signer's fields have no place",
            ));
        }
        let lowered = self.schema_ref(schema, origin, TypeName::joined(&[id, "Body"]))?;
        let mut docs = merge_docs(
            Docs {
                summary: None,
                description: text(body, "description"),
            },
            lowered.docs,
        );
        if docs.is_empty() {
            docs.description = Some("The request body, sent as it is.".to_owned());
        }
        let field = Field {
            name: FieldName::from_wire(WHOLE_BODY),
            ty: lowered.ty,
            required: true,
            nullable: lowered.nullable,
            boxed: false,
            docs,
            origin: origin.clone(),
        };
        Ok(LoweredBody {
            body: RequestBody {
                encoding,
                signer_fields: Vec::new(),
                whole: Some(WHOLE_BODY.to_owned()),
                raw_media_type: None,
            },
            fields: vec![field],
            docs: Docs::default(),
            origin: origin.clone(),
        })
    }

    /// The success reply: `200`, else the first other 2xx, else `2XX`, else `default`; no
    /// success reply declared is an empty one.
    fn response(
        &mut self,
        id: &str,
        operation: &'a Node,
        origin: &Origin,
    ) -> Result<(ResponseBody, TypeRef, Docs, bool)> {
        let empty = (ResponseBody::Empty, TypeRef::Any, Docs::default(), false);
        let Some(responses) = operation.get("responses").and_then(Node::entries) else {
            return Ok(empty);
        };
        let mut codes: Vec<&str> = responses.iter().map(|e| &*e.key).collect();
        codes.sort_by_key(|code| match *code {
            "200" => (0, String::new()),
            c if c.len() == 3 && c.starts_with('2') && c.chars().all(|d| d.is_ascii_digit()) => {
                (1, c.to_owned())
            }
            "2XX" | "2xx" => (2, String::new()),
            "default" => (3, String::new()),
            other => (4, other.to_owned()),
        });
        let Some(code) = codes
            .first()
            .copied()
            .filter(|c| *c == "default" || c.starts_with('2'))
        else {
            return Ok(empty);
        };
        let Some(node) = operation.get("responses").and_then(|r| r.get(code)) else {
            return Ok(empty);
        };
        let (response, response_origin) = self.deref(node, &origin.child(code))?;
        self.note_other_successes(responses, code, response, origin);
        let content = response
            .get("content")
            .and_then(Node::entries)
            .unwrap_or(&[]);
        let docs = Docs {
            summary: None,
            description: text(response, "description"),
        };
        if content.is_empty() {
            return Ok((ResponseBody::Empty, TypeRef::Any, docs, false));
        }
        let Some(json) = content.iter().find(|e| is_json_media(&e.key)) else {
            let all_text = content
                .iter()
                .all(|e| media_type(&e.key).starts_with("text/"));
            let kind = if all_text {
                ResponseBody::Text
            } else {
                ResponseBody::Bytes
            };
            return Ok((kind, TypeRef::Any, docs, false));
        };
        let media_origin = response_origin.child("content").child(&json.key);
        let Some(schema) = json.value.get("schema") else {
            return Ok((ResponseBody::Json, TypeRef::Any, docs, false));
        };
        let name = TypeName::joined(&[id, "Response"]);
        let schema_origin = media_origin.child("schema");
        let Some(payload) = self.api.profile.envelope.payload_property else {
            // No envelope: the whole reply is the payload.
            let lowered = self.schema_ref(schema, &schema_origin, name)?;
            let docs = merge_docs(lowered.docs, docs);
            return Ok((ResponseBody::Json, lowered.ty, docs, lowered.nullable));
        };
        let (schema, schema_origin, schema_file) = self.resolve_schema(schema, &schema_origin)?;
        let (shape, _) = self.object_shape(schema, &schema_origin, &schema_file)?;
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
        // Kraken Pay's `result: {nullable: true, type: object}`: the method returns an Option.
        Ok((
            ResponseBody::Json,
            lowered.ty,
            merge_docs(lowered.docs, docs),
            lowered.nullable,
        ))
    }

    // ----- schemas ---------------------------------------------------------------------------

    /// Follows a schema's `$ref`s to the schema itself, its origin and its file.
    fn resolve_schema(
        &self,
        schema: &'a Node,
        origin: &Origin,
    ) -> Result<(&'a Node, Origin, PathBuf)> {
        let mut current = (schema, origin.clone(), origin.file.to_path_buf());
        for _ in 0..MAX_REF_DEPTH {
            let Some(reference) = reference(current.0, &current.1)? else {
                return Ok(current);
            };
            let target: Target<'a> = self.documents.resolve(&current.2, reference, &current.1)?;
            current = (target.node, target.origin(), target.file.to_owned());
        }
        Err(Error::Invalid {
            origin: origin.clone(),
            message: format!("$ref chains more than {MAX_REF_DEPTH} deep (a cycle?)"),
        })
    }

    /// Lowers a schema or reference; `name` is used if it needs a named type of its own.
    fn schema_ref(&mut self, schema: &'a Node, origin: &Origin, name: TypeName) -> Result<Lowered> {
        let Some(reference) = reference(schema, origin)? else {
            return self.schema(schema, origin, name);
        };
        let target = self.documents.resolve(&origin.file, reference, origin)?;
        let key: RefKey = (target.file.to_owned(), target.pointer.clone());
        if let Some(done) = self.refs.get(&key) {
            return Ok(done.clone());
        }
        if let Some(position) = self.in_progress.iter().position(|(k, _, _)| *k == key) {
            // A recursive reference: the outer lowering defines the type under this name.
            self.in_progress[position].2 = true;
            let name = self.in_progress[position].1.clone();
            return Ok(Lowered {
                ty: TypeRef::Named(name),
                nullable: false,
                docs: schema_docs(target.node),
            });
        }
        if self.in_progress.len() >= MAX_REF_DEPTH {
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: format!("$refs nest more than {MAX_REF_DEPTH} deep"),
            });
        }
        let type_name = self.claim_ref_name(&key, name);
        self.in_progress
            .push((key.clone(), type_name.clone(), false));
        let target_origin = target.origin();
        let lowered = self.schema(target.node, &target_origin, type_name.clone());
        let (_, _, recursed) =
            self.in_progress
                .pop()
                .unwrap_or((key.clone(), type_name.clone(), false));
        let mut lowered = lowered?;
        let defined_here = lowered.ty == TypeRef::Named(type_name.clone())
            && self.api.types.contains_key(&type_name);
        if recursed && !defined_here {
            if lowered.ty == TypeRef::Named(type_name.clone()) {
                return Err(Error::Invalid {
                    origin: target_origin,
                    message: "the schema refers to itself through `$ref` or `allOf` with nothing in between; \
                              it describes no value"
                        .to_owned(),
                });
            }
            // Something inside refers back to this schema by name, so it needs one even though
            // it is not an object: an alias, which the recursion pass turns into a newtype.
            let def = TypeDef {
                name: type_name.clone(),
                docs: lowered.docs.clone(),
                origin: target_origin,
                kind: TypeKind::Alias(lowered.ty.clone()),
            };
            self.define(def)?;
            lowered.ty = TypeRef::Named(type_name);
        }
        if self.refs.insert(key.clone(), lowered.clone()).is_none() {
            self.added.push(Added::Ref(key));
        }
        Ok(lowered)
    }

    /// The name for a `$ref` target: the component's or file's own name when it has one and it
    /// is free, otherwise the name its first use suggests, made unique.
    fn claim_ref_name(&mut self, key: &RefKey, contextual: TypeName) -> TypeName {
        let (file, pointer) = key;
        let own = match pointer.rsplit_once('/') {
            Some(("/components/schemas" | "/definitions" | "", last)) => {
                Some(last.replace("~1", "/").replace("~0", "~"))
            }
            None if pointer.is_empty() => {
                file.file_stem().map(|s| s.to_string_lossy().into_owned())
            }
            _ => None,
        };
        let preferred = own.map_or(contextual, |own| TypeName::from_spec(&own));
        let mut candidate = preferred.clone();
        let mut dirs = file
            .parent()
            .map(|p| {
                p.iter()
                    .rev()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter();
        let mut number = 2;
        loop {
            match self.claimed.get(&candidate) {
                Some(holder) if holder == key => return candidate,
                None if !self.api.types.contains_key(&candidate) => {
                    self.claimed.insert(candidate.clone(), key.clone());
                    self.added.push(Added::Claim(candidate.clone()));
                    return candidate;
                }
                _ => {}
            }
            candidate = match dirs.next() {
                // Files of the same name in different folders: the folder tells them apart.
                Some(dir) if own_is_file(pointer) => TypeName::joined(&[&dir, candidate.as_str()]),
                _ => {
                    let next = TypeName::from_spec(&format!("{}{number}", preferred.as_str()));
                    number += 1;
                    next
                }
            };
        }
    }

    fn schema(&mut self, schema: &'a Node, origin: &Origin, name: TypeName) -> Result<Lowered> {
        if reference(schema, origin)?.is_some() {
            return self.schema_ref(schema, origin, name);
        }
        let docs = schema_docs(schema);
        let nullable = schema
            .get("nullable")
            .and_then(Node::as_bool)
            .unwrap_or(false);
        if let Some(word) = unknown_type(schema) {
            let (_, reading) = unknown_type_reading(word, schema);
            self.repair(
                origin.child("type"),
                format!(
                    "`type: {}` is not an OpenAPI type; read as `{reading}`",
                    crate::text::escape(word)
                ),
            );
        }
        let ty = match classify(schema) {
            Shape::Union(key) => self.union(schema, key, origin, name, docs.clone())?,
            Shape::Wrapper(part) => {
                // `allOf: [X]` with only docs or `nullable` beside it: X, described here.
                let inner = self.schema_ref(part, &origin.child("allOf").child("0"), name)?;
                return Ok(Lowered {
                    ty: inner.ty,
                    nullable: nullable || inner.nullable,
                    docs: merge_docs(docs, inner.docs),
                });
            }
            Shape::Object => self.object(schema, origin, name, docs.clone())?,
            Shape::Array => self.array(schema.get("items"), origin, &name)?,
            Shape::String => match enum_values(schema, EnumRepr::String) {
                Some(values) => {
                    self.enumeration(name, EnumRepr::String, values, docs.clone(), origin)?
                }
                None if format(schema) == Some("decimal") => {
                    TypeRef::Primitive(Primitive::DecimalString)
                }
                None => TypeRef::Primitive(Primitive::String),
            },
            Shape::Integer => match enum_values(schema, EnumRepr::Integer) {
                Some(values) => {
                    self.enumeration(name, EnumRepr::Integer, values, docs.clone(), origin)?
                }
                None if format(schema) == Some("int32") => TypeRef::Primitive(Primitive::I32),
                None if unsigned_beyond_i64(schema) => TypeRef::Primitive(Primitive::U64),
                None => TypeRef::Primitive(Primitive::I64),
            },
            Shape::Number => TypeRef::Primitive(Primitive::F64),
            Shape::Boolean => TypeRef::Primitive(Primitive::Bool),
            Shape::Not => return Err(unsupported(origin, "`not` schemas")),
            Shape::Any => TypeRef::Any,
        };
        Ok(Lowered { ty, nullable, docs })
    }

    fn array(
        &mut self,
        items: Option<&'a Node>,
        origin: &Origin,
        name: &TypeName,
    ) -> Result<TypeRef> {
        let item = match items {
            Some(items) if items.entries().is_some() => {
                self.schema_ref(
                    items,
                    &origin.child("items"),
                    TypeName::joined(&[name.as_str(), "Item"]),
                )?
                .ty
            }
            _ => TypeRef::Any,
        };
        Ok(TypeRef::Array(Box::new(item)))
    }

    /// An object: a struct if it lists properties, a map if it only allows additional ones.
    fn object(
        &mut self,
        schema: &'a Node,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        // A tree nests at most `MAX_DEPTH` nodes, so written objects nest at most half as many;
        // deeper means a `$ref` among properties lists a mapping the object is in, which no
        // `$ref` cycle check sees since the properties are then written inline (found by the
        // mutation run).
        if self.object_depth >= MAX_OBJECT_DEPTH {
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: format!(
                    "objects nested more than {MAX_OBJECT_DEPTH} deep: does a `$ref` among \
                     properties list the schema it is in?"
                ),
            });
        }
        self.object_depth += 1;
        let lowered = self.object_within(schema, origin, name, docs);
        self.object_depth -= 1;
        lowered
    }

    fn object_within(
        &mut self,
        schema: &'a Node,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        let (shape, object) = self.object_shape(schema, origin, &origin.file)?;
        if !object {
            return Err(unsupported(
                origin,
                "`allOf` of schemas that are not all objects",
            ));
        }
        if shape.properties.is_empty() {
            let value = match shape.additional {
                Some((value, at)) if value.entries().is_some() => {
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
        Ok(TypeRef::Named(self.define(def)?))
    }

    /// The properties, required names and additional properties of `schema` (in `file`), and
    /// whether it is an object at all (see [`Self::collect_object`]); repairs made on the way are
    /// noted.
    fn object_shape(
        &mut self,
        schema: &'a Node,
        origin: &Origin,
        file: &Path,
    ) -> Result<(ObjectShape<'a>, bool)> {
        let mut shape = ObjectShape::default();
        let object =
            self.collect_object(schema, origin, file, &mut shape, &mut AllOfWalk::default())?;
        for repair in std::mem::take(&mut shape.repairs) {
            // A schema used in several places is read, and repaired, once per use.
            if !self.api.repairs.contains(&repair) {
                self.repair(repair.origin, repair.message);
            }
        }
        Ok((shape, object))
    }

    /// Gathers properties, required names and additional properties, following `allOf` (and
    /// the `$ref`s in it, never the same one twice on a path). `false` when a part is not an
    /// object at all (a string enum, an array).
    fn collect_object(
        &self,
        schema: &'a Node,
        origin: &Origin,
        file: &Path,
        shape: &mut ObjectShape<'a>,
        walk: &mut AllOfWalk,
    ) -> Result<bool> {
        match classify(schema) {
            Shape::Object | Shape::Wrapper(_) | Shape::Any => {}
            _ => return Ok(false),
        }
        if let Some(properties) = schema.get("properties").and_then(Node::entries) {
            for entry in properties {
                let at = origin.child("properties").child(&entry.key);
                if let ("$ref", Some(reference)) = (&*entry.key, entry.value.as_str()) {
                    self.merge_referenced_properties(reference, &at, file, shape)?;
                    continue;
                }
                shape
                    .properties
                    .insert(entry.key.to_string(), (&entry.value, at));
            }
        }
        if let Some(required) = schema.get("required").and_then(Node::items) {
            shape
                .required
                .extend(required.iter().filter_map(Node::as_str).map(str::to_owned));
        }
        match schema.get("additionalProperties") {
            Some(node) if node.entries().is_some() || node.as_bool() == Some(true) => {
                shape.additional = Some((node, origin.child("additionalProperties")));
            }
            _ => {}
        }
        let Some(parts) = schema.get("allOf").and_then(Node::items) else {
            return Ok(true);
        };
        for (index, part) in parts.iter().enumerate() {
            let part_origin = origin.child("allOf").child(&index.to_string());
            let (node, at, part_file) = self.resolve_schema_in(part, &part_origin, file)?;
            let is_ref = reference(part, &part_origin)?.is_some();
            if is_ref {
                let key: RefKey = (part_file.clone(), at.pointer.clone());
                if walk.path.contains(&key) || walk.path.len() >= MAX_REF_DEPTH {
                    return Err(Error::Invalid {
                        origin: part_origin,
                        message: "`allOf` includes the schema it is part of".to_owned(),
                    });
                }
                // Merging a schema a second time adds nothing; following it again would make
                // `allOf`s that each include the previous one twice cost 2^n (found by fuzzing).
                if !walk.merged.insert(key.clone()) {
                    continue;
                }
                walk.path.push(key);
            }
            let object = self.collect_object(node, &at, &part_file, shape, walk)?;
            if is_ref {
                walk.path.pop();
            }
            if !object && !contributes_nothing(node) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `properties: { $ref: file }`: not a property named `$ref` but, in Kraken Pay's files, a
    /// file of properties (`external_id: {...}`) to list here. Its one obvious reading, merging
    /// them in, is noted as a repair; a `$ref` to anything but a mapping of schemas is an error.
    fn merge_referenced_properties(
        &self,
        reference: &str,
        at: &Origin,
        file: &Path,
        shape: &mut ObjectShape<'a>,
    ) -> Result<()> {
        let target = self.documents.resolve(file, reference, at)?;
        let target_origin = target.origin();
        let entries = target
            .node
            .entries()
            .filter(|entries| entries.iter().all(|e| e.value.entries().is_some()))
            .ok_or_else(|| Error::Invalid {
                origin: at.clone(),
                message: format!(
                    "`$ref` among the properties is not a property, and '{reference}' is not a \
                     mapping of property names to schemas to list in its place"
                ),
            })?;
        let mut names = Vec::new();
        for entry in entries {
            names.push(format!("`{}`", entry.key));
            shape.properties.insert(
                entry.key.to_string(),
                (&entry.value, target_origin.child(&entry.key)),
            );
        }
        shape.repairs.push(Repair {
            origin: at.clone(),
            message: format!(
                "`$ref` among the properties is not a property; read as the properties in \
                 '{reference}' ({}) listed here",
                names.join(", ")
            ),
        });
        Ok(())
    }

    fn resolve_schema_in(
        &self,
        schema: &'a Node,
        origin: &Origin,
        file: &Path,
    ) -> Result<(&'a Node, Origin, PathBuf)> {
        let mut current = (schema, origin.clone(), file.to_owned());
        for _ in 0..MAX_REF_DEPTH {
            let Some(reference) = reference(current.0, &current.1)? else {
                return Ok(current);
            };
            let target = self.documents.resolve(&current.2, reference, &current.1)?;
            current = (target.node, target.origin(), target.file.to_owned());
        }
        Err(Error::Invalid {
            origin: origin.clone(),
            message: format!("$ref chains more than {MAX_REF_DEPTH} deep (a cycle?)"),
        })
    }

    fn structure(&mut self, name: &TypeName, shape: ObjectShape<'a>) -> Result<Struct> {
        let mut properties: Vec<_> = shape.properties.into_iter().collect();
        let written: BTreeSet<String> = properties.iter().map(|(wire, _)| wire.clone()).collect();
        for (wire, (_, origin)) in &mut properties {
            // Binance's `optionType"`: a quote left over from the writer's editor. The
            // exchange sends `optionType`, which the name as written would never match.
            let trimmed = wire.trim_matches(['"', '\'']);
            let stray = trimmed.len() != wire.len()
                && !trimmed.is_empty()
                && !trimmed.contains(['"', '\''])
                && !written.contains(trimmed);
            if stray {
                let trimmed = trimmed.to_owned();
                self.repair(
                    origin.clone(),
                    format!(
                        "the property name `{}` has a stray quote; read as `{trimmed}`",
                        crate::text::escape(wire)
                    ),
                );
                *wire = trimmed;
            }
        }
        properties.sort_by(|a, b| a.0.cmp(&b.0));
        let mut names: Vec<FieldName> = properties
            .iter()
            .map(|(wire, _)| FieldName::from_wire(wire))
            .collect();
        FieldName::dedupe(&mut names);
        let mut fields = Vec::with_capacity(properties.len());
        for ((wire, (property, origin)), field_name) in properties.into_iter().zip(names) {
            let type_name = TypeName::joined(&[name.as_str(), &wire]);
            let lowered = if property.entries().is_some() {
                self.schema_ref(property, &origin, type_name)?
            } else {
                // `prop: true` or an empty value: anything.
                Lowered {
                    ty: TypeRef::Any,
                    nullable: false,
                    docs: Docs::default(),
                }
            };
            fields.push(Field {
                name: field_name,
                ty: lowered.ty,
                required: shape.required.contains(&wire)
                    || shape
                        .required
                        .iter()
                        .any(|r| r.trim_matches(['"', '\'']) == wire),
                nullable: lowered.nullable,
                boxed: false,
                docs: lowered.docs,
                origin,
            });
        }
        let additional = match shape.additional {
            Some((value, at)) if value.entries().is_some() => Some(
                self.schema_ref(value, &at, TypeName::joined(&[name.as_str(), "Value"]))?
                    .ty,
            ),
            Some(_) => Some(TypeRef::Any),
            None => None,
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
        let def = TypeDef {
            name,
            docs,
            origin: origin.clone(),
            kind: TypeKind::Enum(Enum {
                repr,
                variants,
                fallback,
            }),
        };
        Ok(TypeRef::Named(self.define(def)?))
    }

    fn union(
        &mut self,
        schema: &'a Node,
        key: &'static str,
        origin: &Origin,
        name: TypeName,
        docs: Docs,
    ) -> Result<TypeRef> {
        let variants = schema.get(key).and_then(Node::items).unwrap_or(&[]);
        let mut lowered = Vec::with_capacity(variants.len());
        let mut labels = Vec::with_capacity(variants.len());
        for (index, variant) in variants.iter().enumerate() {
            let at = origin.child(key).child(&index.to_string());
            let label = match variant.get("$ref").and_then(Node::as_str) {
                Some(reference) => reference
                    .rsplit(['/', '#'])
                    .next()
                    .map(|last| {
                        last.trim_end_matches(".yaml")
                            .trim_end_matches(".yml")
                            .trim_end_matches(".json")
                    })
                    .filter(|l| !l.is_empty())
                    .unwrap_or("Variant")
                    .to_owned(),
                None => variant_label(variant, index),
            };
            let ty = self
                .schema_ref(variant, &at, TypeName::joined(&[name.as_str(), &label]))?
                .ty;
            lowered.push((TypeName::variant(&label), ty));
            labels.push(label);
        }
        let mut names: Vec<TypeName> = lowered.iter().map(|(n, _)| n.clone()).collect();
        TypeName::dedupe(&mut names);
        let tag = self.union_tag(schema, key, origin, &labels, &names)?;
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
            kind: TypeKind::Union(Union { variants, tag }),
        };
        Ok(TypeRef::Named(self.define(def)?))
    }

    /// A `discriminator` beside `oneOf`/`anyOf`: the property that names the shape, and the
    /// names of each, from its `mapping` or else, as OpenAPI says, the name of the schema a
    /// variant's `$ref` points to. Variants written inline have no name to be told by, so such a
    /// union is read untagged, each shape tried in order, with a warning.
    fn union_tag(
        &mut self,
        schema: &'a Node,
        key: &str,
        origin: &Origin,
        labels: &[String],
        names: &[TypeName],
    ) -> Result<Option<UnionTag>> {
        let Some(discriminator) = schema.get("discriminator") else {
            return Ok(None);
        };
        let at = origin.child("discriminator");
        let Some(property) = discriminator.get("propertyName").and_then(Node::as_str) else {
            return Err(Error::Invalid {
                origin: at.child("propertyName"),
                message: "a `discriminator` needs a `propertyName` (text)".to_owned(),
            });
        };
        let variants = schema.get(key).and_then(Node::items).unwrap_or(&[]);
        let refs: Vec<Option<&str>> = variants
            .iter()
            .map(|v| v.get("$ref").and_then(Node::as_str))
            .collect();
        if let Some(inline) = refs.iter().position(Option::is_none) {
            self.repair(
                origin.child(key).child(&inline.to_string()),
                format!(
                    "a `discriminator` variant that is not a `$ref` has no name for                      `{property}` to give; the shapes are tried in order instead"
                ),
            );
            return Ok(None);
        }
        let mapping = discriminator
            .get("mapping")
            .and_then(Node::entries)
            .unwrap_or(&[]);
        let mut values = vec![Vec::new(); variants.len()];
        for entry in mapping {
            let Some(target) = entry.value.as_str() else {
                continue;
            };
            // A mapping value is a `$ref` as the variant writes it, or a bare schema name.
            let variant = refs
                .iter()
                .position(|r| *r == Some(target))
                .or_else(|| labels.iter().position(|label| label == target));
            match variant {
                Some(index) => values[index].push(entry.key.to_string()),
                None => self.repair(
                    at.child("mapping").child(&entry.key),
                    format!(
                        "`{}` maps to '{target}', which is none of the `{key}` variants; left out",
                        entry.key
                    ),
                ),
            }
        }
        for (index, value) in values.iter_mut().enumerate() {
            if value.is_empty() {
                value.push(labels[index].clone());
            }
        }
        let fallback = ["Other", "Unknown", "OtherShape"]
            .into_iter()
            .map(TypeName::variant)
            .find(|candidate| !names.contains(candidate))
            .unwrap_or_else(|| TypeName::variant("UnknownShape"));
        Ok(Some(UnionTag {
            property: property.to_owned(),
            values,
            fallback,
        }))
    }

    /// `preferred`, or the first of `<preferred>2`, `<preferred>3`, ... that no type and no
    /// `$ref` target holds.
    fn free_name(&self, preferred: TypeName) -> TypeName {
        let mut candidate = preferred.clone();
        let mut number = 2;
        while self.api.types.contains_key(&candidate) || self.claimed.contains_key(&candidate) {
            candidate = TypeName::from_spec(&format!("{}{number}", preferred.as_str()));
            number += 1;
        }
        candidate
    }

    /// Adds a named type. A name another `$ref` target or a different type already holds is
    /// not reused: the new type takes the first free `<name>2`, `<name>3`, ...
    fn define(&mut self, def: TypeDef) -> Result<TypeName> {
        let mut def = def;
        let base = def.name.clone();
        let mut number = 2;
        loop {
            let held_by_other_ref = self.claimed.contains_key(&def.name)
                && !self
                    .in_progress
                    .iter()
                    .any(|(k, n, _)| *n == def.name && self.claimed.get(n) == Some(k));
            let clash = match self.api.types.get(&def.name) {
                Some(existing) => *existing != def,
                None => held_by_other_ref,
            };
            if !clash {
                let is_new = !self.api.types.contains_key(&def.name);
                let name = super::define_type(self.api, def)?;
                if is_new {
                    self.added.push(Added::Type(name.clone()));
                }
                return Ok(name);
            }
            def.name = TypeName::from_spec(&format!("{}{number}", base.as_str()));
            number += 1;
        }
    }
}

/// The `$ref` of `node`, if it has one; a `$ref` that is not text is an error, never a reason
/// to read the node some other way.
fn reference<'n>(node: &'n Node, origin: &Origin) -> Result<Option<&'n str>> {
    match node.get("$ref") {
        None => Ok(None),
        Some(value) => match value.as_str() {
            Some(text) => Ok(Some(text)),
            None => Err(Error::Invalid {
                origin: origin.child("$ref"),
                message: format!("`$ref` is {}, not a reference", value.kind()),
            }),
        },
    }
}

/// Whether the profile asks for an operation: all of them, this one by name, or not this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    All,
    ByName,
    No,
}

/// A request body, and the fields the caller sets in it.
struct LoweredBody {
    body: RequestBody,
    fields: Vec<Field>,
    docs: Docs,
    origin: Origin,
}

/// What a schema describes, read from the keywords it has, leniently: keywords that do not
/// change the shape (`minItems` on a string, `oneOf` beside `type`) are ignored.
#[derive(Debug, Clone, Copy)]
enum Shape<'n> {
    Union(&'static str),
    Wrapper(&'n Node),
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    Not,
    Any,
}

fn classify(schema: &Node) -> Shape<'_> {
    for key in ["oneOf", "anyOf"] {
        if schema
            .get(key)
            .and_then(Node::items)
            .is_some_and(|v| !v.is_empty())
        {
            return Shape::Union(key);
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Node::items) {
        let own_shape =
            schema.get("properties").is_some() || schema.get("additionalProperties").is_some();
        let meaningful: Vec<&Node> = parts.iter().filter(|p| !contributes_nothing(p)).collect();
        if !own_shape && meaningful.len() == 1 {
            return Shape::Wrapper(meaningful[0]);
        }
        return Shape::Object;
    }
    if let Some(word) = schema.get("type").and_then(Node::as_str) {
        return type_shape(word).unwrap_or_else(|| unknown_type_reading(word, schema).0);
    }
    if schema.get("not").is_some() && schema.get("properties").is_none() {
        return Shape::Not;
    }
    if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
        return Shape::Object;
    }
    if schema.get("items").is_some() {
        return Shape::Array;
    }
    if let Some(values) = schema.get("enum").and_then(Node::items) {
        if !values.is_empty() && values.iter().all(|v| v.as_str().is_some()) {
            return Shape::String;
        }
        if !values.is_empty() && values.iter().all(|v| v.as_i64().is_some()) {
            return Shape::Integer;
        }
    }
    Shape::Any
}

/// How a `type` that is not one of OpenAPI's words is read, and that reading's name: a common
/// programming word for its OpenAPI type (`int`, `float`, `bool`, `dict`), else by what the
/// schema holds (`properties`: an object, `items`: an array), else a string, as an unknown word
/// in a published file usually names a text format (Kraken's `type: ISO 3166-1 alpha-2`).
fn unknown_type_reading<'n>(word: &str, schema: &Node) -> (Shape<'n>, &'static str) {
    match word.trim().to_ascii_lowercase().as_str() {
        "int" | "int32" | "int64" | "long" | "short" | "uint" => (Shape::Integer, "integer"),
        "float" | "double" | "decimal" | "num" => (Shape::Number, "number"),
        "bool" => (Shape::Boolean, "boolean"),
        "dict" | "map" | "obj" => (Shape::Object, "object"),
        "list" | "arr" => (Shape::Array, "array"),
        _ if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() => {
            (Shape::Object, "object")
        }
        _ if schema.get("items").is_some() => (Shape::Array, "array"),
        _ => (Shape::String, "string"),
    }
}

/// The `type` of `schema`, if it is text but not one of OpenAPI's words.
fn unknown_type(schema: &Node) -> Option<&str> {
    schema
        .get("type")
        .and_then(Node::as_str)
        .filter(|word| type_shape(word).is_none())
}

/// The shape an OpenAPI `type` word names, if it is one of OpenAPI's.
fn type_shape<'n>(word: &str) -> Option<Shape<'n>> {
    Some(match word {
        "object" => Shape::Object,
        "array" => Shape::Array,
        "string" => Shape::String,
        "integer" => Shape::Integer,
        "number" => Shape::Number,
        "boolean" => Shape::Boolean,
        _ => return None,
    })
}

/// An `allOf` part that adds no shape: only `required`, docs, `nullable`, examples,
/// alternatives that are each such a part, or the scalar type and bounds of the part it stands
/// beside (Plaid's and DigitalOcean's
/// `allOf: [{$ref: SomeEnum}, {type: string, description: ..., nullable: true}]`).
fn contributes_nothing(part: &Node) -> bool {
    const HARMLESS: [&str; 15] = [
        "required",
        "description",
        "title",
        "nullable",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
    ];
    let scalar_type = |node: &Node| {
        node.as_str()
            .is_some_and(|word| matches!(word, "string" | "integer" | "number" | "boolean"))
    };
    part.entries().is_some_and(|entries| {
        entries.iter().all(|e| {
            HARMLESS.contains(&&*e.key)
                || e.key.starts_with("x-")
                || (&*e.key == "type" && scalar_type(&e.value))
                // Alternatives that only require one field or another (DigitalOcean's
                // firewall: inbound rules, outbound rules, or both) constrain, not shape.
                || (matches!(&*e.key, "anyOf" | "oneOf")
                    && e.value.items().is_some_and(|alternatives| {
                        alternatives.iter().all(contributes_nothing)
                    }))
        })
    })
}

/// The listed values of an enum of `repr`, or `None` when there are none; values of the other
/// kind are written as text (`enum: [1, "a"]` under `type: string` is `"1"`, `"a"`).
fn enum_values(schema: &Node, repr: EnumRepr) -> Option<Vec<EnumValue>> {
    let values = schema.get("enum")?.items()?;
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let lowered = match (repr, &value.value) {
            (_, Value::Null) => continue,
            (EnumRepr::Integer, Value::Int(n)) => EnumValue::Integer(*n),
            // An integer enum with a value that is not an integer is not an integer enum.
            (EnumRepr::Integer, _) => return None,
            (EnumRepr::String, Value::Str(text)) => EnumValue::String(text.to_string()),
            (EnumRepr::String, Value::Int(n)) => EnumValue::String(n.to_string()),
            (EnumRepr::String, Value::Bool(b)) => EnumValue::String(b.to_string()),
            (EnumRepr::String, Value::Float(f)) => EnumValue::String(f.to_string()),
            (EnumRepr::String, _) => return None,
        };
        if !out.contains(&lowered) {
            out.push(lowered);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An integer schema whose values may not fit `i64`: `format: uint64`, or bounded at 0 below
/// and past `i64::MAX` above (`maximum: 18446744073709551615`, read as a float).
fn unsigned_beyond_i64(schema: &Node) -> bool {
    if matches!(format(schema), Some("uint64" | "uint")) {
        return true;
    }
    let at_least_zero = match schema.get("minimum").map(|n| &n.value) {
        Some(Value::Int(minimum)) => *minimum >= 0,
        Some(Value::Float(minimum)) => *minimum >= 0.0,
        _ => false,
    };
    let beyond = matches!(
        schema.get("maximum").map(|n| &n.value),
        Some(Value::Float(maximum)) if *maximum > i64::MAX as f64
    );
    at_least_zero && beyond
}

fn format(schema: &Node) -> Option<&str> {
    schema.get("format").and_then(Node::as_str)
}

/// A string keyword's text; anything else (a `null` description, a mapping) is no text.
fn text(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::as_str).map(str::to_owned)
}

fn schema_docs(schema: &Node) -> Docs {
    Docs {
        summary: text(schema, "title"),
        description: text(schema, "description"),
    }
}

/// `first`'s docs where it has them, `second`'s otherwise.
fn merge_docs(first: Docs, second: Docs) -> Docs {
    Docs {
        summary: first.summary.or(second.summary),
        description: first.description.or(second.description),
    }
}

/// A variant name for an inline union member, from its title or its JSON type.
fn variant_label(schema: &Node, index: usize) -> String {
    if let Some(title) = text(schema, "title") {
        return title;
    }
    match classify(schema) {
        Shape::String => "String".to_owned(),
        Shape::Integer => "Integer".to_owned(),
        Shape::Number => "Number".to_owned(),
        Shape::Boolean => "Boolean".to_owned(),
        Shape::Array => "List".to_owned(),
        // An untitled inline object has no spec name; its position is the only stable label.
        _ => format!("Variant{index}"),
    }
}

/// The media type without parameters, lower case: `application/json; charset=utf-8` →
/// `application/json`.
fn media_type(key: &str) -> String {
    key.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// JSON, `*+json` (`application/vnd.api+json`), or any type (`*/*`, `application/*`), which a
/// JSON body satisfies.
fn is_json_media(key: &str) -> bool {
    let media = media_type(key);
    media == "application/json"
        || media.ends_with("+json")
        || media == "*/*"
        || media == "application/*"
}

/// `getApiV3Ping` for `get /api/v3/ping`, `getPetsByPetId` for `get /pets/{petId}`: the id of an
/// operation the document gives none.
fn derived_id(method: &str, path: &str) -> String {
    let mut words = vec![method.to_owned()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(variable) => {
                words.push("by".to_owned());
                words.push(variable.to_owned());
            }
            None => words.push(segment.to_owned()),
        }
    }
    words.join("_").to_lower_camel_case()
}

/// Names joined into one id in lower camel case, a name equal to the one before it (in snake
/// case) given once: `Account`, `Account`, `getAccountList` is `accountGetAccountList`, as
/// KuCoin's SDK groups its methods by service and sub-service that often share a name.
fn joined_id(parts: &[String]) -> String {
    let mut words: Vec<String> = Vec::with_capacity(parts.len());
    for part in parts {
        let snake = part.to_snake_case();
        if words.last() != Some(&snake) {
            words.push(snake);
        }
    }
    words.join("_").to_lower_camel_case()
}

/// A server URL with each `{variable}` replaced by its declared default.
fn substitute_server_variables(template: &str, server: &Node, origin: &Origin) -> Result<String> {
    let mut url = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        url.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('}') else {
            url.push_str(&rest[start..]);
            return Ok(url);
        };
        let variable = &rest[start + 1..start + length];
        let default = server
            .get("variables")
            .and_then(|v| v.get(variable))
            .and_then(|v| v.get("default"));
        let value = match default.map(|d| &d.value) {
            Some(Value::Str(text)) => text.to_string(),
            Some(Value::Int(number)) => number.to_string(),
            _ => {
                return Err(Error::Invalid {
                    origin: origin.child("url"),
                    message: format!(
                        "the server URL has `{{{}}}` and no default for it under `variables`",
                        crate::text::escape(variable)
                    ),
                })
            }
        };
        url.push_str(&value);
        rest = &rest[start + length + 1..];
    }
    url.push_str(rest);
    Ok(url)
}

/// `https://api.example.com/v2/` → (`https://api.example.com`, `/v2/`); a relative URL is all
/// path.
fn split_url(url: &str) -> (&str, &str) {
    match url.split_once("://") {
        Some((_, after)) => {
            let at = url.len() - after.len() + after.find('/').unwrap_or(after.len());
            (&url[..at], &url[at..])
        }
        None => ("", url),
    }
}

fn own_is_file(pointer: &str) -> bool {
    pointer.is_empty()
}

/// Where an operation's problem stands and what it is, for the list of skipped operations.
fn skip_reason(error: Error, operation: &Origin) -> (Origin, String) {
    match error {
        Error::Unsupported { origin, what } => (origin, format!("not supported: {what}")),
        Error::Invalid { origin, message } => (origin, message),
        Error::DanglingRef { origin, reference } => (
            origin,
            format!(
                "$ref '{}' points to nothing",
                crate::text::escape(&reference)
            ),
        ),
        other => (operation.clone(), other.to_string()),
    }
}

fn unsupported(origin: &Origin, what: &str) -> Error {
    Error::Unsupported {
        origin: origin.clone(),
        what: what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_derive_from_method_and_path() {
        assert_eq!(derived_id("get", "/api/v3/ping"), "getApiV3Ping");
        assert_eq!(derived_id("delete", "/pets/{petId}"), "deletePetsByPetId");
        assert_eq!(
            derived_id("post", "/sapi/v1/sub-account/transfer"),
            "postSapiV1SubAccountTransfer"
        );
    }

    #[test]
    fn media_types_that_carry_json() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.api+json",
            "*/*",
        ] {
            assert!(is_json_media(json), "{json}");
        }
        for other in [
            "text/plain",
            "application/octet-stream",
            "multipart/form-data",
        ] {
            assert!(!is_json_media(other), "{other}");
        }
    }

    #[test]
    fn server_urls_split_into_base_and_path() {
        assert_eq!(
            split_url("https://api.kraken.com/0"),
            ("https://api.kraken.com", "/0")
        );
        assert_eq!(split_url("https://h.example"), ("https://h.example", ""));
        assert_eq!(split_url("/api/v3"), ("", "/api/v3"));
    }
}
