//! What operations are called (`operationId`, a vendor extension the profile names in its
//! place, or, without either, a name from the method and path that stays put when other
//! operations are added) and which are signed, where a spec says so elsewhere than `security`.

use std::fs;

/// The methods of the client generated from `spec` with `profile`, in order.
fn methods(spec: &str, profile: &str) -> Vec<String> {
    let module = module(spec, profile);
    module
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub async fn "))
        .map(|l| l.split('(').next().unwrap().to_owned())
        .collect()
}

/// The module generated from `spec` with `profile`.
fn module(spec: &str, profile: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("named");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("api.yaml"), spec).unwrap();
    fs::write(folder.join("profile.yaml"), profile).unwrap();
    let files = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .generate()
        .expect("generates");
    files
        .into_iter()
        .find(|f| f.path.as_os_str() == "named.rs")
        .unwrap()
        .contents
}

/// KuCoin's style: numeric operation ids, the method name in `x-sdk-method-name`.
const KUCOIN_LIKE: &str = r#"openapi: 3.0.1
info: { title: Named, version: "1" }
paths:
  /api/v1/accounts:
    get:
      operationId: "029"
      x-sdk-method-name: getAccountList
      x-api-channel: private
      responses: { "200": { description: ok } }
  /api/v1/withdrawals/{withdrawalId}:
    delete:
      operationId: 30
      x-sdk-method-name: cancelWithdrawal
      x-api-channel: private
      parameters:
        - { name: withdrawalId, in: path, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
  /api/v1/time:
    get:
      operationId: "031"
      x-api-channel: public
      responses: { "200": { description: ok } }
  /api/v1/status:
    get:
      responses: { "200": { description: ok } }
"#;

#[test]
fn a_vendor_extension_the_profile_names_names_the_methods() {
    let profile = "operation_names: x-sdk-method-name\nopenapi: [api.yaml]\nbase_urls: { production: https://x.example }\n";
    assert_eq!(
        methods(KUCOIN_LIKE, profile),
        [
            "cancel_withdrawal",
            "get_account_list",
            // Neither: the method and path.
            "get_api_v1_status",
            // No extension: the operationId, a number given a letter to be an identifier.
            "n031",
        ]
    );
}

#[test]
fn without_the_profile_setting_operation_ids_name_the_methods() {
    let profile = "openapi: [api.yaml]\nbase_urls: { production: https://x.example }\n";
    assert_eq!(
        methods(KUCOIN_LIKE, profile),
        ["get_api_v1_status", "n029", "n031", "n30"]
    );
}

#[test]
fn a_profile_says_where_the_spec_marks_private_operations() {
    let profile = "operation_names: x-sdk-method-name\nopenapi: [api.yaml]\nsigning: okx\n\
                   signed_when: { x-api-channel: private }\nbase_urls: { production: https://x.example }\n";
    let module = module(KUCOIN_LIKE, profile);
    let signed: Vec<&str> = module
        .split("pub static ")
        .skip(1)
        .filter(|item| item.contains("signed: true,"))
        .map(|item| item.split(':').next().unwrap())
        .collect();
    assert_eq!(signed, ["CANCEL_WITHDRAWAL", "GET_ACCOUNT_LIST"]);
}

#[test]
fn signed_when_needs_an_exchange_signing_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("named");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("api.yaml"), KUCOIN_LIKE).unwrap();
    fs::write(
        folder.join("profile.yaml"),
        "openapi: [api.yaml]\nsigned_when: { x-api-channel: private }\n",
    )
    .unwrap();
    let error = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .generate()
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with(
            "named/profile.yaml#/signed_when: `signed_when` needs an exchange's signing scheme \
             (`signing:`): with `openapi`, each operation's `security` says how it is signed"
        ),
        "{error}"
    );
}

/// Binance's style: signed calls carry `timestamp` and `signature` in the query.
const SIGNED_IN_QUERY: &str = r#"openapi: 3.0.2
info: { title: Named, version: "1" }
paths:
  /api/v3/order:
    delete:
      operationId: cancelOrder
      security: [{ key: [] }]
      parameters:
        - { name: symbol, in: query, required: true, schema: { type: string } }
        - { name: timestamp, in: query, required: true, schema: { type: integer, format: int64 } }
        - { name: signature, in: query, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
  /api/v3/time:
    get:
      operationId: getTime
      parameters:
        - { name: timestamp, in: query, schema: { type: integer, format: int64 } }
      responses: { "200": { description: ok } }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-MBX-APIKEY }
"#;

#[test]
fn query_parameters_the_signer_sets_leave_the_request_type() {
    let profile = "openapi: [api.yaml]\nsigning: okx\nsigner_fields: [timestamp, signature]\n\
                   base_urls: { production: https://x.example }\n";
    let module = module(SIGNED_IN_QUERY, profile);
    let request = module
        .split("pub struct CancelOrderRequest {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("the cancel's request type");
    assert!(request.contains("pub symbol: String,"), "{request}");
    assert!(
        !request.contains("timestamp") && !request.contains("signature"),
        "{request}"
    );
    let cancel = module
        .split("pub static CANCEL_ORDER:")
        .nth(1)
        .and_then(|rest| rest.split("pub static").next())
        .unwrap();
    for wire in ["signature", "timestamp"] {
        assert!(
            cancel.contains(&format!(
                "wire_name: \"{wire}\",\n                kind: ::xgen_runtime::ValueKind::"
            )) && cancel
                .contains("location: ::xgen_runtime::ParamLocation::Query,\n            },\n"),
            "{cancel}"
        );
    }
    // Unsigned, the same name is the caller's to set.
    assert!(module.contains("pub struct GetTimeRequest {"), "{module}");
    let time = module.split("pub struct GetTimeRequest {").nth(1).unwrap();
    assert!(time
        .split('}')
        .next()
        .unwrap()
        .contains("pub timestamp: Option<i64>,"));
}

/// KuCoin's services: the same method name in two services, and in two sub-services of one.
const SERVICES: &str = r#"openapi: 3.0.1
info: { title: Named, version: "1" }
paths:
  /api/v1/orders:
    post:
      x-sdk-service: Spot
      x-sdk-sub-service: Order
      x-sdk-method-name: addOrder
      x-domain: Spot
      responses: { "200": { description: ok } }
  /api/v1/futures/orders:
    post:
      x-sdk-service: Futures
      x-sdk-sub-service: Order
      x-sdk-method-name: addOrder
      x-domain: Futures
      responses: { "200": { description: ok } }
  /api/v1/accounts:
    get:
      x-sdk-service: Account
      x-sdk-sub-service: Account
      x-sdk-method-name: getAccountList
      responses: { "200": { description: ok } }
  /api/v1/market/histories:
    get:
      x-sdk-service: Spot
      x-sdk-sub-service: Market
      x-sdk-method-name: getTradeHistory
      x-domain: Spot
      responses: { "200": { description: ok } }
"#;

const HOSTS: &str = "base_urls: { production: https://api.example.com, sandbox: https://sandbox.example.com }\n\
                     host_by: x-domain\n\
                     hosts:\n  Spot: { production: https://api.example.com, sandbox: https://sandbox.example.com }\n  \
                     Futures: { production: https://futures.example.com, sandbox: https://futures-sandbox.example.com }\n";

#[test]
fn several_extensions_name_a_method_together_with_equal_neighbours_once() {
    let profile = format!(
        "operation_names: [x-sdk-service, x-sdk-sub-service, x-sdk-method-name]\nopenapi: [api.yaml]\n{HOSTS}"
    );
    assert_eq!(
        methods(SERVICES, &profile),
        [
            // Account, Account, getAccountList.
            "account_get_account_list",
            "futures_order_add_order",
            "spot_market_get_trade_history",
            "spot_order_add_order",
        ]
    );
}

#[test]
fn an_operation_goes_to_the_host_its_extension_names_in_every_environment() {
    let profile = format!(
        "operation_names: [x-sdk-service, x-sdk-sub-service, x-sdk-method-name]\nopenapi: [api.yaml]\n{HOSTS}"
    );
    let module = module(SERVICES, &profile);
    let host_of = |name: &str| {
        let item = module.split(&format!("pub static {name}:")).nth(1).unwrap();
        item.split("host: ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        host_of("FUTURES_ORDER_ADD_ORDER"),
        "::core::option::Option::Some(\"Futures\")"
    );
    assert_eq!(
        host_of("SPOT_ORDER_ADD_ORDER"),
        "::core::option::Option::Some(\"Spot\")"
    );
    // No `x-domain`: the base URL.
    assert_eq!(
        host_of("ACCOUNT_GET_ACCOUNT_LIST"),
        "::core::option::Option::None"
    );
    let sandbox = module.split("pub const SANDBOX_HOSTS").nth(1).unwrap();
    let sandbox = sandbox.split("];").next().unwrap();
    assert!(
        sandbox.contains(r#"("Futures", "https://futures-sandbox.example.com")"#),
        "{sandbox}"
    );
    assert!(module.contains(".with_hosts(Self::PRODUCTION_HOSTS)?"));
}

#[test]
fn a_host_the_profile_does_not_name_or_a_missing_environment_is_an_error_naming_the_place() {
    let error = |spec: &str, profile: &str| {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("named");
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join("api.yaml"), spec).unwrap();
        fs::write(folder.join("profile.yaml"), profile).unwrap();
        let error = xgen_codegen::Config::new()
            .specs_dir(dir.path())
            .generate()
            .unwrap_err()
            .to_string();
        error.replace(&dir.path().display().to_string(), "")
    };
    // A host the profile does not know (a newer copy's): that operation is left out, said.
    let only_spot = "openapi: [api.yaml]\nbase_urls: { production: https://api.example.com }\n\
                     host_by: x-domain\nhosts: { Spot: { production: https://api.example.com } }\n";
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("named")).unwrap();
    fs::write(dir.path().join("named/api.yaml"), SERVICES).unwrap();
    fs::write(dir.path().join("named/profile.yaml"), only_spot).unwrap();
    let apis = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .load()
        .unwrap();
    let skipped: Vec<String> = apis[0]
        .skipped
        .iter()
        .map(|s| format!("{}: {} ({})", s.id, s.reason, s.origin.pointer))
        .collect();
    assert_eq!(
        skipped,
        ["postApiV1FuturesOrders: `x-domain` is `Futures`, not a host the profile's `hosts` names (Spot) \
          (/paths/~1api~1v1~1futures~1orders/post/x-domain)"]
    );
    let no_sandbox = format!(
        "openapi: [api.yaml]\n{}",
        HOSTS.replace(", sandbox: https://futures-sandbox.example.com", "")
    );
    assert_eq!(
        error(SERVICES, &no_sandbox),
        "/named/profile.yaml#/hosts/Futures: host `Futures` has base URLs for [production], and \
         `base_urls` for [production, sandbox]: each host needs one for each environment"
    );
    let no_host_by =
        "openapi: [api.yaml]\nhosts: { Spot: { production: https://api.example.com } }\n";
    assert!(error(SERVICES, no_host_by).ends_with(
        "/named/profile.yaml#/hosts: `hosts` needs `host_by`, the vendor extension that names an operation's host"
    ));
}

/// Binance's shapes: SIGNED endpoints declare `timestamp` and `signature` in the query (some no
/// `recvWindow`), USER_STREAM ones the key alone; an array of objects in the query.
const BINANCE_LIKE: &str = r#"openapi: 3.0.2
info: { title: Named, version: "1" }
security: [ { ApiKeyAuth: [] } ]
components:
  securitySchemes:
    ApiKeyAuth: { type: apiKey, in: header, name: X-MBX-APIKEY }
paths:
  /api/v3/order:
    post:
      parameters:
        - { name: symbol, in: query, required: true, schema: { type: string } }
        - { name: recvWindow, in: query, schema: { type: integer, format: int64 } }
        - { name: timestamp, in: query, required: true, schema: { type: integer, format: int64 } }
        - { name: signature, in: query, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
  /sapi/v1/plan:
    post:
      parameters:
        - name: details
          in: query
          required: true
          schema:
            type: array
            items:
              type: object
              properties:
                targetAsset: { type: string }
                percentage: { type: integer }
        - { name: timestamp, in: query, required: true, schema: { type: integer, format: int64 } }
        - { name: signature, in: query, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
  /api/v3/userDataStream:
    post:
      responses: { "200": { description: ok } }
"#;

#[test]
fn a_signer_that_sets_only_declared_fields_signs_operations_that_declare_some_or_none() {
    let profile = "openapi: [api.yaml]\nsigning: binance\nenvelope: binance\n\
                   signer_fields: [timestamp, signature, recvWindow]\n\
                   base_urls: { production: https://x.example }\n";
    let module = module(BINANCE_LIKE, profile);
    assert_eq!(
        methods(BINANCE_LIKE, profile),
        [
            "post_api_v3_order",
            "post_api_v3_user_data_stream",
            "post_sapi_v1_plan"
        ]
    );
    let signer_fields = |name: &str| {
        let item = module.split(&format!("pub static {name}:")).nth(1).unwrap();
        let fields = item.split("signer_fields: &[").nth(1).unwrap();
        let fields = fields.split("signed:").next().unwrap();
        fields
            .split("wire_name: \"")
            .skip(1)
            .map(|f| f.split('"').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        signer_fields("POST_API_V3_ORDER"),
        ["recvWindow", "signature", "timestamp"]
    );
    assert_eq!(
        signer_fields("POST_SAPI_V1_PLAN"),
        ["signature", "timestamp"]
    );
    assert!(signer_fields("POST_API_V3_USER_DATA_STREAM").is_empty());
    // The array of objects goes in Binance's indexed form.
    let plan = module
        .split("pub static POST_SAPI_V1_PLAN:")
        .nth(1)
        .unwrap();
    assert!(
        plan.contains("style: ::xgen_runtime::ParamStyle::Indexed"),
        "{plan}"
    );
}

#[test]
fn a_signer_that_needs_each_field_leaves_out_an_operation_with_no_place_for_one() {
    // Kraken's signer must put its nonce somewhere: an operation with no body and no `nonce`
    // parameter is left out, said.
    let profile =
        "openapi: [api.yaml]\nsigning: kraken\nenvelope: kraken\nsigner_fields: [nonce]\n\
                   base_urls: { production: https://x.example }\n";
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("named")).unwrap();
    fs::write(dir.path().join("named/api.yaml"), BINANCE_LIKE).unwrap();
    fs::write(dir.path().join("named/profile.yaml"), profile).unwrap();
    let apis = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .load()
        .unwrap();
    let skipped: Vec<&str> = apis[0].skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped.iter().all(|r| r.contains(
            "neither a body nor a query or header parameter for the signer's fields (nonce)"
        )),
        "{skipped:?}"
    );
}

/// One upload as a multipart body and as JSON, each with a `type: string, format: binary`
/// property.
const UPLOADS: &str = r#"openapi: 3.0.1
info: { title: Named, version: "1" }
paths:
  /upload:
    post:
      operationId: upload
      security: [{ key: [] }]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                nonce: { type: integer }
                file: { type: string, format: binary }
                note: { type: string }
      responses: { "204": { description: ok } }
  /describe:
    post:
      operationId: describe
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: { file: { type: string, format: binary } }
      responses: { "204": { description: ok } }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: API-Key }
"#;

#[test]
fn a_multipart_body_is_its_fields_with_binary_ones_as_bytes_and_no_place_for_a_signer() {
    let profile = "openapi: [api.yaml]\nbase_urls: { production: https://x.example }\n";
    let module = module(UPLOADS, profile);
    let upload = module.split("pub struct UploadRequest").nth(1).unwrap();
    let upload = upload.split('}').next().unwrap();
    assert!(upload.contains("pub file: Option<Vec<u8>>"), "{upload}");
    assert!(upload.contains("pub note: Option<String>"), "{upload}");
    assert!(
        module.contains("body: ::xgen_runtime::BodyEncoding::Multipart"),
        "{module}"
    );
    assert!(module.contains("kind: ::xgen_runtime::ValueKind::Bytes"));
    // Only in multipart bodies: in JSON, binary is text.
    let describe = module.split("pub struct DescribeRequest").nth(1).unwrap();
    let describe = describe.split('}').next().unwrap();
    assert!(describe.contains("pub file: Option<String>"), "{describe}");

    // Kraken's signer puts its nonce in the body: a multipart body has no place for it.
    let signed = "openapi: [api.yaml]\nsigning: kraken\nenvelope: kraken\nsigner_fields: [nonce]\n\
                  base_urls: { production: https://x.example }\n";
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("named")).unwrap();
    fs::write(dir.path().join("named/api.yaml"), UPLOADS).unwrap();
    fs::write(dir.path().join("named/profile.yaml"), signed).unwrap();
    let apis = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .load()
        .unwrap();
    let skipped: Vec<(&str, &str)> = apis[0]
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.reason.as_str()))
        .collect();
    assert!(
        skipped.iter().any(|(op, reason)| *op == "upload"
            && reason.contains(
                "a multipart/form-data body, in which the signer's fields have no place"
            )),
        "{skipped:?}"
    );
}
