//! The operations `xgen ops` lists and `xgen request` calls, read from the specs folder when
//! the command runs, so an endpoint added to `specs/` is there without rebuilding anything.

use std::collections::BTreeMap;
use std::path::Path;

use xgen_codegen::describe::{self, OperationInfo};
use xgen_codegen::ir::{Api, ApiKeyLocation, AuthKind};
use xgen_codegen::Config;
use xgen_runtime::{AuthScheme, Operation};

use crate::Failure;

/// One exchange's folder, loaded and lowered, or every exchange with none named.
pub fn load(specs: &Path, exchange: Option<&str>) -> Result<Vec<Api>, Failure> {
    let Some(name) = exchange else {
        return Config::new().specs_dir(specs).load().map_err(crate::input);
    };
    let folder = specs.join(name);
    if !folder
        .join(xgen_codegen::source::profile::FILE_NAME)
        .is_file()
    {
        let known = exchange_names(specs);
        return Err(Failure::Input(format!(
            "unknown exchange '{name}': {} has no folder {name}/ with a profile.yaml; known: {}",
            specs.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    Config::load_exchange(&folder)
        .map(|api| vec![api])
        .map_err(|e| Failure::Input(xgen_codegen::Locator::within(specs).error(&e)))
}

/// The exchange folders under `specs` (those with a profile), sorted, without reading them.
fn exchange_names(specs: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(specs) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .join(xgen_codegen::source::profile::FILE_NAME)
                .is_file()
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The operation named `name` (kebab case, or the id as the spec spells it).
pub fn find<'a>(api: &'a Api, name: &str) -> Result<&'a xgen_codegen::ir::Operation, Failure> {
    api.operations
        .values()
        .find(|op| describe::describe(op, api).name == name || op.id == name)
        .ok_or_else(|| {
            let known: Vec<String> = describe::operations(api)
                .into_iter()
                .map(|op| op.name)
                .collect();
            Failure::Input(unknown_operation(name, &api.exchange, &known))
        })
}

/// Says that `name` is not an operation of `exchange`: all the known names when there are a
/// few, else those that contain what was typed and where to find the rest (Kraken has 54,
/// Binance 340).
fn unknown_operation(name: &str, exchange: &str, known: &[String]) -> String {
    const LISTED: usize = 10;
    if known.len() <= LISTED {
        return format!(
            "unknown operation '{name}' for {exchange}; known: {}",
            known.join(", ")
        );
    }
    let typed = name.to_ascii_lowercase();
    let close: Vec<&str> = known
        .iter()
        .filter(|k| !typed.is_empty() && k.contains(typed.as_str()))
        .take(LISTED)
        .map(String::as_str)
        .collect();
    let all = format!("`xgen ops {exchange}` lists all {}", known.len());
    match close.is_empty() {
        true => format!("unknown operation '{name}' for {exchange}; {all}"),
        false => format!(
            "unknown operation '{name}' for {exchange}; did you mean {}? ({all})",
            close.join(", ")
        ),
    }
}

/// The runtime's description of an operation, built from the IR at run time.
///
/// The runtime takes `&'static` operations, as generated code declares them; a command that
/// reads the specs when it runs makes one, once per process, and leaks it on purpose: it lives
/// as long as the process anyway.
pub fn runtime_operation(info: &OperationInfo, api: &Api) -> &'static Operation {
    let schemes = runtime_auth_schemes(api);
    let security: Vec<&'static [&'static AuthScheme]> = info
        .security
        .iter()
        .map(|alternative| {
            let schemes: Vec<&'static AuthScheme> = alternative
                .iter()
                .filter_map(|name| schemes.get(name.as_str()).copied())
                .collect();
            leak_slice(schemes)
        })
        .collect();
    let params: Vec<xgen_runtime::Param> = info
        .params
        .iter()
        .map(|p| xgen_runtime::Param {
            wire_name: leak_str(&p.wire_name),
            location: p.location.runtime(),
            kind: p.kind,
            required: p.required,
            style: p.style,
            explode: p.explode,
        })
        .collect();
    let signer_fields: Vec<xgen_runtime::SignerField> = info
        .signer_fields
        .iter()
        .map(|(wire, kind, location)| xgen_runtime::SignerField {
            wire_name: leak_str(wire),
            kind: *kind,
            location: *location,
        })
        .collect();
    Box::leak(Box::new(Operation {
        exchange: leak_str(&info.exchange),
        id: leak_str(&info.id),
        name: leak_str(&info.name),
        method: runtime_method(info.method),
        path: leak_str(&info.path),
        host: info.host.as_deref().map(leak_str),
        body: match info.body {
            None => xgen_runtime::BodyEncoding::None,
            Some(xgen_codegen::ir::BodyEncoding::Json) => xgen_runtime::BodyEncoding::Json,
            Some(xgen_codegen::ir::BodyEncoding::Form) => xgen_runtime::BodyEncoding::Form,
            Some(xgen_codegen::ir::BodyEncoding::Multipart) => {
                xgen_runtime::BodyEncoding::Multipart
            }
            Some(xgen_codegen::ir::BodyEncoding::Raw) => xgen_runtime::BodyEncoding::Raw(leak_str(
                info.raw_media_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
            )),
        },
        params: leak_slice(params),
        signer_fields: leak_slice(signer_fields),
        signed: info.signed,
        rate_limit: info
            .rate_limit
            .as_ref()
            .map(|limit| xgen_runtime::RateLimit {
                requests: limit.requests,
                per_seconds: limit.per_seconds,
                scope: leak_str(&limit.scope),
            }),
        security: leak_slice(security),
    }))
}

/// The API's security schemes as the runtime describes them, by name (leaked; see
/// [`runtime_operation`]).
pub fn runtime_auth_schemes(api: &Api) -> BTreeMap<&str, &'static AuthScheme> {
    api.profile
        .auth_schemes
        .iter()
        .map(|(name, scheme)| {
            let kind = match &scheme.kind {
                AuthKind::Bearer => xgen_runtime::AuthKind::Bearer,
                AuthKind::Basic => xgen_runtime::AuthKind::Basic,
                AuthKind::ApiKey { location, param } => xgen_runtime::AuthKind::ApiKey {
                    location: match location {
                        ApiKeyLocation::Header => xgen_runtime::ApiKeyLocation::Header,
                        ApiKeyLocation::Query => xgen_runtime::ApiKeyLocation::Query,
                        ApiKeyLocation::Cookie => xgen_runtime::ApiKeyLocation::Cookie,
                    },
                    name: leak_str(param),
                },
            };
            let scheme: &'static AuthScheme = Box::leak(Box::new(AuthScheme {
                name: leak_str(name),
                kind,
            }));
            (name.as_str(), scheme)
        })
        .collect()
}

fn runtime_method(method: xgen_codegen::ir::HttpMethod) -> xgen_runtime::Method {
    use xgen_codegen::ir::HttpMethod;
    match method {
        HttpMethod::Get => xgen_runtime::Method::Get,
        HttpMethod::Post => xgen_runtime::Method::Post,
        HttpMethod::Put => xgen_runtime::Method::Put,
        HttpMethod::Patch => xgen_runtime::Method::Patch,
        HttpMethod::Delete => xgen_runtime::Method::Delete,
    }
}

fn leak_str(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn leak_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::unknown_operation;

    #[test]
    fn an_unknown_operation_lists_a_few_names_or_the_close_ones() {
        let few: Vec<String> = ["cancel-withdrawal", "get-status"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            unknown_operation("cancel", "kraken", &few),
            "unknown operation 'cancel' for kraken; known: cancel-withdrawal, get-status"
        );
        let many: Vec<String> = (0..40)
            .map(|n| format!("get-thing-{n}"))
            .chain(["cancel-order".to_owned(), "cancel-withdrawal".to_owned()])
            .collect();
        assert_eq!(
            unknown_operation("cancel", "kraken", &many),
            "unknown operation 'cancel' for kraken; did you mean cancel-order, cancel-withdrawal? \
             (`xgen ops kraken` lists all 42)"
        );
        assert_eq!(
            unknown_operation("zzz", "kraken", &many),
            "unknown operation 'zzz' for kraken; `xgen ops kraken` lists all 42"
        );
    }
}
