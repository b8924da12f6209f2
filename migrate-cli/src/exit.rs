//! Exit codes.

/// Everything went as asked.
pub(crate) const OK: u8 = 0;
/// The command ran and failed.
pub(crate) const FAILED: u8 = 1;
/// The command line itself was wrong.
pub(crate) const USAGE: u8 = 2;

/// Prints a clap error (or the help it stands for) and gives its exit code:
/// help and version exit 0, a wrong command line exits 2.
pub(crate) fn clap_error(error: &clap::Error) -> std::process::ExitCode {
    let _ = error.print();
    std::process::ExitCode::from(if error.use_stderr() { USAGE } else { OK })
}
