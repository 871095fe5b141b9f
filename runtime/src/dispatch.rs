//! Requests by name, for tools that take an operation and its parameters as text
//! (`xgen request`) rather than calling a generated method.

use crate::{Error, Operation};
use serde::de::DeserializeOwned;

/// Turns a JSON object of wire-named parameters into an operation's request type, refusing
/// parameters the operation does not have and fields only the signer may set.
pub fn request_from_params<T: DeserializeOwned>(
    operation: &'static Operation,
    params: serde_json::Value,
) -> Result<T, Error> {
    let invalid = |message: String| Error::InvalidRequest {
        operation: operation.id,
        message,
    };
    let serde_json::Value::Object(fields) = &params else {
        return Err(invalid("parameters must be a JSON object".to_owned()));
    };
    for name in fields.keys() {
        if operation.signer_field(name).is_some() {
            return Err(invalid(format!(
                "`{name}` is set by the signer, not by the caller"
            )));
        }
        if operation.param(name).is_none() {
            return Err(invalid(format!("unknown parameter `{name}`")));
        }
    }
    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))
}
