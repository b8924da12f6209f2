//! Why a command failed, and the exit code that says so.

use std::process::ExitCode;

use migrate_core::Error;
use migrate_core::graph::TargetError;

use crate::exit;
use crate::output::Printer;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the core: graph, target, plan, connection or apply.
    Core(Error),
    /// Anything else, already worded.
    Message(String),
    /// A usage error, already worded (exit 2).
    Usage(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl Failure {
    /// Prints the error (one JSON document when the printer prints JSON)
    /// and gives the exit code.
    pub(crate) fn report(self, printer: &Printer) -> ExitCode {
        let code = self.exit_code();
        printer.error(&self.text(), code);
        ExitCode::from(code)
    }

    /// What went wrong, worded.
    pub(crate) fn text(&self) -> String {
        match self {
            Failure::Core(error) => error.to_string(),
            Failure::Message(message) | Failure::Usage(message) => message.clone(),
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            // A target that does not parse is a usage error, like a bad flag.
            Failure::Core(Error::Target(TargetError::Malformed { .. })) | Failure::Usage(_) => {
                exit::USAGE
            }
            _ => exit::FAILED,
        }
    }
}
