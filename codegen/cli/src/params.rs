//! `--param NAME=VALUE` text checked against an operation's types, every problem at once.

use xgen_codegen::describe::{self, OperationInfo, ParamInfo};
use xgen_codegen::ir::{Api, EnumRepr, EnumValue, Primitive, TypeKind, TypeRef};

/// The parameters as one JSON object by wire name, or every problem found: malformed pairs,
/// unknown or repeated names, signer-owned fields, values of the wrong type (with the type
/// expected) and required parameters left out.
pub fn parse(
    info: &OperationInfo,
    api: &Api,
    pairs: &[String],
) -> Result<serde_json::Value, Vec<String>> {
    let mut object = serde_json::Map::new();
    let mut problems = Vec::new();
    for pair in pairs {
        let Some((name, text)) = pair.split_once('=') else {
            problems.push(format!("'{pair}' is not NAME=VALUE"));
            continue;
        };
        if info.signer_fields.iter().any(|(wire, ..)| wire == name) {
            problems.push(format!(
                "{name}: set by the signer, not by --param (fix it with --nonce or --timestamp)"
            ));
            continue;
        }
        let Some(param) = info.params.iter().find(|p| p.key == name) else {
            let known: Vec<&str> = info.params.iter().map(|p| p.key.as_str()).collect();
            problems.push(format!(
                "{name}: no such parameter; {} takes: {}",
                info.name,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ));
            continue;
        };
        if object.contains_key(name) {
            problems.push(format!("{name}: given twice"));
            continue;
        }
        match value(param, api, text) {
            Ok(value) => {
                object.insert(name.to_owned(), value);
            }
            Err(problem) => problems.push(format!("{name}: {problem}")),
        }
    }
    for param in info.params.iter().filter(|p| p.required) {
        if !object.contains_key(&param.key)
            && !problems
                .iter()
                .any(|p| p.starts_with(&format!("{}: ", param.key)))
        {
            problems.push(format!(
                "{}: required ({} {}), not given",
                param.key,
                param.location.as_str(),
                describe::type_text(&param.ty, api)
            ));
        }
    }
    match problems.is_empty() {
        true => Ok(serde_json::Value::Object(object)),
        false => Err(problems),
    }
}

/// One value from its text: scalars as written, anything else as JSON.
fn value(param: &ParamInfo, api: &Api, text: &str) -> Result<serde_json::Value, String> {
    let expected = || describe::type_text(&param.ty, api);
    let json_shaped = matches!(param.kind, xgen_runtime::ValueKind::Json);
    let value = if json_shaped {
        serde_json::from_str(text)
            .map_err(|e| format!("expected {} as JSON, got '{text}' ({e})", expected()))?
    } else {
        scalar(&param.ty, api, text)
            .ok_or_else(|| format!("expected {}, got '{text}'", expected()))?
    };
    let mut problems = Vec::new();
    check(&value, &param.ty, api, "", &mut problems, 0);
    match problems.is_empty() {
        true => Ok(value),
        false => Err(problems.join("; ")),
    }
}

/// A scalar from text as its type reads it; `None` if the text is not one.
fn scalar(ty: &TypeRef, api: &Api, text: &str) -> Option<serde_json::Value> {
    match resolve(ty, api) {
        TypeRef::Primitive(Primitive::I32 | Primitive::I64) => {
            text.parse::<i64>().ok().map(Into::into)
        }
        TypeRef::Primitive(Primitive::U64) => text.parse::<u64>().ok().map(Into::into),
        // As written where it can be (`1` stays `1`, not `1.0`): exchanges sign the text sent.
        TypeRef::Primitive(Primitive::F64) => {
            let number: f64 = text.parse().ok()?;
            text.parse::<serde_json::Number>()
                .ok()
                .or_else(|| serde_json::Number::from_f64(number))
                .map(serde_json::Value::Number)
        }
        TypeRef::Primitive(Primitive::Bool) => text.parse::<bool>().ok().map(Into::into),
        TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) if e.repr == EnumRepr::Integer => {
                text.parse::<i64>().ok().map(Into::into)
            }
            _ => Some(text.into()),
        },
        _ => Some(text.into()),
    }
}

/// `ty` with aliases followed (a bounded number of times: lowering has refused cycles).
fn resolve<'a>(ty: &'a TypeRef, api: &'a Api) -> &'a TypeRef {
    let mut current = ty;
    for _ in 0..64 {
        match current {
            TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Alias(target) | TypeKind::Newtype(target)) => current = target,
                _ => return current,
            },
            _ => return current,
        }
    }
    current
}

/// Checks a JSON value against `ty`, pushing `path: problem` for each mismatch.
fn check(
    value: &serde_json::Value,
    ty: &TypeRef,
    api: &Api,
    path: &str,
    problems: &mut Vec<String>,
    depth: usize,
) {
    use serde_json::Value;
    let at = |problem: String| match path.is_empty() {
        true => problem,
        false => format!("{path}: {problem}"),
    };
    if depth > 64 {
        return;
    }
    let wrong = |what: &str| at(format!("expected {what}, got {}", short(value)));
    match (resolve(ty, api), value) {
        (TypeRef::Any, _) => {}
        (TypeRef::Primitive(Primitive::String), Value::String(_)) => {}
        (TypeRef::Primitive(Primitive::DecimalString), Value::String(text)) => {
            if !is_decimal(text) {
                problems.push(at(format!(
                    "expected a decimal number as text, got {text:?}"
                )));
            }
        }
        (TypeRef::Primitive(Primitive::I64), Value::Number(n)) if n.as_i64().is_some() => {}
        (TypeRef::Primitive(Primitive::U64), Value::Number(n)) if n.as_u64().is_some() => {}
        (TypeRef::Primitive(Primitive::I32), Value::Number(n))
            if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) => {}
        (TypeRef::Primitive(Primitive::I32), Value::Number(_)) => {
            problems.push(wrong("a 32-bit integer"))
        }
        (TypeRef::Primitive(Primitive::F64), Value::Number(_)) => {}
        (TypeRef::Primitive(Primitive::Bytes), Value::String(_) | Value::Array(_)) => {}
        (TypeRef::Primitive(Primitive::Bool), Value::Bool(_)) => {}
        (TypeRef::Primitive(p), _) => {
            problems.push(wrong(&describe::type_text(&TypeRef::Primitive(*p), api)))
        }
        (TypeRef::Array(item), Value::Array(items)) => {
            for (index, element) in items.iter().enumerate() {
                check(
                    element,
                    item,
                    api,
                    &format!("{path}[{index}]"),
                    problems,
                    depth + 1,
                );
            }
        }
        (TypeRef::Array(_), _) => problems.push(wrong("an array")),
        (TypeRef::Map(value_type), Value::Object(entries)) => {
            for (key, entry) in entries {
                check(
                    entry,
                    value_type,
                    api,
                    &member(path, key),
                    problems,
                    depth + 1,
                );
            }
        }
        (TypeRef::Map(_), _) => problems.push(wrong("an object")),
        (TypeRef::Named(name), _) => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) => {
                let listed = e.variants.iter().any(|v| match (&v.value, value) {
                    (EnumValue::String(s), Value::String(given)) => s == given,
                    (EnumValue::Integer(n), Value::Number(given)) => given.as_i64() == Some(*n),
                    _ => false,
                });
                if !listed {
                    problems.push(wrong(&describe::type_text(ty, api)));
                }
            }
            Some(TypeKind::Struct(strukt)) => {
                let Value::Object(fields) = value else {
                    problems.push(wrong(&format!("an object {name}")));
                    return;
                };
                for field in &strukt.fields {
                    let child = member(path, &field.name.wire);
                    match fields.get(&field.name.wire) {
                        None if field.required => {
                            problems.push(format!("{child}: required, not given"))
                        }
                        None => {}
                        Some(Value::Null) if field.nullable || !field.required => {}
                        Some(given) => check(given, &field.ty, api, &child, problems, depth + 1),
                    }
                }
                if strukt.additional.is_none() {
                    for key in fields
                        .keys()
                        .filter(|k| !strukt.fields.iter().any(|f| &f.name.wire == *k))
                    {
                        problems.push(format!("{}: not a field of {name}", member(path, key)));
                    }
                }
            }
            Some(TypeKind::Union(union)) => {
                let fits = union.variants.iter().any(|variant| {
                    let mut inner = Vec::new();
                    check(value, &variant.ty, api, path, &mut inner, depth + 1);
                    inner.is_empty()
                });
                if !fits {
                    problems.push(wrong(&describe::type_text(ty, api)));
                }
            }
            Some(TypeKind::Alias(_) | TypeKind::Newtype(_)) | None => {}
        },
    }
}

fn member(path: &str, key: &str) -> String {
    match path.is_empty() {
        true => key.to_owned(),
        false => format!("{path}.{key}"),
    }
}

/// A value in a message: short, one line.
fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `-12.5`, `0.001`, `1e-8`: what exchanges accept as a decimal amount written as text.
fn is_decimal(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok =
        (!whole.is_empty() || !fraction.is_empty()) && digits(whole) && digits(fraction);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::is_decimal;

    #[test]
    fn decimals_as_exchanges_write_them() {
        for ok in ["1", "-12.5", "0.001", ".5", "5.", "1e-8", "2.5E+3"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-", "1.2.3", "abc", "1e", "0x10", "1,5", "NaN"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }
}
