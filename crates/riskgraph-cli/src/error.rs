//! The CLI's errors: every way a command fails, returned to `main`, which prints it on stderr
//! (`report`) and exits with 2. Each is a `miette::Diagnostic`; rules problems are shown with
//! the line of their script, inventory errors as `validate` shows them.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use riskgraph_engine::rules::RuleError;
use riskgraph_engine::session::OpenError;
use riskgraph_model::diagnostic::Diagnostics;
use riskgraph_report::text::count;

use crate::render;

/// Why a command failed.
#[derive(Debug)]
pub enum Error {
    /// Arguments that do not fit together, name nothing in the inventory, or a file that cannot
    /// be read or written; with a hint when there is one.
    Message {
        message: String,
        help: Option<String>,
    },
    /// Several such problems at once, such as two files that cannot be read.
    Messages(Vec<String>),
    /// An inventory with errors, shown as `validate` shows them.
    Inventory { path: PathBuf, errors: Diagnostics },
    /// Rules scripts that do not compile, or that failed while scoring.
    Rules(Vec<RuleError>),
}

/// What a command returns.
pub type Result<T = crate::Outcome> = std::result::Result<T, Error>;

impl Error {
    /// A message with no hint.
    pub fn message(message: impl Into<String>) -> Self {
        Self::Message {
            message: message.into(),
            help: None,
        }
    }

    /// A message with a hint.
    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::Message {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    /// The error of a session that could not be opened for the inventory at `path`.
    pub fn open(path: &std::path::Path, error: OpenError) -> Self {
        match error {
            OpenError::Inventory(errors) => Self::Inventory {
                path: path.to_path_buf(),
                errors,
            },
            OpenError::Rules(errors) => Self::Rules(errors),
            OpenError::Graph(error) => Self::Rules(vec![error]),
        }
    }
}

impl From<RuleError> for Error {
    fn from(error: RuleError) -> Self {
        Self::Rules(vec![error])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Message { message, .. } => f.write_str(message),
            Self::Messages(messages) => f.write_str(&messages.join("; ")),
            Self::Inventory { path, errors } => write!(
                f,
                "invalid: {} in {}",
                count(errors.n_errors(), "error"),
                path.display()
            ),
            Self::Rules(errors) => write!(f, "invalid rules: {}", count(errors.len(), "problem")),
        }
    }
}

impl std::error::Error for Error {}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self {
            Self::Message { .. } | Self::Messages(_) => "usage",
            Self::Inventory { .. } => "invalid-inventory",
            Self::Rules(_) => "invalid-rules",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Self::Message {
                help: Some(help), ..
            } => Some(Box::new(help)),
            _ => None,
        }
    }
}

/// Prints `error` on stderr: a message as `error: ...` with its hint, an inventory's diagnostics
/// then a count, each rules problem with the line of its script, then a count.
pub fn report(error: &Error) {
    let mut stderr = std::io::stderr().lock();
    match error {
        Error::Message { message, help } => {
            let _ = writeln!(stderr, "error: {message}");
            if let Some(help) = help {
                let _ = writeln!(stderr, "  help: {help}");
            }
        }
        Error::Messages(messages) => {
            for message in messages {
                let _ = writeln!(stderr, "error: {message}");
            }
        }
        Error::Inventory { errors, .. } => {
            let _ = stderr.write_all(render::human(errors).as_bytes());
            let _ = writeln!(stderr, "{error}");
        }
        Error::Rules(errors) => {
            for rule_error in errors {
                let _ = stderr.write_all(render::rule_error(rule_error).as_bytes());
            }
            let _ = writeln!(stderr, "{error}");
        }
    }
}
