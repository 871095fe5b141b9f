//! Recursive types, made expressible in Rust:
//!
//! - an alias that names itself (`A` = array of `A`, or `A` = map of `B`, `B` = array of `A`)
//!   becomes a newtype, since `type A = Vec<A>;` is a cycle Rust refuses;
//! - a struct or union that contains itself directly (not through a `Vec` or a map, which
//!   already allocate) would have infinite size, so that field is boxed.
//!
//! An alias that is another name for itself through aliases alone (`A` = `A`, or `A` = `B`,
//! `B` = `A`) has no shape at all; it stays an alias and `validate` reports it.

use crate::ir::{Api, TypeKind, TypeName, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// Turns every alias whose target, with aliases expanded, contains the alias itself (through an
/// array or a map) into a newtype with the same target. Which aliases change depends only on
/// the set of types, not on any order: every alias on such a cycle changes.
pub(super) fn newtype_recursive_aliases(api: &mut Api) {
    let aliases: BTreeMap<&TypeName, &TypeRef> = api
        .types
        .iter()
        .filter_map(|(name, def)| match &def.kind {
            TypeKind::Alias(target) => Some((name, target)),
            _ => None,
        })
        .collect();
    let recursive: Vec<TypeName> = aliases
        .iter()
        .filter(|(name, target)| {
            !alias_only_cycle(name, &aliases) && expands_to(target, name, &aliases)
        })
        .map(|(name, _)| (*name).clone())
        .collect();
    for name in recursive {
        if let Some(def) = api.types.get_mut(&name) {
            if let TypeKind::Alias(target) = &def.kind {
                def.kind = TypeKind::Newtype(target.clone());
            }
        }
    }
}

/// Whether following `name`'s alias target while it is just another alias's name comes back to
/// `name`: an alias with no shape.
fn alias_only_cycle(name: &TypeName, aliases: &BTreeMap<&TypeName, &TypeRef>) -> bool {
    let mut seen = BTreeSet::new();
    let mut current = name;
    while let Some(TypeRef::Named(next)) = aliases.get(current) {
        if next == name {
            return true;
        }
        if !seen.insert(next) {
            return false;
        }
        current = next;
    }
    false
}

/// Whether `ty`, with aliases expanded (each once), mentions `name`: through arrays, maps and
/// other aliases, not into structs, enums, unions or newtypes, which are types of their own.
fn expands_to(ty: &TypeRef, name: &TypeName, aliases: &BTreeMap<&TypeName, &TypeRef>) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![ty];
    while let Some(current) = stack.pop() {
        match current {
            TypeRef::Named(target) if target == name => return true,
            TypeRef::Named(target) => {
                if let Some(expansion) = aliases.get(target) {
                    if seen.insert(target) {
                        stack.push(expansion);
                    }
                }
            }
            TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(inner),
            TypeRef::Primitive(_) | TypeRef::Any => {}
        }
    }
    false
}

/// Marks every field and union variant whose type leads back to its own container.
pub(super) fn box_recursive_fields(api: &mut Api) {
    let edges = direct_edges(api);
    for (name, def) in api.types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(strukt) => {
                for field in &mut strukt.fields {
                    field.boxed = leads_back(&field.ty, name, &edges);
                }
            }
            TypeKind::Union(union) => {
                for variant in &mut union.variants {
                    variant.boxed = leads_back(&variant.ty, name, &edges);
                }
            }
            TypeKind::Enum(_) | TypeKind::Alias(_) | TypeKind::Newtype(_) => {}
        }
    }
}

/// For each named type, the named types it holds inline.
fn direct_edges(api: &Api) -> BTreeMap<TypeName, Vec<TypeName>> {
    api.types
        .iter()
        .map(|(name, def)| {
            let held: Vec<&TypeRef> = match &def.kind {
                TypeKind::Struct(strukt) => strukt.fields.iter().map(|f| &f.ty).collect(),
                TypeKind::Union(union) => union.variants.iter().map(|v| &v.ty).collect(),
                TypeKind::Alias(target) | TypeKind::Newtype(target) => vec![target],
                TypeKind::Enum(_) => Vec::new(),
            };
            let inline = held.into_iter().filter_map(|ty| match ty {
                TypeRef::Named(target) => Some(target.clone()),
                _ => None,
            });
            (name.clone(), inline.collect())
        })
        .collect()
}

fn leads_back(
    ty: &TypeRef,
    container: &TypeName,
    edges: &BTreeMap<TypeName, Vec<TypeName>>,
) -> bool {
    let TypeRef::Named(start) = ty else {
        return false;
    };
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(current) = stack.pop() {
        if current == container {
            return true;
        }
        if seen.insert(current) {
            stack.extend(edges.get(current).into_iter().flatten());
        }
    }
    false
}
