//! Unnamed constraints and indexes under the default naming: each backend's
//! own names (PostgreSQL's `books_pkey`, `books_isbn_key`,
//! `books_pages_check`, `books_author_id_fkey`; MySQL's `PRIMARY`, a unique
//! key named after its column, numbered foreign keys and checks), indexes
//! `ix_<table>_<column>` as SQLAlchemy names them, drops by definition, and
//! an auto-increment column with a named primary key. The crate-wide
//! convention is tested in `tests/tests/conventions.rs`, a binary of its own.

use migrate_core::Backend;
use migrate_core::ops::{Column, Constraint, ForeignKey, Index, Migration, Table};

use crate::harness::{Ctx, Kind, render_error};

every_backend!(backend_names, named_auto_increment_key);

fn create_books(m: &mut Migration) {
    m.create_table(Table::new("authors").column(Column::new("name").string(40).nullable()));
    m.create_table(
        Table::new("books")
            .column(Column::new("id").integer())
            .column(Column::new("author_id").string(40).nullable())
            .column(Column::new("isbn").string(20))
            .column(Column::new("pages").integer())
            .constraint(Constraint::primary_key(None, ["id"]))
            .unique(None, ["isbn"])
            .check(None, "pages > 0"),
    );
    m.create_primary_key("authors", None, ["name"]);
    m.create_foreign_key(
        "books",
        ForeignKey::new(None, ["author_id"], "authors", ["name"]),
    );
    m.create_index(Index::new(None).on("books", ["pages", "id"]));
}

/// Dropped by their definitions, which give the same names. MySQL numbers
/// unnamed foreign keys and checks itself, so a plan cannot name them.
fn drop_unnamed(m: &mut Migration) {
    m.drop_constraint("books", Constraint::unique(None, ["isbn"]));
    m.drop_index("books", Index::new(None).on("books", ["pages", "id"]));
    m.only([Backend::Postgres, Backend::Sqlite], |m| {
        m.drop_constraint("books", Constraint::check(None, "pages > 0"));
        m.drop_constraint(
            "books",
            ForeignKey::new(None, ["author_id"], "authors", ["name"]),
        );
    });
}

fn drop_mysql_foreign_key(m: &mut Migration) {
    m.drop_constraint(
        "books",
        ForeignKey::new(None, ["author_id"], "authors", ["name"]),
    );
}

migration!(BOOKS = "nm_0001" after [], up: create_books, down: None);
migration!(DROP = "nm_0002" after ["nm_0001"], up: drop_unnamed, down: None);
migration!(DROP_FK = "nm_0003" after ["nm_0001"], up: drop_mysql_foreign_key, down: None);

/// The names PostgreSQL gives `books`' unnamed constraints (SQLite too).
const BOOKS_NAMED: [&str; 4] = [
    "books_author_id_fkey",
    "books_isbn_key",
    "books_pages_check",
    "books_pkey",
];

fn owned(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    names
}

async fn backend_names(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&BOOKS]).await;
    let mut books = ctx.constraints("books").await;
    let authors = ctx.constraints("authors").await;
    match kind {
        Kind::Postgres | Kind::Sqlite => {
            assert_eq!(books, owned(&BOOKS_NAMED), "{kind:?}");
            assert_eq!(authors, owned(&["authors_pkey"]), "{kind:?}");
        }
        Kind::MySql => {
            // MariaDB names an unnamed table check `CONSTRAINT_1`, MySQL
            // `books_chk_1`.
            let check = books
                .iter()
                .position(|n| n == "CONSTRAINT_1" || n == "books_chk_1")
                .unwrap_or_else(|| panic!("the check in {books:?}"));
            books.remove(check);
            books.sort();
            assert_eq!(
                books,
                owned(&["PRIMARY", "books_ibfk_1", "isbn"]),
                "{kind:?}"
            );
            assert_eq!(authors, owned(&["PRIMARY"]), "{kind:?}");
        }
    }
    assert_eq!(ctx.primary_key("books").await, ["id"], "{kind:?}");
    assert!(
        ctx.index_names("books")
            .await
            .contains(&"ix_books_pages".to_owned()),
        "{kind:?}"
    );
    ctx.exec_ok("INSERT INTO authors (name) VALUES ('ann')")
        .await;
    ctx.exec_ok("INSERT INTO books (id, author_id, isbn, pages) VALUES (1, 'ann', 'x', 1)")
        .await;
    for refused in [
        "INSERT INTO books (id, isbn, pages) VALUES (2, 'x', 1)",
        "INSERT INTO books (id, isbn, pages) VALUES (3, 'y', 0)",
    ] {
        ctx.exec_err(refused).await;
    }

    // Drops by definition find the names, and their derived downgrades
    // add the constraints back under the same names.
    ctx.up_ok(&[&BOOKS, &DROP]).await;
    let after = ctx.constraints("books").await;
    match kind {
        Kind::Postgres | Kind::Sqlite => assert_eq!(after, owned(&["books_pkey"]), "{kind:?}"),
        Kind::MySql => {
            assert!(!after.contains(&"isbn".to_owned()), "{kind:?}: {after:?}");
            assert!(after.contains(&"books_ibfk_1".to_owned()), "{kind:?}");
        }
    }
    assert!(
        !ctx.index_names("books")
            .await
            .contains(&"ix_books_pages".to_owned()),
        "{kind:?}"
    );
    ctx.down_ok(&[&BOOKS, &DROP], "nm_0001").await;
    let restored = ctx.constraints("books").await;
    assert!(restored.contains(&"books_ibfk_1".to_owned()) || kind != Kind::MySql);
    if kind != Kind::MySql {
        assert_eq!(restored, owned(&BOOKS_NAMED), "{kind:?}");
    }
    assert!(
        ctx.index_names("books")
            .await
            .contains(&"ix_books_pages".to_owned()),
        "{kind:?}"
    );

    // MySQL: an unnamed foreign key cannot be dropped by its definition;
    // the error says why and what to do, and nothing ran.
    if kind == Kind::MySql {
        let error = render_error(ctx.up(&[&BOOKS, &DROP_FK]).await.unwrap_err()).to_string();
        assert!(error.contains("numbers an unnamed foreign key"), "{error}");
        assert!(error.contains("naming_convention!"), "{error}");
        assert!(
            ctx.constraints("books")
                .await
                .contains(&"books_ibfk_1".to_owned())
        );
    } else {
        ctx.up_ok(&[&BOOKS, &DROP_FK]).await;
        assert!(ctx.foreign_keys("books").await.is_empty(), "{kind:?}");
    }
}

fn create_experiments(m: &mut Migration) {
    // Alembic: sa.Column("experiment_id", sa.Integer, autoincrement=True),
    // sa.PrimaryKeyConstraint("experiment_id", name="experiment_pk").
    m.create_table(
        Table::new("experiments")
            .column(
                Column::new("experiment_id")
                    .integer()
                    .auto_increment()
                    .primary_key_named("experiment_pk"),
            )
            .column(Column::new("name").string(40)),
    );
}

migration!(EXPERIMENTS = "nm_0101" after [], up: create_experiments, down: None);

async fn named_auto_increment_key(mut ctx: Ctx) {
    let kind = ctx.kind();
    ctx.up_ok(&[&EXPERIMENTS]).await;
    let expected = match kind {
        // MySQL names every primary key PRIMARY.
        Kind::MySql => "PRIMARY",
        Kind::Postgres | Kind::Sqlite => "experiment_pk",
    };
    assert!(
        ctx.constraints("experiments")
            .await
            .contains(&expected.to_owned()),
        "{kind:?}"
    );
    assert_eq!(ctx.primary_key("experiments").await, ["experiment_id"]);
    ctx.exec_ok("INSERT INTO experiments (name) VALUES ('a')")
        .await;
    ctx.exec_ok("INSERT INTO experiments (name) VALUES ('b')")
        .await;
    assert_eq!(
        ctx.strings("SELECT experiment_id FROM experiments ORDER BY experiment_id")
            .await,
        ["1", "2"],
        "{kind:?}"
    );
    ctx.down_ok(&[&EXPERIMENTS], "base").await;
}
