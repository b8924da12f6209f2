//! The replay, without a database: what each operation does to the model.

use super::table::model_column;
use super::*;
use crate::ops::{Column, Constraint, ForeignKey, Index, Migration, RawSql, Table};

fn replayed(backend: Backend, build: impl FnOnce(&mut Migration)) -> Replay {
    let mut plan = Migration::new().for_backend(backend);
    build(&mut plan);
    let mut replay = Replay::new(Schema::new(backend));
    replay.plan(&plan).unwrap();
    replay
}

fn users_and_posts(m: &mut Migration) {
    m.create_table(
        Table::new("users")
            .column(Column::new("id").integer().auto_increment())
            .column(Column::new("email").string(100).unique()),
    );
    m.create_table(
        Table::new("posts")
            .column(Column::new("id").integer().primary_key())
            .column(Column::new("user_id").integer())
            .foreign_key(ForeignKey::new(None, ["user_id"], "users", ["id"])),
    );
}

#[test]
fn a_rename_moves_every_reference() {
    let replay = replayed(Backend::Postgres, |m| {
        users_and_posts(m);
        m.rename_table("users", "people");
        m.rename_column("people", "id", "person_id");
    });
    let schema = replay.schema();
    let people = schema.table("people").unwrap();
    assert_eq!(people.primary_key.as_ref().unwrap().columns, ["person_id"]);
    // PostgreSQL keeps the names it generated for the old table.
    assert_eq!(
        people.primary_key.as_ref().unwrap().name.as_deref(),
        Some("users_pkey")
    );
    let fk = &schema.table("posts").unwrap().foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
        ("people", &["person_id".to_owned()][..])
    );
    assert!(schema.table("users").is_none());
}

#[test]
fn mysql_keeps_unique_keys_and_key_indexes_as_indexes() {
    let schema = replayed(Backend::MySql, users_and_posts).schema();
    let users = schema.table("users").unwrap();
    assert!(users.uniques.is_empty());
    assert_eq!(users.indexes[0].name, "email");
    assert!(users.indexes[0].unique);
    // The unnamed foreign key's index is named after its column.
    let posts = schema.table("posts").unwrap();
    assert_eq!(posts.indexes[0].name, "user_id");
    assert_eq!(posts.primary_key.as_ref().unwrap().name, None);
}

#[test]
fn mysql_drops_the_index_it_made_for_a_key_when_another_serves_it() {
    let replay = replayed(Backend::MySql, |m| {
        users_and_posts(m);
        m.create_table(
            Table::new("notes")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("user_id").integer())
                .foreign_key(ForeignKey::new(
                    "fk_notes_user",
                    ["user_id"],
                    "users",
                    ["id"],
                )),
        );
        // Each serves a key: the server drops the index it made for the
        // unnamed one; the named one's index is the renderer's, and stays.
        m.create_index(Index::new("ix_notes_user").on("notes", ["user_id", "id"]));
        m.create_index(Index::new("ix_posts_user").on("posts", ["user_id"]));
    });
    let schema = replay.schema();
    let names = |table: &str| -> Vec<String> {
        let mut names: Vec<String> = schema
            .table(table)
            .unwrap()
            .indexes
            .iter()
            .map(|i| i.name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("notes"), ["fk_notes_user", "ix_notes_user"]);
    assert_eq!(names("posts"), ["ix_posts_user"]);
}

#[test]
fn a_drop_by_definition_finds_what_the_create_named() {
    let schema = replayed(Backend::Sqlite, |m| {
        users_and_posts(m);
        m.create_index(Index::new(None).on("posts", ["user_id"]));
        m.add_constraint("posts", Constraint::check(None, "id > 0"));
        m.drop_constraint("posts", Constraint::check(None, "id > 0"));
        m.drop_constraint("posts", ForeignKey::new(None, ["user_id"], "users", ["id"]));
        m.drop_index("posts", Index::new(None).on("posts", ["user_id"]));
    })
    .schema();
    let posts = schema.table("posts").unwrap();
    assert!(posts.checks.is_empty() && posts.foreign_keys.is_empty() && posts.indexes.is_empty());
}

#[test]
fn an_operation_the_schema_cannot_take_is_an_error() {
    let mut replay = Replay::new(Schema::new(Backend::Postgres));
    let mut plan = Migration::new().for_backend(Backend::Postgres);
    plan.add_column("nowhere", Column::new("x").integer());
    let error = replay.plan(&plan).unwrap_err();
    assert_eq!(
        error.to_string(),
        "add_column nowhere.x: no table `nowhere`"
    );
    let mut plan = Migration::new().for_backend(Backend::Postgres);
    users_and_posts(&mut plan);
    plan.create_table(Table::new("users").column(Column::new("id").integer()));
    let error = Replay::new(Schema::new(Backend::Postgres))
        .plan(&plan)
        .unwrap_err();
    assert!(
        error.to_string().ends_with("table `users` exists"),
        "{error}"
    );
    // A constraint name the table has, on every backend.
    for backend in Backend::ALL {
        let mut plan = Migration::new().for_backend(backend);
        users_and_posts(&mut plan);
        plan.add_constraint("posts", Constraint::check("ck_posts_id", "id > 0"));
        plan.add_constraint("posts", Constraint::unique("ck_posts_id", ["user_id"]));
        let error = Replay::new(Schema::new(backend)).plan(&plan).unwrap_err();
        assert_eq!(
            error.to_string(),
            "add_constraint ck_posts_id on posts: a constraint `ck_posts_id` exists on `posts`",
            "{backend}"
        );
    }
}

#[test]
fn raw_sql_with_a_plain_effect_is_replayed() {
    let replay = replayed(Backend::Postgres, |m| {
        users_and_posts(m);
        m.execute(
            "UPDATE users SET email = lower(email); \
             CREATE VIEW public.Active AS SELECT * FROM users u JOIN posts p ON p.user_id = u.id; \
             CREATE UNIQUE INDEX ix_posts_user ON posts (user_id, \"id\"); \
             CREATE TYPE mood AS ENUM ('happy', 'sad'); \
             DELETE FROM posts",
        );
        m.execute("DROP INDEX IF EXISTS nothing_here");
    });
    assert!(replay.uncertain().is_empty(), "{}", replay.uncertain());
    let schema = replay.schema();
    // Unquoted names are folded as PostgreSQL folds them.
    assert!(
        schema.views["active"]
            .definition
            .starts_with("select * from users u join posts p")
    );
    let index = schema
        .table("posts")
        .unwrap()
        .index("ix_posts_user")
        .unwrap();
    assert!(index.unique);
    assert_eq!(index.to_string(), "unique on (user_id, id)");
    assert_eq!(schema.enums["mood"].values, ["happy", "sad"]);
    let replay = replayed(Backend::MySql, |m| {
        users_and_posts(m);
        m.execute("CREATE INDEX ix_posts_id ON posts (id)");
        m.execute("DROP INDEX ix_posts_id ON posts");
        m.execute("DROP TABLE posts");
    });
    assert!(replay.uncertain().is_empty(), "{}", replay.uncertain());
    assert_eq!(replay.schema().tables.keys().collect::<Vec<_>>(), ["users"]);
}

#[test]
fn raw_sql_it_cannot_follow_makes_what_it_names_uncertain() {
    let replay = replayed(Backend::Postgres, |m| {
        users_and_posts(m);
        // Parsed, but not followed: a generated column has no typed
        // operation.
        m.execute("ALTER TABLE posts ADD COLUMN body text GENERATED ALWAYS AS ('x') STORED");
        // Not parsed: read for the names it uses.
        m.execute("CREATE VIEW active AS SELECT * FROM \"Users\" u JOIN posts p ON p.user_id = u.id WITH NO CHECK OPTION TWICE");
    });
    let uncertain = replay.uncertain();
    assert!(!uncertain.everything);
    assert_eq!(
        uncertain
            .tables
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        // More than it touches (`ON p.user_id` is read as a name; a
        // quoted name matches the table whatever its case): uncertain
        // errs on the side of less.
        ["Users", "active", "posts", "user_id", "users"]
    );
    let replay = replayed(Backend::Postgres, |m| {
        m.execute("DO $$ BEGIN PERFORM 1; END $$");
    });
    assert!(replay.uncertain().everything);
}

#[test]
fn raw_create_and_alter_table_become_typed_operations() {
    let replay = replayed(Backend::Postgres, |m| {
        m.execute(
            "CREATE TABLE public.\"Accounts\" (id serial PRIMARY KEY, Email varchar(100) NOT NULL UNIQUE, \
             status text DEFAULT 'new' CHECK (status <> ''), parent integer REFERENCES \"Accounts\" (id) ON DELETE SET NULL)",
        );
        m.execute("ALTER TABLE \"Accounts\" ADD COLUMN Note text, DROP COLUMN status");
        // IF EXISTS on a table that does not exist: nothing happens.
        m.execute("ALTER TABLE IF EXISTS ghosts ADD COLUMN x int");
    });
    assert!(replay.uncertain().is_empty(), "{}", replay.uncertain());
    let schema = replay.schema();
    let accounts = schema.table("Accounts").unwrap();
    let columns: Vec<(&str, &SqlType, bool, bool)> = accounts
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.ty, c.nullable, c.identity))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", &SqlType::Integer, false, true),
            ("email", &SqlType::VarChar(Some(100)), false, false),
            ("parent", &SqlType::Integer, true, false),
            ("note", &SqlType::Text, true, false),
        ]
    );
    // The check went with its column; the key and reference are the
    // server's, unnamed.
    assert!(accounts.checks.is_empty());
    assert_eq!(accounts.uniques[0].name, None);
    assert_eq!(
        accounts.foreign_keys[0].on_delete,
        super::super::model::FkAction::SetNull
    );
    assert!(schema.table("ghosts").is_none());
}

#[test]
fn a_declared_effect_is_replayed_in_place_of_the_sql() {
    let dynamic = "DO $$ BEGIN EXECUTE 'ALTER TABLE posts ADD COLUMN ' || 'body text'; END $$";
    let replay = replayed(Backend::Postgres, |m| {
        users_and_posts(m);
        m.execute(RawSql::new(dynamic).effect(|m| {
            m.add_column("posts", Column::new("body").text().nullable());
            m.create_index(Index::new(None).on("posts", ["body"]));
        }));
        // An empty effect: the SQL changes no schema.
        m.execute(RawSql::new("DO $$ BEGIN PERFORM 1; END $$").effect(|_| {}));
    });
    assert!(replay.uncertain().is_empty(), "{}", replay.uncertain());
    let schema = replay.schema();
    let posts = schema.table("posts").unwrap();
    assert!(posts.column("body").is_some());
    // Named by the plan's convention, as a typed operation is.
    assert_eq!(posts.indexes[0].name, "ix_posts_body");

    // Only where the SQL runs.
    let replay = replayed(Backend::Sqlite, |m| {
        users_and_posts(m);
        m.execute(RawSql::for_backend(Backend::Postgres, dynamic).effect(|m| {
            m.add_column("posts", Column::new("body").text().nullable());
        }));
    });
    assert!(
        replay
            .schema()
            .table("posts")
            .unwrap()
            .column("body")
            .is_none()
    );

    // A declaration the schema cannot take names itself.
    let mut plan = Migration::new().for_backend(Backend::Postgres);
    plan.execute(RawSql::new(dynamic).effect(|m| {
        m.add_column("post", Column::new("body").text());
    }));
    let error = Replay::new(Schema::new(Backend::Postgres))
        .plan(&plan)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "execute: its declared effect `add_column post.body`: no table `post`"
    );
}

#[test]
fn the_automatic_downgrade_undoes_a_declared_effect() {
    let mut up = Migration::new().for_backend(Backend::Postgres);
    users_and_posts(&mut up);
    up.execute(
        RawSql::new("DO $$ BEGIN EXECUTE 'ALTER TABLE posts ADD COLUMN body text'; END $$")
            .reverse("ALTER TABLE posts DROP COLUMN body")
            .effect(|m| {
                m.add_column("posts", Column::new("body").text().nullable());
            }),
    );
    let mut replay = Replay::new(Schema::new(Backend::Postgres));
    replay.plan(&up).unwrap();
    let mut down = Migration::new().for_backend(Backend::Postgres);
    for op in up.operations().last().map(std::slice::from_ref).unwrap() {
        down.push(op.clone());
    }
    let down = down.reversed().unwrap();
    let Operation::Execute(raw) = &down.operations()[0] else {
        panic!("{down:?}");
    };
    assert_eq!(
        raw.declared_effect().unwrap()[0].describe(),
        "drop_column posts.body"
    );
    replay.plan(&down).unwrap();
    assert!(replay.uncertain().is_empty());
    assert!(
        replay
            .schema()
            .table("posts")
            .unwrap()
            .column("body")
            .is_none()
    );
}

#[cfg(feature = "schema")]
#[test]
fn what_raw_sql_touched_is_taken_from_the_database() {
    let mut replay = replayed(Backend::Sqlite, |m| {
        users_and_posts(m);
        m.execute("ALTER TABLE posts ADD COLUMN body text GENERATED ALWAYS AS ('x') STORED");
    });
    let mut live = replay.schema();
    live.tables
        .get_mut("posts")
        .unwrap()
        .columns
        .push(model_column(
            Backend::Sqlite,
            &Column::new("body").text().nullable(),
        ));
    assert!(replay.diff(&live).is_empty(), "posts is uncertain");
    replay.resync(&live);
    assert!(replay.uncertain().tables.is_empty());
    assert_eq!(replay.schema(), live);
}

/// The problems `checked_operation` finds in `build`'s last operation.
fn problems(backend: Backend, build: impl FnOnce(&mut Migration)) -> Vec<String> {
    let mut plan = Migration::new().for_backend(backend);
    build(&mut plan);
    let mut replay = Replay::new(Schema::new(backend));
    let (last, before) = plan.operations().split_last().unwrap();
    for op in before {
        assert_eq!(
            replay.checked_operation(op).unwrap(),
            [],
            "{}",
            op.describe()
        );
    }
    replay
        .checked_operation(last)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_foreign_key_must_reference_a_unique_existing_column_of_its_type() {
    let keyed = |fk: ForeignKey| {
        move |m: &mut Migration| {
            users_and_posts(m);
            m.add_column("posts", Column::new("editor").string(100).nullable());
            m.add_constraint("posts", fk.into());
        }
    };
    assert_eq!(
        problems(
            Backend::Postgres,
            keyed(ForeignKey::new("fk_a", ["user_id"], "people", ["id"]))
        ),
        [
            "add_constraint fk_a on posts: foreign key `fk_a` references table `people`, which does not exist at this point; create it in an earlier migration, or earlier in this one"
        ]
    );
    assert_eq!(
        problems(
            Backend::Postgres,
            keyed(ForeignKey::new("fk_b", ["user_id"], "users", ["uid"]))
        ),
        [
            "add_constraint fk_b on posts: foreign key `fk_b` references column `users.uid`, which does not exist; reference an existing column, or add it first"
        ]
    );
    assert_eq!(
        problems(
            Backend::Sqlite,
            keyed(ForeignKey::new("fk_c", ["editor"], "users", ["id"]))
        ),
        [
            "add_constraint fk_c on posts: foreign key `fk_c`: `posts.editor` is varchar(100) but `users.id` is integer; give both columns the same type"
        ]
    );
    // Unique, but as a part of nothing that covers it exactly.
    let text = problems(
        Backend::MySql,
        keyed(ForeignKey::new("fk_d", ["user_id"], "posts", ["user_id"])),
    );
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(text[0].contains("references `posts` (user_id), which no primary key, unique constraint or unique index covers exactly"), "{text:?}");
    // The email is unique: a key to it is fine, on every backend.
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let found = problems(
            backend,
            keyed(ForeignKey::new("fk_e", ["editor"], "users", ["email"])),
        );
        assert_eq!(found, Vec::<String>::new(), "{backend}");
    }
}

#[test]
fn mysql_wants_integer_keys_of_one_size() {
    let text = problems(Backend::MySql, |m| {
        users_and_posts(m);
        m.add_column("posts", Column::new("reviewer").big_integer().nullable());
        m.add_constraint(
            "posts",
            ForeignKey::new("fk_r", ["reviewer"], "users", ["id"]).into(),
        );
    });
    assert_eq!(
        text,
        [
            "add_constraint fk_r on posts: foreign key `fk_r`: `posts.reviewer` is bigint but `users.id` is integer (MySQL wants integers of the same size); give both columns the same type"
        ]
    );
}

#[test]
fn dropping_what_an_index_a_view_or_a_key_still_uses_is_a_problem() {
    let text = problems(Backend::Postgres, |m| {
        users_and_posts(m);
        m.add_column("posts", Column::new("title").text());
        m.create_index(Index::new("ix_posts_user_title").on("posts", ["user_id", "title"]));
        m.create_index(Index::new("ix_posts_title").on("posts", ["title"]));
        m.execute("CREATE VIEW titles AS SELECT title FROM posts");
        m.drop_column("posts", "title");
    });
    assert_eq!(text.len(), 2, "{text:#?}");
    assert!(text[0].starts_with("drop_column posts.title: index `ix_posts_user_title` (on (user_id, title)) uses `posts.title` with more: PostgreSQL drops the whole index"), "{text:#?}");
    assert!(
        text[1].contains("view `titles` uses `posts.title`; drop the view first"),
        "{text:#?}"
    );
    let text = problems(Backend::MySql, |m| {
        users_and_posts(m);
        m.drop_table("users");
    });
    assert_eq!(
        text,
        [
            "drop_table users: the foreign key of `posts` references `users`; drop it (or `posts`) first"
        ]
    );
}
