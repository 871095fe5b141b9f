//! OpenAPI's own ways of authenticating, for APIs that need no exchange-specific signature.
//!
//! - [`NoAuth`] (`signing: none`): nothing is added; every operation goes out as it is.
//! - [`BearerToken`] (`signing: http-bearer`): `Authorization: Bearer <token>` on every signed
//!   operation.
//! - [`BasicAuth`] (`signing: http-basic`): `Authorization: Basic base64(user:password)`.
//! - [`SpecAuth`] (`signing: openapi`, and what a profile without `signing` gets): each
//!   operation's own OpenAPI `security` decides, per call, among the document's
//!   `securitySchemes` (HTTP bearer and basic, OAuth 2 and OpenID Connect access tokens as
//!   bearer tokens, API keys in a header, the query or a cookie). An operation that allows no
//!   authentication goes out unsigned.
//!
//! Every credential these add is marked as one ([`HttpRequest::push_credential_header`]), so a
//! request shown in a dry run hides it.

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::common::{header_unsafe_position, SecretText};
use crate::operation::{ApiKeyLocation, AuthKind, AuthScheme};
use crate::signer::{HttpRequest, SignError, Signer};

/// Why a credential for one of OpenAPI's schemes was refused. Messages never repeat it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The credential is empty.
    #[error("the {what} is empty")]
    Empty {
        /// Which credential (`bearer token of scheme bearerAuth`).
        what: String,
    },
    /// The credential travels in a header and has a character a header cannot carry.
    #[error(
        "the {what} has a character that cannot go in an HTTP header (only printable ASCII can)"
    )]
    NotHeaderSafe {
        /// Which credential.
        what: String,
    },
    /// A basic-auth user name holds a `:`, which would split it from the password.
    #[error("the user name of {what} contains ':', which HTTP basic authentication cannot carry")]
    ColonInUserName {
        /// Which credential.
        what: String,
    },
}

/// A signer that adds nothing: for APIs that need no authentication (`signing: none`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Signer for NoAuth {
    fn sign(&self, _request: &mut HttpRequest) -> Result<(), SignError> {
        Ok(())
    }
}

/// `Authorization: Bearer <token>` on every signed operation.
#[derive(Clone)]
pub struct BearerToken {
    header: SecretText,
}

impl BearerToken {
    /// Checks the token (surrounding whitespace is ignored).
    pub fn new(token: impl AsRef<str>) -> Result<BearerToken, CredentialsError> {
        let token = checked(token.as_ref(), "bearer token", true)?;
        Ok(BearerToken {
            header: SecretText::new(format!("Bearer {token}")),
        })
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &self.header)
            .finish()
    }
}

impl Signer for BearerToken {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        request.push_credential_header("Authorization", self.header.expose());
        Ok(())
    }
}

/// `Authorization: Basic base64(user:password)` on every signed operation.
#[derive(Clone)]
pub struct BasicAuth {
    header: SecretText,
}

impl BasicAuth {
    /// Checks the user name and password (the user name may not contain `:`).
    pub fn new(
        user: impl AsRef<str>,
        password: impl AsRef<str>,
    ) -> Result<BasicAuth, CredentialsError> {
        Ok(BasicAuth {
            header: SecretText::new(basic_header(
                user.as_ref(),
                password.as_ref(),
                "HTTP basic credentials",
            )?),
        })
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("credentials", &self.header)
            .finish()
    }
}

impl Signer for BasicAuth {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        request.push_credential_header("Authorization", self.header.expose());
        Ok(())
    }
}

/// The credentials for an API's `securitySchemes`, by scheme name, for [`SpecAuth`].
///
/// ```
/// use xgen_runtime::openapi::{SpecAuth, SpecCredentials};
///
/// let credentials = SpecCredentials::new()
///     .api_key("api_key", "special-key")?
///     .bearer("petstore_auth", "an-oauth2-access-token")?;
/// let signer = SpecAuth::new(credentials);
/// # let _ = signer;
/// # Ok::<(), xgen_runtime::openapi::CredentialsError>(())
/// ```
#[derive(Clone, Default)]
pub struct SpecCredentials {
    by_scheme: BTreeMap<String, SchemeCredential>,
}

/// What one scheme was given. Every variant is as good as the credential, so none is shown.
#[derive(Clone)]
enum SchemeCredential {
    /// A bearer or OAuth 2 / OpenID Connect access token (the whole header value).
    Bearer(SecretText),
    /// Basic authentication (the whole header value).
    Basic(SecretText),
    /// An API key, sent where the scheme says.
    ApiKey(SecretText),
}

impl SpecCredentials {
    /// No credentials: only operations that allow no authentication can be called.
    pub fn new() -> SpecCredentials {
        SpecCredentials::default()
    }

    /// A token for the scheme `scheme` (HTTP bearer, OAuth 2 or OpenID Connect).
    pub fn bearer(
        mut self,
        scheme: &str,
        token: &str,
    ) -> Result<SpecCredentials, CredentialsError> {
        let token = checked(token, &format!("bearer token of scheme {scheme}"), true)?;
        let header = SecretText::new(format!("Bearer {token}"));
        self.by_scheme
            .insert(scheme.to_owned(), SchemeCredential::Bearer(header));
        Ok(self)
    }

    /// A user name and password for the HTTP basic scheme `scheme`.
    pub fn basic(
        mut self,
        scheme: &str,
        user: &str,
        password: &str,
    ) -> Result<SpecCredentials, CredentialsError> {
        let header = basic_header(user, password, &format!("scheme {scheme}"))?;
        self.by_scheme.insert(
            scheme.to_owned(),
            SchemeCredential::Basic(SecretText::new(header)),
        );
        Ok(self)
    }

    /// The key for the API-key scheme `scheme`. It must be header-safe even when the scheme
    /// sends it in the query, since a key is the same text wherever it goes.
    pub fn api_key(mut self, scheme: &str, key: &str) -> Result<SpecCredentials, CredentialsError> {
        let key = checked(key, &format!("API key of scheme {scheme}"), true)?;
        self.by_scheme.insert(
            scheme.to_owned(),
            SchemeCredential::ApiKey(SecretText::new(key.to_owned())),
        );
        Ok(self)
    }

    /// Whether a credential for `scheme` was given.
    pub fn has(&self, scheme: &str) -> bool {
        self.by_scheme.contains_key(scheme)
    }
}

impl fmt::Debug for SpecCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Scheme names only: every value is a credential.
        f.debug_struct("SpecCredentials")
            .field("schemes", &self.by_scheme.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Authenticates each operation as its OpenAPI `security` says: the first alternative whose
/// schemes all have credentials is applied; an operation that also allows no authentication
/// goes out unsigned when none has.
#[derive(Debug, Clone, Default)]
pub struct SpecAuth {
    credentials: SpecCredentials,
}

impl SpecAuth {
    /// A signer with these credentials.
    pub fn new(credentials: SpecCredentials) -> SpecAuth {
        SpecAuth { credentials }
    }
}

impl Signer for SpecAuth {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let operation = request.operation;
        let usable = operation.security.iter().find(|alternative| {
            !alternative.is_empty() && alternative.iter().all(|s| self.credentials.has(s.name))
        });
        let Some(alternative) = usable else {
            if operation
                .security
                .iter()
                .any(|alternative| alternative.is_empty())
            {
                return Ok(());
            }
            return Err(SignError::NoUsableCredentials {
                operation: operation.id,
                needed: describe_alternatives(operation.security),
            });
        };
        // Chosen because every scheme in it has a credential, so none is skipped here.
        for scheme in alternative.iter() {
            if let Some(credential) = self.credentials.by_scheme.get(scheme.name) {
                apply(request, scheme, credential);
            }
        }
        Ok(())
    }
}

fn apply(request: &mut HttpRequest, scheme: &AuthScheme, credential: &SchemeCredential) {
    match (credential, scheme.kind) {
        (SchemeCredential::Bearer(header) | SchemeCredential::Basic(header), _) => {
            request.push_credential_header("Authorization", header.expose());
        }
        (SchemeCredential::ApiKey(key), AuthKind::ApiKey { location, name }) => match location {
            ApiKeyLocation::Header => request.push_credential_header(name, key.expose()),
            ApiKeyLocation::Query => request.push_credential_query(name, key.expose()),
            ApiKeyLocation::Cookie => {
                request.push_credential_header("Cookie", format!("{name}={}", key.expose()))
            }
        },
        // A key given for a scheme the document declares as bearer or basic: sent the way the
        // scheme says, since the document is what the server follows.
        (SchemeCredential::ApiKey(key), AuthKind::Bearer) => {
            request.push_credential_header("Authorization", format!("Bearer {}", key.expose()))
        }
        (SchemeCredential::ApiKey(key), AuthKind::Basic) => {
            request.push_credential_header("Authorization", format!("Basic {}", key.expose()))
        }
    }
}

/// `a + b, or c` for a requirement list.
pub(crate) fn describe_alternatives(security: &[&[&AuthScheme]]) -> String {
    let alternatives: Vec<String> = security
        .iter()
        .filter(|a| !a.is_empty())
        .map(|a| a.iter().map(|s| s.name).collect::<Vec<_>>().join(" + "))
        .collect();
    alternatives.join(", or ")
}

fn checked<'a>(value: &'a str, what: &str, in_header: bool) -> Result<&'a str, CredentialsError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CredentialsError::Empty {
            what: what.to_owned(),
        });
    }
    if in_header && header_unsafe_position(value).is_some() {
        return Err(CredentialsError::NotHeaderSafe {
            what: what.to_owned(),
        });
    }
    Ok(value)
}

fn basic_header(user: &str, password: &str, what: &str) -> Result<String, CredentialsError> {
    let user = checked(user, &format!("user name of {what}"), false)?;
    if user.contains(':') {
        return Err(CredentialsError::ColonInUserName {
            what: what.to_owned(),
        });
    }
    // The password may hold anything; it is base64-encoded before it reaches a header.
    if password.is_empty() {
        return Err(CredentialsError::Empty {
            what: format!("password of {what}"),
        });
    }
    Ok(format!(
        "Basic {}",
        STANDARD.encode(format!("{user}:{password}"))
    ))
}

use std::sync::Arc;

use crate::registry::{Clock, Credentials, Given, SetupError, SigningScheme};

/// `signing: none`.
pub(crate) static NONE: SigningScheme = SigningScheme::new(
    "none",
    "nothing: every operation goes out unauthenticated",
    "::xgen_runtime::openapi::NoAuth",
    Credentials::Fixed(&[]),
    Clock::Neither,
    |_| Ok(Arc::new(NoAuth)),
);

/// `signing: http-bearer`.
pub(crate) static HTTP_BEARER: SigningScheme = SigningScheme::new(
    "http-bearer",
    "Authorization: Bearer <token> on every signed operation",
    "::xgen_runtime::openapi::BearerToken",
    Credentials::Fixed(&[("TOKEN", "the bearer token")]),
    Clock::Neither,
    |given| {
        let token =
            BearerToken::new(given.value("TOKEN")).map_err(|e| given.invalid("TOKEN", e))?;
        Ok(Arc::new(token))
    },
);

/// `signing: http-basic`.
pub(crate) static HTTP_BASIC: SigningScheme = SigningScheme::new(
    "http-basic",
    "Authorization: Basic base64(user:password) on every signed operation",
    "::xgen_runtime::openapi::BasicAuth",
    Credentials::Fixed(&[("USERNAME", "the user name"), ("PASSWORD", "the password")]),
    Clock::Neither,
    |given| {
        let auth = BasicAuth::new(given.value("USERNAME"), given.value("PASSWORD"))
            .map_err(|e| given.invalid("USERNAME", e))?;
        Ok(Arc::new(auth))
    },
);

/// `signing: openapi`, the default: each operation's OpenAPI `security` decides.
pub(crate) static SPEC: SigningScheme = SigningScheme::new(
    "openapi",
    "what each operation's OpenAPI security says: HTTP bearer or basic, OAuth 2 tokens, API keys",
    "::xgen_runtime::openapi::SpecAuth",
    Credentials::PerAuthScheme,
    Clock::Neither,
    spec_signer,
);

/// Takes every scheme whose variables are set; an operation none of them satisfies is refused
/// when it is called, naming what it needs.
fn spec_signer(given: &Given<'_>) -> Result<Arc<dyn Signer>, SetupError> {
    let mut credentials = SpecCredentials::new();
    for scheme in given.auth_schemes {
        let base = crate::registry::upper_snake(scheme.name);
        credentials = match scheme.kind {
            AuthKind::Basic => {
                let (user, password) = (format!("{base}_USERNAME"), format!("{base}_PASSWORD"));
                if !(given.has(&user) && given.has(&password)) {
                    continue;
                }
                credentials
                    .basic(scheme.name, given.value(&user), given.value(&password))
                    .map_err(|e| given.invalid(&user, e))?
            }
            AuthKind::Bearer if given.has(&base) => credentials
                .bearer(scheme.name, given.value(&base))
                .map_err(|e| given.invalid(&base, e))?,
            AuthKind::ApiKey { .. } if given.has(&base) => credentials
                .api_key(scheme.name, given.value(&base))
                .map_err(|e| given.invalid(&base, e))?,
            _ => continue,
        };
    }
    Ok(Arc::new(SpecAuth::new(credentials)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::operation::{BodyEncoding, Method, Operation};

    const API_KEY: AuthScheme = AuthScheme {
        name: "api_key",
        kind: AuthKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key",
        },
    };
    const QUERY_KEY: AuthScheme = AuthScheme {
        name: "query_key",
        kind: AuthKind::ApiKey {
            location: ApiKeyLocation::Query,
            name: "api key",
        },
    };
    const COOKIE: AuthScheme = AuthScheme {
        name: "session",
        kind: AuthKind::ApiKey {
            location: ApiKeyLocation::Cookie,
            name: "sid",
        },
    };
    const OAUTH: AuthScheme = AuthScheme {
        name: "petstore_auth",
        kind: AuthKind::Bearer,
    };
    const BASIC: AuthScheme = AuthScheme {
        name: "basic",
        kind: AuthKind::Basic,
    };

    fn op(security: &'static [&'static [&'static AuthScheme]]) -> &'static Operation {
        Box::leak(Box::new(Operation {
            exchange: "petstore",
            id: "getPet",
            name: "get-pet",
            method: Method::Get,
            path: "/v2/pet/1",
            host: None,
            body: BodyEncoding::None,
            params: &[],
            signer_fields: &[],
            signed: true,
            rate_limit: None,
            security,
        }))
    }

    fn signed(
        signer: &dyn Signer,
        operation: &'static Operation,
    ) -> Result<HttpRequest, SignError> {
        let path = format!("{}?x=1", operation.path);
        let mut request = HttpRequest::new(
            operation,
            format!("https://h.example{path}"),
            path,
            Vec::new(),
            Body::empty(),
        );
        signer.sign(&mut request).map(|()| request)
    }

    fn header<'r>(request: &'r HttpRequest, name: &str) -> Option<&'r str> {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_first_alternative_with_every_credential_is_applied() {
        let auth = SpecAuth::new(SpecCredentials::new().api_key("api_key", "k-1").unwrap());
        let request = signed(&auth, op(&[&[&OAUTH], &[&API_KEY]])).unwrap();
        assert_eq!(header(&request, "X-API-Key"), Some("k-1"));
        assert_eq!(header(&request, "Authorization"), None);
    }

    #[test]
    fn every_scheme_of_an_alternative_is_applied_together() {
        let credentials = SpecCredentials::new()
            .api_key("query_key", "a b&c")
            .unwrap()
            .api_key("session", "s1")
            .unwrap()
            .basic("basic", "ann", "pa:ss")
            .unwrap();
        let request = signed(
            &SpecAuth::new(credentials),
            op(&[&[&QUERY_KEY, &COOKIE, &BASIC]]),
        )
        .unwrap();
        assert_eq!(request.path_and_query, "/v2/pet/1?x=1&api%20key=a%20b%26c");
        assert_eq!(
            request.url,
            "https://h.example/v2/pet/1?x=1&api%20key=a%20b%26c"
        );
        assert_eq!(header(&request, "Cookie"), Some("sid=s1"));
        assert_eq!(
            header(&request, "Authorization"),
            Some("Basic YW5uOnBhOnNz")
        );
    }

    #[test]
    fn optional_authentication_goes_out_unsigned_without_credentials() {
        let request = signed(&SpecAuth::default(), op(&[&[&API_KEY], &[]])).unwrap();
        assert!(request.headers.is_empty());
    }

    #[test]
    fn missing_credentials_name_every_alternative() {
        let err = signed(&SpecAuth::default(), op(&[&[&OAUTH], &[&API_KEY, &BASIC]]))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "operation `getPet` needs credentials for petstore_auth, or api_key + basic, and the client has none of them"
        );
    }

    #[test]
    fn bearer_and_basic_plugins_sign_every_call() {
        let request = signed(&BearerToken::new(" t0k ").unwrap(), op(&[])).unwrap();
        assert_eq!(header(&request, "Authorization"), Some("Bearer t0k"));
        let request = signed(&BasicAuth::new("Aladdin", "open sesame").unwrap(), op(&[])).unwrap();
        assert_eq!(
            header(&request, "Authorization"),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
    }

    #[test]
    fn bad_credentials_are_refused_without_repeating_them() {
        assert_eq!(
            BearerToken::new("t\u{7}k").unwrap_err().to_string(),
            "the bearer token has a character that cannot go in an HTTP header (only printable ASCII can)"
        );
        assert_eq!(
            BasicAuth::new("a:b", "c").unwrap_err(),
            CredentialsError::ColonInUserName {
                what: "HTTP basic credentials".into()
            }
        );
        assert!(matches!(
            SpecCredentials::new().api_key("k", " "),
            Err(CredentialsError::Empty { .. })
        ));
    }

    #[test]
    fn credentials_never_show_in_debug_and_are_redacted_when_shown() {
        let credentials = SpecCredentials::new()
            .bearer("petstore_auth", "tok-SECRET")
            .unwrap();
        assert!(!format!("{credentials:?}").contains("SECRET"));
        assert!(!format!("{:?}", BearerToken::new("tok-SECRET").unwrap()).contains("SECRET"));
        let client = crate::Client::new(
            "https://h.example",
            std::sync::Arc::new(SpecAuth::new(credentials)),
        )
        .unwrap();
        let prepared = client.prepare(op(&[&[&OAUTH]]), &()).unwrap();
        let (shown, hidden) = prepared.redacted();
        assert_eq!(hidden, ["header Authorization"]);
        assert!(!format!("{:?}{:?}", shown.headers, shown.url).contains("SECRET"));
        assert!(prepared
            .headers
            .iter()
            .any(|(_, v)| v == "Bearer tok-SECRET"));
    }

    #[test]
    fn a_query_key_is_redacted_in_the_url() {
        let credentials = SpecCredentials::new()
            .api_key("query_key", "SECRET")
            .unwrap();
        let client = crate::Client::new(
            "https://h.example",
            std::sync::Arc::new(SpecAuth::new(credentials)),
        )
        .unwrap();
        let prepared = client.prepare(op(&[&[&QUERY_KEY]]), &()).unwrap();
        assert_eq!(prepared.url, "https://h.example/v2/pet/1?api%20key=SECRET");
        let (shown, hidden) = prepared.redacted();
        assert_eq!(shown.url, "https://h.example/v2/pet/1?api%20key=[redacted]");
        assert_eq!(hidden, ["query parameter api key"]);
    }
}
