//! Everything that can go wrong between reading `specs/` and writing `generated/`.
//!
//! Input errors say where: a file with line and column for syntax, a file with a JSON pointer
//! for meaning. The texts are pinned by tests, so change them deliberately.

use crate::ir::Origin;
use std::io;
use std::path::PathBuf;

/// A generator error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// A file is not valid YAML, or does not have the shape its format requires.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A `$ref` that points to nothing in its document.
    #[error("{origin}: $ref '{reference}' points to nothing")]
    DanglingRef {
        /// Where the `$ref` stands.
        origin: Origin,
        /// The reference as written.
        reference: String,
    },
    /// A spec construct this generator does not turn into code (yet).
    #[error("{origin}: not supported: {what}")]
    Unsupported {
        /// Where the construct stands.
        origin: Origin,
        /// What it is.
        what: String,
    },
    /// A spec that is well-formed but cannot make a client.
    #[error("{origin}: {message}")]
    Invalid {
        /// Where the problem is.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// The specs folder holds no exchange.
    #[error("{}: no exchange found: expected folders with a profile.yaml in them", path.display())]
    NoSpecs {
        /// The specs folder.
        path: PathBuf,
    },
    /// The emitter produced tokens that do not parse as Rust: a bug in xgen, not in the spec.
    #[error("generated code for {exchange} does not parse as Rust (a bug in xgen): {message}")]
    Emit {
        /// The exchange whose module failed.
        exchange: String,
        /// What `syn` said.
        message: String,
    },
    /// A generated file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// A [`Error::Syntax`] from a YAML parse error, or an error without line if it has none.
    pub(crate) fn yaml(path: PathBuf, error: &yaml_serde::Error) -> Self {
        let (line, column) = error
            .location()
            .map_or((0, 0), |at| (at.line(), at.column()));
        // The location is already in our prefix; the parser's text repeats it, then may say
        // where the construct it was in began, which is worth keeping.
        let text = error.to_string();
        let message = match text.split_once(" at line ") {
            Some((problem, rest)) => match rest.split_once(", while ") {
                Some((_, context)) => format!("{problem} (while {context})"),
                None => problem.to_owned(),
            },
            None => text,
        };
        Error::Syntax {
            path,
            line,
            column,
            message,
        }
    }
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
