//! Boxing for recursive types: a struct or union that contains itself directly (not through a
//! `Vec` or a map, which already allocate) would have infinite size, so that field is boxed.

use crate::ir::{Api, TypeKind, TypeName, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

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
            TypeKind::Enum(_) | TypeKind::Alias(_) => {}
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
                TypeKind::Alias(target) => vec![target],
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
