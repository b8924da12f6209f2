//! The `migrate` binary, built in this package so that its tests can run
//! it (`migrate init --from-database` in tests/tests/adopt.rs).

fn main() -> std::process::ExitCode {
    migrate_cli::migrate_main()
}
