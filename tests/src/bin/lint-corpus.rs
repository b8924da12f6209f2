//! A migrations binary whose chain is a corpus for the linter: a base
//! schema, then one migration per kind of change a rule is about, each
//! written the unsafe way or the safe way, typed or raw. `scripts/bench-squawk.sh`
//! lints it with `lint --format json` and runs squawk on the offline SQL of
//! each migration (`upgrade --sql prev:rev`), then compares the two
//! (BENCHMARKS.md). `lint-corpus.toml` makes every rule a warning, the
//! advice rules included, so that the offline SQL renders and squawk's
//! defaults (which include its advice) are matched.

use migrate_core::migration;

migrate_core::lint_config!("lint-corpus.toml");

#[migration(
    id = "c000",
    revises = "base",
    message = "base: users, posts, events, tags"
)]
pub mod c000 {
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {
        m.create_table(
            Table::new("users")
                .column(
                    Column::new("id")
                        .big_integer()
                        .primary_key()
                        .auto_increment(),
                )
                .column(Column::new("email").text())
                .column(Column::new("name").text().nullable())
                .column(Column::new("age").integer().nullable())
                .column(Column::new("legacy").text().nullable()),
        );
        m.create_table(
            Table::new("posts")
                .column(
                    Column::new("id")
                        .big_integer()
                        .primary_key()
                        .auto_increment(),
                )
                .column(Column::new("user_id").big_integer())
                .column(Column::new("title").text()),
        );
        m.create_index(Index::new("ix_posts_user_id").on("posts", ["user_id"]));
        m.create_table(
            Table::new("events")
                .column(Column::new("user_id").big_integer())
                .column(Column::new("kind").text()),
        );
        m.create_enum(Enum::new("mood", ["happy", "sad", "calm"]));
        m.create_table(
            Table::new("tags")
                .column(
                    Column::new("id")
                        .big_integer()
                        .primary_key()
                        .auto_increment(),
                )
                .column(Column::new("label").text())
                .column(
                    Column::new("mood")
                        .enumeration(Enum::new("mood", ["happy", "sad", "calm"]))
                        .nullable(),
                ),
        );
    }
}

/// Declares one corpus migration: `id`, its parent, its message and its
/// upgrade body (`m` is the plan).
macro_rules! corpus {
    ($($id:ident = $name:literal after $parent:literal, $message:literal => |$m:ident| $body:block)*) => {$(
        #[migration(id = $name, revises = $parent, message = $message)]
        pub mod $id {
            use migrate_core::prelude::*;

            pub fn upgrade($m: &mut Migration) $body
        }
    )*};
}

corpus! {
    c001 = "c001" after "c000", "index on a table with rows (typed: built concurrently)" => |m| {
        m.create_index(Index::new("ix_users_email").on("users", ["email"]));
    }
    c002 = "c002" after "c001", "index on a table with rows, blocking_ddl" => |m| {
        m.blocking_ddl();
        m.create_index(Index::new("ix_users_name").on("users", ["name"]));
    }
    c003 = "c003" after "c002", "raw CREATE INDEX on a table with rows" => |m| {
        m.execute("CREATE INDEX ix_users_age ON users (age)");
    }
    c004 = "c004" after "c003", "raw CREATE INDEX CONCURRENTLY in the transaction" => |m| {
        m.execute("CREATE INDEX CONCURRENTLY ix_posts_title ON posts (title)");
    }
    c005 = "c005" after "c004", "raw CREATE INDEX CONCURRENTLY outside the transaction" => |m| {
        m.execute(
            RawSql::new("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_events_kind ON events (kind)")
                .outside_transaction(),
        );
    }
    c006 = "c006" after "c005", "a new table and its index in one migration (raw)" => |m| {
        m.execute("CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz NOT NULL)");
        m.execute("CREATE INDEX ix_audit_at ON audit (at)");
    }
    c007 = "c007" after "c006", "drop index (typed: concurrently)" => |m| {
        m.drop_index("users", "ix_users_name");
    }
    c008 = "c008" after "c007", "raw DROP INDEX" => |m| {
        m.execute("DROP INDEX ix_users_age");
    }
    c009 = "c009" after "c008", "foreign key on a table with rows (typed: NOT VALID, VALIDATE)" => |m| {
        m.add_constraint(
            "posts",
            ForeignKey::new("fk_posts_user", ["user_id"], "users", ["id"]).into(),
        );
    }
    c010 = "c010" after "c009", "raw foreign key validated at once" => |m| {
        m.execute("ALTER TABLE events ADD CONSTRAINT fk_events_user FOREIGN KEY (user_id) REFERENCES users (id)");
    }
    c011 = "c011" after "c010", "check on a table with rows (typed: NOT VALID, VALIDATE)" => |m| {
        m.add_constraint("users", Constraint::check("ck_users_age", "age >= 0"));
    }
    c012 = "c012" after "c011", "raw check validated at once" => |m| {
        m.execute("ALTER TABLE posts ADD CONSTRAINT ck_posts_title CHECK (title <> '')");
    }
    c013 = "c013" after "c012", "SET NOT NULL (typed: through a validated check)" => |m| {
        m.alter_column(
            AlterColumn::new("users", "name")
                .set_not_null()
                .existing(Column::new("name").text().nullable()),
        );
    }
    c014 = "c014" after "c013", "raw SET NOT NULL" => |m| {
        m.execute("ALTER TABLE users ALTER COLUMN legacy SET NOT NULL");
    }
    c015 = "c015" after "c014", "a NOT NULL column without a default" => |m| {
        m.add_column("posts", Column::new("slug").text());
    }
    c016 = "c016" after "c015", "a column with a volatile default" => |m| {
        m.add_column("posts", Column::new("token").uuid().default_sql("gen_random_uuid()"));
    }
    c017 = "c017" after "c016", "a column with a constant default" => |m| {
        m.add_column("posts", Column::new("views").big_integer().default(0i64));
    }
    c018 = "c018" after "c017", "a type change that rewrites (int to bigint)" => |m| {
        m.alter_column(
            AlterColumn::new("users", "age")
                .set_type(ColumnType::BigInteger)
                .existing(Column::new("age").integer().nullable()),
        );
    }
    c019 = "c019" after "c018", "a binary-coercible type change (varchar to text)" => |m| {
        m.add_column("users", Column::new("nick").string(40).nullable());
        m.alter_column(
            AlterColumn::new("users", "nick")
                .set_type(ColumnType::Text)
                .existing(Column::new("nick").string(40).nullable()),
        );
    }
    c020 = "c020" after "c019", "a narrowing type change (text to varchar(10))" => |m| {
        m.alter_column(
            AlterColumn::new("posts", "title")
                .set_type(ColumnType::String(10))
                .existing(Column::new("title").text())
                .lossy_ok("a corpus case"),
        );
    }
    c021 = "c021" after "c020", "unique constraint on a table with rows" => |m| {
        m.add_constraint("users", Constraint::unique("uq_users_email", ["email"]));
    }
    c022 = "c022" after "c021", "primary key on a table with rows" => |m| {
        m.add_column("events", Column::new("id").big_integer().nullable());
        m.add_constraint("events", Constraint::primary_key("pk_events", ["id"]));
    }
    c023 = "c023" after "c022", "drop a column" => |m| {
        m.drop_column("users", "legacy");
    }
    c024 = "c024" after "c023", "rename a column" => |m| {
        m.rename_column("posts", "title", "headline");
    }
    c025 = "c025" after "c024", "rename a table" => |m| {
        m.rename_table("events", "activity");
    }
    c026 = "c026" after "c025", "drop NOT NULL" => |m| {
        m.alter_column(
            AlterColumn::new("users", "email")
                .set_nullable()
                .existing(Column::new("email").text()),
        );
    }
    c027 = "c027" after "c026", "drop a foreign key" => |m| {
        m.drop_constraint("posts", "fk_posts_user");
    }
    c028 = "c028" after "c027", "an enum value renamed (raw)" => |m| {
        m.execute("ALTER TYPE mood RENAME VALUE 'calm' TO 'serene'");
    }
    c029 = "c029" after "c028", "an integer primary key" => |m| {
        m.create_table(
            Table::new("counters")
                .column(Column::new("id").integer().primary_key())
                .column(Column::new("hits").big_integer()),
        );
    }
    c030 = "c030" after "c029", "varchar, timestamp and json columns" => |m| {
        m.create_table(
            Table::new("logs")
                .column(Column::new("id").big_integer().primary_key().auto_increment())
                .column(Column::new("source").string(50))
                .column(Column::new("at").timestamp())
                .column(Column::new("body").json()),
        );
    }
    c031 = "c031" after "c030", "raw serial key" => |m| {
        m.execute("CREATE TABLE sessions (id serial PRIMARY KEY, token text NOT NULL)");
    }
    c032 = "c032" after "c031", "raw VACUUM FULL" => |m| {
        m.execute(RawSql::new("VACUUM FULL users").outside_transaction());
    }
    c033 = "c033" after "c032", "raw TRUNCATE CASCADE" => |m| {
        m.execute("TRUNCATE sessions CASCADE");
    }
    c034 = "c034" after "c033", "raw UPDATE of a whole table" => |m| {
        m.execute("UPDATE posts SET views = 0");
    }
    c035 = "c035" after "c034", "raw SQL the parser cannot read" => |m| {
        m.execute("ALTER TABLE posts SET ACCESS METHOD heap2 PARTITION WHATEVER");
    }
    c036 = "c036" after "c035", "an identity column added to a table with rows" => |m| {
        m.add_column("activity", Column::new("seq").big_integer().auto_increment());
    }
    c037 = "c037" after "c036", "raw stored generated column on a table with rows" => |m| {
        m.execute("ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED");
    }
    c038 = "c038" after "c037", "DDL with the lock timeout turned off" => |m| {
        m.lock_timeout(None);
        m.add_column("users", Column::new("bio").text().nullable());
    }
    c039 = "c039" after "c038", "raw SET statement_timeout = 0, then DDL" => |m| {
        m.execute("SET statement_timeout = 0");
        m.execute("ALTER TABLE users ADD COLUMN motto text");
    }
    c040 = "c040" after "c039", "a foreign key no index leads" => |m| {
        m.create_table(
            Table::new("comments")
                .column(Column::new("id").big_integer().primary_key().auto_increment())
                .column(Column::new("post_id").big_integer())
                .foreign_key(ForeignKey::new("fk_comments_post", ["post_id"], "posts", ["id"])),
        );
    }
    c041 = "c041" after "c040", "raw CREATE TABLE outside the transaction, not retry-safe" => |m| {
        m.execute(RawSql::new("CREATE TABLE scratch (a int)").outside_transaction());
    }
    c042 = "c042" after "c041", "drop a table" => |m| {
        m.drop_table("scratch");
    }
    c043 = "c043" after "c042", "raw DROP SCHEMA" => |m| {
        m.execute("DROP SCHEMA IF EXISTS staging CASCADE");
    }
    c044 = "c044" after "c043", "an enum value added at the end" => |m| {
        m.add_enum_value(AddEnumValue::new(Enum::new("mood", ["happy", "sad", "serene"]), "angry"));
    }
    c045 = "c045" after "c044", "a new table's index and key, all in one migration (typed)" => |m| {
        m.create_table(
            Table::new("likes")
                .column(Column::new("id").big_integer().primary_key().auto_increment())
                .column(Column::new("post_id").big_integer()),
        );
        m.create_index(Index::new("ix_likes_post").on("likes", ["post_id"]));
        m.add_constraint(
            "likes",
            ForeignKey::new("fk_likes_post", ["post_id"], "posts", ["id"]).into(),
        );
    }
}

fn main() -> std::process::ExitCode {
    migrate_cli::run()
}
