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
    /// A documented rate limit that cannot be applied: zero, unplaceable or given twice.
    #[error("{origin}: {problem}")]
    RateLimit {
        /// The `rate_limit` of a schema file's operation or the `rate_limits` entry of a
        /// profile, or the key inside it that is wrong.
        origin: Origin,
        /// What is wrong with it.
        problem: RateLimitProblem,
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
    /// Several problems found in one run, each its own error, in the order found.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<Error>),
    /// A file is larger than the generator reads.
    #[error("{}: {size} bytes is more than the {limit} bytes a spec file may have", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
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

/// Why a rate limit in a schema file or a profile cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitProblem {
    /// `requests` or `per_seconds` is 0: no spacing of calls meets such a limit, so it is a typo,
    /// not a documented limit.
    #[error("{key} is 0; a rate limit allows at least 1 request per at least 1 second")]
    Zero {
        /// The key that is 0 (`requests` or `per_seconds`).
        key: &'static str,
    },
    /// A profile's `rate_limits` entry names an operation the exchange does not generate (a
    /// misspelt id, or one the profile's `operations` leaves out), so it would apply to nothing.
    #[error("names operation '{operation}', which is not generated for {exchange}")]
    UnknownOperation {
        /// The operation id as the entry spells it.
        operation: String,
        /// The exchange whose profile it is.
        exchange: String,
    },
    /// The operation's schema file already gives it a rate limit; two sources would leave it
    /// ambiguous which one the client documents, so neither wins silently.
    #[error(
        "operation '{operation}' already has a rate limit at {declared}; \
         give it in one place, not both"
    )]
    Ambiguous {
        /// The operation id.
        operation: String,
        /// Where the other rate limit stands.
        declared: Origin,
    },
}

impl Error {
    /// The place in a spec this error is about, for the errors that name one by JSON pointer.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Error::DanglingRef { origin, .. }
            | Error::Unsupported { origin, .. }
            | Error::Invalid { origin, .. }
            | Error::RateLimit { origin, .. } => Some(origin),
            _ => None,
        }
    }

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

/// Every success, or every error (as [`Error::Many`] when there are several, flattened): one
/// broken exchange does not hide the problems of the next.
pub(crate) fn all_or_every_error<T>(results: impl Iterator<Item = Result<T>>) -> Result<Vec<T>> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(value) => values.push(value),
            Err(Error::Many(many)) => errors.extend(many),
            Err(error) => errors.push(error),
        }
    }
    match errors.len() {
        0 => Ok(values),
        1 => Err(errors.remove(0)),
        _ => Err(Error::Many(errors)),
    }
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
