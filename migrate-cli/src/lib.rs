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

mod args;
mod commands;
mod env_file;
mod exit;
mod interrupt;
mod output;
mod progress;
mod scaffold;
mod tool;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, Format};
pub use tool::migrate_main;

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
    // A `.env` file fills in DATABASE_URL; real environment variables win.
    match env_file::load() {
        Ok(None) => {}
        Ok(Some(parent)) => eprintln!(
            "note: using {}, the nearest .env (in a parent directory)",
            parent.display()
        ),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(exit::USAGE);
        }
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return exit::clap_error(&error),
    };
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: start the async runtime: {error}");
            return ExitCode::from(exit::FAILED);
        }
    };
    runtime.block_on(commands::dispatch(cli))
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
