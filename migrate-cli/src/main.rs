//! The `migrate` binary: `migrate init DIR` scaffolds a migrations crate;
//! every other verb runs the migrations crate of the current directory.

fn main() -> std::process::ExitCode {
    migrate_cli::migrate_main()
}
