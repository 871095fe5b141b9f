//! Kraken's reply envelope: `{"error":[...],"result":...}`.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::errors::{KrakenError, KrakenErrors, WireError};
use crate::envelope::{
    decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure, Envelope,
};
use crate::error::Error;
use crate::transport::RawResponse;

/// Decodes Kraken replies. Any `E...` entry makes the reply [`Error::Kraken`], whatever the
/// status and whether or not a `result` came with it; warnings alone do not.
#[derive(Debug, Clone, Copy, Default)]
pub struct KrakenEnvelope;

#[derive(Deserialize)]
struct Reply<T> {
    #[serde(default)]
    error: Vec<WireError>,
    result: T,
}

#[derive(Deserialize)]
struct ErrorsOnly {
    #[serde(default)]
    error: Vec<WireError>,
}

impl Envelope for KrakenEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        // One pass on the usual path. Only when it fails (no `result`, or a `result` that does
        // not fit `T`) is the body read again for the error list alone, which then explains it.
        match decode_json::<Reply<T>>(&response.body) {
            Ok(reply) => {
                if let Some(errors) = collect(reply.error, response.status) {
                    return Err(Error::Kraken(errors));
                }
                ensure_success(response)?;
                Ok(reply.result)
            }
            Err(first) => {
                if let Ok(only) = serde_json::from_slice::<ErrorsOnly>(&response.body) {
                    if let Some(errors) = collect(only.error, response.status) {
                        return Err(Error::Kraken(errors));
                    }
                }
                Err(parse_failure(response, first))
            }
        }
    }
}

fn collect(entries: Vec<WireError>, status: u16) -> Option<KrakenErrors> {
    if entries.is_empty() {
        return None;
    }
    KrakenErrors::from_entries(entries.into_iter().map(KrakenError::from).collect(), status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kraken::{KrakenErrorKind, Severity};

    fn reply(status: u16, content_type: &str, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some(content_type.to_owned()),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Error> {
        KrakenEnvelope::decode(&reply(status, "application/json; charset=utf-8", body))
    }

    #[test]
    fn success() {
        assert!(decode::<bool>(200, r#"{"error":[],"result":true}"#).unwrap());
    }

    #[test]
    fn invalid_nonce_is_a_typed_kraken_error() {
        let err = decode::<bool>(200, r#"{"error":["EAPI:Invalid nonce"]}"#).unwrap_err();
        let Error::Kraken(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.status, 200);
        let [e] = errors.errors.as_slice() else {
            panic!("{errors:?}")
        };
        assert_eq!(e.kind(), KrakenErrorKind::InvalidNonce);
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.category, "API");
        assert_eq!(e.message, "Invalid nonce");
        assert_eq!(e.raw, "EAPI:Invalid nonce");
    }

    #[test]
    fn error_wins_over_a_result_of_the_wrong_shape_and_over_the_status() {
        let err = decode::<Vec<String>>(
            403,
            r#"{"error":["EGeneral:Permission denied"],"result":{}}"#,
        )
        .unwrap_err();
        let Error::Kraken(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.status, 403);
        assert!(errors.has_kind(KrakenErrorKind::PermissionDenied));
    }

    #[test]
    fn warnings_with_a_result_are_ok() {
        let value: u32 = decode(
            200,
            r#"{"error":["WGeneral:Deprecated endpoint"],"result":7}"#,
        )
        .unwrap();
        assert_eq!(value, 7);
    }

    #[test]
    fn missing_result_without_errors_is_a_decode_error() {
        for body in [
            r#"{"error":[]}"#,
            r#"{"error":["WGeneral:Just a warning"]}"#,
        ] {
            let err = decode::<bool>(200, body).unwrap_err();
            assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
            assert!(std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("result"));
        }
    }

    #[test]
    fn html_502_is_not_json() {
        let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>cloudflare</body></html>";
        let err = KrakenEnvelope::decode::<bool>(&reply(502, "text/html", page)).unwrap_err();
        let Error::NotJson {
            status,
            content_type,
            body_excerpt,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*status, content_type.as_deref()), (502, Some("text/html")));
        assert!(
            body_excerpt.starts_with("<html> <head><title>502 Bad Gateway"),
            "{body_excerpt}"
        );
        assert!(err.to_string().contains("HTTP 502"), "{err}");
    }

    #[test]
    fn empty_body() {
        let err = decode::<bool>(200, "").unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 200 }), "{err:?}");
    }

    #[test]
    fn truncated_json_is_a_decode_error_with_position() {
        let err = decode::<bool>(200, r#"{"error":[],"res"#).unwrap_err();
        let Error::Decode {
            status,
            body_excerpt,
            source,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            (*status, body_excerpt.as_str()),
            (200, r#"{"error":[],"res"#)
        );
        assert!(source.is_eof());
        assert!(err.to_string().contains("line 1, column 16"), "{err}");
    }

    #[test]
    fn a_result_of_the_wrong_shape_names_its_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Row {
            refid: String,
            status: String,
        }
        let body = r#"{"error":[],"result":[{"refid":"A","status":"Pending"},{"refid":"B"}]}"#;
        let err = decode::<Vec<Row>>(200, body).unwrap_err();
        let Error::Decode { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "result[1]");
        let text = err.to_string();
        assert!(
            text.starts_with("result[1]: missing field `status` (JSON of an unexpected shape at line 1, column 68 of the exchange's HTTP 200 reply); body starts: {"),
            "{text}"
        );
    }

    #[test]
    fn a_repeated_key_is_refused_never_read_as_either_value() {
        for (body, repeated) in [
            // serde_json alone would keep the last `error`, and see success.
            (
                r#"{"error":["EAPI:Invalid key"],"result":true,"error":[]}"#,
                "error",
            ),
            (
                r#"{"error":[],"result":true,"error":["EAPI:Invalid key"]}"#,
                "error",
            ),
            (r#"{"error":[],"result":false,"result":true}"#, "result"),
            (
                r#"{"error":[],"r\u0065sult":false,"result":true}"#,
                "result",
            ),
            (
                r#"{"error":[],"result":{"refid":"A","status":"Failure","status":"Success"}}"#,
                "result.status",
            ),
        ] {
            let err = decode::<serde_json::Value>(200, body).unwrap_err();
            let Error::Decode {
                path, body_excerpt, ..
            } = &err
            else {
                panic!("{body}: {err:?}")
            };
            assert_eq!(path, repeated, "{body}");
            assert_eq!(body_excerpt, body);
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("{repeated}: duplicate key `")),
                "{text}"
            );
            assert!(
                err.outcome_unknown(),
                "an ambiguous reply leaves the outcome open"
            );
        }
        // The same key in two different objects is no repetition.
        let ok: serde_json::Value =
            decode(200, r#"{"error":[],"result":[{"a":1},{"a":2}]}"#).unwrap();
        assert_eq!(ok, serde_json::json!([{"a":1},{"a":2}]));
    }

    #[test]
    fn display_escapes_terminal_controls_and_keeps_the_raw_text() {
        let body = "{\"error\":[\"EGeneral:\\u001b[2KInvalid \u{202e}gnp.exe\"]}";
        let err = decode::<bool>(200, body).unwrap_err();
        let Error::Kraken(errors) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            errors.errors[0].raw,
            "EGeneral:\u{1b}[2KInvalid \u{202e}gnp.exe"
        );
        let text = err.to_string();
        assert_eq!(
            text,
            "Kraken refused the request (HTTP 200): EGeneral:\\u{1b}[2KInvalid \\u{202e}gnp.exe"
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
    }

    #[test]
    fn plain_text_500_keeps_status() {
        let err =
            KrakenEnvelope::decode::<bool>(&reply(500, "text/plain", "Internal Server Error"))
                .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotJson { status: 500, .. } | Error::Http { status: 500, .. }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("Internal Server Error"));
    }

    #[test]
    fn json_success_body_with_error_status_is_http() {
        let err = decode::<bool>(500, r#"{"error":[],"result":true}"#).unwrap_err();
        assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
    }

    #[test]
    fn kraken_pay_error_objects() {
        let body = r#"{"error":[{"severity":"E","errorClass":"Funding","type":"x","errorMessage":"Unknown asset"}],"result":{}}"#;
        let err = decode::<serde_json::Value>(200, body).unwrap_err();
        let Error::Kraken(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.errors[0].kind(), KrakenErrorKind::UnknownAsset);
        assert!(errors.errors[0].raw.contains("errorMessage"));
    }

    #[test]
    fn kraken_pay_reused_external_id_keeps_every_part() {
        let body = r#"{"error":[{"severity":"E","errorClass":"EGeneral","type":"InvalidArguments","errorMessage":"id already used"}],"result":{}}"#;
        let err = decode::<serde_json::Map<String, serde_json::Value>>(200, body).unwrap_err();
        let Error::Kraken(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.status, 200);
        let [e] = errors.errors.as_slice() else {
            panic!("{errors:?}")
        };
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.category, "EGeneral");
        assert_eq!(e.error_type.as_deref(), Some("InvalidArguments"));
        assert_eq!(e.message, "id already used");
        assert_eq!(e.kind(), KrakenErrorKind::IdAlreadyUsed);
        assert!(!errors.is_retryable());
        let raw: serde_json::Value = serde_json::from_str(&e.raw).unwrap();
        assert_eq!(
            raw,
            serde_json::json!({"severity":"E","errorClass":"EGeneral","type":"InvalidArguments","errorMessage":"id already used"})
        );
        let text = Error::Kraken(errors.clone()).to_string();
        assert!(
            text.contains("id already used") && text.contains("InvalidArguments"),
            "{text}"
        );
    }

    #[test]
    fn kraken_pay_success_with_empty_result_is_an_empty_map() {
        let map: serde_json::Map<String, serde_json::Value> =
            decode(200, r#"{"error":[],"result":{}}"#).unwrap();
        assert!(map.is_empty());
        let map: std::collections::HashMap<String, String> =
            decode(200, r#"{"error":[],"result":{}}"#).unwrap();
        assert!(map.is_empty());
    }
}
