//! Routing a request's fields to where the operation says each travels: the path, the query
//! string, headers, or the body.
//!
//! Generated request types hold every parameter the caller sets, by wire name; the operation
//! table says where each goes. Only operations with path, query or header parameters come here:
//! body-only operations keep the direct path in [`crate::Client::prepare`].

use crate::error::Error;
use crate::operation::{Operation, Param, ParamLocation, ParamStyle};
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
        // A parameter named like a body field is under `path:name` (or `query:`, `header:`).
        let qualified = param.location.request_key(param.wire_name);
        let value = match fields
            .remove(&qualified)
            .or_else(|| fields.remove(param.wire_name))
        {
            None | Some(Value::Null) if param.required => {
                return Err(encode_error(format!(
                    "the required {} parameter `{}` is missing",
                    param.location.word(),
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
        let shape = match param.style {
            ParamStyle::Indexed => Shape::records(&value),
            _ => Shape::of(&value),
        };
        let shape = shape.ok_or_else(|| {
            encode_error(format!(
                "{} parameter `{}` must be a string, number or boolean, or an array or object \
                 of them",
                param.location.word(),
                param.wire_name
            ))
        })?;
        match param.location {
            ParamLocation::Query => {
                for (name, text) in query_pairs(param, shape) {
                    push_pair(&mut routed.query, &name, &text);
                }
            }
            ParamLocation::Path => {
                let text = path_text(param, &shape);
                routed.path = routed
                    .path
                    .replace(&format!("{{{}}}", param.wire_name), &text);
            }
            ParamLocation::Header => routed.headers.push((
                param.wire_name.to_owned(),
                simple(&shape, param.explode, ",", as_is),
            )),
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

/// A parameter's value as a URL or header holds it: a scalar, an array of scalars or an object
/// of scalars, each as text.
enum Shape {
    Scalar(String),
    Array(Vec<String>),
    Object(Vec<(String, String)>),
    /// An array of objects of scalars, for [`ParamStyle::Indexed`].
    Records(Vec<Vec<(String, String)>>),
}

impl Shape {
    /// `None` for what no style writes: nested arrays and objects.
    fn of(value: &Value) -> Option<Shape> {
        match value {
            Value::Array(items) => items
                .iter()
                .map(scalar_text)
                .collect::<Option<_>>()
                .map(Shape::Array),
            Value::Object(fields) => fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| scalar_text(v).map(|text| (k.clone(), text)))
                .collect::<Option<_>>()
                .map(Shape::Object),
            other => scalar_text(other).map(Shape::Scalar),
        }
    }

    /// An array of objects of scalars (or a lone object, as one record); `None` otherwise.
    fn records(value: &Value) -> Option<Shape> {
        let record = |value: &Value| match Shape::of(value)? {
            Shape::Object(fields) => Some(fields),
            _ => None,
        };
        match value {
            Value::Array(items) => items.iter().map(record).collect::<Option<_>>(),
            other => record(other).map(|fields| vec![fields]),
        }
        .map(Shape::Records)
    }
}

/// The query pairs of one parameter, before percent-encoding.
fn query_pairs(param: &Param, shape: Shape) -> Vec<(String, String)> {
    let name = param.wire_name.to_owned();
    match (shape, param.style) {
        (Shape::Scalar(text), _) => vec![(name, text)],
        (Shape::Array(items), ParamStyle::SpaceDelimited) if !param.explode => {
            vec![(name, items.join(" "))]
        }
        (Shape::Array(items), ParamStyle::PipeDelimited) if !param.explode => {
            vec![(name, items.join("|"))]
        }
        (Shape::Array(items), _) if param.explode => {
            items.into_iter().map(|item| (name.clone(), item)).collect()
        }
        (Shape::Array(items), _) => vec![(name, items.join(","))],
        (Shape::Object(fields), ParamStyle::DeepObject) => fields
            .into_iter()
            .map(|(key, text)| (format!("{name}[{key}]"), text))
            .collect(),
        (Shape::Object(fields), _) if param.explode => fields,
        (Shape::Object(fields), _) => {
            let flat: Vec<String> = fields.into_iter().flat_map(|(k, v)| [k, v]).collect();
            vec![(name, flat.join(","))]
        }
        (Shape::Records(records), _) => records
            .into_iter()
            .enumerate()
            .flat_map(|(index, fields)| {
                let name = &name;
                fields
                    .into_iter()
                    .map(move |(key, text)| (format!("{name}[{index}].{key}"), text))
            })
            .collect(),
    }
}

/// A path parameter's text, each value percent-encoded and the style's delimiters kept.
fn path_text(param: &Param, shape: &Shape) -> String {
    match param.style {
        ParamStyle::Label => {
            let separator = if param.explode { "." } else { "," };
            format!(".{}", simple(shape, param.explode, separator, encoded))
        }
        ParamStyle::Matrix => {
            let name = encoded(param.wire_name);
            match shape {
                Shape::Scalar(text) => format!(";{name}={}", encoded(text)),
                Shape::Array(items) if param.explode => items
                    .iter()
                    .map(|item| format!(";{name}={}", encoded(item)))
                    .collect(),
                Shape::Object(fields) if param.explode => fields
                    .iter()
                    .map(|(k, v)| format!(";{}={}", encoded(k), encoded(v)))
                    .collect(),
                _ => format!(";{name}={}", simple(shape, false, ",", encoded)),
            }
        }
        _ => simple(shape, param.explode, ",", encoded),
    }
}

/// `simple` style: values joined by `separator` (`a,b`); an object as `k,v,k2,v2`, or
/// `k=v,k2=v2` exploded; each text passed through `text` (percent-encoding in a path).
fn simple(shape: &Shape, explode: bool, separator: &str, text: fn(&str) -> String) -> String {
    match shape {
        Shape::Scalar(value) => text(value),
        Shape::Array(items) => items
            .iter()
            .map(|i| text(i))
            .collect::<Vec<_>>()
            .join(separator),
        Shape::Object(fields) if explode => fields
            .iter()
            .map(|(k, v)| format!("{}={}", text(k), text(v)))
            .collect::<Vec<_>>()
            .join(separator),
        Shape::Object(fields) => fields
            .iter()
            .flat_map(|(k, v)| [text(k), text(v)])
            .collect::<Vec<_>>()
            .join(separator),
        // Only the query has records (the generator sets `Indexed` nowhere else); anywhere
        // else each record is written as an exploded object.
        Shape::Records(records) => records
            .iter()
            .map(|fields| simple(&Shape::Object(fields.clone()), true, separator, text))
            .collect::<Vec<_>>()
            .join(separator),
    }
}

/// `text` percent-encoded, for a path.
fn encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    percent_encode_into(&mut out, text);
    out
}

/// `text` as it is, for a header.
fn as_is(text: &str) -> String {
    text.to_owned()
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
    use crate::operation::{BodyEncoding, Method, ValueKind};

    static OP: Operation = Operation {
        exchange: "test",
        id: "getThing",
        name: "get-thing",
        method: Method::Get,
        path: "/v5/things/{thingId}",
        host: None,
        body: BodyEncoding::None,
        params: &[
            Param {
                wire_name: "X-Trace",
                location: ParamLocation::Header,
                kind: ValueKind::String,
                required: false,
                style: ParamStyle::Simple,
                explode: true,
            },
            Param {
                wire_name: "ccy",
                location: ParamLocation::Query,
                kind: ValueKind::String,
                required: false,
                style: ParamStyle::Form,
                explode: true,
            },
            Param {
                wire_name: "limit",
                location: ParamLocation::Query,
                kind: ValueKind::Integer,
                required: false,
                style: ParamStyle::Form,
                explode: true,
            },
            Param {
                wire_name: "thingId",
                location: ParamLocation::Path,
                kind: ValueKind::String,
                required: true,
                style: ParamStyle::Simple,
                explode: true,
            },
            Param {
                wire_name: "withdrawID",
                location: ParamLocation::Query,
                kind: ValueKind::String,
                required: false,
                style: ParamStyle::Form,
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
    fn arrays_travel_in_each_place_and_nested_values_do_not() {
        let routed = route(
            &OP,
            &serde_json::json!({"thingId": ["a", "b/c"], "ccy": ["BTC", "ETH"], "X-Trace": [1, 2]}),
        )
        .unwrap();
        assert_eq!(routed.query, "ccy=BTC&ccy=ETH");
        // Each value encoded, the style's delimiter kept.
        assert_eq!(routed.path, "/v5/things/a,b%2Fc");
        assert_eq!(
            routed.headers,
            vec![("X-Trace".to_owned(), "1,2".to_owned())]
        );
        let error = route(&OP, &serde_json::json!({"thingId": "t", "ccy": {"a": [1]}}))
            .err()
            .unwrap();
        assert!(
            error.to_string().contains(
                "query parameter `ccy` must be a string, number or boolean, or an array or object of them"
            ),
            "{error}"
        );
    }

    /// OpenAPI's style examples (3.0.3, "Style Examples"), each as the runtime writes it.
    #[test]
    fn every_style_writes_as_openapi_shows() {
        fn one(location: ParamLocation, style: ParamStyle, explode: bool, value: Value) -> Routed {
            let params: &'static [Param] = Box::leak(Box::new([Param {
                wire_name: "color",
                location,
                kind: ValueKind::Json,
                required: true,
                style,
                explode,
            }]));
            let op: &'static Operation = Box::leak(Box::new(Operation {
                params,
                path: "/p/{color}",
                host: None,
                ..OP
            }));
            route(op, &serde_json::json!({ "color": value })).unwrap()
        }
        let array = || serde_json::json!(["blue", "black", "brown"]);
        let object = || serde_json::json!({"R": 100, "G": 200, "B": 150});
        use ParamLocation::{Header, Path, Query};
        use ParamStyle::*;
        let query = |style, explode, value| one(Query, style, explode, value).query;
        let path = |style, explode, value| one(Path, style, explode, value).path;
        assert_eq!(
            query(Form, true, array()),
            "color=blue&color=black&color=brown"
        );
        assert_eq!(query(Form, false, array()), "color=blue%2Cblack%2Cbrown");
        assert_eq!(query(Form, true, object()), "B=150&G=200&R=100");
        assert_eq!(
            query(Form, false, object()),
            "color=B%2C150%2CG%2C200%2CR%2C100"
        );
        assert_eq!(
            query(SpaceDelimited, false, array()),
            "color=blue%20black%20brown"
        );
        assert_eq!(
            query(PipeDelimited, false, array()),
            "color=blue%7Cblack%7Cbrown"
        );
        assert_eq!(
            query(DeepObject, true, object()),
            "color%5BB%5D=150&color%5BG%5D=200&color%5BR%5D=100"
        );
        // Not OpenAPI's: Binance's arrays of objects (`details[0].targetAsset=BTC`).
        let records = serde_json::json!([
            {"targetAsset": "BTC", "percentage": 60},
            {"targetAsset": "ETH", "percentage": 40}
        ]);
        assert_eq!(
            query(Indexed, true, records),
            "color%5B0%5D.percentage=60&color%5B0%5D.targetAsset=BTC\
             &color%5B1%5D.percentage=40&color%5B1%5D.targetAsset=ETH"
        );
        assert_eq!(path(Simple, false, array()), "/p/blue,black,brown");
        assert_eq!(path(Simple, false, object()), "/p/B,150,G,200,R,100");
        assert_eq!(path(Simple, true, object()), "/p/B=150,G=200,R=100");
        assert_eq!(path(Label, false, serde_json::json!("blue")), "/p/.blue");
        assert_eq!(path(Label, false, array()), "/p/.blue,black,brown");
        assert_eq!(path(Label, true, array()), "/p/.blue.black.brown");
        assert_eq!(path(Label, true, object()), "/p/.B=150.G=200.R=100");
        assert_eq!(
            path(Matrix, false, serde_json::json!("blue")),
            "/p/;color=blue"
        );
        assert_eq!(path(Matrix, false, array()), "/p/;color=blue,black,brown");
        assert_eq!(
            path(Matrix, true, array()),
            "/p/;color=blue;color=black;color=brown"
        );
        assert_eq!(path(Matrix, false, object()), "/p/;color=B,150,G,200,R,100");
        assert_eq!(path(Matrix, true, object()), "/p/;B=150;G=200;R=100");
        assert_eq!(
            one(Header, Simple, true, object()).headers,
            vec![("color".to_owned(), "B=150,G=200,R=100".to_owned())]
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
                    style: ParamStyle::Simple,
                    explode: true,
                },
                Param {
                    wire_name: "fields",
                    location: ParamLocation::Query,
                    kind: ValueKind::Json,
                    required: false,
                    style: ParamStyle::Form,
                    explode: false,
                },
            ],
            path: "/v5/things",
            host: None,
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
