//! The tool owns its logging: sqlx's "slow statement" warnings (every long
//! migration statement and lock wait is one) only when asked for, `RUST_LOG`
//! honoured as well as `MIGRATE_LOG`, and no colour codes unless stderr is
//! a terminal. Through `slow-migrate`, whose second step runs a statement
//! of more than a second on SQLite.

mod support;

use std::process::Command;

use support::TestDb;

/// `slow-migrate upgrade` on a fresh SQLite file; its stderr.
fn stderr_of(env: &[(&str, &str)], extra: &[&str]) -> String {
    let db = TestDb::sqlite();
    let mut command = Command::new(env!("CARGO_BIN_EXE_slow-migrate"));
    command
        .arg("upgrade")
        .args(extra)
        .arg("--database-url")
        .arg(&db.url)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_LOG")
        .env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes on a pipe: {stderr:?}"
    );
    stderr
}

#[test]
fn slow_statement_warnings_are_left_out_by_default() {
    let stderr = stderr_of(&[], &[]);
    assert!(!stderr.contains("slow statement"), "{stderr}");
}

#[test]
fn rust_log_is_honoured() {
    let stderr = stderr_of(&[("RUST_LOG", "sqlx=warn")], &[]);
    assert!(stderr.contains("slow statement"), "{stderr}");
}

#[test]
fn verbose_shows_them() {
    let stderr = stderr_of(&[], &["-v"]);
    assert!(stderr.contains("slow statement"), "{stderr}");
}
