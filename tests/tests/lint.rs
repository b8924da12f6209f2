//! The linter on real databases: an upgrade with a finding at deny is
//! refused before anything runs (schema and version tables as they were),
//! its allow lets it through, `upgrade --sql` refuses the same way; and the
//! example crate passes `lint` from the command line, in every format.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;

use migrate_core::driver::{self, Access};
use migrate_core::graph::Target;
use migrate_core::lint::{Lint, LintConfig};
use migrate_core::migrator::PlanError;
use migrate_core::ops::{Column, Index, Migration, Table};
use migrate_core::{Backend, Direction, Error, Migrator};
use support::{Kind, TestDb, registration};

fn create(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").big_integer().primary_key())
            .column(Column::new("name").string(100))
            .column(Column::new("note").text().nullable()),
    );
}

/// Drops a column: `drop-column` is at deny.
fn drops(m: &mut Migration) {
    m.drop_column("users", "note");
}

fn drops_allowed(m: &mut Migration) {
    m.drop_column("users", "note")
        .allow(Lint::DropColumn, "nothing reads it since v2");
}

/// An index on an existing table, built as written (not CONCURRENTLY): at
/// deny on PostgreSQL only.
fn indexes(m: &mut Migration) {
    m.blocking_ddl();
    m.create_index(Index::new("ix_users_name").on("users", ["name"]));
}

fn backend(db: &TestDb) -> Backend {
    match db.kind {
        Kind::Sqlite => Backend::Sqlite,
        Kind::Postgres => Backend::Postgres,
        Kind::MySql => Backend::MySql,
    }
}

async fn upgrade(migrator: &Migrator, url: &str) -> Result<(), Error> {
    let mut db = driver::connect(url, Access::ReadWrite).await.unwrap();
    let result = migrator
        .upgrade(db.as_mut(), &Target::Heads, &mut |_| {})
        .await
        .map(|_| ());
    db.close().await.unwrap();
    result
}

#[test]
fn an_upgrade_with_a_deny_finding_is_refused_before_it_runs() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            let first = Migrator::new(vec![registration("l001", &[], create, None)])
                .unwrap()
                .with_lint(LintConfig::default());
            upgrade(&first, &db.url).await.unwrap();
            let refused = Migrator::new(vec![
                registration("l001", &[], create, None),
                registration("l002", &["l001"], drops, None),
            ])
            .unwrap()
            .with_lint(LintConfig::default());
            let error = upgrade(&refused, &db.url).await.unwrap_err();
            let message = error.to_string();
            assert!(
                matches!(&error, Error::Plan(e) if matches!(**e, PlanError::LintDenied { .. })),
                "{:?}: {message}",
                db.kind
            );
            assert!(
                message.contains("upgrade refused, nothing was run")
                    && message.contains("l002 (src/versions/tests.rs:1) operation 1 (drop_column users.note)")
                    && message.contains("[drop-column]"),
                "{message}"
            );
            // Nothing ran: the column and the heads are as they were.
            assert!(db.columns("users").await.contains(&"note".to_owned()));
            assert_eq!(db.heads().await, ["l001"]);
            // The same refusal offline.
            let script = refused.offline_script(
                backend(&db),
                Direction::Upgrade,
                &[refused.graph().index_of("l001").unwrap()],
                &Target::Heads,
            );
            assert!(
                matches!(&script, Err(Error::Plan(e)) if matches!(**e, PlanError::LintDenied { .. })),
                "{script:?}"
            );
            // Without the linter (a plain `Migrator`), nothing is checked.
            let allowed = Migrator::new(vec![
                registration("l001", &[], create, None),
                registration("l002", &["l001"], drops_allowed, None),
                registration("l003", &["l002"], indexes, None),
            ])
            .unwrap()
            .with_lint(LintConfig::default());
            let result = upgrade(&allowed, &db.url).await;
            if backend(&db) == Backend::Postgres {
                // l002 is allowed; l003 builds an index without
                // CONCURRENTLY on a table with rows.
                let message = result.unwrap_err().to_string();
                assert!(
                    message.contains("[index-not-concurrent]") && !message.contains("l002"),
                    "{message}"
                );
                assert_eq!(db.heads().await, ["l001"]);
            } else {
                result.unwrap();
                assert_eq!(db.heads().await, ["l003"]);
                assert!(!db.columns("users").await.contains(&"note".to_owned()));
            }
        }
    });
}

#[test]
fn the_example_passes_lint_in_every_format() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_app-migrate"))
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    // Warnings only: the one migration written as blocking DDL carries its
    // allows, and the online forms answer the rest.
    let out = run(&["lint"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(", 0 at deny;"), "{stdout}");
    let out = run(&["lint", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["severity"] == "warn"), "{json}");
    assert!(
        findings
            .iter()
            .all(|f| f["file"].as_str().unwrap().ends_with(".rs"))
    );
    let out = run(&["lint", "--format", "github"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().all(|l| l.starts_with("::warning file=")),
        "{stdout}"
    );
    let out = run(&["lint", "--rules"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().count() >= 30, "{stdout}");
    assert!(stdout.contains("drop-column"), "{stdout}");
    // A range: one revision, whose `set_not_null` runs in its online form.
    let out = run(&["lint", "5b1e7c9d2a40:5b1e7c9d2a40"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no findings"), "{stdout}");
    // Another verb refuses github.
    let out = run(&["status", "--format", "github"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The lint corpus (the side-by-side with squawk): each migration gets the
/// finding it was written for, and those the run makes online get none.
#[test]
fn the_lint_corpus_finds_what_each_migration_was_written_for() {
    let out = Command::new(env!("CARGO_BIN_EXE_lint-corpus"))
        .args(["lint", "--format", "json"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    // PostgreSQL's findings: the backend with every rule and online form.
    for f in json["findings"].as_array().unwrap().iter().filter(|f| {
        f["backends"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("postgres"))
    }) {
        found
            .entry(f["revision"].as_str().unwrap().to_owned())
            .or_default()
            .push(f["lint"].as_str().unwrap().to_owned());
    }
    let expected = [
        ("c002", "index-not-concurrent"),
        ("c003", "index-not-concurrent"),
        ("c004", "concurrently-in-transaction"),
        ("c008", "drop-index-not-concurrent"),
        ("c010", "foreign-key-validating"),
        ("c012", "check-validating"),
        ("c014", "set-not-null"),
        ("c015", "adding-required-column"),
        ("c016", "volatile-default"),
        ("c018", "rewriting-type"),
        ("c021", "unique-on-existing-table"),
        ("c023", "drop-column"),
        ("c024", "rename-column"),
        ("c025", "rename-table"),
        ("c026", "drop-not-null"),
        ("c027", "drop-foreign-key"),
        ("c028", "enum-change"),
        ("c029", "int-key"),
        ("c030", "prefer-jsonb"),
        ("c031", "prefer-identity"),
        ("c032", "blocking-maintenance"),
        ("c033", "blocking-maintenance"),
        ("c034", "unbatched-dml"),
        ("c035", "raw-sql-unanalysed"),
        ("c036", "adding-identity-column"),
        ("c037", "adding-generated-column"),
        ("c038", "missing-lock-timeout"),
        ("c039", "missing-statement-timeout"),
        ("c040", "foreign-key-without-index"),
        ("c041", "not-retry-safe"),
        ("c042", "drop-table"),
        ("c043", "drop-schema"),
    ];
    for (revision, rule) in expected {
        let rules = found.get(revision).cloned().unwrap_or_default();
        assert!(
            rules.iter().any(|r| r == rule),
            "{revision}: {rule} not in {rules:?}"
        );
    }
    // Written safely, or made online by the run: nothing to say.
    for revision in [
        "c001", "c005", "c006", "c007", "c009", "c011", "c013", "c017", "c022", "c044", "c045",
    ] {
        assert_eq!(found.get(revision), None, "{revision}");
    }
}
