//! What a generated client tells the runtime about each operation.
//!
//! Generated code declares one [`Operation`] constant per endpoint; the runtime, the signing
//! plugins and `xgen request` read it instead of re-parsing the spec. Everything here is
//! `'static` data so the constants cost nothing at run time.

use std::fmt;
use std::time::Duration;

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the request body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// No body.
    None,
    /// `application/json`: one JSON object.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Bytes sent as they are, with this media type (`application/octet-stream`,
    /// `text/plain`): an upload. Nothing is added to them, so no signer can put fields there.
    Raw(&'static str),
    /// `multipart/form-data` (RFC 7578): one part per field, files as file parts. The
    /// `Content-Type` sent carries the boundary, so it is the body's
    /// ([`crate::Body::content_type`]), not this encoding's. No signer can put fields there.
    Multipart,
}

impl BodyEncoding {
    /// The `Content-Type` header value, if the encoding has a body: without the boundary for
    /// [`BodyEncoding::Multipart`], which only an encoded body knows
    /// ([`crate::Body::content_type`] says it in full).
    pub const fn content_type(self) -> Option<&'static str> {
        match self {
            BodyEncoding::None => None,
            BodyEncoding::Json => Some("application/json"),
            BodyEncoding::Form => Some("application/x-www-form-urlencoded"),
            BodyEncoding::Raw(media_type) => Some(media_type),
            BodyEncoding::Multipart => Some("multipart/form-data"),
        }
    }
}

/// The JSON kind of a value, enough for a command line to turn `NAME=VALUE` text into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// A JSON number that may have a fraction.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Anything else (arrays, objects, unions): given as JSON text.
    Json,
    /// Bytes (`Vec<u8>`, an array of numbers 0 to 255 once serialised), or text for its UTF-8
    /// bytes: a file in a `multipart/form-data` body, sent as a file part.
    Bytes,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A field of the request body.
    Body,
    /// A query-string parameter.
    Query,
    /// A `{name}` segment of the path.
    Path,
    /// A request header.
    Header,
    /// The whole request body, for an operation whose body is not an object of named fields
    /// (an array, or one of several shapes): the request type holds it under this parameter's
    /// wire name, and it is sent as the body itself.
    WholeBody,
}

impl ParamLocation {
    /// The word for where a parameter travels (`query`, `path`, `header`, `body`).
    pub fn word(self) -> &'static str {
        match self {
            ParamLocation::Query => "query",
            ParamLocation::Path => "path",
            ParamLocation::Header => "header",
            ParamLocation::Body | ParamLocation::WholeBody => "body",
        }
    }

    /// The key a parameter named like a body field has in a request object (`path:id`), which
    /// routing looks for before the bare wire name, so that both values travel.
    pub fn request_key(self, wire_name: &str) -> String {
        format!("{}:{wire_name}", self.word())
    }
}

/// One parameter the caller sets, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The name on the wire (JSON key, form key, query key, header name).
    pub wire_name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// Its JSON kind.
    pub kind: ValueKind,
    /// Whether the spec requires it.
    pub required: bool,
    /// How an array or object is written ([`ParamStyle`]); scalars read the same in every
    /// style but the path's `label` and `matrix`.
    pub style: ParamStyle,
    /// OpenAPI's `explode`: `true` writes an array or object as several values (`name=a&name=b`,
    /// `a=1&b=2`, `k=v,k2=v2`), `false` as one joined value (`name=a,b`, `k,v,k2,v2`).
    pub explode: bool,
}

/// OpenAPI's parameter `style`: how an array or object travels in a URL or header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamStyle {
    /// The query's default: `name=a&name=b` or `name=a,b`; an object's fields as parameters of
    /// their own (`k=v&k2=v2`) or `name=k,v,k2,v2`.
    Form,
    /// An array in the query joined by spaces: `name=a%20b`.
    SpaceDelimited,
    /// An array in the query joined by `|`: `name=a%7Cb`.
    PipeDelimited,
    /// An object in the query as `name[k]=v&name[k2]=v2`.
    DeepObject,
    /// The path's and headers' default: `a,b`; an object as `k,v,k2,v2` or `k=v,k2=v2`.
    Simple,
    /// In the path, after a `.`: `.a.b` or `.a,b`.
    Label,
    /// In the path, as `;name=` pairs: `;name=a;name=b` or `;name=a,b`.
    Matrix,
    /// An array of objects in the query, each field by its index:
    /// `name[0].a=1&name[0].b=2&name[1].a=3`. No OpenAPI style writes one; Binance documents
    /// this form (`details[0].targetAsset=BTC`), and the generator names it in a warning.
    Indexed,
}

impl ParamStyle {
    /// The style a parameter in `location` has when its spec gives none: `form` in the query,
    /// `simple` elsewhere.
    pub const fn default_for(location: ParamLocation) -> ParamStyle {
        match location {
            ParamLocation::Query => ParamStyle::Form,
            _ => ParamStyle::Simple,
        }
    }
}

/// A body field the signing plugin fills in (Kraken's `nonce`); the caller never sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerField {
    /// The name on the wire.
    pub wire_name: &'static str,
    /// How the spec types it: Kraken spot sends the nonce as an integer, Kraken Pay as a string.
    pub kind: ValueKind,
    /// Where it travels: a body field (Kraken's `nonce`), a query parameter (Binance's
    /// `timestamp` and `signature`) or a header.
    pub location: ParamLocation,
}

/// A rate limit the exchange documents for an endpoint: at most `requests` calls in any
/// `per_seconds` seconds, counted per `scope`.
///
/// ```
/// use std::time::Duration;
/// use xgen_runtime::RateLimit;
///
/// let okx = RateLimit { requests: 6, per_seconds: 1, scope: "User ID" };
/// assert_eq!(okx.min_interval(), Duration::from_nanos(166_666_667));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests the window allows.
    pub requests: u32,
    /// The window, in seconds.
    pub per_seconds: u32,
    /// What the exchange counts requests per, in its words (`User ID`, `UID`, `IP`).
    pub scope: &'static str,
}

impl RateLimit {
    const NANOS_PER_SECOND: u64 = 1_000_000_000;

    /// The shortest spacing between requests that stays within the limit: `per_seconds /
    /// requests`, in whole nanoseconds rounded up, so requests spaced by it never exceed the
    /// limit (6 per second gives 166 666 667 ns, not 166 666 666 ns).
    ///
    /// A limit of 0 requests cannot be met by any spacing; rather than panic on it, it counts as
    /// 1 request per window, so the interval is the whole window.
    pub const fn min_interval(&self) -> Duration {
        // u32::MAX seconds in nanoseconds is about 4.3e18, below u64::MAX: no overflow.
        let window = self.per_seconds as u64 * Self::NANOS_PER_SECOND;
        let requests = if self.requests == 0 {
            1
        } else {
            self.requests as u64
        };
        Duration::from_nanos(window.div_ceil(requests))
    }
}

/// One way of authenticating that an OpenAPI document declares under
/// `components/securitySchemes`, by the name the document gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthScheme {
    /// The scheme's name in the document (`api_key`, `bearerAuth`).
    pub name: &'static str,
    /// How a credential travels.
    pub kind: AuthKind,
}

/// How an [`AuthScheme`]'s credential travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthKind {
    /// `Authorization: Bearer <token>` (HTTP `bearer`, and OAuth 2 / OpenID Connect access
    /// tokens, which travel the same way).
    Bearer,
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// An API key under a name of the document's choosing.
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query-string parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// Everything the runtime needs to know about one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The exchange's name in xgen (`kraken`).
    pub exchange: &'static str,
    /// The operation's id as the spec spells it (`cancelWithdrawal`).
    pub id: &'static str,
    /// The id in kebab case, as `xgen request` takes it (`cancel-withdrawal`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The full path, base path included (`/0/private/WithdrawCancel`).
    pub path: &'static str,
    /// The host the operation is served from, by the name the profile gives it, where an API
    /// spreads over several (KuCoin's futures are on `api-futures.kucoin.com`): the client sends
    /// it to the base URL it has for that host ([`Client::with_hosts`](crate::Client::with_hosts)),
    /// else to its base URL. `None` for the base URL.
    pub host: Option<&'static str>,
    /// How the body is encoded.
    pub body: BodyEncoding,
    /// The parameters the caller sets, sorted by wire name.
    pub params: &'static [Param],
    /// The body fields the signer owns.
    pub signer_fields: &'static [SignerField],
    /// Whether the request must be signed (the spec's security requirement is not empty).
    pub signed: bool,
    /// The limit the exchange documents for this endpoint; callers that poll space their
    /// requests by [`RateLimit::min_interval`]. `None` when the docs give none.
    pub rate_limit: Option<RateLimit>,
    /// The OpenAPI `security` of the operation: alternatives, each a set of schemes that
    /// apply together; an empty set means the call may go unauthenticated. Empty for
    /// exchanges whose signing plugin decides everything itself (Kraken, OKX, ...).
    pub security: &'static [&'static [&'static AuthScheme]],
}

impl Operation {
    /// The parameter with this wire name, if the caller may set it.
    pub fn param(&self, wire_name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.wire_name == wire_name)
    }

    /// The signer-owned body field with this wire name, if the operation has it.
    pub fn signer_field(&self, wire_name: &str) -> Option<&'static SignerField> {
        self.signer_fields.iter().find(|f| f.wire_name == wire_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: u32, per_seconds: u32) -> RateLimit {
        RateLimit {
            requests,
            per_seconds,
            scope: "UID",
        }
    }

    #[test]
    fn min_interval_divides_the_window_exactly() {
        assert_eq!(limit(300, 60).min_interval(), Duration::from_millis(200));
        assert_eq!(limit(60, 60).min_interval(), Duration::from_secs(1));
        assert_eq!(limit(1, 1).min_interval(), Duration::from_secs(1));
        assert_eq!(limit(4, 1).min_interval(), Duration::from_millis(250));
    }

    #[test]
    fn min_interval_rounds_up_so_the_limit_is_never_exceeded() {
        let interval = limit(6, 1).min_interval();
        assert_eq!(interval, Duration::from_nanos(166_666_667));
        // Six requests spaced by it span at least the whole second.
        assert!(interval * 6 >= Duration::from_secs(1));
        assert_eq!(
            limit(3, 1).min_interval(),
            Duration::from_nanos(333_333_334)
        );
    }

    #[test]
    fn zero_requests_counts_as_one_per_window() {
        assert_eq!(limit(0, 10).min_interval(), Duration::from_secs(10));
        assert_eq!(limit(0, 0).min_interval(), Duration::ZERO);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        assert_eq!(
            limit(1, u32::MAX).min_interval(),
            Duration::from_secs(u64::from(u32::MAX))
        );
        assert_eq!(limit(u32::MAX, 1).min_interval(), Duration::from_nanos(1));
        assert_eq!(limit(u32::MAX, 0).min_interval(), Duration::ZERO);
    }

    #[test]
    fn usable_in_const_context() {
        const INTERVAL: Duration = RateLimit {
            requests: 10,
            per_seconds: 1,
            scope: "IP",
        }
        .min_interval();
        assert_eq!(INTERVAL, Duration::from_millis(100));
    }
}
