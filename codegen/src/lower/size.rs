//! Union variants much larger than the rest are boxed, as clippy's `large_enum_variant` asks: an
//! untagged union of a 400-byte struct and a `Vec` (Binance's "one ticker or a list of them")
//! would make every value, the list included, 400 bytes.
//!
//! Sizes are estimated from the IR the way rustc lays the generated types out (a `String` or
//! `Vec` is 24 bytes, an `Option` adds at most a word), erring high; a variant is boxed when it
//! outweighs the next largest by more than [`BOX_ABOVE`], well inside clippy's 200 bytes so that
//! an estimate a little low still passes.

use crate::ir::{Api, EnumRepr, Primitive, TypeKind, TypeName, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// How much larger than the next largest variant a variant may be before it is boxed.
const BOX_ABOVE: usize = 128;

/// Boxes, in every union, the largest variant while it outweighs the next by [`BOX_ABOVE`].
pub(super) fn box_large_variants(api: &mut Api) {
    let mut sizes = Sizes::default();
    let unions: Vec<TypeName> = api
        .types
        .iter()
        .filter(|(_, def)| matches!(def.kind, TypeKind::Union(_)))
        .map(|(name, _)| name.clone())
        .collect();
    for name in unions {
        while let Some(TypeKind::Union(union)) = api.types.get(&name).map(|d| &d.kind) {
            let mut weighed: Vec<(usize, usize)> = union
                .variants
                .iter()
                .enumerate()
                .map(|(index, v)| match v.boxed {
                    true => (BOXED, index),
                    false => (sizes.of(&v.ty, api), index),
                })
                .collect();
            if union.tag.is_some() {
                // The fallback keeps a `serde_json::Value`.
                weighed.push((VALUE, usize::MAX));
            }
            weighed.sort_unstable_by(|a, b| b.cmp(a));
            let (largest, index) = weighed[0];
            let next = weighed.get(1).map_or(0, |w| w.0);
            if index == usize::MAX || largest <= next + BOX_ABOVE {
                break;
            }
            if let Some(TypeKind::Union(union)) = api.types.get_mut(&name).map(|d| &mut d.kind) {
                union.variants[index].boxed = true;
            }
            // The union's own size changed: forget it and what holds it.
            sizes.known.clear();
        }
    }
}

/// A `Box`, a reference's worth.
const BOXED: usize = 8;
/// A `serde_json::Value`.
const VALUE: usize = 32;
/// A `String`, `Vec` or `BTreeMap`.
const COLLECTION: usize = 24;

#[derive(Default)]
struct Sizes {
    known: BTreeMap<TypeName, usize>,
    /// Types being weighed: one met again is inside itself, hence boxed.
    weighing: BTreeSet<TypeName>,
}

impl Sizes {
    fn of(&mut self, ty: &TypeRef, api: &Api) -> usize {
        match ty {
            TypeRef::Primitive(Primitive::String | Primitive::DecimalString | Primitive::Bytes) => {
                COLLECTION
            }
            TypeRef::Primitive(Primitive::Bool) => 1,
            TypeRef::Primitive(Primitive::I32) => 4,
            TypeRef::Primitive(Primitive::I64 | Primitive::U64 | Primitive::F64) => 8,
            TypeRef::Array(_) | TypeRef::Map(_) => COLLECTION,
            TypeRef::Any => VALUE,
            TypeRef::Named(name) => self.named(name, api),
        }
    }

    fn named(&mut self, name: &TypeName, api: &Api) -> usize {
        if let Some(size) = self.known.get(name) {
            return *size;
        }
        if !self.weighing.insert(name.clone()) {
            return BOXED;
        }
        let size = match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct(strukt)) => strukt
                .fields
                .iter()
                .map(|field| {
                    let inner = match field.boxed {
                        true => BOXED,
                        false => self.of(&field.ty, api),
                    };
                    // `Option<T>` adds a tag word unless `T` has a niche; assume it has not.
                    match field.required && !field.nullable {
                        true => inner,
                        false => inner + 8,
                    }
                })
                .sum(),
            Some(TypeKind::Enum(e)) => match e.repr {
                // Open enums keep unknown values: `Other(String)` or `Other(i64)`.
                EnumRepr::String => COLLECTION + 8,
                EnumRepr::Integer => 16,
            },
            Some(TypeKind::Union(union)) => {
                let tagged = union.tag.is_some();
                let largest = union
                    .variants
                    .iter()
                    .map(|v| match v.boxed {
                        true => BOXED,
                        false => self.of(&v.ty, api),
                    })
                    .chain(tagged.then_some(VALUE))
                    .max()
                    .unwrap_or(0);
                largest + 8
            }
            Some(TypeKind::Alias(target) | TypeKind::Newtype(target)) => self.of(target, api),
            None => BOXED,
        };
        self.weighing.remove(name);
        self.known.insert(name.clone(), size);
        size
    }
}
