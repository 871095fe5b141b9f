//! The golden output compiles without warnings, and behaves: open enums keep unknown values,
//! wire names survive renames, optional fields stay off the wire. `deny(warnings)` covers
//! this module and so the golden files it includes.
#![deny(warnings)]

#[allow(dead_code)]
mod vocab {
    include!("../fixtures/vocabulary/expected/vocab.rs");
}

#[allow(dead_code)]
mod handwritten {
    include!("../fixtures/schema-vocabulary/expected/handwritten.rs");
}

#[allow(dead_code)]
mod petstore {
    include!("../fixtures/openapi-auth/expected/petstore.rs");
}

#[allow(dead_code)]
mod public {
    include!("../fixtures/openapi-auth/expected/public.rs");
}

/// The `fuzzed` fixture: one exchange per class of spec whose output once did not compile.
mod fuzzed;

#[allow(dead_code)]
mod reach {
    include!("../fixtures/openapi-reach/expected/reach.rs");
}

use vocab::{Kind, PlaceThingRequest, Thing, ThingStatus};

#[test]
fn unknown_enum_values_are_kept() {
    let thing: Thing =
        serde_json::from_str(r#"{"id":"a","status":42,"tags":[],"parent":7}"#).unwrap();
    assert_eq!(thing.status, ThingStatus::Other(42));
    assert_eq!(thing.status.value(), 42);
    let kind: Kind = serde_json::from_str(r#""iceberg""#).unwrap();
    assert_eq!(kind, Kind::Other("iceberg".to_owned()));
    assert_eq!(serde_json::to_string(&kind).unwrap(), r#""iceberg""#);
}

#[test]
fn known_enum_values_round_trip_by_wire_name() {
    assert_eq!(
        serde_json::from_str::<Kind>(r#""stop-loss""#).unwrap(),
        Kind::StopLoss
    );
    assert_eq!(serde_json::to_string(&ThingStatus::V11).unwrap(), "11");
    assert_eq!(ThingStatus::from_value(5), ThingStatus::V5);
}

#[test]
fn renamed_and_optional_fields_keep_wire_names() {
    let request = PlaceThingRequest {
        kind: Kind::Limit,
        pair: "XBTUSD".into(),
        price: None,
        type_: Some("buy".into()),
        withdraw_id: Some("A".into()),
        withdraw_id_2: None,
    };
    let form = serde_urlencoded::to_string(&request).unwrap();
    assert_eq!(form, "kind=limit&pair=XBTUSD&type=buy&withdrawID=A");
}

#[test]
fn operation_table_describes_the_form_body_and_signer_fields() {
    let op = &vocab::operations::PLACE_THING;
    assert_eq!(op.body, xgen_runtime::BodyEncoding::Form);
    assert_eq!(op.path, "/0/private/PlaceThing");
    assert_eq!(op.signer_fields[0].wire_name, "nonce");
    assert!(op.param("nonce").is_none());
    assert!(op.param("withdrawID").is_some());
    assert!(!vocab::operations::PING.signed);
}

#[test]
fn recursive_types_are_boxed_and_decode() {
    let node: vocab::Node =
        serde_json::from_str(r#"{"side":"buy","next":{"side":"Other","next":{"side":"hold"}}}"#)
            .unwrap();
    let second = node.next.as_deref().unwrap();
    assert_eq!(second.side, vocab::Side::Other);
    let third = second.next.as_deref().unwrap();
    assert_eq!(third.side, vocab::Side::OtherValue("hold".to_owned()));
    assert!(third.next.is_none());
}

#[test]
fn a_spec_type_named_like_a_prelude_type_does_not_shadow_it() {
    let outcome = vocab::ResultType {
        ..Default::default()
    };
    assert_eq!(serde_json::to_string(&outcome).unwrap(), "{}");
}

#[test]
fn hand_written_format_request_keeps_wire_names_and_decimal_strings() {
    let request = handwritten::PlaceTransferRequest {
        amount: "0.10000000".into(),
        chain_type: Some(handwritten::PlaceTransferRequestChainType::Trx),
        coin: "USDT".into(),
        memo: None,
        priority: Some(2),
        route: Some(handwritten::Route {
            venue: "a".into(),
            next: Some(Box::new(handwritten::Route {
                venue: "b".into(),
                next: None,
            })),
        }),
    };
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"amount":"0.10000000","chainType":"TRX","coin":"USDT","priority":2,"route":{"next":{"venue":"b"},"venue":"a"}}"#
    );
}

#[test]
fn hand_written_format_response_decodes_every_shape() {
    let reply: handwritten::PlaceTransferResponse = serde_json::from_str(
        r#"{"transferId":"t1","status":"success","fee":"0.001","legs":[{"venue":"x"}],
            "balances":{"USDT":"5"},"extra":{"any":[1]},"done":true}"#,
    )
    .unwrap();
    assert_eq!(reply.status, handwritten::TransferStatus::Success);
    assert_eq!(
        reply.fee,
        Some(handwritten::PlaceTransferResponseFee::String(
            "0.001".into()
        ))
    );
    assert_eq!(reply.balances.unwrap()["USDT"], "5");
    let chain: handwritten::PlaceTransferRequestChainType =
        serde_json::from_str(r#""ETH""#).unwrap();
    assert_eq!(chain, handwritten::PlaceTransferRequestChainType::Ethereum);
    let unknown: handwritten::TransferStatus = serde_json::from_str(r#""Reject""#).unwrap();
    assert_eq!(unknown, handwritten::TransferStatus::Other("Reject".into()));
}

#[test]
fn path_query_and_header_parameters_travel_where_the_spec_says() {
    let client = vocab::Client::from_runtime(
        xgen_runtime::Client::new(
            "http://127.0.0.1:9",
            std::sync::Arc::new(xgen_runtime::Unsigned),
        )
        .unwrap(),
    );
    let request = vocab::GetThingRequest {
        limit: Some(5),
        thing_id: "a b".into(),
        withdraw_id: Some("W1".into()),
        x_trace: None,
    };
    let prepared = client
        .runtime()
        .prepare(&vocab::operations::GET_THING, &request)
        .unwrap();
    assert_eq!(prepared.method, xgen_runtime::Method::Get);
    assert_eq!(
        prepared.url,
        "http://127.0.0.1:9/0/public/Things/a%20b?limit=5&withdrawID=W1"
    );
    assert!(prepared.body.is_empty());
    let op = &vocab::operations::GET_THING;
    assert_eq!(
        op.param("thingId").unwrap().location,
        xgen_runtime::ParamLocation::Path
    );
    assert_eq!(
        op.param("X-Trace").unwrap().location,
        xgen_runtime::ParamLocation::Header
    );
}

#[test]
fn operation_table_carries_the_documented_rate_limit_from_either_format() {
    use std::time::Duration;
    use xgen_runtime::RateLimit;

    // From the OpenAPI fixture's profile (`rate_limits`).
    let place = vocab::operations::PLACE_THING.rate_limit.unwrap();
    assert_eq!(
        place,
        RateLimit {
            requests: 6,
            per_seconds: 1,
            scope: "API key"
        }
    );
    assert_eq!(place.min_interval(), Duration::from_nanos(166_666_667));
    let get = vocab::operations::GET_THING.rate_limit.unwrap();
    assert_eq!(get.min_interval(), Duration::from_millis(200));
    assert_eq!(vocab::operations::PING.rate_limit, None);
    // From the hand-written schema file (`rate_limit`).
    assert_eq!(
        handwritten::operations::PLACE_TRANSFER.rate_limit,
        Some(RateLimit {
            requests: 5,
            per_seconds: 1,
            scope: "UID"
        })
    );
}

/// The header or query credentials `SpecAuth` put on a request for `operation`.
fn openapi_request(
    credentials: xgen_runtime::openapi::SpecCredentials,
    operation: &'static xgen_runtime::Operation,
    request: &impl serde::Serialize,
) -> Result<xgen_runtime::PreparedRequest, xgen_runtime::Error> {
    let signer = xgen_runtime::openapi::SpecAuth::new(credentials);
    let client = petstore::Client::with_base_url(signer, "https://h.example").unwrap();
    client.runtime().prepare(operation, request)
}

#[test]
fn openapi_security_is_applied_per_operation() {
    use xgen_runtime::openapi::SpecCredentials;
    let pet = petstore::GetPetByIdRequest { pet_id: 7 };
    let key = SpecCredentials::new().api_key("api_key", "k1").unwrap();
    let prepared =
        openapi_request(key.clone(), &petstore::operations::GET_PET_BY_ID, &pet).unwrap();
    assert_eq!(prepared.url, "https://h.example/v2/pet/7");
    assert!(prepared
        .headers
        .contains(&("X-API-Key".into(), "k1".into())));
    // The other alternative, an OAuth 2 token, as a bearer token.
    let token = SpecCredentials::new()
        .bearer("petstore_auth", "t1")
        .unwrap();
    let prepared = openapi_request(token, &petstore::operations::GET_PET_BY_ID, &pet).unwrap();
    assert!(prepared
        .headers
        .contains(&("Authorization".into(), "Bearer t1".into())));
    // Two schemes that apply together.
    let both = SpecCredentials::new()
        .api_key("query_key", "q1")
        .unwrap()
        .basic("admin", "ann", "pw")
        .unwrap();
    let prepared = openapi_request(both, &petstore::operations::ADMIN_REPORT, &()).unwrap();
    assert_eq!(prepared.url, "https://h.example/v2/admin/report?key=q1");
    assert!(prepared
        .headers
        .contains(&("Authorization".into(), "Basic YW5uOnB3".into())));
    // Optional authentication: nothing to add, nothing added.
    let prepared = openapi_request(
        SpecCredentials::new(),
        &petstore::operations::GET_INVENTORY,
        &(),
    )
    .unwrap();
    assert!(prepared.headers.is_empty());
    // The document-wide security applies where an operation has none of its own.
    let err = openapi_request(
        SpecCredentials::new(),
        &petstore::operations::FIND_PETS_BY_STATUS,
        &petstore::FindPetsByStatusRequest { status: None },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("needs credentials for api_key"),
        "{err}"
    );
}

#[test]
fn a_client_of_an_api_without_authentication_takes_no_signer() {
    let client = public::Client::new().unwrap();
    let prepared = client
        .runtime()
        .prepare(&public::operations::GET_TIME, &())
        .unwrap();
    assert_eq!(prepared.url, "https://public.example/time");
    assert_eq!(public::Client::SIGNING_SCHEME, "none");
    let time: public::GetTimeResponse = serde_json::from_str(r#"{"unixtime":1}"#).unwrap();
    assert_eq!(time.unixtime, 1);
}

/// A client of the `reach` fixture that prepares requests without sending them. The document
/// declares no security, so the client takes no signer.
fn reach_client() -> reach::Client {
    assert_eq!(reach::Client::SIGNING_SCHEME, "none");
    reach::Client::with_base_url("https://h.example").unwrap()
}

#[test]
fn published_document_shapes_become_requests() {
    let client = reach_client();
    // Arrays in the query: repeated by default, joined where `explode: false`, by `|` in the
    // `pipeDelimited` style; an object as `name[field]` pairs in the `deepObject` style.
    let things = reach::GetThingsRequest {
        fields: Some(vec!["id".into(), "colour".into()]),
        filter: Some(reach::GetThingsFilter {
            colour: Some("red".into()),
            size: Some(2),
        }),
        ids: Some(vec![1, 2]),
        limit: Some(5),
        tags: Some(vec!["a".into(), "b c".into()]),
    };
    let prepared = client
        .runtime()
        .prepare(&reach::operations::GET_THINGS, &things)
        .unwrap();
    assert_eq!(
        prepared.url,
        "https://h.example/v2/things?fields=id%2Ccolour&filter%5Bcolour%5D=red&filter%5Bsize%5D=2\
         &ids=1%7C2&limit=5&tags=a&tags=b%20c"
    );
    // An array body and a one-of body are sent as they are.
    let add = reach::AddThingsRequest {
        body: vec![reach::Thing {
            id: "t1".into(),
            colour: Some(reach::Colour::Red),
            note: None,
            shade: None,
            size: Some(reach::ThingSize::V2),
        }],
    };
    let prepared = client
        .runtime()
        .prepare(&reach::operations::ADD_THINGS, &add)
        .unwrap();
    assert_eq!(
        prepared.body_text(),
        r#"[{"colour":"red","id":"t1","size":2}]"#
    );
    let order = reach::PlaceOrderRequest {
        body: reach::PlaceOrderBody::Limit(reach::Limit {
            kind: Some(reach::LimitKind::Limit),
            price: "1.5".into(),
        }),
    };
    let prepared = client
        .runtime()
        .prepare(&reach::operations::PLACE_ORDER, &order)
        .unwrap();
    assert_eq!(prepared.body_text(), r#"{"kind":"limit","price":"1.5"}"#);
    // A path item in another file, its parameter from the path item.
    let prepared = client
        .runtime()
        .prepare(
            &reach::operations::GET_THING,
            &reach::GetThingRequest {
                thing_id: "a/b".into(),
            },
        )
        .unwrap();
    assert_eq!(prepared.url, "https://h.example/v2/things/a%2Fb");
    assert_eq!(reach::Client::PRODUCTION_URL, "https://api.example.com");
}

#[test]
fn operations_left_out_are_listed_in_the_client_docs() {
    let text = include_str!("../fixtures/openapi-reach/expected/reach.rs");
    assert!(text.contains("/// # Not generated"), "{text}");
    assert!(text.contains("`getSession`: not supported: cookie parameters"));
    assert!(!text.contains("pub async fn get_session"));
}

#[test]
fn a_multipart_body_sends_its_binary_property_as_a_file_part() {
    let upload = reach::UploadRequest {
        file: vec![0, 255],
        note: Some("first".into()),
    };
    let prepared = reach_client()
        .runtime()
        .prepare(&reach::operations::UPLOAD, &upload)
        .unwrap();
    assert!(prepared.headers.contains(&(
        "Content-Type".to_owned(),
        "multipart/form-data; boundary=xgen-boundary-0".to_owned()
    )));
    let mut expected = b"--xgen-boundary-0\r\n\
        Content-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
        Content-Type: application/octet-stream\r\n\r\n"
        .to_vec();
    expected.extend_from_slice(&[0, 255]);
    expected.extend_from_slice(
        b"\r\n--xgen-boundary-0\r\n\
          Content-Disposition: form-data; name=\"note\"\r\n\r\n\
          first\r\n\
          --xgen-boundary-0--\r\n",
    );
    assert_eq!(prepared.body, expected);
}

#[test]
fn a_discriminator_decides_the_shape() {
    use reach::{FinalFill, OrderFillsItem, PartialFill};
    let fills: Vec<OrderFillsItem> = serde_json::from_str(
        r#"[{"type":"partial","qty":"1","left":"2"},{"type":"final","qty":"3"},
            {"type":"done","qty":"4","left":"ignored"},{"type":"rebate","amount":"5"}]"#,
    )
    .unwrap();
    let final_fill = |qty: &str| FinalFill {
        type_: "final".into(),
        qty: qty.into(),
    };
    assert_eq!(
        fills[0],
        OrderFillsItem::PartialFill(PartialFill {
            type_: "partial".into(),
            qty: "1".into(),
            left: Some("2".into()),
        })
    );
    // Tried in order, the first shape would have read this one: its extra field is optional.
    assert_eq!(fills[1], OrderFillsItem::FinalFill(final_fill("3")));
    // Every value the mapping gives a shape selects it.
    assert!(
        matches!(&fills[2], OrderFillsItem::FinalFill(f) if f.type_ == "done" && f.qty == "4"),
        "{:?}",
        fills[2]
    );
    // A shape the exchange added since is kept, not an error.
    assert_eq!(
        fills[3],
        OrderFillsItem::Other(serde_json::json!({"type": "rebate", "amount": "5"}))
    );
    // Written out as read, tag included.
    assert_eq!(
        serde_json::to_string(&fills[1]).unwrap(),
        r#"{"qty":"3","type":"final"}"#
    );
    let untagged = serde_json::from_str::<OrderFillsItem>(r#"{"qty":"1"}"#).unwrap_err();
    assert!(
        untagged.to_string().contains("missing field `type`"),
        "{untagged}"
    );
    let wrong = serde_json::from_str::<OrderFillsItem>(r#"{"type":"final"}"#).unwrap_err();
    assert!(wrong.to_string().contains("missing field `qty`"), "{wrong}");
}

#[test]
fn an_error_reply_reads_as_the_type_the_spec_gives_it() {
    // `placeOrder`'s `default` response is a `Problem`; the runtime keeps a JSON error body.
    let error = xgen_runtime::Error::Http {
        status: 409,
        body_excerpt: String::new(),
        body: Some(Box::new(
            serde_json::json!({"code": "duplicate", "detail": "order 7"}),
        )),
    };
    let problem = error.error_body::<reach::Problem>().unwrap().unwrap();
    assert_eq!(problem.code, "duplicate");
    assert_eq!(problem.detail.as_deref(), Some("order 7"));
}

#[test]
fn a_large_shape_of_a_union_is_boxed_and_reads_as_before() {
    // clippy's `large_enum_variant`: a list would otherwise take a whole ticker's room.
    assert!(std::mem::size_of::<reach::GetTickersResponse>() <= 32);
    let one: reach::GetTickersResponse = serde_json::from_str(
        r#"{"symbol":"BTCUSDT","lastPrice":"1","openPrice":"1","highPrice":"1","lowPrice":"1",
            "volume":"1","quoteVolume":"1","openTime":1,"closeTime":2,"count":3}"#,
    )
    .unwrap();
    assert!(matches!(one, reach::GetTickersResponse::Ticker(t) if t.symbol == "BTCUSDT"));
    let none: reach::GetTickersResponse = serde_json::from_str("[]").unwrap();
    assert_eq!(none, reach::GetTickersResponse::List(Vec::new()));
}

#[test]
fn a_parameter_named_like_a_body_field_travels_on_its_own() {
    let rename = reach::RenameThingRequest {
        path_thing_id: "t 1".into(),
        thing_id: "t1-in-body".into(),
        name: "new".into(),
    };
    let prepared = reach_client()
        .runtime()
        .prepare(&reach::operations::RENAME_THING, &rename)
        .unwrap();
    assert_eq!(prepared.url, "https://h.example/v2/things/t%201");
    assert_eq!(
        prepared.body_text(),
        r#"{"name":"new","thingId":"t1-in-body"}"#
    );
}
