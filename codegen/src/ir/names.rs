//! Rust names for spec identifiers: case conversion, keywords, invalid characters, collisions,
//! and the names the generator keeps for itself.
//!
//! This is the only place that decides a generated name. Names derive from spec identifiers,
//! never from counters alone, so a one-line spec change stays a one-line diff.
//!
//! Two rules keep every name in a scope free:
//!
//! - Spec names that collide after case conversion are told apart in the order given: later
//!   ones get `_2`, `_3`, ... (`2`, `3`, ... for type names), the first suffix no other name in
//!   the scope has.
//! - Where a spec name would take a name the generator uses in the same scope (the client's
//!   own methods, `operations::ALL`), the spec name gets a `_`, as a keyword does (`new_`,
//!   `ALL_`). A converted spec name never ends in `_` otherwise (case conversion drops
//!   trailing separators; only a keyword's escape adds one), so that spelling is always free.
//!   The generator's own members of a spec-named scope yield instead: the map of unlisted
//!   properties is `additional_properties_` beside a listed `additional_properties`, and an
//!   open enum's catch-all is the first free of `Other`, `OtherValue`, `OtherValue2`, ...
//!
//! `lower::validate` checks the result over the whole API, so a rule broken here is an error
//! with a place, never code that does not compile.

use super::{EnumVariant, Field, Struct};
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Words Rust reserves, strict and reserved, in every edition up to 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names the generated module itself uses unqualified (`Option<T>`, `Vec<T>`, its `Client`,
/// `Ok(..)`): a spec type of the same name would shadow them, so such types get a `Type` suffix.
/// `Ok`, `Err`, `Some` and `None` are values, but a newtype's constructor is a value too.
pub(crate) const RESERVED_ITEM_NAMES: &[&str] = &[
    "Box", "Client", "Err", "None", "Ok", "Option", "Result", "Some", "String", "Vec",
];

/// What the generated `Client` defines itself, besides one method per operation: its
/// constructors and accessor, the methods of the traits it derives (`Clone`, `Debug`), which a
/// method of the same name would shadow at every call site, and its associated constants
/// (`SIGNING_SCHEME`; each base URL is `<ENV>_URL`, see [`base_url_constant`]). An operation
/// whose method name is one of these gets a `_` (`new` → `new_`).
pub const CLIENT_ITEMS: &[&str] = &[
    "SIGNING_SCHEME",
    "clone",
    "clone_from",
    "fmt",
    "from_runtime",
    "new",
    "runtime",
    "with_base_url",
];

/// Module names an exchange cannot have: what the clients crate (`xgen-clients`) defines next
/// to the generated modules (`pub use xgen_runtime as runtime;`, `pub mod withdrawals;`), and
/// the crates generated code names by path (`std`, `core`, `alloc`, `serde`, `serde_json`,
/// `xgen_runtime`), which a module of the same name at the crate root would make ambiguous.
pub const RESERVED_MODULES: &[&str] = &[
    "alloc",
    "core",
    "runtime",
    "serde",
    "serde_json",
    "std",
    "withdrawals",
    "xgen_runtime",
];

/// The static in each generated `operations` module that lists every operation.
pub const OPERATIONS_ALL: &str = "ALL";

/// The field that keeps the properties a struct does not list, when the spec allows them.
pub const ADDITIONAL_PROPERTIES: &str = "additional_properties";

/// The variant that keeps an enum value the spec does not list, and its second choice.
const FALLBACK_VARIANTS: [&str; 2] = ["Other", "OtherValue"];

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
        let mut taken: BTreeSet<String> = names.iter().map(|n| n.0.clone()).collect();
        let mut seen = BTreeSet::new();
        let mut next = BTreeMap::new();
        for name in names.iter_mut() {
            if seen.insert(name.0.clone()) {
                continue;
            }
            let unique = suffixed(&name.0, "", &taken, &mut next);
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

    /// Makes the Rust spellings unique by appending `_2`, `_3`, ... to later duplicates, in the
    /// order given. A suffixed name never takes a name that is already in the list (`A`, `a` and
    /// `a_2` give `a`, `a_3`, `a_2`).
    pub fn dedupe(names: &mut [FieldName]) {
        let mut taken: BTreeSet<String> = names.iter().map(|n| n.rust.clone()).collect();
        let mut seen = BTreeSet::new();
        let mut next = BTreeMap::new();
        for name in names.iter_mut() {
            if seen.insert(name.rust.clone()) {
                continue;
            }
            let unique = suffixed(&name.rust, "_", &taken, &mut next);
            taken.insert(unique.clone());
            seen.insert(unique.clone());
            name.rust = unique;
        }
    }
}

/// The method of the generated `Client` for operation `id` (`cancelWithdrawal` →
/// `cancel_withdrawal`; `new` → `new_`, beside the client's own `new`).
pub fn method_name(id: &str) -> String {
    let rust = FieldName::from_wire(id).rust;
    match CLIENT_ITEMS.contains(&rust.as_str()) {
        true => format!("{rust}_"),
        false => rust,
    }
}

/// The static describing operation `id` in the `operations` module (`cancelWithdrawal` →
/// `CANCEL_WITHDRAWAL`; `all` → `ALL_`, beside the module's own `ALL`).
pub fn operation_constant(id: &str) -> String {
    let constant = FieldName::from_wire(id).constant();
    match constant == OPERATIONS_ALL {
        true => format!("{constant}_"),
        false => constant,
    }
}

/// The client's associated constant for the base URL of environment `env` (`production` →
/// `PRODUCTION_URL`).
pub fn base_url_constant(env: &str) -> String {
    format!("{}_URL", FieldName::from_wire(env).constant())
}

/// The client's constant for the hosts of an environment (`production` → `PRODUCTION_HOSTS`),
/// beside its [`base_url_constant`]: the two cannot collide, by their endings.
pub fn hosts_constant(env: &str) -> String {
    format!("{}_HOSTS", FieldName::from_wire(env).constant())
}

/// The constants of the `auth_schemes` module, by scheme name (`api_key` → `API_KEY`): schemes
/// whose names convert alike (`api_key`, `apiKey`) are told apart in name order (`API_KEY`,
/// `API_KEY_2`).
pub fn auth_scheme_constants<'a>(
    schemes: impl IntoIterator<Item = &'a String>,
) -> BTreeMap<String, String> {
    let mut sorted: Vec<&String> = schemes.into_iter().collect();
    sorted.sort();
    let mut names: Vec<FieldName> = sorted.iter().map(|s| FieldName::from_wire(s)).collect();
    FieldName::dedupe(&mut names);
    sorted
        .into_iter()
        .zip(names)
        .map(|(scheme, name)| (scheme.clone(), name.constant()))
        .collect()
}

impl Struct {
    /// The Rust name of the map that keeps unlisted properties (for a struct with
    /// `additional`): `additional_properties`, or `additional_properties_` when a listed field
    /// has that name.
    pub fn additional_field(&self) -> String {
        additional_field(&self.fields)
    }
}

/// [`Struct::additional_field`] for a struct with `fields`.
pub(crate) fn additional_field(fields: &[Field]) -> String {
    let taken: BTreeSet<String> = fields.iter().map(|f| f.name.rust.clone()).collect();
    first_free(ADDITIONAL_PROPERTIES, "_", &taken)
}

/// The open enum's catch-all variant beside `variants`: the first of `Other`, `OtherValue`,
/// `OtherValue2`, ... that no listed value takes.
pub fn fallback_variant(variants: &[EnumVariant]) -> TypeName {
    let taken: BTreeSet<String> = variants.iter().map(|v| v.name.0.clone()).collect();
    match FALLBACK_VARIANTS
        .iter()
        .find(|name| !taken.contains(**name))
    {
        Some(name) => TypeName((*name).to_owned()),
        None => TypeName(suffixed(
            FALLBACK_VARIANTS[1],
            "",
            &taken,
            &mut BTreeMap::new(),
        )),
    }
}

/// `base` if it is free, else `base` + `separator` (which no converted spec name ends with),
/// else the first free of `base` + `separator` + `2`, `3`, ...
fn first_free(base: &str, separator: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    let escaped = format!("{base}{separator}");
    if !separator.is_empty() && !taken.contains(&escaped) {
        return escaped;
    }
    suffixed(&escaped, "", taken, &mut BTreeMap::new())
}

/// The first of `base` + `separator` + `2`, `3`, ... that is not taken. `taken` is finite, so
/// one is always found.
fn suffixed(
    base: &str,
    separator: &str,
    taken: &BTreeSet<String>,
    next: &mut BTreeMap<String, u64>,
) -> String {
    // Carries on from the last suffix tried for `base`, so many names of one base cost linear
    // time, not quadratic (found by fuzzing).
    let start = next.get(base).copied().unwrap_or(2);
    let (number, name) = (start..)
        .map(|n: u64| (n, format!("{base}{separator}{n}")))
        .find(|(_, candidate)| !taken.contains(candidate))
        .unwrap_or((start, String::new()));
    next.insert(base.to_owned(), number + 1);
    name
}

/// Whether `name` is an identifier Rust accepts where the generator puts it: not empty, not a
/// keyword, ASCII letters, digits and `_`, not starting with a digit.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && name != "_"
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
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
                method_name(raw),
                operation_constant(raw),
                base_url_constant(raw),
            ] {
                assert!(
                    syn::parse_str::<syn::Ident>(&ident).is_ok(),
                    "{raw:?} gave {ident:?}"
                );
                assert!(is_identifier(&ident), "{raw:?} gave {ident:?}");
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
    fn a_suffixed_name_is_never_one_already_taken() {
        // C1: `A` and `a` both convert to `a`, and `a_2` is already there.
        let mut fields: Vec<FieldName> = ["A", "a", "a_2"]
            .iter()
            .map(|w| FieldName::from_wire(w))
            .collect();
        FieldName::dedupe(&mut fields);
        let rust: Vec<&str> = fields.iter().map(|f| f.rust.as_str()).collect();
        assert_eq!(rust, ["a", "a_3", "a_2"]);
        let wires = [
            "x", "X", "x_2", "x-2", "x_3", "X_2", "x", "type", "type_", "Type",
        ];
        let mut fields: Vec<FieldName> = wires.iter().map(|w| FieldName::from_wire(w)).collect();
        FieldName::dedupe(&mut fields);
        let unique: BTreeSet<&str> = fields.iter().map(|f| f.rust.as_str()).collect();
        assert_eq!(unique.len(), wires.len(), "{fields:?}");
        let mut types: Vec<TypeName> = ["V1", "1", "v1", "V12", "V1"]
            .iter()
            .map(|t| TypeName::variant(t))
            .collect();
        TypeName::dedupe(&mut types);
        let names: Vec<&str> = types.iter().map(TypeName::as_str).collect();
        assert_eq!(names, ["V1", "V13", "V14", "V12", "V15"]);
    }

    #[test]
    fn the_generators_own_names_are_kept_free() {
        // C3: the client's own methods.
        let methods = [
            ("new", "new_"),
            ("withBaseUrl", "with_base_url_"),
            ("runtime", "runtime_"),
            ("fromRuntime", "from_runtime_"),
            ("clone", "clone_"),
            ("fmt", "fmt_"),
            ("cancelWithdrawal", "cancel_withdrawal"),
            ("type", "type_"),
            ("new_", "new_"),
        ];
        for (id, method) in methods {
            assert_eq!(method_name(id), method, "operation id {id:?}");
        }
        // C2: `operations::ALL`.
        assert_eq!(operation_constant("all"), "ALL_");
        assert_eq!(operation_constant("ALL"), "ALL_");
        assert_eq!(operation_constant("allOrders"), "ALL_ORDERS");
        assert_eq!(operation_constant("new"), "NEW");
        assert_eq!(base_url_constant("production"), "PRODUCTION_URL");
        assert_eq!(base_url_constant("Production"), "PRODUCTION_URL");
    }

    fn variants(names: &[&str]) -> Vec<EnumVariant> {
        names
            .iter()
            .map(|name| EnumVariant {
                name: TypeName::variant(name),
                value: super::super::EnumValue::String((*name).to_owned()),
                docs: super::super::Docs::default(),
            })
            .collect()
    }

    #[test]
    fn an_enums_catch_all_takes_the_first_free_name() {
        // C4.
        let cases: [(&[&str], &str); 4] = [
            (&["a"], "Other"),
            (&["Other"], "OtherValue"),
            (&["Other", "OtherValue"], "OtherValue2"),
            (&["Other", "OtherValue", "OtherValue2"], "OtherValue3"),
        ];
        for (listed, fallback) in cases {
            assert_eq!(fallback_variant(&variants(listed)).as_str(), fallback);
        }
    }

    #[test]
    fn the_map_of_unlisted_properties_yields_to_a_listed_field() {
        // C5.
        let field = |wire: &str| Field {
            name: FieldName::from_wire(wire),
            ty: super::super::TypeRef::Any,
            required: false,
            nullable: false,
            boxed: false,
            docs: super::super::Docs::default(),
            origin: super::super::Origin::root("x"),
        };
        assert_eq!(additional_field(&[field("a")]), "additional_properties");
        assert_eq!(
            additional_field(&[field("additionalProperties")]),
            "additional_properties_"
        );
    }

    #[test]
    fn security_schemes_that_convert_alike_get_suffixes() {
        let schemes = [
            "apiKey".to_owned(),
            "api_key".to_owned(),
            "oauth".to_owned(),
        ];
        let constants = auth_scheme_constants(&schemes);
        assert_eq!(constants["apiKey"], "API_KEY");
        assert_eq!(constants["api_key"], "API_KEY_2");
        assert_eq!(constants["oauth"], "OAUTH");
    }

    #[test]
    fn identifiers() {
        for good in ["a", "A_2", "new_", "Self_", "_x"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in ["", "_", "1a", "self", "Self", "a-b", "ü", "type"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn rename_only_when_spelling_differs() {
        assert!(!FieldName::from_wire("asset").needs_rename());
        assert!(FieldName::from_wire("withdrawID").needs_rename());
    }
}
