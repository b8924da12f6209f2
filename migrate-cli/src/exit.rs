//! Exit codes.

/// Everything went as asked.
pub(crate) const OK: u8 = 0;
/// The command ran and failed.
pub(crate) const FAILED: u8 = 1;
/// The command line itself was wrong.
pub(crate) const USAGE: u8 = 2;

/// Prints a clap error (or the help it stands for) and gives its exit code:
/// help and version exit 0, a wrong command line exits 2. With `json`, an
/// error is one JSON document on stderr, as every error of `--format json`.
pub(crate) fn clap_error(error: &clap::Error, json: bool) -> std::process::ExitCode {
    if json && error.use_stderr() {
        let rendered = error.render().to_string();
        print_error(rendered.trim_start_matches("error: "), USAGE, true);
        return std::process::ExitCode::from(USAGE);
    }
    let _ = error.print();
    std::process::ExitCode::from(if error.use_stderr() { USAGE } else { OK })
}

/// Prints an error on stderr: `error: ...`, or with `json` one document,
/// `{"error": {"message": "...", "exit_code": N}}`.
pub(crate) fn print_error(message: &str, code: u8, json: bool) {
    if json {
        let document = serde_json::json!({
            "error": { "message": message.trim_end(), "exit_code": code }
        });
        eprintln!("{document}");
    } else {
        eprintln!("error: {message}");
    }
}

/// Whether the command line asks for `--format json`, read before (or
/// without) parsing it, so that errors of the command line itself follow.
pub(crate) fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--format=json"
            || (arg == "--format" && args.get(i + 1).is_some_and(|next| next == "json"))
    })
}
