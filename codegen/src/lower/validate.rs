//! The last step of lowering: proves, over the whole [`Api`], what the emitter relies on, so
//! that everything that generates compiles.
//!
//! - every `TypeRef::Named` and every operation's request type is defined in `api.types`;
//! - no alias is another name for itself through aliases alone (it would have no shape);
//! - every name is a Rust identifier and unique in its scope once converted: the fields of a
//!   struct with its map of unlisted properties, the variants of an enum with its catch-all,
//!   the variants of a union, the module's types, the client's methods and constants beside
//!   its own, the `operations` statics beside `ALL`, the `auth_schemes` constants;
//! - no two fields of a struct share a wire name and no enum lists a value twice (serde's
//!   derive would hold a pattern that never matches, which `deny(warnings)` refuses).
//!
//! Spec text in messages is escaped ([`crate::text::escape`]), as in every diagnostic.
//!
//! `ir::names` assigns names so that these hold; what it cannot make legal (two base URLs whose
//! constants are the same, a type that is only another name for itself) is reported here. Every
//! problem is reported, each at its place, in a fixed order: types by name, then operations by
//! name, then the profile.

use crate::error::{Error, Result};
use crate::ir::names::{self, CLIENT_ITEMS, OPERATIONS_ALL, RESERVED_ITEM_NAMES};
use crate::ir::{Api, Origin, TypeDef, TypeKind, TypeName, TypeRef};
use crate::text::escape;
use std::collections::{BTreeMap, BTreeSet};

/// Checks `api`, lowered from the profile at `profile`; every problem found, at once.
pub(super) fn check(api: &Api, profile: &Origin) -> Result<()> {
    let mut problems = Problems::default();
    let module = api.exchange.replace('-', "_");
    if !names::is_identifier(&module) || names::RESERVED_MODULES.contains(&module.as_str()) {
        problems.push(
            profile,
            format!(
                "exchange '{}' gives the module `{module}`, which the clients crate cannot have",
                api.exchange
            ),
        );
    }
    for (key, def) in &api.types {
        type_def(api, key, def, &mut problems);
    }
    nesting(api, &mut problems);
    operations(api, &mut problems);
    client_constants(api, profile, &mut problems);
    auth_schemes(api, &mut problems);
    problems.into_result()
}

#[derive(Default)]
struct Problems(Vec<Error>);

impl Problems {
    fn push(&mut self, origin: &Origin, message: String) {
        self.0.push(Error::Invalid {
            origin: origin.clone(),
            message,
        });
    }

    fn into_result(mut self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(self.0.remove(0)),
            _ => Err(Error::Many(self.0)),
        }
    }
}

/// Remembers the names of one scope; a second use of a name is a problem at its place.
struct Scope<'a> {
    /// What the names are, for messages (`field`, `variant`).
    what: &'a str,
    /// Names the generator uses in the scope itself, and what uses them.
    reserved: (&'a [&'a str], &'a str),
    /// Each name, and where its first user stands.
    seen: BTreeMap<String, Origin>,
}

impl<'a> Scope<'a> {
    fn new(what: &'a str) -> Self {
        Scope {
            what,
            reserved: (&[], ""),
            seen: BTreeMap::new(),
        }
    }

    /// A scope where `owner` (`the generated client`) uses `names` itself.
    fn reserving(mut self, names: &'a [&'a str], owner: &'a str) -> Self {
        self.reserved = (names, owner);
        self
    }

    /// Adds `name` (what `spelt` became), used at `origin`.
    fn add(&mut self, name: &str, spelt: &str, origin: &Origin, problems: &mut Problems) {
        let what = self.what;
        let spelt = escape(spelt);
        if !names::is_identifier(name) {
            problems.push(
                origin,
                format!("{what} '{spelt}' gives `{name}`, which is not a Rust identifier"),
            );
            return;
        }
        let (reserved, owner) = self.reserved;
        if reserved.contains(&name) {
            problems.push(
                origin,
                format!("{what} '{spelt}' gives `{name}`, which {owner} defines itself"),
            );
            return;
        }
        match self.seen.get(name) {
            Some(first) => problems.push(
                origin,
                format!("{what} '{spelt}' gives `{name}`, the name of the {what} at {first}"),
            ),
            None => {
                self.seen.insert(name.to_owned(), origin.clone());
            }
        }
    }
}

/// How deeply named types may contain one another. rustc checks auto traits (`Freeze`,
/// `Send`) through every level and gives up past its recursion limit (error E0275 at about 60
/// nested structs, found by fuzzing); real APIs nest a dozen levels at most.
const MAX_NESTING: usize = 40;

/// Every type that contains others more than [`MAX_NESTING`] levels deep, through fields,
/// variants, options, arrays and maps (a recursive type's `Box` ends its chain).
fn nesting(api: &Api, problems: &mut Problems) {
    let mut depths: BTreeMap<&TypeName, usize> = BTreeMap::new();
    for name in api.types.keys() {
        let depth = nesting_depth(api, name, &mut depths);
        if depth > MAX_NESTING {
            if let Some(def) = api.types.get(name) {
                problems.push(
                    &def.origin,
                    format!(
                        "nests types {depth} levels deep, more than the {MAX_NESTING} the Rust compiler can \
                         check (E0275); flatten some of the inner objects"
                    ),
                );
                // The types inside it are reported through it; one message says it.
                return;
            }
        }
    }
}

/// The depth of `name`: 1 plus the deepest type it holds without a `Box`. Iterative, in the
/// order a depth-first walk finishes types, so a deep chain cannot overflow the stack; a cycle
/// (only through boxed fields once lowering is done) counts once.
fn nesting_depth<'a>(
    api: &'a Api,
    start: &'a TypeName,
    depths: &mut BTreeMap<&'a TypeName, usize>,
) -> usize {
    let mut stack: Vec<(&TypeName, bool)> = vec![(start, false)];
    let mut open: BTreeSet<&TypeName> = BTreeSet::new();
    while let Some((name, expanded)) = stack.pop() {
        if depths.contains_key(name) {
            continue;
        }
        let children = held_types(api, name);
        if expanded {
            open.remove(name);
            let deepest = children.iter().filter_map(|c| depths.get(c)).max().copied();
            depths.insert(name, 1 + deepest.unwrap_or(0));
            continue;
        }
        if !open.insert(name) {
            continue;
        }
        stack.push((name, true));
        for child in children {
            if !depths.contains_key(child) && !open.contains(child) {
                stack.push((child, false));
            }
        }
    }
    depths.get(start).copied().unwrap_or(0)
}

/// The named types `name` holds inline (not through a boxed field).
fn held_types<'a>(api: &'a Api, name: &TypeName) -> Vec<&'a TypeName> {
    fn named<'t>(ty: &'t TypeRef, out: &mut Vec<&'t TypeName>) {
        match ty {
            TypeRef::Named(name) => out.push(name),
            TypeRef::Array(inner) | TypeRef::Map(inner) => named(inner, out),
            TypeRef::Primitive(_) | TypeRef::Any => {}
        }
    }
    let mut out = Vec::new();
    let Some(def) = api.types.get(name) else {
        return out;
    };
    match &def.kind {
        TypeKind::Struct(strukt) => {
            for field in strukt.fields.iter().filter(|f| !f.boxed) {
                named(&field.ty, &mut out);
            }
            if let Some(additional) = &strukt.additional {
                named(additional, &mut out);
            }
        }
        TypeKind::Union(union) => {
            for variant in union.variants.iter().filter(|v| !v.boxed) {
                named(&variant.ty, &mut out);
            }
        }
        TypeKind::Alias(target) | TypeKind::Newtype(target) => named(target, &mut out),
        TypeKind::Enum(_) => {}
    }
    out
}

fn type_def(api: &Api, key: &TypeName, def: &TypeDef, problems: &mut Problems) {
    let origin = &def.origin;
    let name = def.name.as_str();
    if def.name != *key {
        problems.push(
            origin,
            format!("type `{name}` is filed as `{key}` (a bug in xgen)"),
        );
    }
    if !names::is_identifier(name) || RESERVED_ITEM_NAMES.contains(&name) {
        problems.push(
            origin,
            format!("type name `{name}` is not a name the generated module can define"),
        );
    }
    match &def.kind {
        TypeKind::Struct(strukt) => {
            let mut fields = Scope::new("field");
            let mut wires: BTreeMap<&str, &Origin> = BTreeMap::new();
            for field in &strukt.fields {
                fields.add(&field.name.rust, &field.name.wire, &field.origin, problems);
                defined(api, &field.ty, &field.origin, problems);
                // Two fields under one wire name cannot both be decoded.
                if let Some(first) = wires.insert(&field.name.wire, &field.origin) {
                    problems.push(
                        &field.origin,
                        format!(
                            "field '{}' is also the wire name of the field at {first}",
                            escape(&field.name.wire)
                        ),
                    );
                }
            }
            if let Some(value) = &strukt.additional {
                let map = strukt.additional_field();
                fields.add(&map, "additionalProperties", origin, problems);
                defined(api, value, origin, problems);
            }
        }
        TypeKind::Enum(e) => {
            let mut variants = Scope::new("variant");
            let mut values = BTreeSet::new();
            for variant in &e.variants {
                let value = variant.value.to_string();
                variants.add(variant.name.as_str(), &value, origin, problems);
                // A value listed twice would be a pattern that can never match.
                if !values.insert(value.clone()) {
                    let value = escape(&value);
                    problems.push(origin, format!("value '{value}' is listed twice"));
                }
            }
            // Integer enums are always open; the emitter calls a missing catch-all `Other`.
            let fallback = match (&e.fallback, e.repr) {
                (Some(fallback), _) => Some(fallback.as_str()),
                (None, crate::ir::EnumRepr::Integer) => Some("Other"),
                (None, crate::ir::EnumRepr::String) => None,
            };
            if let Some(fallback) = fallback {
                variants.add(fallback, "(a value not listed)", origin, problems);
            }
        }
        TypeKind::Union(union) => {
            let mut variants = Scope::new("variant");
            for variant in &union.variants {
                variants.add(
                    variant.name.as_str(),
                    variant.name.as_str(),
                    origin,
                    problems,
                );
                defined(api, &variant.ty, origin, problems);
            }
        }
        TypeKind::Alias(target) => {
            if let Some(cycle) = alias_cycle(api, key) {
                problems.push(
                    origin,
                    format!(
                        "type `{key}` is only another name for itself ({}), so it has no shape; \
                         give one of them a type",
                        cycle.join(" → ")
                    ),
                );
            } else {
                defined(api, target, origin, problems);
            }
        }
        TypeKind::Newtype(target) => defined(api, target, origin, problems),
    }
}

/// The cycle `start` → ... → `start` when `start`'s alias target is another alias's name, and
/// so on, until `start` again; `None` when the chain reaches a type with a shape.
fn alias_cycle(api: &Api, start: &TypeName) -> Option<Vec<String>> {
    let mut chain = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    let mut current = start;
    while let Some(TypeKind::Alias(TypeRef::Named(next))) = api.types.get(current).map(|d| &d.kind)
    {
        chain.push(next.to_string());
        if next == start {
            return Some(chain);
        }
        if !seen.insert(next) {
            return None;
        }
        current = next;
    }
    None
}

/// Every type `ty` names must be defined.
fn defined(api: &Api, ty: &TypeRef, origin: &Origin, problems: &mut Problems) {
    let mut stack = vec![ty];
    while let Some(current) = stack.pop() {
        match current {
            TypeRef::Named(name) if !api.types.contains_key(name) => problems.push(
                origin,
                format!("refers to type `{name}`, which nothing defines"),
            ),
            TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(inner),
            TypeRef::Named(_) | TypeRef::Primitive(_) | TypeRef::Any => {}
        }
    }
}

fn operations(api: &Api, problems: &mut Problems) {
    let all = [OPERATIONS_ALL];
    let mut methods = Scope::new("operation id").reserving(CLIENT_ITEMS, "the client");
    let mut statics = Scope::new("operation id").reserving(&all, "the `operations` module");
    for (key, op) in &api.operations {
        let method = names::method_name(&op.id);
        if *key != method {
            problems.push(
                &op.origin,
                format!(
                    "operation '{}' is filed as `{key}`, not `{method}` (a bug in xgen)",
                    escape(&op.id)
                ),
            );
        }
        methods.add(&method, &op.id, &op.origin, problems);
        statics.add(
            &names::operation_constant(&op.id),
            &op.id,
            &op.origin,
            problems,
        );
        if let Some(request) = &op.request {
            match api.types.get(request).map(|d| &d.kind) {
                Some(TypeKind::Struct(_)) => {}
                Some(_) => problems.push(
                    &op.origin,
                    format!("the request type `{request}` is not a struct (a bug in xgen)"),
                ),
                None => problems.push(
                    &op.origin,
                    format!("refers to request type `{request}`, which nothing defines"),
                ),
            }
        }
        // The OpenAPI front-end checks this while lowering, to leave such an operation out;
        // here it holds for every format.
        if let Err(error) = super::check_path_template(&op.path, &op.params, &op.origin) {
            problems.0.push(error);
        }
        defined(api, &op.response, &op.origin, problems);
        for param in &op.params {
            defined(api, &param.ty, &param.origin, problems);
        }
        for field in op.signer_fields() {
            defined(api, &field.ty, &op.origin, problems);
        }
    }
}

/// The client's associated constants: one per base URL, beside `SIGNING_SCHEME`.
fn client_constants(api: &Api, profile: &Origin, problems: &mut Problems) {
    let urls = profile.child("base_urls");
    let mut constants: BTreeMap<String, String> = BTreeMap::new();
    for env in api.profile.base_urls.keys() {
        let constant = names::base_url_constant(env);
        let at = urls.child(env);
        let env = escape(env);
        if !names::is_identifier(&constant) {
            problems.push(
                &at,
                format!("base URL '{env}' gives `{constant}`, which is not a Rust identifier"),
            );
        } else if CLIENT_ITEMS.contains(&constant.as_str()) {
            problems.push(
                &at,
                format!(
                    "base URL '{env}' gives `Client::{constant}`, which the client has already"
                ),
            );
        } else if let Some(first) = constants.get(&constant) {
            problems.push(
                &at,
                format!(
                    "base URLs '{first}' and '{env}' both give the constant `Client::{constant}`; \
                     rename one of them"
                ),
            );
        } else {
            constants.insert(constant, env.into_owned());
        }
    }
}

fn auth_schemes(api: &Api, problems: &mut Problems) {
    let schemes = &api.profile.auth_schemes;
    let constants = names::auth_scheme_constants(schemes.keys());
    let mut scope = Scope::new("security scheme");
    for (name, scheme) in schemes {
        if let Some(constant) = constants.get(name) {
            scope.add(constant, name, &scheme.origin, problems);
        }
    }
}
