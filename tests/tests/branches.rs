//! The revision graph verbs on a graph with two feature branches, a
//! `depends_on` across them, a merge and an independent labelled branch
//! (`src/bin/branches-migrate.rs`): every verb's output, the heads-table
//! rows after each step, and the order of upgrades and downgrades, on every
//! backend this run can reach.

mod support;

use std::process::{Command, Output};

use support::TestDb;

fn cli(db: Option<&TestDb>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_branches-migrate"));
    command.args(args).env_remove("MIGRATE_LOG");
    match db {
        Some(db) => command.env("DATABASE_URL", &db.url),
        None => command.env("DATABASE_URL", "sqlite::memory:"),
    };
    command.output().expect("run branches-migrate")
}

fn ok(db: Option<&TestDb>, args: &[&str]) -> String {
    let out = cli(db, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The error line of a command that must fail with exit code 1.
fn fails(db: Option<&TestDb>, args: &[&str]) -> String {
    let out = cli(db, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The revisions a run applied or reverted, in order.
fn steps(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("upgrade") || l.starts_with("downgrade"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_inspection_verb_prints_the_graph() {
    let verbs: [(&str, &[&str]); 10] = [
        ("heads", &["heads"]),
        ("heads_resolved", &["heads", "--resolve-dependencies"]),
        ("branches", &["branches"]),
        ("history", &["history"]),
        (
            "history_range_verbose",
            &["history", "-r", "billing@base:billing@head", "--verbose"],
        ),
        ("history_graph", &["history", "--graph"]),
        ("show", &["show", "s002"]),
        ("graph_mermaid", &["graph"]),
        ("graph_dot", &["graph", "--format", "dot"]),
        (
            "history_json",
            &["history", "-r", "x001:", "--format", "json"],
        ),
    ];
    for (name, args) in verbs {
        let out = ok(None, args);
        // Paths depend on the checkout; the rest must not.
        let out: String = out
            .lines()
            .map(|l| match l.find("(tests/src/bin") {
                Some(at) => &l[..at],
                None => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn mermaid_and_dot_are_only_for_graph() {
    let out = cli(None, &["history", "--format", "mermaid"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

async fn walk(test_db: TestDb) {
    let kind = test_db.kind;
    let db = Some(&test_db);
    let rows = || async { test_db.heads().await };

    // Several heads: `head` is refused with what to type instead.
    insta::assert_snapshot!("upgrade_head_refused", fails(db, &["upgrade"]));
    assert_eq!(rows().await, Vec::<String>::new());

    // One step along billing brings the trunk; a new branch inserts a row.
    let out = ok(db, &["upgrade", "billing@+1"]);
    assert_eq!(steps(&out), ["a001", "a002", "b001"], "{kind:?}");
    assert_eq!(rows().await, ["b001"]);
    let out = ok(db, &["upgrade", "search@+1"]);
    assert_eq!(steps(&out), ["s001"]);
    assert_eq!(rows().await, ["b001", "s001"]);
    // A linear step updates its branch's row; b001 stays, since depending
    // on it is not revising it.
    let out = ok(db, &["upgrade", "s002"]);
    assert_eq!(steps(&out), ["s002"]);
    assert_eq!(rows().await, ["b001", "s002"]);
    let out = ok(db, &["upgrade", "billing@+1"]);
    assert_eq!(steps(&out), ["b002"]);
    assert_eq!(rows().await, ["b002", "s002"]);
    // The merge turns two rows into one; the independent branch adds one.
    let out = ok(db, &["upgrade", "heads"]);
    assert_eq!(steps(&out), ["m001", "x001", "x002"]);
    assert_eq!(rows().await, ["m001", "x002"]);
    let current = ok(db, &["current"]);
    assert_eq!(
        current,
        "m001 (head)  merge search and billing\nx002 (head)  add actor to audit log\n"
    );

    // Several current heads: `-1` is refused, naming what to type.
    insta::assert_snapshot!(
        "downgrade_minus_one_refused",
        fails(db, &["downgrade", "-1"])
    );

    // One branch goes down; the others stay.
    let out = ok(db, &["downgrade", "audit@-1"]);
    assert_eq!(steps(&out), ["x002"]);
    assert_eq!(rows().await, ["m001", "x001"]);
    let out = ok(db, &["downgrade", "audit@base"]);
    assert_eq!(steps(&out), ["x001"]);
    assert_eq!(rows().await, ["m001"]);
    // One step down from a merge unmerges: both rows come back.
    let out = ok(db, &["downgrade", "-1"]);
    assert_eq!(steps(&out), ["m001"]);
    assert_eq!(rows().await, ["b002", "s002"]);
    // Reverting billing reverts what depends on it (s002), newest first.
    let out = ok(db, &["downgrade", "billing@base"]);
    assert_eq!(steps(&out), ["s002", "b002", "b001"]);
    assert_eq!(rows().await, ["s001"]);
    let tables = test_db.tables().await;
    assert!(tables.contains(&"search_terms".to_owned()), "{tables:?}");
    assert!(!tables.contains(&"invoices".to_owned()), "{tables:?}");
    // billing@head brings s002 back too: the merge needs it.
    let out = ok(db, &["upgrade", "billing@head"]);
    assert_eq!(steps(&out), ["b001", "b002", "s002", "m001"]);
    assert_eq!(rows().await, ["m001"]);
    let out = ok(db, &["downgrade", "base"]);
    assert_eq!(
        steps(&out),
        ["m001", "s002", "s001", "b002", "b001", "a002", "a001"]
    );
    assert_eq!(rows().await, Vec::<String>::new());

    // Stamping writes rows and runs nothing.
    let out = ok(db, &["stamp", "s001", "audit@head"]);
    assert_eq!(out, "stamped: base -> s001, x002 (no migration ran)\n");
    assert_eq!(rows().await, ["s001", "x002"]);
    assert!(!test_db.tables().await.contains(&"accounts".to_owned()));
    let out = ok(db, &["stamp", "audit@base"]);
    assert_eq!(out, "stamped: s001, x002 -> s001 (no migration ran)\n");
    ok(db, &["stamp", "base"]);
    assert_eq!(rows().await, Vec::<String>::new());

    // A revision this build does not know: refused without --purge.
    ok(db, &["stamp", "heads"]);
    test_db
        .execute("INSERT INTO migrate_heads (revision) VALUES ('f00dcafe0001')")
        .await;
    insta::assert_snapshot!("stamp_over_unknown_refused", fails(db, &["stamp", "heads"]));
    assert_eq!(rows().await, ["f00dcafe0001", "m001", "x002"]);
    let out = ok(db, &["stamp", "heads", "--purge"]);
    assert_eq!(
        out,
        "stamped: f00dcafe0001, m001, x002 -> m001, x002 (no migration ran)\n"
    );
    assert_eq!(rows().await, ["m001", "x002"]);
    let out = ok(db, &["history", "-r", "current:", "--indicate-current"]);
    assert!(out.contains("m001 (head) (mergepoint) (current)"), "{out}");

    dependencies_stay(&test_db).await;
}

/// `depends_on` on the way down, as in Alembic: going down to a revision
/// never reverts what only depends on it, and reverting a revision that
/// stood for its dependency in the heads table keeps the dependency.
async fn dependencies_stay(test_db: &TestDb) {
    let kind = test_db.kind;
    let db = Some(test_db);
    // The walk above ends with stamped rows and no tables.
    ok(db, &["stamp", "base"]);
    assert_eq!(test_db.heads().await, Vec::<String>::new());
    // s002 depends on b001: both come, b002 does not.
    let out = ok(db, &["upgrade", "s002"]);
    assert_eq!(steps(&out), ["a001", "a002", "b001", "s001", "s002"]);
    assert_eq!(test_db.heads().await, ["b001", "s002"], "{kind:?}");
    // b001 stays, so s002 (which needs only b001) stays: nothing to do.
    let out = ok(db, &["downgrade", "b001"]);
    assert_eq!(steps(&out), Vec::<String>::new(), "{kind:?}: {out}");
    assert_eq!(test_db.heads().await, ["b001", "s002"], "{kind:?}");

    // The heads table Alembic writes (and `stamp s002` writes): the
    // dependency folded into its dependent's row.
    let out = ok(db, &["stamp", "s002"]);
    assert_eq!(out, "stamped: b001, s002 -> s002 (no migration ran)\n");
    assert_eq!(test_db.heads().await, ["s002"], "{kind:?}");
    // Reverting s002 keeps b001, which stays applied: its row comes back.
    let out = ok(db, &["downgrade", "s001"]);
    assert_eq!(steps(&out), ["s002"], "{kind:?}");
    assert_eq!(test_db.heads().await, ["b001", "s001"], "{kind:?}");
    // (`status` exits 1: the graph has two heads.)
    let status = String::from_utf8(cli(db, &["status"]).stdout).unwrap();
    assert!(status.contains("applied:  4 of 9"), "{kind:?}: {status}");
    let tables = test_db.tables().await;
    assert!(tables.contains(&"invoices".to_owned()), "{tables:?}");
    // So `upgrade heads` applies what is missing, and nothing twice.
    let out = ok(db, &["upgrade", "heads"]);
    assert_eq!(
        steps(&out),
        ["b002", "s002", "m001", "x001", "x002"],
        "{kind:?}"
    );
    assert_eq!(test_db.heads().await, ["m001", "x002"], "{kind:?}");
}

#[tokio::test]
async fn branches_on_sqlite() {
    walk(TestDb::sqlite()).await;
}

#[tokio::test]
async fn branches_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        walk(db).await;
    }
}

#[tokio::test]
async fn branches_on_mariadb() {
    if let Some(db) = TestDb::mysql().await {
        walk(db).await;
    }
}

/// The attribute line of each migration file in `dir`, sorted.
fn attributes(dir: &std::path::Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.starts_with("#[migration("))
                .map(|l| {
                    // Ids are random: keep what follows them.
                    let at = l.find("revises").unwrap_or(0);
                    l[at..].to_owned()
                })
        })
        .collect();
    found.sort();
    found
}

/// `--rev-id` keeps a ported history's id; one that is not an id, or is
/// taken by a revision or a label, is refused before anything is written.
#[test]
fn revision_keeps_a_given_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let args = |id| {
        [
            "revision", "-m", "port", "--head", "base", "--rev-id", id, "--dir", d,
        ]
    };
    ok(None, &args("1975ea83b712"));
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("-1975ea83b712_port.rs"), "{files:?}");
    let text = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
    assert!(
        text.contains(r#"#[migration(id = "1975ea83b712", revises = "base""#),
        "{text}"
    );
    for (id, expected) in [
        ("AB12", "cannot be a revision id: it has 'A' at position 1"),
        ("head", "cannot be a revision id: `head` is a reserved word"),
        ("a001", "--rev-id a001 is already the id of"),
        ("billing", "--rev-id billing is a branch label of"),
    ] {
        let error = fails(None, &args(id));
        assert!(error.contains(expected), "{id}: {error}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A merge point keeps its id too.
    let merge = [
        "merge",
        "heads",
        "-m",
        "merge",
        "--rev-id",
        "0e9f2c1a77b4",
        "--dir",
        d,
    ];
    ok(None, &merge);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    let mut merge = merge;
    merge[5] = "a002";
    let error = fails(None, &merge);
    assert!(
        error.contains("merge: --rev-id a002 is already the id of"),
        "{error}"
    );
}

#[test]
fn merge_and_revision_write_labels_dependencies_and_parents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(
        None,
        &["merge", "heads", "-m", "merge everything", "--dir", d],
    );
    ok(
        None,
        &[
            "revision",
            "-m",
            "retention",
            "--head",
            "audit@head",
            "--dir",
            d,
        ],
    );
    ok(
        None,
        &[
            "revision",
            "-m",
            "reports",
            "--head",
            "base",
            "--branch-label",
            "reports",
            "--dir",
            d,
        ],
    );
    ok(
        None,
        &[
            "revision",
            "-m",
            "hotfix",
            "--head",
            "a002",
            "--splice",
            "--depends-on",
            "billing",
            "--dir",
            d,
        ],
    );
    assert_eq!(
        attributes(dir.path()),
        [
            r#"revises = "a002", message = "hotfix", depends_on = "billing")]"#,
            r#"revises = "base", message = "reports", branch_labels = "reports")]"#,
            r#"revises = "x002", message = "retention")]"#,
            r#"revises = ["m001", "x002"], message = "merge everything")]"#,
        ]
    );

    let refusals: [(&[&str], &str); 4] = [
        (
            &["revision", "-m", "x", "--dir", d],
            "merge them with `merge heads`",
        ),
        (
            &["revision", "-m", "x", "--head", "a002", "--dir", d],
            "add --splice to branch off a002 anyway",
        ),
        (
            &["merge", "s001", "s002", "-m", "x", "--dir", d],
            "s001 is already below another of the revisions given",
        ),
        (
            &[
                "revision",
                "-m",
                "x",
                "--head",
                "base",
                "--depends-on",
                "biling",
                "--dir",
                d,
            ],
            "did you mean `billing`",
        ),
    ];
    for (args, expected) in refusals {
        let error = fails(None, args);
        assert!(error.contains(expected), "{args:?}: {error}");
    }
    // A message that would put code after the file's `//!` line, or a
    // live line in an offline script, is a usage error.
    for args in [
        &[
            "revision",
            "-m",
            "add note\nDROP TABLE important;",
            "--head",
            "base",
            "--dir",
            d,
        ][..],
        &["merge", "heads", "-m", "merge\r\nuse evil;", "--dir", d][..],
        &[
            "revision",
            "-m",
            "x",
            "-x",
            "k=a\u{1b}[2J",
            "--head",
            "base",
            "--dir",
            d,
        ][..],
    ] {
        let out = cli(None, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(
            error.contains("holds a control character")
                && error.contains("write one line of plain text"),
            "{args:?}: {error}"
        );
        assert!(!error.contains('\u{1b}'), "{error:?}");
    }
    assert_eq!(
        attributes(dir.path()).len(),
        4,
        "a refused command wrote a file"
    );
}

#[test]
fn heads_of_labelled_branches_pass_check() {
    let out = Command::new(env!("CARGO_BIN_EXE_branches-migrate"))
        .arg("check")
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
}
