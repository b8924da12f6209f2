use migrations as _;
fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
