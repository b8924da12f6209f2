//! The command line of **migrate**.
//!
//! A migrations crate's `main` is one line:
//!
//! ```no_run
//! use my_migrations as _; // links the crate's migrations into the binary
//! # mod my_migrations {}
//! fn main() -> std::process::ExitCode {
//!     migrate_cli::run()
//! }
//! ```
//!
//! [`run`] parses the arguments, checks the registered migrations, and runs
//! one verb: `upgrade`, `downgrade`, `current`, `history`, `heads`, `status`, `check`,
//! `revision`. The `migrate` binary of this crate scaffolds a new migrations
//! crate (`migrate init`) and hands every other verb to the crate of the
//! current directory.

mod adopt;
mod args;
mod env_file;
mod exit;
mod failure;
mod interrupt;
mod output;
mod scaffold;
mod tool;
mod verbs;

use std::ffi::OsString;
use std::process::ExitCode;

pub use args::{Cli, Command, Format};
pub use tool::migrate_main;

use output::Printer;

/// The `build.rs` that `migrate init` writes: it wires `src/versions/*.rs` into
/// the crate. The example `migrations` crate uses the same file.
pub const BUILD_RS: &str = include_str!("../templates/build.rs");

/// Runs the command line with the process's arguments and returns the exit
/// code: 0 ok, 1 failed, 2 usage.
pub fn run() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs the command line with these arguments (the first is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Until the command line is parsed, errors follow `--format json` as
    // far as it can be read.
    let early = Printer::new(if exit::wants_json(&args) {
        Format::Json
    } else {
        Format::Human
    });
    // A `.env` file fills in DATABASE_URL; real environment variables win.
    match env_file::load() {
        Ok(None) => {}
        Ok(Some(parent)) => early.note(&format!(
            "using {}, the nearest .env (in a parent directory)",
            parent.display()
        )),
        Err(error) => {
            early.error(&error.to_string(), exit::USAGE);
            return ExitCode::from(exit::USAGE);
        }
    }
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(error) => return exit::clap_error(&error, &early),
    };
    init_tracing(cli.verbose);
    let printer = Printer::new(cli.format);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer.error(&format!("start the async runtime: {error}"), exit::FAILED);
            return ExitCode::from(exit::FAILED);
        }
    };
    runtime.block_on(verbs::dispatch(cli, &printer))
}

/// Parses the command line under the binary's own name (the migrations
/// crate's), so that `--version` and the help name it: `migrations (migrate
/// 0.1.0)`.
fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let name = args
        .first()
        .and_then(|arg0| std::path::Path::new(arg0).file_stem())
        .map(|stem| stem.to_string_lossy().into_owned())
        .filter(|stem| !stem.is_empty())
        .unwrap_or_else(|| "migrations".to_owned());
    // clap keeps its names for the process's life.
    let name: &'static str = Box::leak(name.into_boxed_str());
    let version: &'static str =
        Box::leak(format!("(migrate {})", env!("CARGO_PKG_VERSION")).into_boxed_str());
    let matches = Cli::command()
        .name(name)
        .bin_name(name)
        .version(version)
        .try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// The tool's logging, on stderr: `MIGRATE_LOG`, else `RUST_LOG`, else
/// warnings of its own (with `-v`, its debug lines and sqlx's warnings,
/// such as a statement slower than a second: every lock wait and long
/// migration is one, so they are left out unless asked for). Colours only
/// on a terminal.
fn init_tracing(verbose: bool) {
    use std::io::IsTerminal;
    let default = if verbose {
        "warn,migrate_core=debug,migrate_cli=debug"
    } else {
        "warn,sqlx=error"
    };
    let filter = ["MIGRATE_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|var| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        })
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
