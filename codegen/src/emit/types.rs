//! Named types: structs, enums, unions and aliases.

use super::docs::{doc_attrs, lines};
use crate::ir::{
    Enum, EnumRepr, EnumValue, Field, Primitive, Struct, TypeDef, TypeKind, TypeRef, Union,
};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

pub(super) fn type_def(def: &TypeDef) -> TokenStream {
    let doc = doc_attrs(
        &def.docs,
        &format!("`{}`, as the spec defines it.", def.name),
    );
    let name = format_ident!("{}", def.name.as_str());
    let body = match &def.kind {
        TypeKind::Struct(strukt) => structure(&name, strukt),
        TypeKind::Enum(e) if e.repr == EnumRepr::String => string_enum(&name, e),
        TypeKind::Enum(e) => integer_enum(&name, e),
        TypeKind::Union(union) => untagged_union(&name, union),
        TypeKind::Alias(target) => {
            let target = type_ref(target);
            quote! { pub type #name = #target; }
        }
        TypeKind::Newtype(target) => newtype(&name, target),
    };
    quote! { #doc #body }
}

/// The Rust type for a use of a type.
pub(super) fn type_ref(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Primitive(Primitive::String | Primitive::DecimalString) => quote! { String },
        TypeRef::Primitive(Primitive::Bool) => quote! { bool },
        TypeRef::Primitive(Primitive::I32) => quote! { i32 },
        TypeRef::Primitive(Primitive::I64) => quote! { i64 },
        TypeRef::Primitive(Primitive::U64) => quote! { u64 },
        TypeRef::Primitive(Primitive::F64) => quote! { f64 },
        TypeRef::Primitive(Primitive::Bytes) => quote! { Vec<u8> },
        TypeRef::Named(name) => {
            let ident = format_ident!("{}", name.as_str());
            quote! { #ident }
        }
        TypeRef::Array(item) => {
            let item = type_ref(item);
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            let value = type_ref(value);
            quote! { ::std::collections::BTreeMap<String, #value> }
        }
        TypeRef::Any => quote! { ::serde_json::Value },
    }
}

fn structure(name: &proc_macro2::Ident, strukt: &Struct) -> TokenStream {
    let fields = strukt.fields.iter().map(struct_field);
    let additional = strukt.additional.as_ref().map(|value| {
        let value = type_ref(value);
        let doc = lines("Properties the spec does not list by name.");
        let ident = format_ident!("{}", strukt.additional_field());
        quote! {
            #doc
            #[serde(flatten)]
            pub #ident: ::std::collections::BTreeMap<String, #value>,
        }
    });
    // A struct whose fields are all optional can be built with `..Default::default()`.
    let default = strukt
        .fields
        .iter()
        .all(|f| !f.required)
        .then(|| quote! { Default, });
    quote! {
        #[derive(Debug, Clone, #default PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

/// A type with the shape of another, the same on the wire: a recursive alias, which Rust cannot
/// spell as `type A = Vec<A>;`.
fn newtype(name: &proc_macro2::Ident, target: &TypeRef) -> TokenStream {
    let target = type_ref(target);
    quote! {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub #target);
    }
}

fn struct_field(field: &Field) -> TokenStream {
    let doc = doc_attrs(&field.docs, &format!("The `{}` field.", field.name.wire));
    let ident = format_ident!("{}", field.name.rust);
    let rename = serde_rename(&field.name.rust, &field.name.wire);
    let inner = boxed(type_ref(&field.ty), field.boxed);
    let (ty, optional) = if field.required && !field.nullable {
        (inner, quote! {})
    } else if field.required {
        // Required but nullable: always sent, `null` when `None`.
        (quote! { Option<#inner> }, quote! {})
    } else {
        (
            quote! { Option<#inner> },
            quote! { #[serde(default, skip_serializing_if = "Option::is_none")] },
        )
    };
    quote! {
        #doc
        #rename
        #optional
        pub #ident: #ty,
    }
}

fn boxed(ty: TokenStream, boxed: bool) -> TokenStream {
    if boxed {
        quote! { Box<#ty> }
    } else {
        ty
    }
}

/// `#[serde(rename = "...")]`, only where the Rust spelling differs from the wire spelling.
fn serde_rename(rust: &str, wire: &str) -> TokenStream {
    let rust = rust.strip_prefix("r#").unwrap_or(rust);
    if rust == wire {
        quote! {}
    } else {
        quote! { #[serde(rename = #wire)] }
    }
}

const UNKNOWN_VALUE_DOC: &str =
    "A value this client does not know yet, kept as the exchange sent it.";

fn string_enum(name: &proc_macro2::Ident, e: &Enum) -> TokenStream {
    let variants = e.variants.iter().map(|v| {
        let doc = doc_attrs(&v.docs, &format!("`{}`", v.value));
        let ident = format_ident!("{}", v.name.as_str());
        let rename = serde_rename(v.name.as_str(), &v.value.to_string());
        quote! { #doc #rename #ident, }
    });
    let other = e.fallback.as_ref().map(|fallback| {
        let doc = lines(UNKNOWN_VALUE_DOC);
        let ident = format_ident!("{}", fallback.as_str());
        quote! { #doc #[serde(untagged)] #ident(String), }
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #other
        }
    }
}

/// Integer enums: serde's derive cannot rename to numbers, so the impls map through `i64`.
/// They are always open: `from_value` needs somewhere to put a value it does not know.
fn integer_enum(name: &proc_macro2::Ident, e: &Enum) -> TokenStream {
    let idents: Vec<_> = e
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.name.as_str()))
        .collect();
    let values: Vec<Literal> = e
        .variants
        .iter()
        .filter_map(|v| match v.value {
            EnumValue::Integer(value) => Some(Literal::i64_unsuffixed(value)),
            EnumValue::String(_) => None,
        })
        .collect();
    let docs = e
        .variants
        .iter()
        .map(|v| doc_attrs(&v.docs, &format!("`{}`", v.value)));
    let other = format_ident!("{}", e.fallback.as_ref().map_or("Other", |f| f.as_str()));
    let other_doc = lines(UNKNOWN_VALUE_DOC);
    let value_doc = lines("The value on the wire.");
    let from_doc = lines(&format!(
        "The variant for a wire value; unknown values are kept in `{other}`."
    ));
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #docs #idents, )*
            #other_doc
            #other(i64),
        }

        impl #name {
            #value_doc
            pub fn value(self) -> i64 {
                match self {
                    #( Self::#idents => #values, )*
                    Self::#other(value) => value,
                }
            }

            #from_doc
            pub fn from_value(value: i64) -> Self {
                match value {
                    #( #values => Self::#idents, )*
                    other => Self::#other(other),
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <i64 as ::serde::Deserialize>::deserialize(deserializer).map(Self::from_value)
            }
        }
    }
}

fn untagged_union(name: &proc_macro2::Ident, union: &Union) -> TokenStream {
    let variants = union.variants.iter().map(|v| {
        let ident = format_ident!("{}", v.name.as_str());
        let ty = boxed(type_ref(&v.ty), v.boxed);
        let doc = match &union.tag {
            Some(tag) => {
                let values = tag
                    .values
                    .get(
                        union
                            .variants
                            .iter()
                            .position(|o| o.name == v.name)
                            .unwrap_or(0),
                    )
                    .map(|values| quoted_list(values))
                    .unwrap_or_default();
                lines(&format!(
                    "The `{}` shape: `{}` is {values}.",
                    v.name, tag.property
                ))
            }
            None => lines(&format!("The `{}` shape.", v.name)),
        };
        quote! { #doc #ident(#ty), }
    });
    let Some(tag) = &union.tag else {
        return quote! {
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }
        };
    };
    let fallback = format_ident!("{}", tag.fallback.as_str());
    let fallback_doc = lines(&format!(
        "An object whose `{}` names no shape this client knows yet, kept as the exchange sent it.",
        tag.property
    ));
    let deserialize = tagged_deserialize(name, union, tag);
    quote! {
        // Written out as the exchange sends each shape, tag included; read by the tag.
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            #fallback_doc
            #fallback(::serde_json::Value),
        }
        #deserialize
    }
}

/// `"a"`, `"a"` or `"b"`, ...: tag values for docs.
fn quoted_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v:?}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Reads a tagged union by the value of its tag property: the variant it names, which then
/// reads the whole object (tag included, since the shape lists it), or the fallback.
fn tagged_deserialize(
    name: &proc_macro2::Ident,
    union: &Union,
    tag: &crate::ir::UnionTag,
) -> TokenStream {
    let property = &tag.property;
    let arms = union.variants.iter().zip(&tag.values).map(|(v, values)| {
        let ident = format_ident!("{}", v.name.as_str());
        let wrap = if v.boxed {
            quote! { |shape| Self::#ident(::std::boxed::Box::new(shape)) }
        } else {
            quote! { Self::#ident }
        };
        quote! {
            ::core::option::Option::Some(#(#values)|*) => ::serde_json::from_value(value)
                .map(#wrap)
                .map_err(::serde::de::Error::custom),
        }
    });
    let fallback = format_ident!("{}", tag.fallback.as_str());
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    ::core::option::Option::Some(_) => Ok(Self::#fallback(value)),
                    ::core::option::Option::None => Err(<D::Error as ::serde::de::Error>::missing_field(#property)),
                }
            }
        }
    }
}
