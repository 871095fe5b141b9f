//! The OpenAPI 3.0 front-end's reader: YAML text to `openapiv3` model.
//!
//! Parsing goes through `yaml_serde`, the YAML organisation's maintained continuation of the
//! archived `serde_yaml` (RUSTSEC-2024-0320), with the same API.

use crate::error::{Error, Result};
use std::path::Path;

/// Reads an OpenAPI document as published.
pub fn read(path: &Path) -> Result<openapiv3::OpenAPI> {
    let text = super::read_text(path)?;
    parse(path, &text)
}

/// Parses OpenAPI YAML text; `path` is only for diagnostics.
pub fn parse(path: &Path, text: &str) -> Result<openapiv3::OpenAPI> {
    yaml_serde::from_str(text).map_err(|e| Error::yaml(path.to_owned(), &e))
}
