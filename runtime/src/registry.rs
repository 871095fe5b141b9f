//! The one place that says what each signing scheme and envelope a profile can name is.
//!
//! A profile names its plugins by string (`signing: okx`, `envelope: none`). This module maps
//! each name to everything the rest of xgen needs, so nothing else keeps a list of them:
//!
//! - the generator reads [`SigningScheme::signer_type`] for the type a generated `Client`'s
//!   constructors take, and [`Envelope::rust_type`] and [`Envelope::payload_property`] for how
//!   replies are unwrapped;
//! - `xgen request`, `xgen ops` and `xgen-cancel` read the credentials each scheme needs
//!   ([`SigningScheme::variables`]), build its signer from them ([`SigningScheme::signer`]), and
//!   decode replies through its envelope ([`Envelope::decode_json`]);
//! - the tests walk [`SIGNING_SCHEMES`] and [`ENVELOPES`].
//!
//! Each scheme's entry lives in its own module, next to the signer it describes; adding a
//! scheme is that module plus one line in each list below.
//!
//! ```
//! let okx = xgen_runtime::registry::signing_scheme("okx").unwrap();
//! let variables: Vec<String> = okx.variables("okx", &[]).into_iter().map(|v| v.name).collect();
//! assert_eq!(variables, ["OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"]);
//! assert_eq!(xgen_runtime::registry::envelope("okx").unwrap().payload_property, Some("data"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::nonce::NonceSource;
use crate::operation::{AuthKind, AuthScheme, Operation};
use crate::signer::{Signer, Unsigned};
use crate::signers::{alphapoint, binance, bybit, kraken, kucoin, okx, openapi};
use crate::timestamp::TimestampSource;
use crate::transport::RawResponse;

/// Every signing scheme a profile can name, sorted by name.
pub static SIGNING_SCHEMES: &[&SigningScheme] = &[
    &alphapoint::SIGNING,
    &binance::SIGNING,
    &bybit::SIGNING,
    &openapi::HTTP_BASIC,
    &openapi::HTTP_BEARER,
    &kraken::SIGNING,
    &kucoin::SIGNING,
    &openapi::NONE,
    &okx::SIGNING,
    &openapi::SPEC,
];

/// Every envelope a profile can name, sorted by name.
pub static ENVELOPES: &[&Envelope] = &[
    &alphapoint::ENVELOPE,
    &binance::ENVELOPE,
    &bybit::ENVELOPE,
    &kraken::ENVELOPE,
    &kucoin::ENVELOPE,
    &crate::envelope::NONE,
    &okx::ENVELOPE,
];

/// The scheme of a profile that names none: the OpenAPI document's own `security` decides,
/// per operation.
pub const DEFAULT_SIGNING: &str = "openapi";

/// The envelope of a profile that names none: plain JSON, errors by HTTP status.
pub const DEFAULT_ENVELOPE: &str = "none";

/// The signing scheme registered under `name`.
pub fn signing_scheme(name: &str) -> Option<&'static SigningScheme> {
    SIGNING_SCHEMES.iter().copied().find(|s| s.name == name)
}

/// The envelope registered under `name`.
pub fn envelope(name: &str) -> Option<&'static Envelope> {
    ENVELOPES.iter().copied().find(|e| e.name == name)
}

/// A way of authenticating requests, as a profile names it.
pub struct SigningScheme {
    /// The name a profile gives (`okx`).
    pub name: &'static str,
    /// One line on what it adds to a request, for help texts and `xgen ops`.
    pub summary: &'static str,
    /// The Rust type of the signer, as generated code names it
    /// (`::xgen_runtime::okx::OkxSigner`).
    pub signer_type: &'static str,
    /// Whether a signer takes credentials. Generated constructors of a scheme that takes none
    /// (`none`) take no signer, and build `signer_type` with `Default`.
    pub takes_credentials: bool,
    /// What the caller provides, read from `<EXCHANGE>_<suffix>` environment variables.
    pub credentials: Credentials,
    /// The value the signer draws for each request, which `xgen request` can fix.
    pub clock: Clock,
    /// Whether the signer sets only those of its fields an operation declares, so that a signed
    /// operation may declare some or none of them (Binance: `SIGNED` endpoints take `timestamp`
    /// and `signature`, `USER_STREAM` ones the API key alone). Otherwise every signed operation
    /// must have a place for each (Kraken's `nonce`), and the generator leaves out one that has
    /// none, saying so.
    pub fields_where_declared: bool,
    /// Builds the signer from credentials that are all present.
    build: fn(&Given<'_>) -> Result<Arc<dyn Signer>, SetupError>,
}

/// What a scheme needs from the caller.
#[derive(Debug, Clone, Copy)]
pub enum Credentials {
    /// The same values for every API: `(suffix, what it is)`, in the order they are asked for.
    Fixed(&'static [(&'static str, &'static str)]),
    /// One credential per security scheme the OpenAPI document declares (`openapi`).
    PerAuthScheme,
}

/// The time-dependent value a signer draws for each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// A strictly increasing nonce (`--nonce` fixes it).
    Nonce,
    /// A millisecond timestamp (`--timestamp` fixes it).
    Timestamp,
    /// Neither.
    Neither,
}

/// One environment variable a scheme reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The variable (`OKX_API_PASSPHRASE`).
    pub name: String,
    /// What it holds.
    pub about: String,
}

/// Where credentials come from: the environment, or a map in tests.
pub trait CredentialSource {
    /// The value of `variable`, if it is set and not empty.
    fn get(&self, variable: &str) -> Option<String>;
}

/// The process environment; an empty variable counts as unset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Environment;

impl CredentialSource for Environment {
    fn get(&self, variable: &str) -> Option<String> {
        std::env::var(variable).ok().filter(|v| !v.is_empty())
    }
}

impl CredentialSource for BTreeMap<String, String> {
    fn get(&self, variable: &str) -> Option<String> {
        BTreeMap::get(self, variable)
            .filter(|v| !v.is_empty())
            .cloned()
    }
}

/// What a signer is built from.
pub struct SignerSetup<'a> {
    /// The exchange's name in xgen (`kraken-pay`), which prefixes the variables
    /// (`KRAKEN_PAY_API_KEY`).
    pub exchange: &'a str,
    /// Where credential values come from.
    pub source: &'a dyn CredentialSource,
    /// The API's security schemes (for `openapi`; empty for the others).
    pub auth_schemes: &'a [&'static AuthScheme],
    /// A nonce source to use instead of the scheme's own.
    pub nonce: Option<Arc<dyn NonceSource>>,
    /// A timestamp source to use instead of the system clock.
    pub timestamp: Option<Arc<dyn TimestampSource>>,
}

/// Credential values that are present, by suffix, with the sources a scheme may use.
pub(crate) struct Given<'a> {
    values: BTreeMap<String, String>,
    prefix: String,
    pub(crate) auth_schemes: &'a [&'static AuthScheme],
    pub(crate) nonce: Option<Arc<dyn NonceSource>>,
    pub(crate) timestamp: Option<Arc<dyn TimestampSource>>,
}

impl Given<'_> {
    /// The value of `<EXCHANGE>_<suffix>`. Only asked for present ones, so "" never reaches a
    /// credential constructor as a value that was set.
    pub(crate) fn value(&self, suffix: &str) -> &str {
        self.values.get(suffix).map_or("", String::as_str)
    }

    /// Whether `<EXCHANGE>_<suffix>` was set.
    pub(crate) fn has(&self, suffix: &str) -> bool {
        self.values.contains_key(suffix)
    }

    /// A constructor's refusal, naming the variable it came from.
    pub(crate) fn invalid(&self, suffix: &str, error: impl fmt::Display) -> SetupError {
        SetupError::Invalid {
            variable: format!("{}_{suffix}", self.prefix),
            message: error.to_string(),
        }
    }
}

/// Why a signer could not be built. Messages name variables, never their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// Variables the call needs are not set: all of them, in one message.
    #[error("{} not set: the request cannot be signed without {}", list(.variables), if .variables.len() == 1 { "it" } else { "them" })]
    Missing {
        /// Every missing variable.
        variables: Vec<String>,
    },
    /// The operation accepts several sets of credentials and none is complete.
    #[error("none of the credentials {operation} accepts is complete: set {}", .alternatives.iter().map(|a| a.join(" and ")).collect::<Vec<_>>().join(", or "))]
    MissingAlternatives {
        /// The operation id.
        operation: String,
        /// Each acceptable set of variables, as missing now.
        alternatives: Vec<Vec<String>>,
    },
    /// A variable is set to something the scheme cannot use.
    #[error(
        "{}: {}",
        crate::escape::Escaped(variable),
        crate::escape::Escaped(message)
    )]
    Invalid {
        /// The variable.
        variable: String,
        /// What is wrong, without the value.
        message: String,
    },
    /// A fixed nonce or timestamp was given to a scheme that does not draw one.
    #[error("{scheme} signs with {}, so a fixed {given} cannot be used", clock_words(*.takes))]
    WrongClock {
        /// The scheme.
        scheme: &'static str,
        /// What was given: `nonce` or `timestamp`.
        given: &'static str,
        /// What the scheme draws.
        takes: Clock,
    },
}

fn list(variables: &[String]) -> String {
    match variables {
        [] => "nothing".to_owned(),
        [one] => format!("{one} is"),
        [rest @ .., last] => format!("{} and {last} are", rest.join(", ")),
    }
}

fn clock_words(clock: Clock) -> &'static str {
    match clock {
        Clock::Nonce => "a nonce (use --nonce)",
        Clock::Timestamp => "a timestamp (use --timestamp)",
        Clock::Neither => "neither a nonce nor a timestamp",
    }
}

/// `kraken-pay` → `KRAKEN_PAY`: the prefix of an exchange's variables.
pub fn variable_prefix(exchange: &str) -> String {
    upper_snake(exchange)
}

/// `bearerAuth` → `BEARER_AUTH`, `api-key` → `API_KEY`: a name as part of a variable.
pub fn upper_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The variables `openapi` reads for one security scheme, as `(suffix, about)`.
fn auth_scheme_suffixes(scheme: &AuthScheme) -> Vec<(String, String)> {
    let base = upper_snake(scheme.name);
    match scheme.kind {
        AuthKind::Bearer => vec![(
            base,
            format!("the bearer or OAuth access token for `{}`", scheme.name),
        )],
        AuthKind::Basic => vec![
            (
                format!("{base}_USERNAME"),
                format!("the user name for `{}`", scheme.name),
            ),
            (
                format!("{base}_PASSWORD"),
                format!("the password for `{}`", scheme.name),
            ),
        ],
        AuthKind::ApiKey { name, .. } => {
            vec![(base, format!("the API key `{name}` for `{}`", scheme.name))]
        }
    }
}

impl SigningScheme {
    /// Every variable the scheme reads for `exchange`, in order (for `openapi`, one or two per
    /// security scheme in `auth_schemes`).
    pub fn variables(&self, exchange: &str, auth_schemes: &[&'static AuthScheme]) -> Vec<Variable> {
        let prefix = variable_prefix(exchange);
        self.suffixes(auth_schemes)
            .into_iter()
            .map(|(suffix, about)| Variable {
                name: format!("{prefix}_{suffix}"),
                about,
            })
            .collect()
    }

    fn suffixes(&self, auth_schemes: &[&'static AuthScheme]) -> Vec<(String, String)> {
        match self.credentials {
            Credentials::Fixed(list) => list
                .iter()
                .map(|(suffix, about)| ((*suffix).to_owned(), (*about).to_owned()))
                .collect(),
            Credentials::PerAuthScheme => auth_schemes
                .iter()
                .flat_map(|s| auth_scheme_suffixes(s))
                .collect(),
        }
    }

    /// A signer for a whole client: every variable the scheme reads must be set (all missing
    /// ones are named at once), except for `openapi`, which takes whichever schemes have
    /// credentials and refuses, per call, an operation none of them satisfies.
    pub fn signer(&self, setup: &SignerSetup<'_>) -> Result<Arc<dyn Signer>, SetupError> {
        self.check_clock(setup)?;
        let given = self.given(setup);
        if let Credentials::Fixed(list) = self.credentials {
            let missing: Vec<String> = list
                .iter()
                .filter(|(suffix, _)| !given.has(suffix))
                .map(|(suffix, _)| format!("{}_{suffix}", given.prefix))
                .collect();
            if !missing.is_empty() {
                return Err(SetupError::Missing { variables: missing });
            }
        }
        (self.build)(&given)
    }

    /// A signer for one call of `operation`: nothing is read for an operation that is not
    /// signed; otherwise the variables that operation needs must be set, and all that are
    /// missing are named at once.
    pub fn signer_for(
        &self,
        setup: &SignerSetup<'_>,
        operation: &Operation,
    ) -> Result<Arc<dyn Signer>, SetupError> {
        self.check_clock(setup)?;
        if !operation.signed || !self.takes_credentials {
            return match self.takes_credentials {
                true => Ok(Arc::new(Unsigned)),
                false => (self.build)(&self.given(setup)),
            };
        }
        let Credentials::PerAuthScheme = self.credentials else {
            return self.signer(setup);
        };
        let given = self.given(setup);
        let mut alternatives = Vec::new();
        for alternative in operation.security {
            let missing: Vec<String> = alternative
                .iter()
                .flat_map(|s| auth_scheme_suffixes(s))
                .filter(|(suffix, _)| !given.has(suffix))
                .map(|(suffix, _)| format!("{}_{suffix}", given.prefix))
                .collect();
            if missing.is_empty() {
                return (self.build)(&given);
            }
            alternatives.push(missing);
        }
        Err(match alternatives.len() {
            1 => SetupError::Missing {
                variables: alternatives.remove(0),
            },
            _ => SetupError::MissingAlternatives {
                operation: operation.id.to_owned(),
                alternatives,
            },
        })
    }

    fn check_clock(&self, setup: &SignerSetup<'_>) -> Result<(), SetupError> {
        let given = match (&setup.nonce, &setup.timestamp) {
            (Some(_), _) if self.clock != Clock::Nonce => "nonce",
            (_, Some(_)) if self.clock != Clock::Timestamp => "timestamp",
            _ => return Ok(()),
        };
        Err(SetupError::WrongClock {
            scheme: self.name,
            given,
            takes: self.clock,
        })
    }

    fn given<'a>(&self, setup: &SignerSetup<'a>) -> Given<'a> {
        let prefix = variable_prefix(setup.exchange);
        let values = self
            .suffixes(setup.auth_schemes)
            .into_iter()
            .filter_map(|(suffix, _)| {
                let value = setup.source.get(&format!("{prefix}_{suffix}"))?;
                Some((suffix, value))
            })
            .collect();
        Given {
            values,
            prefix,
            auth_schemes: setup.auth_schemes,
            nonce: setup.nonce.clone(),
            timestamp: setup.timestamp.clone(),
        }
    }
}

impl fmt::Debug for SigningScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningScheme")
            .field("name", &self.name)
            .field("signer_type", &self.signer_type)
            .field("credentials", &self.credentials)
            .field("clock", &self.clock)
            .finish()
    }
}

impl PartialEq for SigningScheme {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for SigningScheme {}

/// How an exchange wraps its replies, as a profile names it.
pub struct Envelope {
    /// The name a profile gives (`okx`).
    pub name: &'static str,
    /// One line on the shape it unwraps.
    pub summary: &'static str,
    /// The Rust type generated code decodes with (`::xgen_runtime::okx::OkxEnvelope`).
    pub rust_type: &'static str,
    /// The property of the reply object that holds the payload, if the payload is wrapped
    /// (`data` for OKX); the generator types that property as the operation's result.
    pub payload_property: Option<&'static str>,
    decode: fn(&RawResponse) -> Result<serde_json::Value, Error>,
}

impl Envelope {
    /// Decodes `response` to its payload as JSON, or the exchange's typed error: how a tool
    /// that knows the operation only at run time (`xgen request`) reads a reply.
    pub fn decode_json(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        (self.decode)(response)
    }

    pub(crate) const fn new(
        name: &'static str,
        summary: &'static str,
        rust_type: &'static str,
        payload_property: Option<&'static str>,
        decode: fn(&RawResponse) -> Result<serde_json::Value, Error>,
    ) -> Envelope {
        Envelope {
            name,
            summary,
            rust_type,
            payload_property,
            decode,
        }
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("name", &self.name)
            .field("rust_type", &self.rust_type)
            .field("payload_property", &self.payload_property)
            .finish()
    }
}

impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Envelope {}

impl SigningScheme {
    pub(crate) const fn new(
        name: &'static str,
        summary: &'static str,
        signer_type: &'static str,
        credentials: Credentials,
        clock: Clock,
        build: fn(&Given<'_>) -> Result<Arc<dyn Signer>, SetupError>,
    ) -> SigningScheme {
        let takes_credentials = match credentials {
            Credentials::Fixed(list) => !list.is_empty(),
            Credentials::PerAuthScheme => true,
        };
        SigningScheme {
            name,
            summary,
            signer_type,
            takes_credentials,
            credentials,
            clock,
            fields_where_declared: false,
            build,
        }
    }

    /// The scheme, with its signer setting only the fields an operation declares
    /// ([`SigningScheme::fields_where_declared`]).
    pub(crate) const fn fields_where_declared(mut self) -> SigningScheme {
        self.fields_where_declared = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{ApiKeyLocation, BodyEncoding, Method};

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn setup<'a>(exchange: &'a str, source: &'a BTreeMap<String, String>) -> SignerSetup<'a> {
        SignerSetup {
            exchange,
            source,
            auth_schemes: &[],
            nonce: None,
            timestamp: None,
        }
    }

    #[test]
    fn lists_are_sorted_and_names_unique() {
        let names: Vec<&str> = SIGNING_SCHEMES.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        let names: Vec<&str> = ENVELOPES.iter().map(|e| e.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(signing_scheme(DEFAULT_SIGNING).is_some());
        assert!(envelope(DEFAULT_ENVELOPE).is_some());
    }

    #[test]
    fn every_type_path_is_a_public_runtime_path() {
        for path in SIGNING_SCHEMES
            .iter()
            .map(|s| s.signer_type)
            .chain(ENVELOPES.iter().map(|e| e.rust_type))
        {
            assert!(path.starts_with("::xgen_runtime::"), "{path}");
        }
    }

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let source = env(&[("KRAKEN_PAY_API_KEY", "k")]);
        let kraken = signing_scheme("kraken").unwrap();
        let err = kraken.signer(&setup("kraken-pay", &source)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "KRAKEN_PAY_API_SECRET is not set: the request cannot be signed without it"
        );
        let okx = signing_scheme("okx").unwrap();
        let err = okx.signer(&setup("okx", &env(&[]))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE are not set: the request cannot be signed without them"
        );
    }

    #[test]
    fn a_bad_value_names_its_variable_but_not_its_value() {
        let source = env(&[
            ("KRAKEN_API_KEY", "k"),
            ("KRAKEN_API_SECRET", "not base64 %%"),
        ]);
        let err = signing_scheme("kraken")
            .unwrap()
            .signer(&setup("kraken", &source))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("KRAKEN_API_SECRET: "), "{text}");
        assert!(!text.contains("%%"), "{text}");
    }

    #[test]
    fn a_fixed_value_of_the_wrong_kind_is_refused() {
        let source = env(&[]);
        let mut with_nonce = setup("okx", &source);
        with_nonce.nonce = Some(Arc::new(crate::FixedNonce::new(1)));
        let err = signing_scheme("okx")
            .unwrap()
            .signer(&with_nonce)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "okx signs with a timestamp (use --timestamp), so a fixed nonce cannot be used"
        );
    }

    const KEY: AuthScheme = AuthScheme {
        name: "api_key",
        kind: AuthKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "api_key",
        },
    };
    const BASIC: AuthScheme = AuthScheme {
        name: "basicAuth",
        kind: AuthKind::Basic,
    };

    fn operation(signed: bool, security: &'static [&'static [&'static AuthScheme]]) -> Operation {
        Operation {
            exchange: "petstore",
            id: "getPet",
            name: "get-pet",
            method: Method::Get,
            path: "/pet",
            host: None,
            body: BodyEncoding::None,
            params: &[],
            signer_fields: &[],
            signed,
            rate_limit: None,
            security,
        }
    }

    #[test]
    fn openapi_reads_one_variable_set_per_security_scheme() {
        let spec = signing_scheme("openapi").unwrap();
        let names: Vec<String> = spec
            .variables("petstore", &[&KEY, &BASIC])
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(
            names,
            [
                "PETSTORE_API_KEY",
                "PETSTORE_BASIC_AUTH_USERNAME",
                "PETSTORE_BASIC_AUTH_PASSWORD"
            ]
        );
    }

    #[test]
    fn openapi_names_what_each_alternative_lacks() {
        let spec = signing_scheme("openapi").unwrap();
        let source = env(&[("PETSTORE_BASIC_AUTH_USERNAME", "ann")]);
        let mut petstore = setup("petstore", &source);
        petstore.auth_schemes = &[&KEY, &BASIC];
        let err = spec
            .signer_for(&petstore, &operation(true, &[&[&KEY], &[&BASIC]]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "none of the credentials getPet accepts is complete: set PETSTORE_API_KEY, or PETSTORE_BASIC_AUTH_PASSWORD"
        );
        // A public operation needs nothing.
        assert!(spec.signer_for(&petstore, &operation(false, &[])).is_ok());
    }

    #[test]
    fn upper_snake_makes_variable_parts() {
        assert_eq!(upper_snake("bearerAuth"), "BEARER_AUTH");
        assert_eq!(upper_snake("api_key"), "API_KEY");
        assert_eq!(upper_snake("kraken-pay"), "KRAKEN_PAY");
        assert_eq!(upper_snake("OAuth2 token"), "OAUTH2_TOKEN");
        assert_eq!(upper_snake("petstore_auth"), "PETSTORE_AUTH");
    }
}
