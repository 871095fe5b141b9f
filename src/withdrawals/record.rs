//! One withdrawal's status read out of a status endpoint's reply, from the fields its state
//! needs alone.
//!
//! The generated methods decode a whole reply into the documented types, so a record that lacks
//! one documented field, or carries an unrelated field of another type, fails the whole reply and
//! hides the status it does carry. Here the reply goes through the exchange's envelope (errors,
//! duplicate keys and all) into JSON, the record is picked out by its id, the id and status are
//! read alone, and the documented type is tried on the record separately: its failure is kept in
//! [`ExchangeRecord::typed`], never in the way of the outcome.

use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;
use serde_json::Value;
use xgen_runtime::envelope::{decode_error, decode_value, join_path, Envelope, JsonError};
use xgen_runtime::{Error, Operation, RawResponse};

use super::state::{ExchangeRecord, RecordError, TypedRecord};

/// A status endpoint's reply: its payload as JSON (what the envelope unwraps), and the reply
/// itself, for errors that point into it.
pub(super) struct StatusReply {
    response: RawResponse,
    payload: Value,
    /// Where the payload sits in the body (`data`, `result`; empty without an envelope).
    payload_path: &'static str,
}

impl StatusReply {
    /// Sends `request` to `operation` and unwraps the reply with the envelope `E`, whose payload
    /// sits at `payload_path` in the body.
    pub(super) async fn fetch<E: Envelope, B: Serialize + ?Sized>(
        client: &xgen_runtime::Client,
        operation: &'static Operation,
        request: &B,
        payload_path: &'static str,
    ) -> Result<StatusReply, Error> {
        let prepared = client.prepare(operation, request)?;
        let response = client.execute(prepared).await?;
        let payload = E::decode::<Value>(&response)?;
        Ok(StatusReply {
            response,
            payload,
            payload_path,
        })
    }

    /// The payload.
    pub(super) fn payload(&self) -> Located<'_> {
        Located {
            reply: self,
            value: &self.payload,
            path: self.payload_path.to_owned(),
        }
    }
}

/// A value inside a status reply, with its JSON path from the top of the body.
pub(super) struct Located<'a> {
    reply: &'a StatusReply,
    value: &'a Value,
    path: String,
}

impl<'a> Located<'a> {
    /// An [`Error::Decode`] at this value's path (or `key` inside it).
    fn error(&self, key: Option<&str>, source: serde_json::Error) -> Error {
        let path = key.map_or_else(|| self.path.clone(), |k| join_path(&self.path, k));
        decode_error(&self.reply.response, JsonError { path, source })
    }

    /// The object's field `key`; a value that is not an object is a decode error.
    pub(super) fn field(&self, key: &str) -> Result<Located<'a>, Error> {
        let object = self.object()?;
        match object.get(key) {
            Some(value) => Ok(Located {
                reply: self.reply,
                value,
                path: join_path(&self.path, key),
            }),
            None => Err(self.error(None, missing_field(key))),
        }
    }

    fn object(&self) -> Result<&'a serde_json::Map<String, Value>, Error> {
        self.value.as_object().ok_or_else(|| {
            self.error(
                None,
                serde_json::Error::custom(format_args!(
                    "expected a withdrawal record (a JSON object), found {}",
                    kind_of(self.value)
                )),
            )
        })
    }

    /// The record in this list whose `id_key` is `id` (as text or as a number), `None` when the
    /// list does not hold it. Elements that are not objects, or lack the key, are passed over:
    /// they are not the withdrawal asked about. A value that is not a list is a decode error.
    pub(super) fn find(&self, id_key: &str, id: &str) -> Result<Option<Located<'a>>, Error> {
        let Some(items) = self.value.as_array() else {
            return Err(self.error(
                None,
                serde_json::Error::custom(format_args!(
                    "expected a list of withdrawal records, found {}",
                    kind_of(self.value)
                )),
            ));
        };
        Ok(items.iter().enumerate().find_map(|(index, item)| {
            let matches = match item.get(id_key) {
                Some(Value::String(text)) => text == id,
                Some(Value::Number(number)) => number.to_string() == id,
                _ => false,
            };
            matches.then(|| Located {
                reply: self.reply,
                value: item,
                path: format!("{}[{index}]", self.path),
            })
        }))
    }

    /// Whether the value is JSON `null`: how KuCoin's single-withdrawal endpoint answers for an
    /// id it does not list (`data: null`).
    pub(super) fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// The record itself, when the reply is one record (AlphaPoint's ticket); a value that is
    /// not an object is a decode error.
    pub(super) fn record(self) -> Result<Located<'a>, Error> {
        self.object()?;
        Ok(self)
    }

    /// The field `key` of this record as a `T`: a decode error naming the field when it is
    /// missing, null or not a `T`.
    pub(super) fn require<T: DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        match self.optional(key)? {
            Some(value) => Ok(value),
            None => Err(self.error(None, missing_field(key))),
        }
    }

    /// The field `key` of this record as a `T`; `None` when it is missing or null, a decode
    /// error naming the field when it is not a `T`.
    pub(super) fn optional<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.object()?.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode_value(value)
                .map(Some)
                .map_err(|e| self.error(Some(key), e.source)),
        }
    }

    /// The record as received, and in the documented type `T` when it decodes as one.
    pub(super) fn keep<T: DeserializeOwned>(
        &self,
        wrap: impl FnOnce(Box<T>) -> TypedRecord,
    ) -> ExchangeRecord {
        let typed = decode_value::<T>(self.value)
            .map(|record| wrap(Box::new(record)))
            .map_err(|e| RecordError {
                path: join_path(&self.path, &e.path),
                message: e.source.to_string(),
            });
        ExchangeRecord {
            raw: self.value.clone(),
            typed,
        }
    }
}

/// serde's own words for a missing field (`missing field `state``).
fn missing_field(key: &str) -> serde_json::Error {
    serde_json::Error::custom(format_args!("missing field `{key}`"))
}

/// The kind of a JSON value, for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
