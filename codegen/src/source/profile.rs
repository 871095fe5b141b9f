//! The per-exchange profile: what an exchange's spec files cannot say.
//!
//! One `profile.yaml` per exchange folder, shared by every input format: where the API lives,
//! how requests are signed, what envelope wraps responses, and which spec files to read.
//! Unknown keys are errors, so a misspelt setting is never silently ignored.

use crate::error::{Error, Result};
use crate::source::schema::RateLimitSpec;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file name of a profile inside an exchange folder.
pub const FILE_NAME: &str = "profile.yaml";

/// An exchange profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What the generated module's documentation calls the API; the first OpenAPI file's
    /// `info.title` when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// OpenAPI files in this folder, read as published.
    #[serde(default)]
    pub openapi: Vec<String>,
    /// Hand-written schema files in this folder.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Base URLs by environment. `production` is what `Client::new` uses; a white-label API
    /// (AlphaPoint APEX) has none, and callers always give the host.
    #[serde(default)]
    pub base_urls: BTreeMap<String, String>,
    /// The vendor extension that says which host serves an operation, for APIs spread over
    /// several (KuCoin's `x-domain`: `Spot`, `Futures`, `Broker`). Each value it takes must be a
    /// key of `hosts`; an operation without it goes to `base_urls`.
    #[serde(default)]
    pub host_by: Option<String>,
    /// The base URLs of each host `host_by` names, by environment: the same environments as
    /// `base_urls`.
    #[serde(default)]
    pub hosts: BTreeMap<String, BTreeMap<String, String>>,
    /// The runtime signing scheme, by its name in `xgen_runtime::registry`
    /// (`kraken`, `okx`, `none`, `http-bearer`, ...). Absent: each operation's OpenAPI
    /// `security` decides (`openapi`).
    #[serde(default)]
    pub signing: Option<String>,
    /// The response envelope, by its name in `xgen_runtime::registry` (`okx`, `none`, ...).
    /// Absent: `none`, plain JSON with errors by HTTP status.
    #[serde(default)]
    pub envelope: Option<String>,
    /// Body fields the signing plugin fills in; the caller never sets them.
    #[serde(default)]
    pub signer_fields: Vec<String>,
    /// OpenAPI vendor extensions that name operations, read in place of `operationId` where an
    /// operation has them: the id the client's method, the profile's other keys and `xgen
    /// request` use. One (`x-sdk-method-name`) or several, joined in order in snake case with
    /// equal neighbours once (KuCoin's `[x-sdk-service, x-sdk-sub-service, x-sdk-method-name]`:
    /// `Account`, `Withdrawal`, `cancelWithdrawal` is `account_withdrawal_cancel_withdrawal`),
    /// for documents whose method names repeat across services.
    #[serde(default)]
    pub operation_names: OneOrMore,
    /// Where a spec that has no `security` says an operation is private (KuCoin's
    /// `x-api-channel: private`): vendor extensions and the value each must have. When given, an
    /// operation is signed exactly when one of them matches, whatever its `security` says.
    #[serde(default)]
    pub signed_when: BTreeMap<String, String>,
    /// The operation ids to generate; all of them when absent.
    #[serde(default)]
    pub operations: Option<Vec<String>>,
    /// What a successful reply of an operation means, by operation id, where the spec cannot
    /// say it (Kraken's OpenAPI calls a cancel reply "whether cancellation was successful").
    #[serde(default)]
    pub success_means: BTreeMap<String, String>,
    /// Operations whose reply payload may be `null` although their spec's schema does not say
    /// so (KuCoin's withdrawal cancel: `data: string`, and its own example `"data": null`): the
    /// method returns an `Option`.
    #[serde(default)]
    pub payload_may_be_null: Vec<String>,
    /// The rate limit of an operation, by operation id, where the spec cannot say it (Kraken's
    /// OpenAPI has no field for it). The same shape as a schema file's `rate_limit`; an
    /// operation takes its limit from one of the two, never both.
    #[serde(default)]
    pub rate_limits: BTreeMap<String, RateLimitSpec>,
}

/// A setting given as one value or a list of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "OneOrMoreText")]
pub struct OneOrMore(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMoreText {
    One(String),
    More(Vec<String>),
}

impl From<OneOrMoreText> for OneOrMore {
    fn from(text: OneOrMoreText) -> Self {
        match text {
            OneOrMoreText::One(one) => OneOrMore(vec![one]),
            OneOrMoreText::More(more) => OneOrMore(more),
        }
    }
}

impl Profile {
    /// Reads and parses a profile file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = super::read_text(path)?;
        // Duplicate keys, depth and aliases first: a second `production:` must not win silently.
        super::yaml::parse(path, &text)?;
        yaml_serde::from_str(&text).map_err(|e| Error::yaml(path.to_owned(), &e))
    }
}
