//! `cargo run -p migrations -- upgrade`: see `cargo run -p migrations -- --help`.

use migrations as _; // links every migration of the library into this binary

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
