//! `xgen request`: operations found in the specs at run time, `--param` values checked against
//! their types, signing through the profile's plugin, dry runs with credentials redacted, and
//! sending for real to servers that check the signature with their own code.

use std::fs;

use crate::ops::PETSTORE;
use crate::support::{
    assert_input_error, edit, openapi_specs, path, specs_copy, stderr, stdout, xgen, xgen_async,
    xgen_with, TinyServer, CREDENTIALS, KRAKEN_KEY, KRAKEN_SECRET,
};
use xgen_fake_exchanges::kraken::{FakeKraken, Reply};

/// `--dry-run` output, exactly, and the redaction note. Each signature was recomputed outside
/// this project (Python hmac/hashlib) over the same bytes; credentials are redacted, signatures
/// are not.
fn assert_dry_run(args: &[&str], expected: &str, redacted: &str) {
    let output = xgen(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), expected, "{args:?}");
    assert_eq!(
        stderr(&output),
        format!("note: credentials shown as [redacted]: {redacted}\n")
    );
}

#[test]
fn kraken_dry_run_prints_the_signed_request() {
    assert_dry_run(
        &[
            "request", "kraken", "cancel-withdrawal", "--param", "asset=XBT", "--param",
            "refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg", "--dry-run", "--nonce", "1695828271",
        ],
        "POST https://api.kraken.com/0/private/WithdrawCancel\n\
         API-Key: [redacted]\n\
         API-Sign: MXtNK4Wwe8TMO0a/GlV+CX3rVQ/TkAAo0hz8bUFUSfo8B/oFyrPeEuPn/013jbmYN63/G5cO+v7NFLWtMe9p3w==\n\
         Content-Type: application/json\n\
         \n\
         {\"nonce\":1695828271,\"asset\":\"XBT\",\"refid\":\"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg\"}\n",
        "header API-Key",
    );
}

#[test]
fn kraken_pay_dry_run_sends_the_nonce_as_a_string_and_signs_its_digits() {
    assert_dry_run(
        &["request", "kraken-pay", "cancel-pay-request", "--param", "external_id=Zm9vYmFy", "--nonce", "1700000000456", "--dry-run"],
        "POST https://api.kraken.com/0/private/Pay/request/cancel\n\
         API-Key: [redacted]\n\
         API-Sign: xnBlfpceer3sB3TqL8rtFn47AnJiy7dg1cBc4o4SU0kAUjWlQsFtTq552cJqfXMu/VYpY+eQIucwMeDiAxgd/g==\n\
         Content-Type: application/json\n\n\
         {\"nonce\":\"1700000000456\",\"external_id\":\"Zm9vYmFy\"}\n",
        "header API-Key",
    );
}

#[test]
fn okx_dry_run_redacts_the_key_and_the_passphrase() {
    assert_dry_run(
        &[
            "request",
            "okx",
            "cancel-withdrawal",
            "--param",
            "wdId=1123456",
            "--timestamp",
            "2020-12-08T09:08:57.715Z",
            "--dry-run",
        ],
        "POST https://www.okx.com/api/v5/asset/cancel-withdrawal\n\
         OK-ACCESS-KEY: [redacted]\n\
         OK-ACCESS-SIGN: FKjE8vpE/kjcjTTye/EdxVwTMzhILrxAbp/ciI3uWBg=\n\
         OK-ACCESS-TIMESTAMP: 2020-12-08T09:08:57.715Z\n\
         OK-ACCESS-PASSPHRASE: [redacted]\n\
         Content-Type: application/json\n\n\
         {\"wdId\":\"1123456\"}\n",
        "header OK-ACCESS-KEY, header OK-ACCESS-PASSPHRASE",
    );
}

#[test]
fn bybit_dry_run() {
    assert_dry_run(
        &[
            "request",
            "bybit",
            "cancel-withdrawal",
            "--param",
            "id=10197",
            "--timestamp",
            "1672197227732",
            "--dry-run",
        ],
        "POST https://api.bybit.com/v5/asset/withdraw/cancel\n\
         X-BAPI-API-KEY: [redacted]\n\
         X-BAPI-TIMESTAMP: 1672197227732\n\
         X-BAPI-SIGN: 6bd8a8bbdec8666401d28a591d722741b0f79ea63e5bc4f2430bcd30a3d91ea3\n\
         X-BAPI-RECV-WINDOW: 5000\n\
         X-BAPI-SIGN-TYPE: 2\n\
         Content-Type: application/json\n\n\
         {\"id\":\"10197\"}\n",
        "header X-BAPI-API-KEY",
    );
}

#[test]
fn alphapoint_dry_run_matches_the_published_signature_inputs() {
    // Nonce, user id and key of signing-examples.json's AlphaPoint vector: same signature.
    assert_dry_run(
        &[
            "request",
            "alphapoint",
            "cancel-withdrawal",
            "--param",
            "OMSId=1",
            "--param",
            "UserId=96",
            "--param",
            "AccountId=7",
            "--param",
            "RequestCode=abc",
            "--nonce",
            "2247733562",
            "--base-url",
            "https://apex.example",
            "--dry-run",
        ],
        "POST https://apex.example/AP/CancelWithdraw\n\
         Nonce: 2247733562\n\
         APIKey: [redacted]\n\
         Signature: d32e9c20c2cfbe1e260d89ebb21dd362e43f813b2e104f08f7b9ed640db5175c\n\
         UserId: 96\n\
         Content-Type: application/json\n\n\
         {\"AccountId\":7,\"OMSId\":1,\"RequestCode\":\"abc\",\"UserId\":96}\n",
        "header APIKey",
    );
}

#[test]
fn a_get_routes_its_parameters_into_the_signed_query() {
    let output = xgen(&[
        "request",
        "okx",
        "get-withdrawal-history",
        "--param",
        "ccy=BTC",
        "--param",
        "limit=5",
        "--param",
        "state=-2",
        "--timestamp",
        "1607418537715",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["method"], "GET");
    assert_eq!(
        value["url"],
        "https://www.okx.com/api/v5/asset/withdrawal-history?ccy=BTC&limit=5&state=-2"
    );
    assert_eq!(value["body"], "");
}

#[test]
fn json_dry_run_is_one_object_and_says_what_it_redacted() {
    let output = xgen(&[
        "request",
        "kraken",
        "cancel-withdrawal",
        "--param",
        "asset=XBT",
        "--param",
        "refid=R1",
        "--dry-run",
        "--json",
        "--nonce",
        "7",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["method"], "POST");
    assert_eq!(value["url"], "http://127.0.0.1:9/0/private/WithdrawCancel");
    assert_eq!(value["body"], r#"{"nonce":7,"asset":"XBT","refid":"R1"}"#);
    assert_eq!(value["headers"]["API-Key"], "[redacted]");
    assert_eq!(value["headers"]["API-Sign"].as_str().unwrap().len(), 88);
    assert_eq!(value["redacted"], serde_json::json!(["header API-Key"]));
    assert_eq!(value.as_object().unwrap().len(), 5);
    assert!(!stdout(&output).contains(KRAKEN_KEY));
}

#[test]
fn every_bad_or_missing_value_is_named_in_one_run_with_its_type() {
    let output = xgen_with(
        &[
            "request",
            "okx",
            "get-withdrawal-history",
            "--param",
            "limit=ten",
            "--param",
            "state=99",
            "--param",
            "wdid=1",
            "--param",
            "ccy",
            "--param",
            "type=4",
            "--param",
            "type=3",
            "--dry-run",
        ],
        &[],
    );
    assert_input_error(
        &output,
        "okx get-withdrawal-history: 6 problems:\n\
         \x20 limit: expected integer, got 'ten'\n\
         \x20 state: expected one of \"19\", \"17\", \"10\", \"0\", \"4\", \"5\", \"6\", \"8\", \"9\", \"12\", \"7\", \"1\", \"15\", \"16\", \"-3\", \"-2\", \"-1\", \"2\", got \"99\"\n\
         \x20 wdid: no such parameter; get-withdrawal-history takes: after, before, ccy, clientId, limit, state, txId, type, wdId\n\
         \x20 'ccy' is not NAME=VALUE\n\
         \x20 type: given twice\n\
         \x20 OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE are not set: the request cannot be signed without them",
    );
}

#[test]
fn required_parameters_and_signer_fields() {
    assert_input_error(
        &xgen(&[
            "request",
            "kraken",
            "cancel-withdrawal",
            "--param",
            "nonce=1",
            "--dry-run",
        ]),
        "kraken cancel-withdrawal: 3 problems:\n\
         \x20 nonce: set by the signer, not by --param (fix it with --nonce or --timestamp)\n\
         \x20 asset: required (body string), not given\n\
         \x20 refid: required (body string), not given",
    );
}

#[test]
fn unknown_exchange_and_operation() {
    assert_input_error(
        &xgen(&["request", "krakn", "cancel-withdrawal", "--dry-run"]),
        "unknown exchange 'krakn': specs has no folder krakn/ with a profile.yaml; known: \
         alphapoint, binance, bybit, kraken, kraken-pay, kucoin, okx",
    );
    assert_input_error(
        &xgen(&["request", "kraken", "cancel", "--dry-run"]),
        "unknown operation 'cancel' for kraken; did you mean cancel-all-orders, \
         cancel-all-orders-after, cancel-order, cancel-order-batch, cancel-withdrawal? \
         (`xgen ops kraken` lists all 54)",
    );
}

#[test]
fn fixed_values_must_match_the_scheme() {
    assert_input_error(
        &xgen(&[
            "request",
            "kraken",
            "cancel-withdrawal",
            "--param",
            "asset=XBT",
            "--param",
            "refid=R1",
            "--timestamp",
            "2020-12-08T09:08:57.715Z",
            "--dry-run",
        ]),
        "kraken signs with a nonce (use --nonce), so a fixed timestamp cannot be used",
    );
    assert_input_error(
        &xgen(&["request", "bybit", "cancel-withdrawal", "--param", "id=1", "--timestamp", "yesterday", "--dry-run"]),
        "--timestamp: the timestamp `yesterday` is neither Unix milliseconds nor ISO-8601 UTC like 2020-12-08T09:08:57.715Z: expected the shape YYYY-MM-DDTHH:MM:SS.mmmZ",
    );
    assert_input_error(
        &xgen(&[
            "request",
            "alphapoint",
            "cancel-withdrawal",
            "--param",
            "OMSId=1",
            "--param",
            "UserId=1",
            "--param",
            "AccountId=1",
            "--param",
            "RequestCode=x",
            "--dry-run",
        ]),
        "alphapoint has no production base URL in its profile: give one with --base-url",
    );
}

#[test]
fn a_bad_secret_is_named_but_never_shown() {
    let output = xgen_with(
        &[
            "request",
            "kraken",
            "cancel-withdrawal",
            "--param",
            "asset=XBT",
            "--param",
            "refid=R1",
            "--dry-run",
        ],
        &[
            ("KRAKEN_API_KEY", "key"),
            ("KRAKEN_API_SECRET", "not*base64*secret"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("error: KRAKEN_API_SECRET: "), "{err}");
    assert!(
        !err.contains("not*base64*secret"),
        "the secret leaked: {err}"
    );
}

fn kraken_env() -> Vec<(String, String)> {
    [
        ("KRAKEN_API_KEY", KRAKEN_KEY),
        ("KRAKEN_API_SECRET", KRAKEN_SECRET),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_for_real_and_prints_the_result() {
    let fake = FakeKraken::start(KRAKEN_KEY, KRAKEN_SECRET).await;
    let base = fake.base_url();
    let cancel = |extra: &[&str]| {
        let mut all = args(&[
            "request",
            "kraken",
            "cancel-withdrawal",
            "--param",
            "asset=XBT",
            "--param",
            "refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg",
            "--base-url",
            &base,
        ]);
        all.extend(args(extra));
        all
    };
    let output = xgen_async(cancel(&["--nonce", "42"]), kraken_env()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "true\n");
    assert_eq!(
        fake.last_request().unwrap().path,
        "/0/private/WithdrawCancel"
    );
    // The exchange's own answers: exit 1 with the typed error.
    let again = xgen_async(cancel(&["--nonce", "42"]), kraken_env()).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("EAPI:Invalid nonce"),
        "{}",
        stderr(&again)
    );
    fake.respond_with(Reply::error("EFunding:Unknown reference id"));
    let refused = xgen_async(cancel(&[]), kraken_env()).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("error: ")
            && stderr(&refused).contains("EFunding:Unknown reference id")
    );
    assert!(!stderr(&refused).contains(KRAKEN_SECRET));
    fake.respond_with(Reply::Html502);
    let proxy = xgen_async(cancel(&[]), kraken_env()).await;
    assert_eq!(proxy.status.code(), Some(1));
    assert!(
        stderr(&proxy).contains("HTTP 502") && stderr(&proxy).contains("<html"),
        "{}",
        stderr(&proxy)
    );
}

/// An operation added to `specs/` is listed and callable, dry run and for real, by the same
/// binary: nothing is rebuilt.
#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_added_to_the_specs_is_callable_without_rebuilding() {
    let specs = specs_copy();
    // Kraken's own file, as it was before WithdrawStatus was documented.
    let spec = specs.path().join("kraken/openapi_v3.yaml");
    let published = fs::read_to_string(&spec).unwrap();
    let (head, status_and_rest) = published
        .split_once("  /private/WithdrawStatus:\n")
        .expect("Kraken's file documents WithdrawStatus");
    let (_, rest) = status_and_rest
        .split_once("  /private/WithdrawCancel:\n")
        .expect("WithdrawCancel follows WithdrawStatus");
    fs::write(&spec, format!("{head}  /private/WithdrawCancel:\n{rest}")).unwrap();
    let profile = specs.path().join("kraken/profile.yaml");
    edit(&profile, "  getStatusRecentWithdrawals: { requests: 1, per_seconds: 3, scope: \"API key (call counter, Starter tier)\" }\n", "");
    let specs_arg = path(specs.path()).to_owned();
    let before = xgen(&["ops", "--specs", &specs_arg, "kraken"]);
    assert!(
        !stdout(&before).contains("get-status-recent-withdrawals"),
        "{}",
        stdout(&before)
    );
    // The docs grow an endpoint: Kraken publishes the file as it is today.
    fs::write(&spec, &published).unwrap();
    let fake = FakeKraken::start(KRAKEN_KEY, KRAKEN_SECRET).await;
    let request = args(&[
        "request",
        "kraken",
        "get-status-recent-withdrawals",
        "--specs",
        &specs_arg,
        "--param",
        "asset=XBT",
        "--base-url",
        &fake.base_url(),
    ]);
    let mut dry = request.clone();
    dry.push("--dry-run".into());
    let dry = xgen_async(dry, kraken_env()).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(
        stdout(&dry).starts_with("POST http://127.0.0.1:"),
        "{}",
        stdout(&dry)
    );
    let sent = xgen_async(request, kraken_env()).await;
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert!(stdout(&sent).starts_with('['), "{}", stdout(&sent));
    let seen = fake.last_request().unwrap();
    assert_eq!(seen.path, "/0/private/WithdrawStatus");
    assert_eq!(seen.verdict, xgen_fake_exchanges::Verdict::Accepted);
}

/// The petstore server's own check: the `api_key` header must hold the key.
fn petstore_answer(request: &crate::support::Received) -> (u16, String) {
    let public = request.request_line.starts_with("GET /v2/store/inventory ");
    match (public, request.header("api_key")) {
        (true, _) => (200, r#"{"available":3}"#.to_owned()),
        (false, Some("special-key")) => (
            200,
            r#"{"id":7,"name":"Rex","status":"available"}"#.to_owned(),
        ),
        (false, _) => (401, r#"{"message":"no or wrong api_key"}"#.to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn any_openapi_api_is_callable_with_its_own_security_schemes() {
    let server = TinyServer::start(petstore_answer).await;
    let specs = openapi_specs(
        "petstore",
        "openapi: [api.yaml]\nbase_urls: { production: https://petstore.example }\n",
        PETSTORE,
    );
    let specs_arg = path(specs.path()).to_owned();
    let call = |op: &str, extra: &[&str]| {
        let mut all = args(&[
            "request",
            "petstore",
            op,
            "--specs",
            &specs_arg,
            "--base-url",
            &server.base_url,
        ]);
        all.extend(args(extra));
        all
    };
    // A public operation needs no credentials and sends none.
    let public = xgen_async(call("get-inventory", &[]), Vec::new()).await;
    assert_eq!(public.status.code(), Some(0), "{}", stderr(&public));
    assert_eq!(stdout(&public), "{\"available\":3}\n");
    assert_eq!(server.requests()[0].header("api_key"), None);
    // A secured one says which credentials it takes, all at once.
    let missing = xgen_async(call("get-pet-by-id", &["--param", "petId=7"]), Vec::new()).await;
    assert_input_error(
        &missing,
        "none of the credentials getPetById accepts is complete: set PETSTORE_API_KEY, or PETSTORE_PETSTORE_AUTH",
    );
    let key = vec![("PETSTORE_API_KEY".to_owned(), "special-key".to_owned())];
    let pet = xgen_async(call("get-pet-by-id", &["--param", "petId=7"]), key.clone()).await;
    assert_eq!(pet.status.code(), Some(0), "{}", stderr(&pet));
    assert_eq!(
        stdout(&pet),
        "{\"id\":7,\"name\":\"Rex\",\"status\":\"available\"}\n"
    );
    let seen = server.requests().pop().unwrap();
    assert_eq!(seen.request_line, "GET /v2/pet/7 HTTP/1.1");
    assert_eq!(seen.header("api_key"), Some("special-key"));
    // A body checked against the schema before anything is sent, then sent as JSON.
    let added = xgen_async(
        call("add-pet", &["--param", "name=5", "--param", "id=9"]),
        key.clone(),
    )
    .await;
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    // A string given as 5 is the text "5"; an integer goes as a number.
    assert_eq!(
        server.requests().pop().unwrap().json(),
        serde_json::json!({"id": 9, "name": "5"})
    );
    let wrong = xgen_async(
        call("add-pet", &["--param", "id=x", "--param", "status=lost"]),
        key.clone(),
    )
    .await;
    assert_input_error(
        &wrong,
        "petstore add-pet: 3 problems:\n\
         \x20 id: expected integer, got 'x'\n\
         \x20 status: expected one of \"available\", \"pending\", \"sold\", got \"lost\"\n\
         \x20 name: required (body string), not given",
    );
    // The server refusing is the exchange refusing: exit 1 with status and body.
    let refused = xgen_async(
        call("get-pet-by-id", &["--param", "petId=7"]),
        vec![("PETSTORE_API_KEY".into(), "wrong".into())],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("HTTP 401") && stderr(&refused).contains("no or wrong api_key"),
        "{}",
        stderr(&refused)
    );
    // A dry run never shows the key.
    let dry = xgen_async(
        call("get-pet-by-id", &["--param", "petId=7", "--dry-run"]),
        key,
    )
    .await;
    assert!(
        stdout(&dry).contains("api_key: [redacted]") && !stdout(&dry).contains("special-key"),
        "{}",
        stdout(&dry)
    );
}

#[test]
fn the_credentials_of_every_exchange_are_set_in_these_tests() {
    // Guards the dry-run expectations above: each exchange's variables are the ones set.
    for exchange in ["kraken", "kraken-pay", "okx", "bybit", "alphapoint"] {
        let output = xgen(&["ops", exchange, "--json"]);
        let ops: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        for variable in ops[0]["credentials"].as_array().unwrap() {
            assert!(CREDENTIALS.iter().any(|(k, _)| k == variable), "{variable}");
        }
    }
}
