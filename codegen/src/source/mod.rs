//! Reading the specs folder: which exchanges there are, their profiles and their spec files.
//!
//! Each front-end module parses one input format into its own model; nothing here knows the IR.

mod json;
pub mod locate;
pub mod openapi;
pub mod profile;
pub mod schema;
pub mod yaml;

use crate::error::{Error, Result};
use profile::Profile;
use std::path::{Path, PathBuf};

/// One exchange's folder under `specs/`: its profile and the spec files it names.
#[derive(Debug)]
pub struct ExchangeSpecs {
    /// The folder name, which is the exchange's name in xgen (`kraken`).
    pub exchange: String,
    /// The folder.
    pub dir: PathBuf,
    /// The profile (`profile.yaml`).
    pub profile: Profile,
    /// The profile's path, for diagnostics.
    pub profile_path: PathBuf,
}

impl ExchangeSpecs {
    /// The path of a file the profile names, relative to the exchange folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The file the profile names at `key` (`openapi/0`), which must be inside the exchange
    /// folder: a spec is read from where it lives, never from elsewhere on the machine.
    pub fn spec_file(&self, name: &str, key: &str) -> Result<PathBuf> {
        let path = openapi::normalize(&self.dir.join(name));
        if !path.starts_with(openapi::normalize(&self.dir)) {
            let mut origin = crate::ir::Origin::root(&self.profile_path);
            for segment in key.split('/') {
                origin = origin.child(segment);
            }
            return Err(Error::Invalid {
                origin,
                message: format!(
                    "names {}, which is outside the exchange folder",
                    crate::text::escape(name)
                ),
            });
        }
        Ok(path)
    }
}

/// Finds every exchange under `specs_dir`, sorted by name so the output never depends on the
/// order the file system lists them in.
pub fn discover(specs_dir: &Path) -> Result<Vec<ExchangeSpecs>> {
    let read_err = |source| Error::Read {
        path: specs_dir.to_owned(),
        source,
    };
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(specs_dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let dir = entry.path();
        if dir.join(profile::FILE_NAME).is_file() {
            dirs.push(dir);
        }
    }
    dirs.sort();
    if dirs.is_empty() {
        return Err(Error::NoSpecs {
            path: specs_dir.to_owned(),
        });
    }
    crate::error::all_or_every_error(dirs.into_iter().map(read_exchange))
}

/// Reads one exchange folder (one with a `profile.yaml`); its name is the folder's name.
pub fn read_exchange(dir: PathBuf) -> Result<ExchangeSpecs> {
    let exchange = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_exchange_name(&exchange, &dir)?;
    let profile_path = dir.join(profile::FILE_NAME);
    let profile = Profile::read(&profile_path)?;
    Ok(ExchangeSpecs {
        exchange,
        dir,
        profile,
        profile_path,
    })
}

/// The folder name becomes a module name and the name `xgen request` takes, so it must be a
/// plain lower-case word (`kraken`, `kraken-pay`) that is not a Rust keyword, and not a name the
/// clients crate uses itself ([`crate::ir::names::RESERVED_MODULES`]).
fn check_exchange_name(name: &str, dir: &Path) -> Result<()> {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let module = name.replace('-', "_");
    if plain && crate::ir::names::RESERVED_MODULES.contains(&module.as_str()) {
        return Err(Error::Invalid {
            origin: crate::ir::Origin::root(dir),
            message: format!(
                "exchange folder name '{name}' would make the module `{module}`, a name the \
                 clients crate uses itself; choose another name"
            ),
        });
    }
    if plain && crate::ir::FieldName::from_wire(&module).rust == module {
        return Ok(());
    }
    Err(Error::Invalid {
        origin: crate::ir::Origin::root(dir),
        message: format!(
            "exchange folder name '{name}' must be lower-case letters, digits and '-', \
             start with a letter, and not be a Rust keyword"
        ),
    })
}

/// Reads a whole file, with the path in the error, refusing one larger than
/// [`yaml::MAX_FILE_BYTES`] before reading it.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        // A device (`/dev/zero`) or a FIFO has no size to check and may never end.
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let size = metadata.len();
    if size > yaml::MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            size,
            limit: yaml::MAX_FILE_BYTES,
        });
    }
    std::fs::read_to_string(path).map_err(read_error)
}
