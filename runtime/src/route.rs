//! Routing a request's fields to where the operation says each travels: the path, the query
//! string, headers, or the body.
//!
//! Generated request types hold every parameter the caller sets, by wire name; the operation
//! table says where each goes. Only operations with path, query or header parameters come here:
//! body-only operations keep the direct path in [`crate::Client::prepare`].

use crate::error::Error;
use crate::operation::{Operation, ParamLocation};
use serde::Serialize;
use serde_json::{Map, Value};

/// A request's fields, split by location.
pub(crate) struct Routed {
    /// The operation's path with `{name}` segments filled in.
    pub path: String,
    /// `name=value` pairs joined by `&`, in the operation table's order (sorted by wire name),
    /// percent-encoded; empty when there are none.
    pub query: String,
    /// Header parameters, in the table's order.
    pub headers: Vec<(String, String)>,
    /// The body: what is left of the fields, or the whole-body parameter's value.
    pub body: Value,
}

pub(crate) fn route<B: Serialize + ?Sized>(
    operation: &'static Operation,
    request: &B,
) -> Result<Routed, Error> {
    let encode_error = |message: String| Error::Encode {
        operation: Some(operation.id),
        message,
    };
    let mut fields = match serde_json::to_value(request) {
        Ok(Value::Object(fields)) => fields,
        Ok(Value::Null) => Map::new(),
        Ok(_) => {
            return Err(encode_error(
                "the request is not an object of named parameters".to_owned(),
            ))
        }
        Err(e) => {
            return Err(encode_error(format!(
                "the request could not be serialised: {e}"
            )))
        }
    };
    let mut routed = Routed {
        path: operation.path.to_owned(),
        query: String::new(),
        headers: Vec::new(),
        body: Value::Null,
    };
    let mut whole_body = None;
    for param in operation
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Body)
    {
        let value = match fields.remove(param.wire_name) {
            None | Some(Value::Null) if param.required => {
                return Err(encode_error(format!(
                    "the required {} parameter `{}` is missing",
                    place(param.location),
                    param.wire_name
                )));
            }
            None | Some(Value::Null) => continue,
            Some(value) => value,
        };
        if param.location == ParamLocation::WholeBody {
            whole_body = Some(value);
            continue;
        }
        let texts = scalar_texts(&value).ok_or_else(|| {
            encode_error(format!(
                "{} parameter `{}` must be a string, number or boolean, or an array of them",
                place(param.location),
                param.wire_name
            ))
        })?;
        match param.location {
            ParamLocation::Query if param.explode => {
                for text in &texts {
                    push_pair(&mut routed.query, param.wire_name, text);
                }
            }
            ParamLocation::Query => push_pair(&mut routed.query, param.wire_name, &texts.join(",")),
            ParamLocation::Path => {
                let mut encoded = String::new();
                percent_encode_into(&mut encoded, &texts.join(","));
                routed.path = routed
                    .path
                    .replace(&format!("{{{}}}", param.wire_name), &encoded);
            }
            ParamLocation::Header => routed
                .headers
                .push((param.wire_name.to_owned(), texts.join(","))),
            ParamLocation::Body | ParamLocation::WholeBody => {}
        }
    }
    routed.body = match whole_body {
        Some(value) => value,
        None => Value::Object(fields),
    };
    Ok(routed)
}

/// `&name=value`, percent-encoded, onto a query.
fn push_pair(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    percent_encode_into(query, name);
    query.push('=');
    percent_encode_into(query, value);
}

/// The word for where a parameter travels, in messages.
fn place(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Query => "query",
        ParamLocation::Path => "path",
        ParamLocation::Header => "header",
        ParamLocation::Body | ParamLocation::WholeBody => "body",
    }
}

/// The texts of a scalar, or of an array of scalars, as they go in a URL or header; `None`
/// for objects and nested arrays.
fn scalar_texts(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => scalar_text(other).map(|text| vec![text]),
    }
}

/// The text of a scalar as it goes in a URL or header; `None` for arrays and objects.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// RFC 3986: unreserved characters stay as they are, everything else is `%XX`. Exchanges sign
/// the query as sent, so the one rule is applied everywhere and the signer sees its output.
pub(crate) fn percent_encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{BodyEncoding, Method, Param, ValueKind};

    static OP: Operation = Operation {
        exchange: "test",
        id: "getThing",
        name: "get-thing",
        method: Method::Get,
        path: "/v5/things/{thingId}",
        body: BodyEncoding::None,
        params: &[
            Param {
                wire_name: "X-Trace",
                location: ParamLocation::Header,
                kind: ValueKind::String,
                required: false,
                explode: true,
            },
            Param {
                wire_name: "ccy",
                location: ParamLocation::Query,
                kind: ValueKind::String,
                required: false,
                explode: true,
            },
            Param {
                wire_name: "limit",
                location: ParamLocation::Query,
                kind: ValueKind::Integer,
                required: false,
                explode: true,
            },
            Param {
                wire_name: "thingId",
                location: ParamLocation::Path,
                kind: ValueKind::String,
                required: true,
                explode: true,
            },
            Param {
                wire_name: "withdrawID",
                location: ParamLocation::Query,
                kind: ValueKind::String,
                required: false,
                explode: true,
            },
        ],
        signer_fields: &[],
        signed: true,
        rate_limit: None,
        security: &[],
    };

    #[test]
    fn fields_go_where_the_table_says() {
        let request = serde_json::json!({
            "thingId": "a/b", "ccy": "BTC", "limit": 50, "withdrawID": "x y", "X-Trace": "t1", "extra": 1
        });
        let routed = route(&OP, &request).unwrap();
        assert_eq!(routed.path, "/v5/things/a%2Fb");
        assert_eq!(routed.query, "ccy=BTC&limit=50&withdrawID=x%20y");
        assert_eq!(
            routed.headers,
            vec![("X-Trace".to_owned(), "t1".to_owned())]
        );
        assert_eq!(routed.body, serde_json::json!({"extra": 1}));
    }

    #[test]
    fn absent_optional_parameters_are_left_out() {
        let routed = route(&OP, &serde_json::json!({"thingId": "t", "ccy": null})).unwrap();
        assert_eq!(routed.query, "");
        assert!(routed.headers.is_empty());
    }

    #[test]
    fn a_missing_required_parameter_is_an_error_naming_it() {
        let error = route(&OP, &serde_json::json!({"ccy": "BTC"}))
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "could not encode the request body of operation `getThing`: the required path parameter `thingId` is missing"
        );
    }

    #[test]
    fn arrays_of_scalars_travel_and_objects_do_not() {
        let routed = route(
            &OP,
            &serde_json::json!({"thingId": ["a", "b"], "ccy": ["BTC", "ETH"], "X-Trace": [1, 2]}),
        )
        .unwrap();
        assert_eq!(routed.query, "ccy=BTC&ccy=ETH");
        assert_eq!(routed.path, "/v5/things/a%2Cb");
        assert_eq!(
            routed.headers,
            vec![("X-Trace".to_owned(), "1,2".to_owned())]
        );
        let error = route(&OP, &serde_json::json!({"thingId": "t", "ccy": {"a": 1}}))
            .err()
            .unwrap();
        assert!(
            error.to_string().contains(
                "query parameter `ccy` must be a string, number or boolean, or an array of them"
            ),
            "{error}"
        );
    }

    #[test]
    fn unexploded_query_arrays_are_joined_and_a_whole_body_is_the_body() {
        static WHOLE: Operation = Operation {
            params: &[
                Param {
                    wire_name: "body",
                    location: ParamLocation::WholeBody,
                    kind: ValueKind::Json,
                    required: true,
                    explode: true,
                },
                Param {
                    wire_name: "fields",
                    location: ParamLocation::Query,
                    kind: ValueKind::Json,
                    required: false,
                    explode: false,
                },
            ],
            path: "/v5/things",
            ..OP
        };
        let routed = route(
            &WHOLE,
            &serde_json::json!({"fields": ["a", "b c"], "body": [{"x": 1}]}),
        )
        .unwrap();
        assert_eq!(routed.query, "fields=a%2Cb%20c");
        assert_eq!(routed.body, serde_json::json!([{"x": 1}]));
    }
}
