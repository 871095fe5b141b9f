//! xgen's generator: exchange API specs in, formatted Rust client code out.
//!
//! The pipeline has named phases, each its own module: [`source`] reads the specs folder and
//! parses each input format, `lower` turns those models into the one [`ir`], and `emit` turns
//! the frozen IR into formatted Rust. [`Config::generate`] is pure and returns file contents;
//! [`write()`] and [`check()`] are the only functions that touch `generated/`.
//!
//! ```no_run
//! let files = xgen_codegen::Config::new().specs_dir("specs").generate()?;
//! let report = xgen_codegen::write(std::path::Path::new("generated"), &files)?;
//! for path in report.changed() {
//!     println!("updated {}", path.display());
//! }
//! # Ok::<(), xgen_codegen::Error>(())
//! ```

#![warn(missing_docs)]

pub mod describe;
pub mod diff;
mod emit;
mod error;
pub mod ir;
mod lower;
mod output;
pub mod source;
pub mod text;

pub use error::{Error, RateLimitProblem, Result};
pub use output::{check, write, GeneratedFile, Stale, StaleReason, WriteReport};
pub use source::locate::Locator;

use std::path::{Path, PathBuf};

/// What to generate from where: the one set of options shared by the CLI and `build.rs`.
#[derive(Debug, Clone)]
pub struct Config {
    specs_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            specs_dir: PathBuf::from("specs"),
        }
    }
}

impl Config {
    /// The defaults: specs read from `specs/`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads specs from `dir` instead of `specs/`.
    ///
    /// ```
    /// let config = xgen_codegen::Config::new().specs_dir("my-specs");
    /// assert_eq!(config.specs(), std::path::Path::new("my-specs"));
    /// ```
    pub fn specs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.specs_dir = dir.into();
        self
    }

    /// The specs folder.
    pub fn specs(&self) -> &Path {
        &self.specs_dir
    }

    /// Reads and lowers every exchange under the specs folder, sorted by exchange name; on
    /// failure, every problem of every exchange, not only the first.
    pub fn load(&self) -> Result<Vec<ir::Api>> {
        let specs = source::discover(&self.specs_dir)?;
        error::all_or_every_error(
            specs
                .iter()
                .map(|specs| lower::lower_exchange(specs, &self.specs_dir)),
        )
    }

    /// Reads and lowers one exchange folder (a folder with a `profile.yaml`, such as
    /// `specs/okx`), wherever it is; file names in diagnostics are relative to its parent.
    pub fn load_exchange(dir: &Path) -> Result<ir::Api> {
        let specs = source::read_exchange(dir.to_owned())?;
        let parent = dir.parent().unwrap_or_else(|| Path::new(""));
        lower::lower_exchange(&specs, parent)
    }

    /// Generates every file, in memory: one module per exchange and the index declaring them.
    /// Nothing is written, so a bad spec leaves `generated/` untouched.
    pub fn generate(&self) -> Result<Vec<GeneratedFile>> {
        generate_apis(&self.load()?)
    }
}

/// Generates every file for APIs already loaded (see [`Config::load`]), in memory: one module
/// per exchange and the index declaring them, sorted by path.
pub fn generate_apis(apis: &[ir::Api]) -> Result<Vec<GeneratedFile>> {
    plan(apis)
        .into_iter()
        .map(|file| {
            let mut contents = String::with_capacity(file.capacity);
            (file.emit)(&mut contents)?;
            Ok(GeneratedFile {
                path: file.path,
                contents,
            })
        })
        .collect()
}

/// Writes every file for APIs already loaded under `out_dir`, as [`write()`] does, but making
/// each file as it is written rather than in memory: the way to regenerate a large API, whose
/// module is several times the size of its spec.
pub fn write_apis(out_dir: &Path, apis: &[ir::Api]) -> Result<WriteReport> {
    output::write_planned(out_dir, &plan(apis))
}

/// Which files under `out_dir` differ from what APIs already loaded produce, as [`check()`]
/// says, comparing each file as it is made.
pub fn check_apis(out_dir: &Path, apis: &[ir::Api]) -> Result<Vec<Stale>> {
    output::check_planned(out_dir, &plan(apis))
}

/// The files the APIs produce, sorted by path: one module per exchange and the index.
fn plan(apis: &[ir::Api]) -> Vec<output::Planned<'_>> {
    let mut files: Vec<output::Planned<'_>> = apis
        .iter()
        .map(|api| output::Planned {
            path: PathBuf::from(emit::module_file_name(api)),
            capacity: emit::module_size_estimate(api),
            emit: Box::new(move |sink| emit::write_api_module(api, sink)),
        })
        .collect();
    files.push(output::Planned {
        path: PathBuf::from(emit::INDEX_FILE),
        capacity: 0,
        emit: Box::new(move |sink| sink.push(&emit::index_module(apis)?)),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
