//! The per-exchange profile: what an exchange's spec files cannot say.
//!
//! One `profile.yaml` per exchange folder, shared by every input format: where the API lives,
//! how requests are signed, what envelope wraps responses, and which spec files to read.
//! Unknown keys are errors, so a misspelt setting is never silently ignored.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file name of a profile inside an exchange folder.
pub const FILE_NAME: &str = "profile.yaml";

/// An exchange profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What the generated module's documentation calls the API.
    pub title: String,
    /// OpenAPI files in this folder, read as published.
    #[serde(default)]
    pub openapi: Vec<String>,
    /// Base URLs by environment; `production` is required.
    pub base_urls: BTreeMap<String, String>,
    /// The runtime signing plugin.
    pub signing: Signing,
    /// The response envelope.
    pub envelope: Envelope,
    /// Body fields the signing plugin fills in; the caller never sets them.
    #[serde(default)]
    pub signer_fields: Vec<String>,
    /// The operation ids to generate; all of them when absent.
    #[serde(default)]
    pub operations: Option<Vec<String>>,
}

/// Signing plugins a profile can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signing {
    /// Kraken's `API-Key` / `API-Sign`.
    Kraken,
}

/// Envelopes a profile can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Envelope {
    /// Kraken's `{error, result}`.
    Kraken,
}

impl Profile {
    /// Reads and parses a profile file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = super::read_text(path)?;
        let profile: Profile =
            yaml_serde::from_str(&text).map_err(|e| Error::yaml(path.to_owned(), &e))?;
        if !profile.base_urls.contains_key("production") {
            return Err(Error::Invalid {
                origin: crate::ir::Origin::root(path).child("base_urls"),
                message: "no `production` base URL".to_owned(),
            });
        }
        Ok(profile)
    }
}
