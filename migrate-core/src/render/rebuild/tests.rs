//! The rebuild, derived and run on a real in-memory SQLite database the way
//! the runtime runs it.

use sqlx::{Connection, Executor, Row, SqliteConnection};

use super::{Rebuild, RebuildError, SchemaObject, TableChange};

const SCHEMA: &str = r#"
CREATE TABLE "users" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" varchar(255) NOT NULL COLLATE NOCASE,
    "age" integer NULL,
    "nick" text NULL DEFAULT 'anon',
    CONSTRAINT "uq_users_email" UNIQUE ("email")
);
CREATE TABLE "posts" (
    "id" integer NOT NULL PRIMARY KEY,
    "author_id" integer NOT NULL CONSTRAINT "fk_posts_author" REFERENCES "users" ("id") ON DELETE CASCADE,
    "title" text NOT NULL
);
CREATE INDEX "ix_users_age" ON "users" ("age") WHERE age IS NOT NULL;
CREATE INDEX "ix_users_lower_nick" ON "users" (lower(nick));
CREATE TABLE "audit" ("note" text NOT NULL);
CREATE TRIGGER "tr_users_insert" AFTER INSERT ON "users" BEGIN INSERT INTO audit VALUES ('new ' || NEW.email); END;
CREATE VIEW "adults" AS SELECT id, email FROM users WHERE age >= 18;
INSERT INTO users (email, age, nick) VALUES ('a@x', 30, 'ann'), ('b@x', NULL, NULL), ('c@x', 12, 'cy');
INSERT INTO posts (id, author_id, title) VALUES (1, 1, 'hello');
"#;

async fn database() -> SqliteConnection {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    conn.execute(SCHEMA).await.unwrap();
    conn
}

/// Runs `changes` to `users` as the runtime does: foreign keys off outside
/// the transaction, the statements, `foreign_key_check`, commit.
async fn rebuild(conn: &mut SqliteConnection, changes: Vec<TableChange>) -> Result<(), String> {
    let rebuild = Rebuild {
        table: "users".to_owned(),
        changes,
    };
    conn.execute("PRAGMA foreign_keys = OFF").await.unwrap();
    conn.execute("BEGIN").await.unwrap();
    let rows = sqlx::query(Rebuild::SCHEMA_QUERY)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let schema: Vec<SchemaObject> = rows
        .iter()
        .map(|r| SchemaObject {
            kind: r.get(0),
            name: r.get(1),
            table: r.get(2),
            sql: r.get(3),
        })
        .collect();
    let result = async {
        for sql in rebuild.statements(&schema).map_err(|e| e.to_string())? {
            conn.execute(sql.as_str())
                .await
                .map_err(|e| format!("{sql}: {e}"))?;
        }
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        if broken.is_empty() {
            Ok(())
        } else {
            Err(format!("{} foreign key violations", broken.len()))
        }
    }
    .await;
    conn.execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .await
        .unwrap();
    conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
    result
}

async fn strings(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    sqlx::query(sql)
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.try_get_unchecked::<Option<String>, _>(0)
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

async fn objects(conn: &mut SqliteConnection) -> Vec<String> {
    strings(
        conn,
        "SELECT type || ' ' || name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .await
}

#[tokio::test]
async fn a_type_nullability_and_default_change_keeps_rows_indexes_triggers_and_views() {
    let mut conn = database().await;
    let before = objects(&mut conn).await;
    rebuild(
        &mut conn,
        vec![
            TableChange::AlterColumn {
                column: "age".into(),
                ty: Some("bigint".into()),
                nullable: None,
                default: Some(Some("0".into())),
            },
            TableChange::AlterColumn {
                column: "nick".into(),
                ty: None,
                nullable: Some(false),
                default: Some(None),
            },
        ],
    )
    .await
    .unwrap_err(); // b@x has a NULL nick: NOT NULL must fail, not hide it
    assert_eq!(
        objects(&mut conn).await,
        before,
        "a failed rebuild changes nothing"
    );

    conn.execute("UPDATE users SET nick = 'bee' WHERE nick IS NULL")
        .await
        .unwrap();
    rebuild(
        &mut conn,
        vec![TableChange::AlterColumn {
            column: "nick".into(),
            ty: Some("varchar(40)".into()),
            nullable: Some(false),
            default: Some(None),
        }],
    )
    .await
    .unwrap();
    assert_eq!(
        objects(&mut conn).await,
        before,
        "same indexes, trigger and view"
    );
    assert_eq!(
        strings(
            &mut conn,
            "SELECT email || ':' || nick FROM users ORDER BY id"
        )
        .await,
        ["a@x:ann", "b@x:bee", "c@x:cy"]
    );
    let sql = strings(
        &mut conn,
        "SELECT sql FROM sqlite_schema WHERE name = 'users'",
    )
    .await;
    assert!(
        sql[0].contains("AUTOINCREMENT") && sql[0].contains("COLLATE NOCASE"),
        "{sql:?}"
    );
    assert!(!sql[0].contains("DEFAULT 'anon'"), "{sql:?}");
    // AUTOINCREMENT continues after the highest id; the trigger still fires;
    // the view still reads the table.
    conn.execute("INSERT INTO users (email, age, nick) VALUES ('d@x', 40, 'dee')")
        .await
        .unwrap();
    assert_eq!(strings(&mut conn, "SELECT max(id) FROM users").await, ["4"]);
    assert_eq!(
        strings(&mut conn, "SELECT count(*) FROM audit").await,
        ["4"] // three rows of the fixture, one now
    );
    assert_eq!(
        strings(&mut conn, "SELECT email FROM adults ORDER BY id").await,
        ["a@x", "d@x"]
    );
    // The expression index is there and used.
    let plan: Vec<String> =
        sqlx::query("EXPLAIN QUERY PLAN SELECT id FROM users WHERE lower(nick) = 'dee'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("detail"))
            .collect();
    assert!(
        format!("{plan:?}").contains("ix_users_lower_nick"),
        "{plan:?}"
    );
}

#[tokio::test]
async fn dropping_an_indexed_column_drops_its_index_and_keeps_the_rest() {
    let mut conn = database().await;
    rebuild(
        &mut conn,
        vec![TableChange::DropColumn {
            column: "AGE".into(),
        }],
    )
    .await
    .unwrap_err(); // the view reads `age`: recreating it fails, clearly
    conn.execute("DROP VIEW adults").await.unwrap();
    rebuild(
        &mut conn,
        vec![TableChange::DropColumn {
            column: "age".into(),
        }],
    )
    .await
    .unwrap();
    let objects = objects(&mut conn).await;
    assert!(
        !objects.contains(&"index ix_users_age".to_owned()),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"index ix_users_lower_nick".to_owned()),
        "{objects:?}"
    );
    assert_eq!(
        strings(&mut conn, "SELECT email FROM users ORDER BY id").await,
        ["a@x", "b@x", "c@x"]
    );
    // The posts' foreign key still points at users and still cascades.
    conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
    conn.execute("DELETE FROM users WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(
        strings(&mut conn, "SELECT count(*) FROM posts").await,
        ["0"]
    );
}

#[tokio::test]
async fn constraints_are_added_and_dropped_by_name() {
    let mut conn = database().await;
    let check = TableChange::AddConstraint {
        name: "ck_users_age".into(),
        definition: r#"CONSTRAINT "ck_users_age" CHECK (age >= 18)"#.into(),
    };
    // c@x is 12: the copy fails the check, and nothing changes.
    assert!(
        rebuild(&mut conn, vec![check.clone()])
            .await
            .unwrap_err()
            .contains("CHECK")
    );
    conn.execute("UPDATE users SET age = 18 WHERE age < 18")
        .await
        .unwrap();
    rebuild(
        &mut conn,
        vec![
            check,
            TableChange::DropConstraint {
                name: "uq_users_email".into(),
                if_exists: false,
            },
        ],
    )
    .await
    .unwrap();
    conn.execute("INSERT INTO users (email, age) VALUES ('a@x', 20)")
        .await
        .unwrap();
    assert!(
        conn.execute("INSERT INTO users (email, age) VALUES ('z@x', 3)")
            .await
            .is_err()
    );
    rebuild(
        &mut conn,
        vec![TableChange::DropConstraint {
            name: "ck_users_age".into(),
            if_exists: false,
        }],
    )
    .await
    .unwrap();
    conn.execute("INSERT INTO users (email, age) VALUES ('z@x', 3)")
        .await
        .unwrap();
}

#[tokio::test]
async fn columns_are_added_replaced_and_renamed_with_their_data() {
    let mut conn = database().await;
    // A view that reads a renamed column fails the rebuild, clearly.
    let rename = TableChange::ReplaceColumn {
        column: "email".into(),
        definition: r#""mail" varchar(320) NOT NULL"#.into(),
    };
    let error = rebuild(&mut conn, vec![rename]).await.unwrap_err();
    assert!(error.contains("no such column: email"), "{error}");
    conn.execute("DROP VIEW adults").await.unwrap();
    rebuild(
        &mut conn,
        vec![
            TableChange::AddColumn {
                column: "level".into(),
                definition: r#""level" integer NOT NULL DEFAULT 1 CHECK (level > 0)"#.into(),
            },
            TableChange::ReplaceColumn {
                column: "email".into(),
                definition: r#""mail" varchar(320) NOT NULL"#.into(),
            },
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        strings(
            &mut conn,
            "SELECT mail || ':' || level FROM users ORDER BY id"
        )
        .await,
        ["a@x:1", "b@x:1", "c@x:1"]
    );
    // The unique constraint followed the rename.
    assert!(
        conn.execute("INSERT INTO users (mail) VALUES ('a@x')")
            .await
            .is_err()
    );
}

#[test]
fn bad_changes_are_clear_errors() {
    let schema = [SchemaObject {
        kind: "table".into(),
        name: "t".into(),
        table: "t".into(),
        sql: r#"CREATE TABLE "t" ("a" integer, CONSTRAINT "ck" CHECK (a > 0))"#.into(),
    }];
    let run = |changes| {
        Rebuild {
            table: "t".into(),
            changes,
        }
        .statements(&schema)
        .unwrap_err()
    };
    let missing_ok = |changes| {
        Rebuild {
            table: "t".into(),
            changes,
        }
        .statements(&schema)
        .is_ok()
    };
    let missing = Rebuild {
        table: "nope".into(),
        changes: Vec::new(),
    };
    assert!(matches!(
        missing.statements(&schema),
        Err(RebuildError::NoTable { .. })
    ));
    let error = run(vec![TableChange::DropColumn { column: "b".into() }]).to_string();
    assert_eq!(error, "rebuild table `t`: no column `b`; the table has a");
    let drop_x = |if_exists| TableChange::DropConstraint {
        name: "x".into(),
        if_exists,
    };
    let error = run(vec![drop_x(false)]).to_string();
    assert_eq!(
        error,
        "rebuild table `t`: no constraint `x`; its named constraints are ck"
    );
    assert!(missing_ok(vec![drop_x(true)]));
    let error = run(vec![TableChange::AddColumn {
        column: "A".into(),
        definition: r#""A" text"#.into(),
    }])
    .to_string();
    assert!(error.contains("`A` already exists"), "{error}");
    let error = run(vec![TableChange::AddColumn {
        column: "b".into(),
        definition: "\"b\" integer NOT NULL DEFAULT (".into(),
    }])
    .to_string();
    assert!(
        error.contains("cannot parse the column definition"),
        "{error}"
    );
}

#[test]
fn strict_and_without_rowid_tables_keep_their_options() {
    for sql in [
        r#"CREATE TABLE "k" ("a" integer NOT NULL PRIMARY KEY, "b" text) WITHOUT ROWID"#,
        r#"CREATE TABLE "k" ("a" integer NOT NULL PRIMARY KEY, "b" text) STRICT"#,
    ] {
        let schema = [SchemaObject {
            kind: "table".into(),
            name: "k".into(),
            table: "k".into(),
            sql: sql.into(),
        }];
        let statements = Rebuild {
            table: "k".into(),
            changes: vec![TableChange::DropColumn { column: "b".into() }],
        }
        .statements(&schema)
        .unwrap();
        let option = sql.rsplit(") ").next().unwrap();
        assert!(statements[0].ends_with(option), "{statements:?}");
    }
}
