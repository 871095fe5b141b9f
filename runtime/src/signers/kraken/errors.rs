//! Kraken's error strings, parsed.
//!
//! Spot errors are strings `<E|W><Category>:<message>[:<extra>]`, e.g.
//! `EGeneral:Invalid arguments:ordertype`. Kraken Pay sends objects
//! `{"severity","errorClass","type","errorMessage"}` instead; both end up as [`KrakenError`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether an entry is an error or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// `E...`: the request failed.
    Error,
    /// `W...`: the request may still have succeeded.
    Warning,
}

/// The documented Kraken errors, for matching without comparing strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KrakenErrorKind {
    /// `EAPI:Invalid nonce`
    InvalidNonce,
    /// `EAPI:Invalid key`
    InvalidKey,
    /// `EAPI:Invalid signature`
    InvalidSignature,
    /// `EAPI:Rate limit exceeded`
    RateLimitExceeded,
    /// `EGeneral:Permission denied`
    PermissionDenied,
    /// `EGeneral:Temporary lockout` (about 15 minutes)
    TemporaryLockout,
    /// `EGeneral:Invalid arguments[:<field>]`
    InvalidArguments,
    /// `EGeneral:Internal error[:<code>]`
    InternalError,
    /// `EService:Unavailable`
    ServiceUnavailable,
    /// `EService:Busy`
    ServiceBusy,
    /// `EService:Throttled: <unix ts>`
    Throttled,
    /// `EService:Deadline elapsed`
    DeadlineElapsed,
    /// `EFunding:Unknown reference id`
    UnknownReferenceId,
    /// `EFunding:Invalid reference id`
    InvalidReferenceId,
    /// `EFunding:Unknown withdraw key`
    UnknownWithdrawKey,
    /// `EFunding:Invalid amount`
    InvalidAmount,
    /// `EFunding:Unknown asset`
    UnknownAsset,
    /// `EFunding:Max fee exceeded`
    MaxFeeExceeded,
    /// Kraken Pay: the `external_id` was used before. Pay's docs call this error the only guard
    /// against a double request, so a retry that gets it means the first attempt arrived.
    IdAlreadyUsed,
    /// Anything else.
    Other,
}

const KINDS: &[(&str, &str, KrakenErrorKind)] = &[
    ("API", "Invalid nonce", KrakenErrorKind::InvalidNonce),
    ("API", "Invalid key", KrakenErrorKind::InvalidKey),
    (
        "API",
        "Invalid signature",
        KrakenErrorKind::InvalidSignature,
    ),
    (
        "API",
        "Rate limit exceeded",
        KrakenErrorKind::RateLimitExceeded,
    ),
    (
        "General",
        "Permission denied",
        KrakenErrorKind::PermissionDenied,
    ),
    (
        "General",
        "Temporary lockout",
        KrakenErrorKind::TemporaryLockout,
    ),
    (
        "General",
        "Invalid arguments",
        KrakenErrorKind::InvalidArguments,
    ),
    ("General", "Internal error", KrakenErrorKind::InternalError),
    (
        "Service",
        "Unavailable",
        KrakenErrorKind::ServiceUnavailable,
    ),
    ("Service", "Busy", KrakenErrorKind::ServiceBusy),
    ("Service", "Throttled", KrakenErrorKind::Throttled),
    (
        "Service",
        "Deadline elapsed",
        KrakenErrorKind::DeadlineElapsed,
    ),
    (
        "Funding",
        "Unknown reference id",
        KrakenErrorKind::UnknownReferenceId,
    ),
    (
        "Funding",
        "Invalid reference id",
        KrakenErrorKind::InvalidReferenceId,
    ),
    (
        "Funding",
        "Unknown withdraw key",
        KrakenErrorKind::UnknownWithdrawKey,
    ),
    ("Funding", "Invalid amount", KrakenErrorKind::InvalidAmount),
    ("Funding", "Unknown asset", KrakenErrorKind::UnknownAsset),
    (
        "Funding",
        "Max fee exceeded",
        KrakenErrorKind::MaxFeeExceeded,
    ),
];

/// One entry of Kraken's `error` list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KrakenError {
    /// Error or warning. Entries that do not follow the format count as errors.
    pub severity: Severity,
    /// What follows the severity letter up to the first `:` (`General`, `API`, `Funding`), or
    /// empty if the entry does not follow the format.
    pub category: String,
    /// The rest, trimmed, any extra detail included (`Invalid arguments:ordertype`).
    pub message: String,
    /// The entry as received (for Kraken Pay objects, their JSON text).
    pub raw: String,
    /// Kraken Pay's `type` (`InvalidArguments`); `None` for spot strings, which have none.
    pub error_type: Option<String>,
}

impl KrakenError {
    /// Parses a spot error string.
    pub fn parse(raw: &str) -> KrakenError {
        let severity = match raw.as_bytes().first() {
            Some(b'E') => Some(Severity::Error),
            Some(b'W') => Some(Severity::Warning),
            _ => None,
        };
        match (severity, raw.get(1..).and_then(|rest| rest.split_once(':'))) {
            (Some(severity), Some((category, message)))
                if !category.is_empty() && category.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                KrakenError {
                    severity,
                    category: category.to_owned(),
                    message: message.trim().to_owned(),
                    raw: raw.to_owned(),
                    error_type: None,
                }
            }
            _ => KrakenError {
                severity: Severity::Error,
                category: String::new(),
                message: raw.trim().to_owned(),
                raw: raw.to_owned(),
                error_type: None,
            },
        }
    }

    /// Which documented error this is. Matching ignores case and any `:extra` detail.
    ///
    /// Kraken Pay entries match too: their `errorClass` may carry the severity letter
    /// (`EGeneral`), and their `type` names the error without spaces (`InvalidArguments` for
    /// `Invalid arguments`) while `errorMessage` says something specific ("id already used").
    pub fn kind(&self) -> KrakenErrorKind {
        let head = self.message.split(':').next().unwrap_or_default().trim();
        let pay_type = self.error_type.as_deref().map(str::trim);
        // Pay documents this one by its words ("your id is already used"), not by a class or
        // type, and it matters more than whatever class it arrives under.
        let id_used = head.to_ascii_lowercase().contains("already used")
            || pay_type.is_some_and(|t| squashed_eq(t, "Id already used"));
        if id_used {
            return KrakenErrorKind::IdAlreadyUsed;
        }
        KINDS
            .iter()
            .find(|(category, message, _)| {
                category_matches(&self.category, category)
                    && (head.eq_ignore_ascii_case(message)
                        || pay_type.is_some_and(|t| squashed_eq(t, message)))
            })
            .map_or(KrakenErrorKind::Other, |(_, _, kind)| *kind)
    }

    /// Whether sending the request again (with a new nonce), after a pause, may succeed without
    /// changing anything: service-side trouble only. Auth errors, rate limits and lockouts need
    /// a fix or a longer wait first, as Kraken's docs advise.
    ///
    /// This says nothing about whether the failed attempt had an effect: after
    /// `Deadline elapsed` a withdrawal cancel may have gone through; confirm before acting.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            KrakenErrorKind::ServiceUnavailable
                | KrakenErrorKind::ServiceBusy
                | KrakenErrorKind::Throttled
                | KrakenErrorKind::DeadlineElapsed
        )
    }

    /// For `EService: Throttled: <unix ts>`, the Unix time (seconds) after which to retry.
    pub fn throttled_until(&self) -> Option<u64> {
        if self.kind() != KrakenErrorKind::Throttled {
            return None;
        }
        self.message.rsplit(':').next()?.trim().parse().ok()
    }
}

/// Whether an entry's category is `expected`, also when written with its severity letter in
/// front (Kraken Pay's `errorClass: "EGeneral"`).
fn category_matches(actual: &str, expected: &str) -> bool {
    actual.eq_ignore_ascii_case(expected)
        || actual
            .strip_prefix(['E', 'W'])
            .is_some_and(|rest| rest.eq_ignore_ascii_case(expected))
}

/// `InvalidArguments` against `Invalid arguments`: equal ignoring case and spaces.
fn squashed_eq(squashed: &str, spaced: &str) -> bool {
    let mut words = spaced.bytes().filter(|b| *b != b' ');
    let mut given = squashed.bytes().filter(|b| *b != b' ');
    loop {
        match (words.next(), given.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

/// Kraken's `error` list when it holds at least one error, and the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KrakenErrors {
    /// Every entry, warnings included, in the order received.
    pub errors: Vec<KrakenError>,
    /// The HTTP status (usually 200: Kraken reports errors in the body).
    pub status: u16,
}

impl KrakenErrors {
    /// The entries of one reply and its HTTP status.
    pub fn new(errors: Vec<KrakenError>, status: u16) -> KrakenErrors {
        KrakenErrors { errors, status }
    }

    /// `Some` if `entries` hold at least one error (not only warnings).
    pub(crate) fn from_entries(entries: Vec<KrakenError>, status: u16) -> Option<KrakenErrors> {
        entries
            .iter()
            .any(|e| e.severity == Severity::Error)
            .then_some(KrakenErrors {
                errors: entries,
                status,
            })
    }

    /// Whether any entry is of `kind`.
    pub fn has_kind(&self, kind: KrakenErrorKind) -> bool {
        self.errors.iter().any(|e| e.kind() == kind)
    }

    /// Whether every error (warnings aside) is retryable, see [`KrakenError::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.errors
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .all(KrakenError::is_retryable)
    }
}

impl fmt::Display for KrakenErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kraken refused the request (HTTP {}): ", self.status)?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            // The exchange's words, escaped so they cannot drive the terminal.
            write!(f, "{}", crate::escape::Escaped(&e.raw))?;
        }
        Ok(())
    }
}

impl std::error::Error for KrakenErrors {}

/// One entry of the `error` list as it comes on the wire.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum WireError {
    /// Spot: `"EGeneral:Invalid arguments"`.
    Text(String),
    /// Kraken Pay.
    Object(PayError),
}

#[derive(Debug, Deserialize, Serialize)]
pub(super) struct PayError {
    #[serde(default)]
    severity: String,
    #[serde(rename = "errorClass", default)]
    error_class: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(rename = "errorMessage", default)]
    error_message: String,
}

impl From<WireError> for KrakenError {
    fn from(wire: WireError) -> KrakenError {
        match wire {
            WireError::Text(raw) => KrakenError::parse(&raw),
            WireError::Object(pay) => KrakenError {
                severity: if pay.severity.eq_ignore_ascii_case("W") {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                category: pay.error_class.clone(),
                message: pay.error_message.trim().to_owned(),
                raw: serde_json::to_string(&pay).unwrap_or_default(),
                error_type: pay.kind.filter(|t| !t.trim().is_empty()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_strings() {
        let table = [
            (
                "EAPI:Invalid nonce",
                Severity::Error,
                "API",
                "Invalid nonce",
                KrakenErrorKind::InvalidNonce,
            ),
            (
                "EGeneral:Invalid arguments:ordertype",
                Severity::Error,
                "General",
                "Invalid arguments:ordertype",
                KrakenErrorKind::InvalidArguments,
            ),
            (
                "EGeneral:Internal error:5",
                Severity::Error,
                "General",
                "Internal error:5",
                KrakenErrorKind::InternalError,
            ),
            (
                "EService: Throttled: 1700000000",
                Severity::Error,
                "Service",
                "Throttled: 1700000000",
                KrakenErrorKind::Throttled,
            ),
            (
                "EFunding:Max fee exceeded",
                Severity::Error,
                "Funding",
                "Max fee exceeded",
                KrakenErrorKind::MaxFeeExceeded,
            ),
            (
                "EFunding:Unknown reference id",
                Severity::Error,
                "Funding",
                "Unknown reference id",
                KrakenErrorKind::UnknownReferenceId,
            ),
            (
                "WGeneral:Something odd",
                Severity::Warning,
                "General",
                "Something odd",
                KrakenErrorKind::Other,
            ),
            (
                "EAccount:Invalid permissions",
                Severity::Error,
                "Account",
                "Invalid permissions",
                KrakenErrorKind::Other,
            ),
        ];
        for (raw, severity, category, message, kind) in table {
            let e = KrakenError::parse(raw);
            assert_eq!(
                (
                    e.severity,
                    e.category.as_str(),
                    e.message.as_str(),
                    e.kind()
                ),
                (severity, category, message, kind),
                "{raw}"
            );
            assert_eq!(e.raw, raw);
        }
    }

    #[test]
    fn keeps_strings_that_do_not_follow_the_format() {
        for raw in ["Something went wrong", "E:no category", "", "Ex y:z"] {
            let e = KrakenError::parse(raw);
            assert_eq!(
                (e.severity, e.category.as_str(), e.raw.as_str()),
                (Severity::Error, "", raw)
            );
            assert_eq!(e.kind(), KrakenErrorKind::Other);
        }
    }

    #[test]
    fn retryable_and_throttle_time() {
        let throttled = KrakenError::parse("EService: Throttled: 1700000000");
        assert!(throttled.is_retryable());
        assert_eq!(throttled.throttled_until(), Some(1_700_000_000));
        assert!(!KrakenError::parse("EAPI:Invalid nonce").is_retryable());
        assert!(!KrakenError::parse("EGeneral:Temporary lockout").is_retryable());
        assert_eq!(
            KrakenError::parse("EAPI:Invalid nonce").throttled_until(),
            None
        );
    }

    #[test]
    fn pay_categories_and_types_match_spot_kinds() {
        let pay = |class: &str, kind: Option<&str>, message: &str| KrakenError {
            severity: Severity::Error,
            category: class.to_owned(),
            message: message.to_owned(),
            raw: String::new(),
            error_type: kind.map(str::to_owned),
        };
        assert_eq!(
            pay("EGeneral", Some("InvalidArguments"), "id already used").kind(),
            KrakenErrorKind::IdAlreadyUsed
        );
        assert_eq!(
            pay("General", Some("IdAlreadyUsed"), "x").kind(),
            KrakenErrorKind::IdAlreadyUsed
        );
        assert_eq!(
            pay("EGeneral", Some("InvalidArguments"), "external_id too long").kind(),
            KrakenErrorKind::InvalidArguments
        );
        assert_eq!(
            pay("General", None, "Permission denied").kind(),
            KrakenErrorKind::PermissionDenied
        );
        assert_eq!(
            pay("EFunding", Some("x"), "Unknown asset").kind(),
            KrakenErrorKind::UnknownAsset
        );
        assert_eq!(
            pay("Exchange", Some("InvalidArguments"), "x").kind(),
            KrakenErrorKind::Other
        );
        assert_eq!(
            pay("EGeneral", Some("InvalidArgumentsX"), "x").kind(),
            KrakenErrorKind::Other
        );
        assert_eq!(
            pay("EGeneral", Some("Invalid"), "x").kind(),
            KrakenErrorKind::Other
        );
    }

    #[test]
    fn only_warnings_are_not_errors() {
        let warnings = vec![KrakenError::parse("WGeneral:Deprecated")];
        assert!(KrakenErrors::from_entries(warnings, 200).is_none());
        let mixed = vec![
            KrakenError::parse("WGeneral:Deprecated"),
            KrakenError::parse("EAPI:Invalid key"),
        ];
        let errors = KrakenErrors::from_entries(mixed, 403).unwrap();
        assert_eq!(
            errors.to_string(),
            "Kraken refused the request (HTTP 403): WGeneral:Deprecated; EAPI:Invalid key"
        );
        assert!(errors.has_kind(KrakenErrorKind::InvalidKey));
        assert!(!errors.is_retryable());
    }
}
