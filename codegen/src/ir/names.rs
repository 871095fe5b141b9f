//! Rust names for spec identifiers: case conversion, keywords, invalid characters, collisions.
//!
//! This is the only place that decides a generated name. Names derive from spec identifiers,
//! never from counters alone, so a one-line spec change stays a one-line diff.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeMap;
use std::fmt;

/// Words Rust reserves, strict and reserved, in every edition up to 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A Rust type (or enum variant) name in UpperCamelCase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeName(String);

impl TypeName {
    /// The UpperCamelCase name for a spec identifier (`cancel-3` → `Cancel3`).
    ///
    /// Identifiers with nothing usable in them become `Unnamed`; ones that start with a digit get
    /// a `V` in front (`1` → `V1`), which reads as "value 1" for enum variants.
    pub fn from_spec(raw: &str) -> Self {
        let camel = sanitise(raw).to_upper_camel_case();
        let name = match camel.chars().next() {
            None => "Unnamed".to_owned(),
            Some(c) if c.is_ascii_digit() => format!("V{camel}"),
            Some(_) => camel,
        };
        TypeName(unkeyword(name))
    }

    /// Joins spec identifiers into one name (`cancelWithdrawal` + `Request`).
    pub fn joined(parts: &[&str]) -> Self {
        TypeName::from_spec(&parts.join("_"))
    }

    /// The name as Rust source text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Makes each name in `names` unique by appending `2`, `3`, ... to later duplicates, in the
    /// order given (callers pass spec order or sorted order, both deterministic).
    pub fn dedupe(names: &mut [TypeName]) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for name in names.iter_mut() {
            let count = seen.entry(name.0.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                name.0 = format!("{}{}", name.0, count);
            }
        }
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field, parameter or method name: its snake_case Rust spelling and its wire spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldName {
    /// The Rust identifier.
    pub rust: String,
    /// The name on the wire, exactly as the spec spells it.
    pub wire: String,
}

impl FieldName {
    /// The snake_case name for a wire name (`withdrawID` → `withdraw_id`, `type` → `type_`).
    pub fn from_wire(wire: &str) -> Self {
        let snake = sanitise(wire).to_snake_case();
        let rust = match snake.chars().next() {
            None => "unnamed".to_owned(),
            Some(c) if c.is_ascii_digit() => format!("n{snake}"),
            Some(_) => snake,
        };
        FieldName {
            rust: unkeyword(rust),
            wire: wire.to_owned(),
        }
    }

    /// Whether the Rust spelling differs from the wire spelling, so serde needs a rename.
    pub fn needs_rename(&self) -> bool {
        self.rust != self.wire
    }

    /// Makes the Rust spellings unique by appending `_2`, `_3`, ... to later duplicates.
    pub fn dedupe(names: &mut [FieldName]) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for name in names.iter_mut() {
            let count = seen.entry(name.rust.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                name.rust = format!("{}_{}", name.rust, count);
            }
        }
    }
}

/// Keeps letters, digits and word separators; anything else separates words.
fn sanitise(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Appends `_` to a keyword, which also covers `self`/`Self`/`super`/`crate` that raw
/// identifiers cannot spell.
fn unkeyword(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        let table = [
            ("refid", "refid"),
            ("asset", "asset"),
            ("withdrawID", "withdraw_id"),
            ("withdrawId", "withdraw_id"),
            ("status-prop", "status_prop"),
            ("OMSId", "oms_id"),
            ("type", "type_"),
            ("self", "self_"),
            ("async", "async_"),
            ("24h", "n24h"),
            ("$", "unnamed"),
            ("", "unnamed"),
            ("errorClass", "error_class"),
            ("x-simulated-trading", "x_simulated_trading"),
        ];
        for (wire, rust) in table {
            assert_eq!(FieldName::from_wire(wire).rust, rust, "wire name {wire:?}");
        }
    }

    #[test]
    fn type_names() {
        let table = [
            ("cancel-3", "Cancel3"),
            ("cancelWithdrawal", "CancelWithdrawal"),
            ("cancel-pending", "CancelPending"),
            ("Self", "Self_"),
            ("1", "V1"),
            ("", "Unnamed"),
            ("status-prop", "StatusProp"),
        ];
        for (raw, rust) in table {
            assert_eq!(TypeName::from_spec(raw).as_str(), rust, "spec name {raw:?}");
        }
        assert_eq!(
            TypeName::joined(&["cancelWithdrawal", "Request"]).as_str(),
            "CancelWithdrawalRequest"
        );
    }

    #[test]
    fn collisions_get_suffixes_in_order() {
        let mut fields = vec![
            FieldName::from_wire("withdrawID"),
            FieldName::from_wire("withdrawId"),
        ];
        FieldName::dedupe(&mut fields);
        assert_eq!(fields[0].rust, "withdraw_id");
        assert_eq!(fields[1].rust, "withdraw_id_2");
        let mut types = vec![
            TypeName::from_spec("success"),
            TypeName::from_spec("Success"),
        ];
        TypeName::dedupe(&mut types);
        assert_eq!(types[1].as_str(), "Success2");
    }

    #[test]
    fn rename_only_when_spelling_differs() {
        assert!(!FieldName::from_wire("asset").needs_rename());
        assert!(FieldName::from_wire("withdrawID").needs_rename());
    }
}
