//! Fresh databases for tests: a SQLite file in a temp dir always; PostgreSQL
//! and MariaDB when `MIGRATE_TEST_POSTGRES_URL` / `MIGRATE_TEST_MYSQL_URL` name
//! an admin connection. Each `TestDb` is its own database, dropped at the end,
//! so tests run in parallel. A URL that is set but unreachable fails the test.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Row};

/// A registration as `#[migration]` would submit it, for tests that build
/// graphs on the fly.
pub(crate) fn registration(
    id: &'static str,
    revises: &'static [&'static str],
    upgrade: fn(&mut migrate_core::ops::Migration),
    downgrade: Option<fn(&mut migrate_core::ops::Migration)>,
) -> &'static migrate_core::Registration {
    Box::leak(Box::new(migrate_core::Registration {
        id,
        revises,
        branch_labels: &[],
        depends_on: &[],
        message: id,
        module: "tests",
        file: "src/versions/tests.rs",
        line: 1,
        upgrade,
        downgrade,
    }))
}

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
    MySql,
}

/// A database that exists for one test.
#[derive(Debug)]
pub(crate) struct TestDb {
    pub(crate) kind: Kind,
    /// The URL to hand to the code under test.
    pub(crate) url: String,
    /// The same database without a pooler in between, for the checks of the
    /// tests themselves (sqlx's prepared statements do not survive
    /// PgBouncer's transaction pooling); `None` when `url` is direct.
    direct_url: Option<String>,
    name: String,
    admin_url: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "migrate_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// Swaps the database part of a URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// A SQLite file in a fresh temp dir.
    pub(crate) fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let url = format!("sqlite:{}", dir.path().join("test.db").display());
        TestDb {
            kind: Kind::Sqlite,
            url,
            direct_url: None,
            name: String::new(),
            admin_url: None,
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, when `MIGRATE_TEST_POSTGRES_URL` is set.
    pub(crate) async fn postgres() -> Option<TestDb> {
        let admin = std::env::var("MIGRATE_TEST_POSTGRES_URL").ok()?;
        let name = unique_name();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("MIGRATE_TEST_POSTGRES_URL is set but unreachable: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        conn.close().await.ok();
        Some(TestDb {
            kind: Kind::Postgres,
            url: with_database(&admin, &name),
            direct_url: None,
            name,
            admin_url: Some(admin),
            _dir: None,
        })
    }

    /// A fresh PostgreSQL database reached through PgBouncer in transaction
    /// pooling, when `MIGRATE_TEST_PGBOUNCER_URL` (and
    /// `MIGRATE_TEST_POSTGRES_URL`, to create it) are set.
    pub(crate) async fn postgres_via_pgbouncer() -> Option<TestDb> {
        let pooler = std::env::var("MIGRATE_TEST_PGBOUNCER_URL").ok()?;
        let mut db = TestDb::postgres().await?;
        db.direct_url = Some(db.url.clone());
        db.url = with_database(&pooler, &db.name);
        Some(db)
    }

    /// The URL the test's own checks use: never through a pooler.
    pub(crate) fn direct_url(&self) -> &str {
        self.direct_url.as_deref().unwrap_or(&self.url)
    }

    /// A fresh MariaDB/MySQL database, when `MIGRATE_TEST_MYSQL_URL` is set.
    pub(crate) async fn mysql() -> Option<TestDb> {
        let admin = std::env::var("MIGRATE_TEST_MYSQL_URL").ok()?;
        let name = unique_name();
        let mut conn = sqlx::MySqlConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("MIGRATE_TEST_MYSQL_URL is set but unreachable: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        conn.close().await.ok();
        Some(TestDb {
            kind: Kind::MySql,
            url: with_database(&admin, &name),
            direct_url: None,
            name,
            admin_url: Some(admin),
            _dir: None,
        })
    }

    /// Every database this run can reach: SQLite, and the servers whose URL is set.
    pub(crate) async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite()];
        dbs.extend(TestDb::postgres().await);
        dbs.extend(TestDb::mysql().await);
        dbs
    }

    /// Runs statements through the framework's own driver.
    pub(crate) async fn execute(&self, sql: &str) {
        let mut db = migrate_core::driver::connect(
            self.direct_url(),
            migrate_core::driver::Access::ReadWrite,
        )
        .await
        .expect("connect");
        db.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        db.close().await.ok();
    }

    /// Runs one query returning strings.
    pub(crate) async fn strings(&self, sql: &str) -> Vec<String> {
        match self.kind {
            Kind::Sqlite => {
                let path = self.url.trim_start_matches("sqlite:");
                if !std::path::Path::new(path).exists() {
                    return Vec::new();
                }
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect()
            }
            Kind::Postgres => {
                let mut c = sqlx::PgConnection::connect(self.direct_url())
                    .await
                    .unwrap();
                sqlx::query(sql)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect()
            }
            Kind::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| {
                        // information_schema returns VARBINARY on some versions.
                        r.try_get::<String, _>(0)
                            .unwrap_or_else(|_| String::from_utf8(r.get::<Vec<u8>, _>(0)).unwrap())
                    })
                    .collect()
            }
        }
    }

    /// Base tables and views, sorted.
    pub(crate) async fn tables(&self) -> Vec<String> {
        let sql = match self.kind {
            Kind::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Kind::Postgres => {
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' ORDER BY table_name"
            }
            Kind::MySql => {
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() ORDER BY table_name"
            }
        };
        self.strings(sql).await
    }

    /// Columns of a table, in order.
    pub(crate) async fn columns(&self, table: &str) -> Vec<String> {
        let sql = match self.kind {
            Kind::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            Kind::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
            ),
            Kind::MySql => format!(
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        self.strings(&sql).await
    }

    /// The heads table, sorted; empty when it does not exist.
    pub(crate) async fn heads(&self) -> Vec<String> {
        if !self.tables().await.contains(&"migrate_heads".to_owned()) {
            return Vec::new();
        }
        self.strings("SELECT revision FROM migrate_heads ORDER BY revision")
            .await
    }

    /// `(revision, direction, outcome)` of every audit row, oldest first.
    pub(crate) async fn audit(&self) -> Vec<(String, String, String)> {
        if !self.tables().await.contains(&"migrate_audit".to_owned()) {
            return Vec::new();
        }
        let rows = self
            .strings(
                "SELECT CONCAT(revision, ' ', direction, ' ', outcome) FROM migrate_audit ORDER BY id",
            )
            .await;
        rows.into_iter()
            .map(|r| {
                let parts: Vec<_> = r.split(' ').map(str::to_owned).collect();
                (parts[0].clone(), parts[1].clone(), parts[2].clone())
            })
            .collect()
    }

    /// The audit rows in order, each as one line of every column a step
    /// records but its id, times and duration (which differ from run to
    /// run).
    pub(crate) async fn bookkeeping(&self) -> Vec<String> {
        if !self.tables().await.contains(&"migrate_audit".to_owned()) {
            return Vec::new();
        }
        self.strings(
            "SELECT CONCAT(revision, ' | ', direction, ' | ', checksum, ' | ', outcome, ' | ', \
             statements_done, ' of ', statements_total, ' | ', COALESCE(error, 'NULL'), ' | ', \
             COALESCE(args, 'NULL'), ' | ', COALESCE(plan, 'NULL')) FROM migrate_audit ORDER BY id",
        )
        .await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(admin) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        let kind = self.kind;
        // Drop runs outside any runtime: use a short-lived one on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                match kind {
                    Kind::Postgres => {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                            let _ = sqlx::raw_sql(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut c)
                            .await;
                        }
                    }
                    Kind::MySql => {
                        if let Ok(mut c) = sqlx::MySqlConnection::connect(&admin).await {
                            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                                .execute(&mut c)
                                .await;
                        }
                    }
                    Kind::Sqlite => {}
                }
            });
        })
        .join();
    }
}
