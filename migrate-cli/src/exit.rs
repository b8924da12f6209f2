//! Exit codes.

use crate::output::Printer;

/// Everything went as asked.
pub(crate) const OK: u8 = 0;
/// The command ran and failed.
pub(crate) const FAILED: u8 = 1;
/// The command line itself was wrong.
pub(crate) const USAGE: u8 = 2;

/// Prints a clap error (or the help it stands for) and gives its exit code:
/// help and version exit 0, a wrong command line exits 2. Printing JSON, an
/// error is one JSON document on stderr, as every error of `--format json`.
pub(crate) fn clap_error(error: &clap::Error, printer: &Printer) -> std::process::ExitCode {
    if printer.is_json() && error.use_stderr() {
        let rendered = error.render().to_string();
        printer.error(rendered.trim_start_matches("error: "), USAGE);
        return std::process::ExitCode::from(USAGE);
    }
    // clap styles its own help and errors for the terminal.
    let _ = error.print();
    std::process::ExitCode::from(if error.use_stderr() { USAGE } else { OK })
}

/// Whether the command line asks for `--format json`, read before (or
/// without) parsing it, so that errors of the command line itself follow.
pub(crate) fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--format=json"
            || (arg == "--format" && args.get(i + 1).is_some_and(|next| next == "json"))
    })
}
