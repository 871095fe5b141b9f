//! Kraken's `API-Sign`.
//!
//! `API-Sign = base64(HMAC-SHA512(secret, path_and_query || SHA256(nonce_digits || body)))`,
//! where the body is the exact bytes sent and the nonce digits carry no quotes even when the JSON
//! nonce is a string (Kraken Pay).

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::Mac;
use sha2::{Digest, Sha256};

use super::credentials::{ApiKeyHint, KrakenCredentials, KrakenKey};
use crate::body::{BodyField, FieldValue};
use crate::digits::Digits;
use crate::nonce::{MonotonicNonce, NonceSource};
use crate::operation::ValueKind;
use crate::signer::{HttpRequest, SignError, Signer};

const NONCE_FIELD: &str = "nonce";
const SIGNER_NAME: &str = "Kraken";

/// Signs Kraken requests. Clones share the nonce source, so nonces keep strictly increasing
/// across all clones of a client.
#[derive(Clone)]
pub struct KrakenSigner {
    api_key: Arc<str>,
    key: KrakenKey,
    nonce: Arc<dyn NonceSource>,
}

impl KrakenSigner {
    /// A signer with a fresh [`MonotonicNonce`]. Give every client of one API key the same
    /// signer (or clones of it): two independent sources can hand out the same nonce.
    pub fn new(credentials: KrakenCredentials) -> KrakenSigner {
        KrakenSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            nonce: Arc::new(MonotonicNonce::new()),
        }
    }

    /// Uses `nonce` instead, e.g. a [`crate::FixedNonce`] for reproducible output, or a source
    /// shared with other signers of the same key.
    pub fn with_nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> KrakenSigner {
        self.nonce = nonce;
        self
    }
}

impl fmt::Debug for KrakenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KrakenSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("key", &self.key)
            .field("nonce", &self.nonce)
            .finish()
    }
}

impl Signer for KrakenSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let operation = request.operation;
        let field = operation
            .signer_field(NONCE_FIELD)
            .ok_or(SignError::MissingSignerField {
                operation: operation.id,
                field: NONCE_FIELD,
                signer: SIGNER_NAME,
            })?;
        // Checked before drawing, so a misdeclared operation does not use up a nonce.
        let string_nonce = match field.kind {
            ValueKind::Integer => false,
            ValueKind::String => true,
            kind => {
                return Err(SignError::UnsupportedFieldKind {
                    operation: operation.id,
                    field: field.wire_name,
                    kind,
                    signer: SIGNER_NAME,
                })
            }
        };
        let nonce = self.nonce.next_nonce().map_err(|source| SignError::Nonce {
            operation: operation.id,
            source,
        })?;
        let digits = Digits::new(nonce);
        let value = if string_nonce {
            FieldValue::String(digits.as_str())
        } else {
            FieldValue::Integer(nonce)
        };
        request
            .body
            .prepend_fields(&[BodyField {
                name: field.wire_name,
                value,
            }])
            .map_err(|e| SignError::Body {
                operation: operation.id,
                message: e.to_string(),
            })?;
        let signature = sign_digits(
            &self.key,
            request.path_and_query.as_bytes(),
            digits.as_bytes(),
            request.body.as_bytes(),
        );
        request.push_credential_header("API-Key", self.api_key.to_string());
        request.headers.push(("API-Sign".to_owned(), signature));
        if let Some(content_type) = request.body.content_type() {
            request
                .headers
                .push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        Ok(())
    }
}

/// Kraken's `API-Sign` for a request whose `path_and_query` (`/0/private/AddOrder`, with
/// `?query` if any) and body bytes are given, the body already holding `nonce`.
pub fn sign(key: &KrakenKey, path_and_query: &str, nonce: u64, body: &[u8]) -> String {
    sign_digits(
        key,
        path_and_query.as_bytes(),
        Digits::new(nonce).as_bytes(),
        body,
    )
}

fn sign_digits(key: &KrakenKey, path_and_query: &[u8], nonce_digits: &[u8], body: &[u8]) -> String {
    let inner = Sha256::new()
        .chain_update(nonce_digits)
        .chain_update(body)
        .finalize();
    let mut mac = key.mac.clone();
    mac.update(path_and_query);
    mac.update(&inner);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::nonce::FixedNonce;
    use crate::operation::{BodyEncoding, Method, Operation, SignerField};
    use crate::Client;

    const DOC_SECRET: &str =
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
    const API_KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";

    fn key(secret: &str) -> KrakenKey {
        KrakenCredentials::new(API_KEY, secret).unwrap().key
    }

    fn op(body: BodyEncoding, nonce_kind: ValueKind) -> &'static Operation {
        Box::leak(Box::new(Operation {
            exchange: "kraken",
            id: "cancelWithdrawal",
            name: "cancel-withdrawal",
            method: Method::Post,
            path: "/0/private/WithdrawCancel",
            host: None,
            body,
            params: &[],
            signer_fields: Box::leak(Box::new([SignerField {
                wire_name: "nonce",
                kind: nonce_kind,
                location: crate::ParamLocation::Body,
            }])),
            signed: true,
            rate_limit: None,
            security: &[],
        }))
    }

    fn signer(first_nonce: u64) -> KrakenSigner {
        KrakenSigner::new(KrakenCredentials::new(API_KEY, DOC_SECRET).unwrap())
            .with_nonce_source(Arc::new(FixedNonce::new(first_nonce)))
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> &'a str {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    #[test]
    fn vector_doc_addorder_form() {
        let body =
            b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
        assert_eq!(
            sign(&key(DOC_SECRET), "/0/private/AddOrder", 1_616_492_376_594, body),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        );
    }

    #[test]
    fn vector_doc_custody_json_with_query() {
        assert_eq!(
            sign(
                &key(DOC_SECRET),
                "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2",
                1_616_492_376_594,
                br#"{"nonce":1616492376594}"#
            ),
            "2rM09q8HG7LvjivBitQUybwZ/DSeO8+i0U/at/wclH2Jma6gMaE/0Nw9dyLR+ykMd5eWCngSL4K58i6uJzXDCw=="
        );
    }

    #[test]
    fn vector_sdk_golden_balance() {
        assert_eq!(
            sign(
                &key("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
                "/0/private/Balance",
                1_700_000_000_000_000_000,
                b"nonce=1700000000000000000"
            ),
            "6i7+cpXVLDDnDOekgsRcgFQhkYFyPDSSxhSVA8OrA6vjziXcy2K1DP3n7f9B/Kgni71WjBSQusZKxduRsdF20Q=="
        );
    }

    #[test]
    fn signer_reproduces_doc_addorder_through_the_body_splice() {
        let operation = op(BodyEncoding::Form, ValueKind::Integer);
        let fields = [
            ("ordertype", "limit"),
            ("pair", "XBTUSD"),
            ("price", "37500"),
            ("type", "buy"),
            ("volume", "1.25"),
        ];
        let mut request = HttpRequest::new(
            operation,
            "https://api.kraken.com/0/private/AddOrder".into(),
            "/0/private/AddOrder".into(),
            Vec::new(),
            Body::encode(BodyEncoding::Form, &fields).unwrap(),
        );
        signer(1_616_492_376_594).sign(&mut request).unwrap();
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["API-Key", "API-Sign", "Content-Type"]);
        assert_eq!(header(&request, "API-Key"), API_KEY);
        assert_eq!(
            header(&request, "API-Sign"),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        );
        assert_eq!(
            header(&request, "Content-Type"),
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn json_operation_gets_integer_nonce_first_and_matching_signature() {
        let client = Client::new("https://api.kraken.com", Arc::new(signer(42))).unwrap();
        let operation = op(BodyEncoding::Json, ValueKind::Integer);
        let body = serde_json::json!({"asset": "XBT", "refid": "FTQcuak"});
        let prepared = client.prepare(operation, &body).unwrap();
        assert_eq!(
            prepared.body_text(),
            r#"{"nonce":42,"asset":"XBT","refid":"FTQcuak"}"#
        );
        assert_eq!(
            prepared.url,
            "https://api.kraken.com/0/private/WithdrawCancel"
        );
        let sent_sign = prepared
            .headers
            .iter()
            .find(|(n, _)| n == "API-Sign")
            .unwrap();
        let expected = sign(
            &key(DOC_SECRET),
            "/0/private/WithdrawCancel",
            42,
            &prepared.body,
        );
        assert_eq!(sent_sign.1, expected);
        let content_types = prepared
            .headers
            .iter()
            .filter(|(n, _)| n == "Content-Type")
            .count();
        assert_eq!(content_types, 1, "{:?}", prepared.headers);
        // The next request from the same signer uses the next nonce.
        let again = client.prepare(operation, &body).unwrap();
        assert!(again.body_text().starts_with(r#"{"nonce":43,"#));
    }

    #[test]
    fn string_nonce_is_quoted_in_json_but_not_in_the_prehash() {
        let client = Client::new(
            "https://api.kraken.com",
            Arc::new(signer(1_700_000_000_456)),
        )
        .unwrap();
        let operation = op(BodyEncoding::Json, ValueKind::String);
        let prepared = client
            .prepare(operation, &serde_json::json!({"external_id": "abc"}))
            .unwrap();
        assert_eq!(
            prepared.body_text(),
            r#"{"nonce":"1700000000456","external_id":"abc"}"#
        );
        let expected = sign(
            &key(DOC_SECRET),
            "/0/private/WithdrawCancel",
            1_700_000_000_456,
            &prepared.body,
        );
        assert!(prepared
            .headers
            .contains(&("API-Sign".to_owned(), expected)));
    }

    #[test]
    fn clones_share_the_nonce_source() {
        let first = signer(10);
        let second = first.clone();
        let operation = op(BodyEncoding::Form, ValueKind::Integer);
        let mut bodies = Vec::new();
        for s in [&first, &second, &first] {
            let mut request = HttpRequest::new(
                operation,
                String::new(),
                operation.path.into(),
                Vec::new(),
                Body::encode(BodyEncoding::Form, &()).unwrap(),
            );
            s.sign(&mut request).unwrap();
            bodies.push(String::from_utf8(request.body.into_bytes()).unwrap());
        }
        assert_eq!(bodies, ["nonce=10", "nonce=11", "nonce=12"]);
    }

    #[test]
    fn missing_nonce_field_names_the_operation() {
        let operation: &'static Operation = Box::leak(Box::new(Operation {
            signer_fields: &[],
            ..*op(BodyEncoding::Form, ValueKind::Integer)
        }));
        let mut request = HttpRequest::new(
            operation,
            String::new(),
            operation.path.into(),
            Vec::new(),
            Body::encode(BodyEncoding::Form, &()).unwrap(),
        );
        let err = signer(1).sign(&mut request).unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation `cancelWithdrawal` is signed, but declares no `nonce` body field, which the Kraken signer needs"
        );
        let bad_kind = op(BodyEncoding::Form, ValueKind::Boolean);
        request.operation = bad_kind;
        let err = signer(1).sign(&mut request).unwrap_err();
        assert!(matches!(
            err,
            SignError::UnsupportedFieldKind {
                kind: ValueKind::Boolean,
                ..
            }
        ));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let signer = signer(1);
        let debug = format!("{signer:?}");
        let decoded = STANDARD.decode(DOC_SECRET).unwrap();
        assert!(
            !debug.contains(DOC_SECRET) && !debug.contains(&DOC_SECRET[..8]),
            "{debug}"
        );
        assert!(!debug.contains(&format!("{:?}", &decoded[..4])), "{debug}");
        assert!(!debug.contains(API_KEY), "{debug}");
        assert!(debug.contains("TEST…"), "{debug}");
    }
}
