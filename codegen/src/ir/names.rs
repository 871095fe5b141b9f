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

/// Names the generated module itself uses unqualified (`Option<T>`, `Vec<T>`, its `Client`): a
/// spec type of the same name would shadow them, so such types get a `Type` suffix.
const RESERVED_ITEM_NAMES: &[&str] = &["Box", "Client", "Option", "Result", "String", "Vec"];

/// A Rust type (or enum variant) name in UpperCamelCase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeName(String);

impl TypeName {
    /// The UpperCamelCase name of a module-level type for a spec identifier (`cancel-3` →
    /// `Cancel3`, `result` → `ResultType`).
    pub fn from_spec(raw: &str) -> Self {
        let TypeName(name) = Self::variant(raw);
        if RESERVED_ITEM_NAMES.contains(&name.as_str()) {
            return TypeName(format!("{name}Type"));
        }
        TypeName(name)
    }

    /// The UpperCamelCase name of an enum variant for a spec value (`cancel-pending` →
    /// `CancelPending`). Variants cannot shadow anything, so only keywords are changed.
    ///
    /// Values with nothing usable in them become `Unnamed`; ones that start with a digit get
    /// a `V` in front (`1` → `V1`), which reads as "value 1".
    pub fn variant(raw: &str) -> Self {
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
    /// order given (callers pass spec order or sorted order, both deterministic). A suffixed name
    /// never takes a name that is already in the list (`V1` twice beside `V12` gives `V13`).
    pub fn dedupe(names: &mut [TypeName]) {
        let mut taken: std::collections::BTreeSet<String> =
            names.iter().map(|n| n.0.clone()).collect();
        let mut seen = std::collections::BTreeSet::new();
        for name in names.iter_mut() {
            if seen.insert(name.0.clone()) {
                continue;
            }
            let unique = (2..)
                .map(|n| format!("{}{n}", name.0))
                .find(|c| !taken.contains(c))
                .unwrap_or_default();
            taken.insert(unique.clone());
            seen.insert(unique.clone());
            name.0 = unique;
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

    /// The SCREAMING_SNAKE_CASE spelling, for constants (`cancelWithdrawal` →
    /// `CANCEL_WITHDRAWAL`).
    pub fn constant(&self) -> String {
        self.rust.to_uppercase()
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
            ("result", "ResultType"),
            ("Client", "ClientType"),
            ("string", "StringType"),
        ];
        for (raw, rust) in table {
            assert_eq!(TypeName::from_spec(raw).as_str(), rust, "spec name {raw:?}");
        }
        let variants = [
            ("result", "Result"),
            ("client", "Client"),
            ("self", "Self_"),
            ("11", "V11"),
        ];
        for (raw, rust) in variants {
            assert_eq!(TypeName::variant(raw).as_str(), rust, "spec value {raw:?}");
        }
        assert_eq!(
            TypeName::joined(&["cancelWithdrawal", "Request"]).as_str(),
            "CancelWithdrawalRequest"
        );
    }

    #[test]
    fn constants() {
        assert_eq!(
            FieldName::from_wire("cancelWithdrawal").constant(),
            "CANCEL_WITHDRAWAL"
        );
        assert_eq!(FieldName::from_wire("123abc").constant(), "N123ABC");
        assert_eq!(
            FieldName::from_wire("demo-trading").constant(),
            "DEMO_TRADING"
        );
        assert_eq!(FieldName::from_wire("type").constant(), "TYPE_");
    }

    #[test]
    fn every_name_is_a_valid_identifier() {
        let nasty = [
            "",
            "_",
            "1",
            "9lives",
            "a b",
            "ünïcode",
            "self",
            "Self",
            "crate",
            "r#type",
            "--",
            "x.y",
            "Result",
        ];
        for raw in nasty {
            for ident in [
                TypeName::from_spec(raw).0,
                TypeName::variant(raw).0,
                FieldName::from_wire(raw).rust,
                FieldName::from_wire(raw).constant(),
            ] {
                assert!(
                    syn::parse_str::<syn::Ident>(&ident).is_ok(),
                    "{raw:?} gave {ident:?}"
                );
            }
        }
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
