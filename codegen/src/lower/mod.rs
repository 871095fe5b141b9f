//! Lowering: each front-end's model into the one IR, with references resolved, names assigned
//! and the profile applied. What leaves this module is a complete [`Api`], frozen from here on.

mod openapi;
mod recursion;
mod schema;
mod size;
mod validate;

use crate::error::{Error, RateLimitProblem, Result};
use crate::ir::names;
use crate::ir::{
    Api, ClientProfile, Docs, EnumVariant, Envelope, Field, FieldName, Operation, Origin, Param,
    ParamLocation, RateLimit, SignerField, SigningScheme, Struct, TypeDef, TypeKind, TypeName,
    TypeRef,
};
use crate::source::schema::RateLimitSpec;
use crate::source::{self, ExchangeSpecs};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xgen_runtime::registry;

/// `host_by` and `hosts` come together, and each host has a URL for each environment of
/// `base_urls` and no other: a client made for an environment must reach every host in it.
fn check_hosts(profile: &source::profile::Profile, origin: &Origin) -> Result<()> {
    let message = match (&profile.host_by, profile.hosts.is_empty()) {
        (None, false) => Some((
            "hosts",
            "`hosts` needs `host_by`, the vendor extension that names an operation's host"
                .to_owned(),
        )),
        (Some(_), true) => Some((
            "host_by",
            "`host_by` needs `hosts`, the base URLs of each host it names".to_owned(),
        )),
        _ => None,
    };
    if let Some((key, message)) = message {
        return Err(Error::Invalid {
            origin: origin.child(key),
            message,
        });
    }
    let environments: Vec<&String> = profile.base_urls.keys().collect();
    let mut problems = Vec::new();
    for (host, urls) in &profile.hosts {
        let given: Vec<&String> = urls.keys().collect();
        if given != environments {
            problems.push(Error::Invalid {
                origin: origin.child("hosts").child(host),
                message: format!(
                    "host `{}` has base URLs for [{}], and `base_urls` for [{}]: each host needs one for each environment",
                    crate::text::escape(host),
                    given.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
                    environments.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
                ),
            });
        }
    }
    crate::error::all_or_every_error(problems.into_iter().map(Err::<(), _>)).map(drop)
}

/// Lowers one exchange folder (profile and every spec file it names) into an [`Api`].
pub fn lower_exchange(specs: &ExchangeSpecs, specs_root: &Path) -> Result<Api> {
    let profile = &specs.profile;
    let profile_origin = Origin::root(&specs.profile_path);
    if profile.openapi.is_empty() && profile.schemas.is_empty() {
        return Err(Error::Invalid {
            origin: profile_origin,
            message: "names no spec file to generate from: list files under `openapi` or `schemas`"
                .to_owned(),
        });
    }
    if profile.signing.is_none() && !profile.schemas.is_empty() {
        // The default reads each operation's OpenAPI `security`, which schema files have not.
        return Err(Error::Invalid {
            origin: profile_origin.child("signing"),
            message: "a profile with schema files names its signing scheme (`none` if the API \
                      needs no authentication): schema files declare no security of their own"
                .to_owned(),
        });
    }
    check_hosts(profile, &profile_origin)?;
    let signing = signing_scheme(profile.signing.as_deref(), &profile_origin)?;
    let per_auth_scheme = matches!(signing.credentials, registry::Credentials::PerAuthScheme);
    if !profile.signed_when.is_empty() && per_auth_scheme {
        return Err(Error::Invalid {
            origin: profile_origin.child("signed_when"),
            message: "`signed_when` needs an exchange's signing scheme (`signing:`): with \
                      `openapi`, each operation's `security` says how it is signed"
                .to_owned(),
        });
    }
    let mut api = Api {
        exchange: specs.exchange.clone(),
        docs: Docs {
            summary: profile.title.clone(),
            description: None,
        },
        profile: ClientProfile {
            base_urls: profile.base_urls.clone(),
            hosts: profile.hosts.clone(),
            signing,
            envelope: envelope(profile.envelope.as_deref(), &profile_origin)?,
            auth_schemes: BTreeMap::new(),
        },
        types: BTreeMap::new(),
        operations: BTreeMap::new(),
        sources: vec![relative(&specs.profile_path, specs_root)],
        skipped: Vec::new(),
        repairs: Vec::new(),
    };
    for (index, name) in profile.openapi.iter().enumerate() {
        let path = specs.spec_file(name, &format!("openapi/{index}"))?;
        let documents = source::openapi::Documents::read(&path)?;
        openapi::lower_document(&documents, profile, &mut api)?;
        api.sources.push(relative(&path, specs_root));
    }
    for (index, name) in profile.schemas.iter().enumerate() {
        let path = specs.spec_file(name, &format!("schemas/{index}"))?;
        let file = source::schema::read(&path)?;
        schema::lower_file(&file, &path, profile, &mut api)?;
        api.sources.push(relative(&path, specs_root));
    }
    api.sources.sort();
    check_selected_operations(specs, &profile_origin, &api)?;
    if profile.signing.is_none() && api.profile.auth_schemes.is_empty() {
        // An OpenAPI document that declares no security at all needs no signer: its client is
        // built without one (`none`), rather than with an `openapi` signer that has nothing
        // to choose from.
        if let Some(none) = registry::signing_scheme("none") {
            api.profile.signing = none;
        }
    }
    apply_success_means(specs, &profile_origin, &mut api)?;
    apply_payload_may_be_null(specs, &profile_origin, &mut api)?;
    apply_rate_limits(specs, &profile_origin, &mut api)?;
    recursion::newtype_recursive_aliases(&mut api);
    recursion::box_recursive_fields(&mut api);
    size::box_large_variants(&mut api);
    validate::check(&api, &profile_origin)?;
    Ok(api)
}

/// The signing scheme a profile names (the spec's own `security` when it names none), from
/// the runtime's registry.
fn signing_scheme(name: Option<&str>, profile: &Origin) -> Result<&'static SigningScheme> {
    let name = name.unwrap_or(registry::DEFAULT_SIGNING);
    registry::signing_scheme(name).ok_or_else(|| {
        let known: Vec<&str> = registry::SIGNING_SCHEMES.iter().map(|s| s.name).collect();
        Error::Invalid {
            origin: profile.child("signing"),
            message: format!(
                "unknown signing scheme '{name}'; known: {}",
                known.join(", ")
            ),
        }
    })
}

/// The envelope a profile names (`none` when it names none), from the runtime's registry.
fn envelope(name: Option<&str>, profile: &Origin) -> Result<&'static Envelope> {
    let name = name.unwrap_or(registry::DEFAULT_ENVELOPE);
    registry::envelope(name).ok_or_else(|| {
        let known: Vec<&str> = registry::ENVELOPES.iter().map(|e| e.name).collect();
        Error::Invalid {
            origin: profile.child("envelope"),
            message: format!("unknown envelope '{name}'; known: {}", known.join(", ")),
        }
    })
}

/// Adds an operation under its method name, refusing a second one whose method name would be
/// the same.
pub(crate) fn insert_operation(api: &mut Api, operation: Operation) -> Result<()> {
    let key = names::method_name(&operation.id);
    if let Some(existing) = api.operations.get(&key) {
        return Err(Error::Invalid {
            origin: operation.origin,
            message: format!(
                "operation id '{}' collides with {}",
                operation.id, existing.origin
            ),
        });
    }
    api.operations.insert(key, operation);
    Ok(())
}

/// Defines the struct the caller fills in for operation `id`: the body's fields and the path,
/// query and header parameters, sorted by wire name. `None` when there is neither a body nor a
/// parameter, so the method takes no argument.
pub(crate) fn request_struct(
    api: &mut Api,
    id: &str,
    name: TypeName,
    body: Option<(Vec<Field>, &[SignerField])>,
    params: &[Param],
    docs: Docs,
    origin: Origin,
) -> Result<Option<TypeName>> {
    if body.is_none() && params.is_empty() {
        return Ok(None);
    }
    let (body_fields, signer_fields) = body.unwrap_or_default();
    let mut fields = body_fields;
    let body_names: Vec<String> = fields.iter().map(|f| f.name.wire.clone()).collect();
    for param in params {
        let location = crate::describe::Location::from(param.location).runtime();
        let place = location.word();
        // Requests are one object keyed by wire name, routed by the operation table: a
        // parameter named like a body field (DigitalOcean's `id` in the path and the body) is
        // keyed `path:id`, which the runtime looks for first.
        let name = match body_names.contains(&param.name.wire) {
            true => FieldName::from_wire(&location.request_key(&param.name.wire)),
            false => param.name.clone(),
        };
        fields.push(Field {
            name,
            ty: param.ty.clone(),
            required: param.required,
            nullable: false,
            boxed: false,
            docs: match param.docs.is_empty() {
                false => param.docs.clone(),
                true => {
                    let text = format!("The `{}` {place} parameter.", param.name.wire);
                    Docs {
                        summary: None,
                        description: Some(text),
                    }
                }
            },
            origin: param.origin.clone(),
        });
    }
    fields.sort_by(|a, b| a.name.wire.cmp(&b.name.wire));
    let mut names: Vec<FieldName> = fields
        .iter()
        .map(|f| FieldName::from_wire(&f.name.wire))
        .collect();
    FieldName::dedupe(&mut names);
    for (field, name) in fields.iter_mut().zip(names) {
        field.name = name;
    }
    let owned: Vec<String> = signer_fields
        .iter()
        .map(|f| format!("`{}`", f.wire))
        .collect();
    let role = match owned.is_empty() {
        true => format!("The request of `{id}`."),
        false => format!(
            "The request of `{id}`; the signer adds {}.",
            owned.join(", ")
        ),
    };
    let docs = Docs {
        summary: docs.summary,
        description: Some(match docs.description {
            Some(text) => format!("{text}\n\n{role}"),
            None => role,
        }),
    };
    let kind = TypeKind::Struct(Struct {
        fields,
        additional: None,
    });
    define_type(
        api,
        TypeDef {
            name,
            docs,
            origin,
            kind,
        },
    )
    .map(Some)
}

/// The name of an open enum's catch-all variant: `Other`, unless a listed value took it
/// ([`names::fallback_variant`]).
pub(crate) fn fallback_variant(variants: &[EnumVariant]) -> TypeName {
    names::fallback_variant(variants)
}

/// Gives a named type of its own to a spec type that refers to itself by name but was lowered
/// inline (an array or a map of itself, say): `ty` is what it lowered to, with its own
/// reference as `TypeRef::Named(name)` inside. A front-end calls this when the lowering of a
/// named type met a reference back to it and came back with something other than that name;
/// the name is defined as an alias, which `recursion` makes a newtype, since a Rust alias
/// cannot name itself. Returns the use of it, `TypeRef::Named(name)`.
pub(crate) fn define_recursive(
    api: &mut Api,
    name: TypeName,
    ty: TypeRef,
    docs: Docs,
    origin: Origin,
) -> Result<TypeRef> {
    if ty == TypeRef::Named(name.clone()) {
        return Ok(ty);
    }
    let def = TypeDef {
        name,
        docs,
        origin,
        kind: TypeKind::Alias(ty),
    };
    define_type(api, def).map(TypeRef::Named)
}

/// The profile's words on what success means, for specs that cannot say it themselves.
fn apply_success_means(specs: &ExchangeSpecs, origin: &Origin, api: &mut Api) -> Result<()> {
    for (id, meaning) in &specs.profile.success_means {
        let Some(operation) = api.operations.values_mut().find(|op| &op.id == id) else {
            return Err(Error::Invalid {
                origin: origin.child("success_means").child(id),
                message: format!(
                    "names operation '{id}', which is not generated for {}",
                    specs.exchange
                ),
            });
        };
        operation.success_means = Some(meaning.trim().to_owned());
    }
    Ok(())
}

/// The profile's operations whose payload may be `null`, where the spec's schema says otherwise.
fn apply_payload_may_be_null(specs: &ExchangeSpecs, origin: &Origin, api: &mut Api) -> Result<()> {
    for (index, id) in specs.profile.payload_may_be_null.iter().enumerate() {
        let at = || {
            origin
                .child("payload_may_be_null")
                .child(&index.to_string())
        };
        let Some(operation) = api.operations.values_mut().find(|op| &op.id == id) else {
            return Err(Error::Invalid {
                origin: at(),
                message: format!(
                    "names operation '{id}', which is not generated for {}",
                    specs.exchange
                ),
            });
        };
        if operation.response_body != crate::ir::ResponseBody::Json {
            return Err(Error::Invalid {
                origin: at(),
                message: format!("operation '{id}' has no JSON payload to be null"),
            });
        }
        operation.response_nullable = true;
    }
    Ok(())
}

/// The profile's rate limits, for operations whose spec cannot give one (OpenAPI has no field
/// for it). Entries are visited in id order, so the first error is the same on every run.
fn apply_rate_limits(specs: &ExchangeSpecs, origin: &Origin, api: &mut Api) -> Result<()> {
    for (id, spec) in &specs.profile.rate_limits {
        let at = origin.child("rate_limits").child(id);
        let Some(operation) = api.operations.values_mut().find(|op| &op.id == id) else {
            return Err(Error::RateLimit {
                origin: at,
                problem: RateLimitProblem::UnknownOperation {
                    operation: id.clone(),
                    exchange: specs.exchange.clone(),
                },
            });
        };
        let limit = rate_limit(spec, at.clone())?;
        if let Some(existing) = &operation.rate_limit {
            return Err(Error::RateLimit {
                origin: at,
                problem: RateLimitProblem::Ambiguous {
                    operation: id.clone(),
                    declared: existing.origin.clone(),
                },
            });
        }
        operation.rate_limit = Some(limit);
    }
    Ok(())
}

/// A rate limit as written (in a schema file or a profile) into the IR, refusing a zero: the
/// runtime divides the window by `requests`, and a limit of 0 is a typo, not documentation.
pub(crate) fn rate_limit(spec: &RateLimitSpec, origin: Origin) -> Result<RateLimit> {
    for (key, value) in [
        ("requests", spec.requests),
        ("per_seconds", spec.per_seconds),
    ] {
        if value == 0 {
            return Err(Error::RateLimit {
                origin: origin.child(key),
                problem: RateLimitProblem::Zero { key },
            });
        }
    }
    Ok(RateLimit {
        requests: spec.requests,
        per_seconds: spec.per_seconds,
        scope: spec.scope.clone(),
        origin,
    })
}

/// Every operation the profile selects must exist: a typo would otherwise silently drop it.
fn check_selected_operations(specs: &ExchangeSpecs, origin: &Origin, api: &Api) -> Result<()> {
    let Some(selected) = &specs.profile.operations else {
        return Ok(());
    };
    for (index, id) in selected.iter().enumerate() {
        if !api.operations.values().any(|op| &op.id == id) {
            return Err(Error::Invalid {
                origin: origin.child("operations").child(&index.to_string()),
                message: format!("operation '{id}' is in no spec file of {}", specs.exchange),
            });
        }
    }
    Ok(())
}

/// Adds a named type, refusing a second, different type under the same name.
pub(crate) fn define_type(api: &mut Api, def: TypeDef) -> Result<TypeName> {
    let name = def.name.clone();
    match api.types.get(&name) {
        Some(existing) if *existing != def => Err(Error::Invalid {
            origin: def.origin.clone(),
            message: format!("type name `{name}` is already taken by {}", existing.origin),
        }),
        _ => {
            api.types.insert(name.clone(), def);
            Ok(name)
        }
    }
}

/// Splits the "**API Key Permissions Required:** ..." paragraph, Kraken's convention, out of an
/// operation description so the generated docs can give it its own section.
pub(crate) fn split_permissions(description: &str) -> (Option<String>, Option<String>) {
    const MARKER: &str = "**API Key Permissions Required:**";
    let mut rest = Vec::new();
    let mut permissions = None;
    for paragraph in paragraphs(description) {
        match paragraph.strip_prefix(MARKER) {
            Some(text) if permissions.is_none() => permissions = Some(text.trim().to_owned()),
            _ => rest.push(paragraph),
        }
    }
    let rest = (!rest.is_empty()).then(|| rest.join("\n\n"));
    (rest, permissions)
}

/// Paragraphs of Markdown text, each with its lines folded and trimmed; blank runs collapse.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// `path` relative to the specs folder, with `/` separators on every platform, so generated
/// headers are the same on every machine.
fn relative(path: &Path, root: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    PathBuf::from(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Every `{name}` in the path has a path parameter, and every path parameter a `{name}`: a
/// request would otherwise go out to the literal `{name}`.
pub(crate) fn check_path_template(path: &str, params: &[Param], origin: &Origin) -> Result<()> {
    let mut in_template = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        in_template.push(&rest[start + 1..start + length]);
        rest = &rest[start + length + 1..];
    }
    for variable in &in_template {
        if !params
            .iter()
            .any(|p| p.location == ParamLocation::Path && p.name.wire == *variable)
        {
            return Err(Error::Invalid {
                origin: origin.clone(),
                message: format!(
                    "the path has `{{{}}}` but the operation declares no path parameter named '{}'",
                    crate::text::escape(variable),
                    crate::text::escape(variable)
                ),
            });
        }
    }
    for param in params.iter().filter(|p| p.location == ParamLocation::Path) {
        if !in_template.contains(&param.name.wire.as_str()) {
            return Err(Error::Invalid {
                origin: param.origin.clone(),
                message: format!(
                    "path parameter '{}' has no `{{{}}}` in the path",
                    crate::text::escape(&param.name.wire),
                    crate::text::escape(&param.name.wire)
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_paragraph_is_split_out() {
        let text = "Cancel a recently requested withdrawal, if it has not already been\nsuccessfully processed.\n\n\n**API Key Permissions Required:** `Funds permissions - Withdraw`, unless\nwithdrawal is a `WalletTransfer`, then no permissions are required.\n";
        let (rest, permissions) = split_permissions(text);
        assert_eq!(
            rest.as_deref(),
            Some("Cancel a recently requested withdrawal, if it has not already been\nsuccessfully processed.")
        );
        assert_eq!(
            permissions.as_deref(),
            Some("`Funds permissions - Withdraw`, unless\nwithdrawal is a `WalletTransfer`, then no permissions are required.")
        );
    }

    #[test]
    fn description_without_permissions_is_kept_whole() {
        let (rest, permissions) = split_permissions("One.\n\nTwo.");
        assert_eq!(rest.as_deref(), Some("One.\n\nTwo."));
        assert_eq!(permissions, None);
    }
}
