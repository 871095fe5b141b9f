//! `xgen ops`: the operation list and one operation's parameters, as text and as JSON.

use crate::support::{assert_input_error, openapi_specs, path, stderr, stdout, xgen};

#[test]
fn lists_every_operation_with_what_request_takes() {
    let output = xgen(&["ops"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let heads: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(
        heads.contains(&"okx cancel-withdrawal  POST /api/v5/asset/cancel-withdrawal"),
        "{text}"
    );
    assert!(heads.contains(&"kraken get-status-recent-withdrawals  POST /0/private/WithdrawStatus"));
    // Sorted by exchange, then by name.
    let mut sorted = heads.clone();
    sorted.sort();
    assert_eq!(heads, sorted);
    assert!(
        text.contains("    id cancelWithdrawal; signed (okx); permission: Trade; rate limit: 6 per 1 s per User ID"),
        "{text}"
    );
    assert!(
        text.contains("    success means: OKX accepted the cancellation request"),
        "{text}"
    );
}

#[test]
fn one_operation_shows_its_parameters_and_credentials() {
    let output = xgen(&["ops", "okx", "get-withdrawal-history"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("okx get-withdrawal-history  GET /api/v5/asset/withdrawal-history\n"),
        "{text}"
    );
    assert!(
        text.contains("    credentials: OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE\n"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("limit "))
        .expect("a row for limit");
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        &cells[..4],
        ["limit", "integer", "optional", "query"],
        "{row}"
    );
    let state = text
        .lines()
        .find(|l| l.trim_start().starts_with("state "))
        .unwrap();
    assert!(state.contains(r#"one of "19", "17", "10", "0""#), "{state}");
}

#[test]
fn json_is_an_array_of_operation_objects() {
    let output = xgen(&["ops", "kraken", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let ops = value.as_array().unwrap();
    assert!(ops.len() >= 2);
    let cancel = ops
        .iter()
        .find(|op| op["name"] == "cancel-withdrawal")
        .unwrap();
    assert_eq!(cancel["id"], "cancelWithdrawal");
    assert_eq!(cancel["method"], "POST");
    assert_eq!(cancel["path"], "/0/private/WithdrawCancel");
    assert_eq!(cancel["signing"], "kraken");
    assert_eq!(cancel["signer_fields"], serde_json::json!(["nonce"]));
    assert_eq!(cancel["rate_limit"]["per_seconds"], 3);
    assert_eq!(
        cancel["credentials"],
        serde_json::json!(["KRAKEN_API_KEY", "KRAKEN_API_SECRET"])
    );
    let params = cancel["params"].as_array().unwrap();
    let asset = params.iter().find(|p| p["name"] == "asset").unwrap();
    assert_eq!(asset["type"], "string");
    assert_eq!(asset["required"], true);
    assert_eq!(asset["location"], "body");
}

#[test]
fn openapi_security_is_listed_per_operation() {
    let specs = openapi_specs(
        "petstore",
        "openapi: [api.yaml]\nbase_urls: { production: https://petstore.example }\n",
        PETSTORE,
    );
    let output = xgen(&[
        "ops",
        "--specs",
        path(specs.path()),
        "petstore",
        "get-pet-by-id",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "signed (openapi): api_key (API key in header `api_key`), or petstore_auth (bearer token)"
        ),
        "{text}"
    );
    assert!(
        text.contains("credentials: PETSTORE_API_KEY, PETSTORE_PETSTORE_AUTH"),
        "{text}"
    );
    let list = stdout(&xgen(&["ops", "--specs", path(specs.path())]));
    assert!(
        list.contains("id getInventory; public (not signed)"),
        "{list}"
    );
}

#[test]
fn unknown_names_are_bad_input() {
    assert_input_error(
        &xgen(&["ops", "krakn"]),
        "unknown exchange 'krakn': specs has no folder krakn/ with a profile.yaml; known: \
         alphapoint, binance, bybit, kraken, kraken-pay, kucoin, okx",
    );
    assert_input_error(
        &xgen(&["ops", "kraken", "cancel"]),
        "unknown operation 'cancel' for kraken; did you mean cancel-all-orders, \
         cancel-all-orders-after, cancel-order, cancel-order-batch, cancel-withdrawal? \
         (`xgen ops kraken` lists all 54)",
    );
}

/// A small Petstore-like OpenAPI document: one operation with alternative schemes (an API key
/// or an OAuth 2 token), one public.
pub const PETSTORE: &str = r##"openapi: 3.0.3
info: { title: Petstore, version: "1" }
servers: [{ url: "https://petstore.example/v2" }]
paths:
  /pet/{petId}:
    get:
      operationId: getPetById
      summary: Find pet by ID
      parameters:
        - { name: petId, in: path, required: true, schema: { type: integer, format: int64 } }
      security: [{ api_key: [] }, { petstore_auth: [read] }]
      responses:
        "200":
          description: A pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
  /store/inventory:
    get:
      operationId: getInventory
      security: []
      responses:
        "200":
          description: Counts by status
          content:
            application/json:
              schema: { type: object, additionalProperties: { type: integer } }
  /pet:
    post:
      operationId: addPet
      security: [{ api_key: [] }]
      requestBody:
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Pet" }
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        id: { type: integer, format: int64 }
        name: { type: string }
        status: { type: string, enum: [available, pending, sold] }
  securitySchemes:
    api_key: { type: apiKey, in: header, name: api_key }
    petstore_auth:
      type: oauth2
      flows:
        implicit:
          authorizationUrl: https://petstore.example/oauth/authorize
          scopes: { read: read pets }
"##;
