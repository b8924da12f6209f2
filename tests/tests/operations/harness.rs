//! Running plans through the real runtime, and talking to the test database
//! directly to check what they did.

use migrate_core::driver::{self, Access};
use migrate_core::graph::Target;
use migrate_core::migrator::{ApplyError, PlanError, Status};
use migrate_core::render::RenderError;
use migrate_core::{Error, Migrator, Registration};
use sqlx::{Connection, MySqlConnection, PgConnection, Row, SqliteConnection};

pub(crate) use crate::support::Kind;
use crate::support::TestDb;

/// A static [`Registration`] for a hand-written migration.
///
/// ```ignore
/// migration!(CREATE = "tbl_0001" after [], up: create, down: None);
/// ```
macro_rules! migration {
    ($name:ident = $id:literal after [$($parent:literal),*], up: $up:expr, down: $down:expr $(,)?) => {
        static $name: migrate_core::Registration = migrate_core::Registration {
            id: $id,
            revises: &[$($parent),*],
            branch_labels: &[],
            depends_on: &[],
            message: stringify!($name),
            module: module_path!(),
            file: file!(),
            line: line!(),
            upgrade: $up,
            downgrade: $down,
        };
    };
}

/// One `#[tokio::test]` per backend for each topic: `topic::sqlite`,
/// `topic::postgres`, `topic::mysql`. The server backends are skipped when
/// their URL is unset, as everywhere in this crate.
macro_rules! every_backend {
    ($($topic:ident),* $(,)?) => {$(
        mod $topic {
            use $crate::harness::Ctx;

            #[tokio::test]
            async fn sqlite() {
                super::$topic(Ctx::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(ctx) = Ctx::postgres().await {
                    super::$topic(ctx).await;
                }
            }

            #[tokio::test]
            async fn mysql() {
                if let Some(ctx) = Ctx::mysql().await {
                    super::$topic(ctx).await;
                }
            }
        }
    )*};
}

/// A plan that does nothing: the explicit downgrade of a step with nothing
/// to undo, or whose effect an earlier step's downgrade removes anyway.
pub(crate) fn nothing(_: &mut migrate_core::ops::Migration) {}

/// A fresh database for one test, and a connection of our own to it.
pub(crate) struct Ctx {
    // Dropped before `db`, which drops the database.
    conn: Conn,
    pub(crate) db: TestDb,
}

enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

/// Reads every cell as text. The queries run through the simple (text)
/// protocol, so PostgreSQL and MySQL send every value as text already;
/// SQLite converts. Bytes that are not UTF-8 come back as hex.
macro_rules! text_rows {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get_unchecked::<Option<String>, _>(i)
                            .unwrap_or_else(|_| {
                                row.try_get_unchecked::<Option<Vec<u8>>, _>(i)
                                    .unwrap()
                                    .map(|b| b.iter().map(|b| format!("{b:02x}")).collect())
                            })
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
}

impl Ctx {
    pub(crate) async fn sqlite() -> Ctx {
        Ctx::new(TestDb::sqlite()).await
    }

    pub(crate) async fn postgres() -> Option<Ctx> {
        Some(Ctx::new(TestDb::postgres().await?).await)
    }

    pub(crate) async fn mysql() -> Option<Ctx> {
        Some(Ctx::new(TestDb::mysql().await?).await)
    }

    async fn new(db: TestDb) -> Ctx {
        let conn = match db.kind {
            Kind::Sqlite => {
                // Create the file the way the runtime does, then open it.
                let options = db
                    .url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .unwrap()
                    .create_if_missing(true)
                    .foreign_keys(true);
                Conn::Sqlite(SqliteConnection::connect_with(&options).await.unwrap())
            }
            Kind::Postgres => Conn::Postgres(PgConnection::connect(&db.url).await.unwrap()),
            Kind::MySql => Conn::MySql(MySqlConnection::connect(&db.url).await.unwrap()),
        };
        Ctx { conn, db }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.db.kind
    }

    // ---- the runtime -------------------------------------------------

    async fn run(
        &self,
        regs: &[&'static Registration],
        down: bool,
        target: &str,
    ) -> Result<usize, Error> {
        let migrator = Migrator::new(regs.to_vec())?;
        let target = Target::parse(target)?;
        let mut conn = driver::connect(&self.db.url, Access::ReadWrite).await?;
        let result = if down {
            migrator
                .downgrade(conn.as_mut(), &target, &mut |_| {})
                .await
        } else {
            migrator.upgrade(conn.as_mut(), &target, &mut |_| {}).await
        };
        conn.close().await.unwrap();
        result.map(|steps| steps.len())
    }

    /// `upgrade heads`.
    pub(crate) async fn up(&self, regs: &[&'static Registration]) -> Result<usize, Error> {
        self.run(regs, false, "heads").await
    }

    /// `upgrade heads`, which must succeed.
    pub(crate) async fn up_ok(&self, regs: &[&'static Registration]) {
        if let Err(e) = self.up(regs).await {
            panic!("{:?}: upgrade failed: {e}", self.kind());
        }
        // Every topic proves the replay too: the plans folded into a
        // schema without the database give what the database has.
        self.replay_matches(regs).await;
    }

    /// The backend of the database.
    pub(crate) fn backend(&self) -> migrate_core::Backend {
        match self.kind() {
            Kind::Sqlite => migrate_core::Backend::Sqlite,
            Kind::Postgres => migrate_core::Backend::Postgres,
            Kind::MySql => migrate_core::Backend::MySql,
        }
    }

    /// The schema introspection reads from the database.
    pub(crate) async fn live_schema(&self) -> migrate_core::schema::Schema {
        let mut conn = driver::connect(&self.db.url, Access::ReadOnly)
            .await
            .unwrap();
        let live = migrate_core::schema::snapshot(conn.as_mut()).await.unwrap();
        conn.close().await.unwrap();
        live
    }

    /// The schema the plans of `regs` replay to, without a database, is
    /// the one introspection reads from the database they ran on.
    pub(crate) async fn replay_matches(&self, regs: &[&'static Registration]) {
        use migrate_core::Direction;
        use migrate_core::schema::{Replay, Schema};
        let kind = self.kind();
        let backend = self.backend();
        let migrator = Migrator::new(regs.to_vec()).unwrap();
        let mut replay = Replay::new(Schema::new(backend));
        for &index in migrator.graph().topo_order() {
            let plan = migrator
                .plan(index, Direction::Upgrade, backend)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            replay
                .plan(&plan)
                .unwrap_or_else(|e| panic!("{kind:?}: replay: {e}"));
        }
        let live = self.live_schema().await;
        // The plan that creates the live schema replays to it.
        let mut created = Replay::new(Schema::new(backend));
        created
            .plan(&live.create_plan())
            .unwrap_or_else(|e| panic!("{kind:?}: create plan: {e}"));
        let diff = created.diff(&live);
        assert!(
            diff.is_empty(),
            "{kind:?}: the create plan of the live schema replays to:\n{diff}"
        );
        let uncertain = replay.uncertain();
        if uncertain.everything || !uncertain.tables.is_empty() {
            return;
        }
        let diff = replay.schema().diff(&live);
        assert!(
            diff.is_empty(),
            "{kind:?}: replayed vs introspected:\n{diff}"
        );
    }

    /// `upgrade <target>`, which must succeed.
    pub(crate) async fn up_to(&self, regs: &[&'static Registration], target: &str) {
        if let Err(e) = self.run(regs, false, target).await {
            panic!("{:?}: upgrade {target} failed: {e}", self.kind());
        }
    }

    /// `downgrade <target>`.
    pub(crate) async fn down(
        &self,
        regs: &[&'static Registration],
        target: &str,
    ) -> Result<usize, Error> {
        self.run(regs, true, target).await
    }

    /// `downgrade <target>`, which must succeed.
    pub(crate) async fn down_ok(&self, regs: &[&'static Registration], target: &str) {
        if let Err(e) = self.down(regs, target).await {
            panic!("{:?}: downgrade {target} failed: {e}", self.kind());
        }
    }

    pub(crate) async fn status(&self, regs: &[&'static Registration]) -> Status {
        let migrator = Migrator::new(regs.to_vec()).unwrap();
        let mut conn = driver::connect(&self.db.url, Access::ReadOnly)
            .await
            .unwrap();
        let status = migrator.status(conn.as_mut()).await.unwrap();
        conn.close().await.unwrap();
        status
    }

    /// The heads table, sorted.
    pub(crate) async fn heads(&self) -> Vec<String> {
        self.db.heads().await
    }

    // ---- plain SQL -----------------------------------------------------

    /// Runs SQL; the database's message on failure.
    pub(crate) async fn exec(&mut self, sql: &str) -> Result<(), String> {
        let result = match &mut self.conn {
            Conn::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(drop),
            Conn::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(drop),
            Conn::MySql(c) => sqlx::raw_sql(sql).execute(c).await.map(drop),
        };
        result.map_err(|e| match e.as_database_error() {
            Some(db) => db.message().to_owned(),
            None => e.to_string(),
        })
    }

    /// Runs SQL that must succeed.
    pub(crate) async fn exec_ok(&mut self, sql: &str) {
        if let Err(e) = self.exec(sql).await {
            panic!("{:?}: {sql}: {e}", self.kind());
        }
    }

    /// Runs SQL that must fail (a constraint doing its job); the message.
    pub(crate) async fn exec_err(&mut self, sql: &str) -> String {
        match self.exec(sql).await {
            Ok(()) => panic!("{:?}: {sql}: succeeded, expected a failure", self.kind()),
            Err(e) => e,
        }
    }

    /// Every row of a query, each cell as text (`NULL` as `None`).
    pub(crate) async fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        let kind = self.kind();
        let fail = |e: sqlx::Error| -> ! { panic!("{kind:?}: {sql}: {e}") };
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let rows = sqlx::raw_sql(sql)
                    .fetch_all(c)
                    .await
                    .unwrap_or_else(|e| fail(e));
                text_rows!(rows)
            }
            Conn::Postgres(c) => {
                let rows = sqlx::raw_sql(sql)
                    .fetch_all(c)
                    .await
                    .unwrap_or_else(|e| fail(e));
                text_rows!(rows)
            }
            Conn::MySql(c) => {
                let rows = sqlx::raw_sql(sql)
                    .fetch_all(c)
                    .await
                    .unwrap_or_else(|e| fail(e));
                text_rows!(rows)
            }
        }
    }

    /// The first column of every row, `NULL` as `"NULL"`.
    pub(crate) async fn strings(&mut self, sql: &str) -> Vec<String> {
        self.rows(sql)
            .await
            .into_iter()
            .map(|row| row[0].clone().unwrap_or_else(|| "NULL".to_owned()))
            .collect()
    }

    /// The single value of a query; `None` for `NULL` or no row.
    pub(crate) async fn value(&mut self, sql: &str) -> Option<String> {
        self.rows(sql).await.first().and_then(|row| row[0].clone())
    }

    /// How many rows `table` has.
    pub(crate) async fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {}", self.q(table));
        self.value(&sql).await.unwrap().parse().unwrap()
    }

    /// `name` quoted as an identifier.
    pub(crate) fn q(&self, name: &str) -> String {
        match self.kind() {
            Kind::MySql => format!("`{}`", name.replace('`', "``")),
            Kind::Postgres | Kind::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// `text` as a string literal.
    pub(crate) fn lit(&self, text: &str) -> String {
        let mut escaped = text.replace('\'', "''");
        if self.kind() == Kind::MySql {
            escaped = escaped.replace('\\', "\\\\");
        }
        format!("'{escaped}'")
    }

    /// A boolean as a query reads it back: `t`/`f` on PostgreSQL, `1`/`0`
    /// where booleans are integers.
    pub(crate) fn bool(&self, b: bool) -> &'static str {
        match (self.kind(), b) {
            (Kind::Postgres, true) => "t",
            (Kind::Postgres, false) => "f",
            (_, true) => "1",
            (_, false) => "0",
        }
    }

    /// Tables of the application, sorted (the version tables left out).
    pub(crate) async fn tables(&self) -> Vec<String> {
        self.db
            .tables()
            .await
            .into_iter()
            .filter(|t| !t.starts_with("migrate_"))
            .collect()
    }
}

// ---- what the runtime refused ------------------------------------------

/// The plan error behind `error`, or a panic that shows what it was.
pub(crate) fn plan_error(error: Error) -> PlanError {
    match error {
        Error::Plan(plan) => *plan,
        other => panic!("expected a plan error, got: {other}"),
    }
}

/// The render error behind `error`.
pub(crate) fn render_error(error: Error) -> RenderError {
    match plan_error(error) {
        PlanError::Render { source, .. } => *source,
        other => panic!("expected a render error, got: {other}"),
    }
}

/// A statement the database refused during a run.
#[derive(Debug)]
pub(crate) struct Failed {
    /// The plan step, e.g. `add_column items.must`.
    pub(crate) operation: String,
    /// The SQL that failed.
    pub(crate) sql: String,
    /// What the database said.
    pub(crate) db_message: String,
    /// The whole error, as a user reads it.
    pub(crate) message: String,
}

/// The failed statement behind `error`.
pub(crate) fn failed_statement(error: Error) -> Failed {
    let message = error.to_string();
    match error {
        Error::Apply(apply) => match *apply {
            ApplyError::Statement {
                operation,
                sql,
                db_message,
                ..
            } => Failed {
                operation,
                sql,
                db_message,
                message,
            },
            _ => panic!("expected a failed statement, got: {message}"),
        },
        _ => panic!("expected a failed statement, got: {message}"),
    }
}
