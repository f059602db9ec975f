//! The one error type of the `lepton` crate.
//!
//! Every error that comes from outside input names where it happened: the file, the record, line
//! or byte offset, the column when there is one, and what was expected.

use std::fmt;
use std::path::PathBuf;

/// Shorthand for `std::result::Result<T, lepton::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a file a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (its size, its header).
    File,
    /// A 1-based line of a text file, and optionally a 1-based column (field) in it.
    Line {
        /// 1-based line number.
        line: usize,
        /// 1-based column (field) number, if the problem is in one field.
        column: Option<usize>,
    },
    /// A 0-based record of a binary file, at a byte offset.
    Record {
        /// 0-based record index.
        record: usize,
        /// Byte offset of the problem from the start of the file.
        offset: u64,
    },
    /// A byte offset in a binary file.
    Offset(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line { line, column: None } => write!(f, ":{line}"),
            Location::Line {
                line,
                column: Some(c),
            } => write!(f, ":{line}, column {c}"),
            Location::Record { record, offset } => write!(f, ": record {record} (byte {offset})"),
            Location::Offset(o) => write!(f, ": byte {o}"),
        }
    }
}

/// Everything that can go wrong in Lepton, as values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands' shapes do not fit together.
    #[error("{op}: shape mismatch: {lhs:?} vs {rhs:?} ({expected})")]
    Shape {
        /// The operation that was attempted.
        op: &'static str,
        /// The first (left) operand's shape.
        lhs: Vec<usize>,
        /// The second (right) operand's shape, or the shape that was required.
        rhs: Vec<usize>,
        /// What the operation needs, in words.
        expected: String,
    },

    /// Reading or writing a file failed at the operating-system level.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The contents of a file are not what its format requires.
    #[error("{}{location}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Where in the file.
        location: Location,
        /// What was found and what was expected.
        message: String,
    },

    /// A weights file (safetensors) is unreadable, or one of its tensors does not fit the model:
    /// missing, wrong dtype, wrong shape.
    #[error("{}: tensor `{tensor}`: {message}", path.display())]
    Weights {
        /// The file.
        path: PathBuf,
        /// The tensor's name (empty when the file as a whole is bad).
        tensor: String,
        /// What was found and what was expected.
        message: String,
    },

    /// An argument (a parameter, a CLI flag value, a configuration) is out of its domain.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// A numerical computation produced a non-finite value or failed to converge.
    #[error("numerical error: {0}")]
    Numerical(String),
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Format`] for `path` at `location`.
    pub fn format(
        path: impl Into<PathBuf>,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Error::Format {
            path: path.into(),
            location,
            message: message.into(),
        }
    }
}
