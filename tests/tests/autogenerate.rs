//! `revision --autogenerate` end to end, in a real crate built with cargo:
//! models that derive `Model`, a generated file that is rustfmt-clean and
//! builds as it is, applied to SQLite, PostgreSQL and
//! MariaDB, after which autogenerate finds nothing and `check` (drift and
//! the model gate) passes. The second round makes each change Alembic's
//! autogenerate is documented to miss or get wrong: a rename (as drop and
//! add), an enum value, a server default, a string length, a type.
//!
//! The crate builds in `target/scaffold-test`, shared with the `init`
//! test, with the same dependencies, so they build once. (`sqlx::FromRow`
//! beside `Model` is built by the example crate and the ui tests.)

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::TestDb;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A migrations crate with models, as `migrate init` makes it plus
/// `src/models.rs`.
struct Crate {
    dir: tempfile::TempDir,
}

impl Crate {
    fn new(models: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace();
        let path = |p: &str| serde_json::to_string(&ws.join(p).display().to_string()).unwrap();
        let manifest = format!(
            r#"[package]
name = "shop"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
migrate-cli = {{ path = {cli} }}
migrate-core = {{ path = {core}, features = ["sqlite", "postgres", "mysql"] }}
chrono = {{ version = "0.4", default-features = false, features = ["clock", "std", "serde"] }}
serde_json = "1"

[workspace]
"#,
            cli = path("migrate-cli"),
            core = path("migrate-core"),
        );
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/versions")).unwrap();
        std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(ws.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        std::fs::copy(
            ws.join("migrate-cli/templates/build.rs"),
            root.join("build.rs"),
        )
        .unwrap();
        std::fs::write(
            root.join("src/lib.rs"),
            "pub mod models;\n\npub mod versions {\n    include!(concat!(env!(\"OUT_DIR\"), \"/versions.rs\"));\n}\n",
        )
        .unwrap();
        std::fs::write(
            root.join("src/main.rs"),
            "use shop as _;\n\nfn main() -> std::process::ExitCode {\n    migrate_cli::run()\n}\n",
        )
        .unwrap();
        let krate = Self { dir };
        krate.models(models);
        krate
    }

    fn models(&self, text: &str) {
        std::fs::write(self.dir.path().join("src/models.rs"), text).unwrap();
    }

    fn run(&self, db: Option<&str>, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(["run", "--quiet", "--"])
            .args(args)
            .current_dir(self.dir.path())
            .env(
                "CARGO_TARGET_DIR",
                workspace().join("target").join("scaffold-test"),
            )
            .env_remove("DATABASE_URL");
        if let Some(db) = db {
            command.env("DATABASE_URL", db);
        }
        command.output().unwrap()
    }

    /// The migration files, sorted.
    fn versions(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("src/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }
}

#[track_caller]
fn success(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `rustfmt --check` passes on `file`, when rustfmt is installed.
fn assert_formatted(file: &Path) {
    let Ok(out) = Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .arg(file)
        .output()
    else {
        return;
    };
    assert!(
        out.status.success(),
        "{} is not rustfmt-clean:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

const MODELS_V1: &str = r#"
use migrate_core::{DbEnum, Model};

#[derive(Debug, Clone, Copy, PartialEq, Eq, DbEnum)]
#[model(name = "order_status", rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
}

#[derive(Debug, Model)]
#[model(table = "customers", index(columns("name", "created_at")))]
pub struct Customer {
    #[model(primary_key, identity)]
    pub id: i64,
    #[model(length = 255, unique)]
    pub email: String,
    #[model(length = 100)]
    pub name: String,
    pub nickname: Option<String>,
    #[model(default = true)]
    pub active: bool,
    #[model(default = 0)]
    pub visits: i32,
    pub score: Option<f64>,
    pub born_on: Option<chrono::NaiveDate>,
    #[model(default_now)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub settings: Option<serde_json::Value>,
    pub avatar: Option<Vec<u8>>,
    #[model(precision = 10, scale = 2, default = "0")]
    pub balance: String,
    #[model(sql_type = "varchar(36)", postgres_type = "uuid")]
    pub token: Option<String>,
}

#[derive(Debug, Model)]
#[model(table = "orders", check(name = "ck_orders_total", expr = "total_cents >= 0"))]
pub struct Order {
    #[model(primary_key, identity)]
    pub id: i64,
    #[model(references = "customers.id", on_delete = "cascade", index)]
    pub customer_id: i64,
    #[model(default = "pending")]
    pub status: OrderStatus,
    pub total_cents: i64,
    #[model(comment = "when it left the warehouse")]
    pub shipped_at: Option<chrono::NaiveDateTime>,
}
"#;

/// Every kind of change, from v1.
fn models_v2() -> String {
    MODELS_V1
        .replace("    Paid,\n}", "    Paid,\n    Cancelled,\n}")
        .replace(
            "    pub nickname: Option<String>,",
            "    #[model(renamed_from = \"nickname\", length = 60)]\n    pub display_name: Option<String>,",
        )
        .replace("#[model(length = 100)]", "#[model(length = 150)]")
        .replace("#[model(default = true)]", "#[model(default = false)]")
        .replace("    pub visits: i32,", "    pub visits: i64,")
        .replace("    pub avatar: Option<Vec<u8>>,\n", "")
        .replace(
            "    pub total_cents: i64,",
            "    pub total_cents: i64,\n    #[model(length = 3, default = \"EUR\")]\n    pub currency: String,",
        )
        + r#"
#[derive(Debug, Model)]
#[model(table = "order_notes")]
pub struct OrderNote {
    #[model(primary_key, identity)]
    pub id: i64,
    #[model(references = "orders.id")]
    pub order_id: i64,
    pub body: String,
}
"#
}

#[test]
fn autogenerate_writes_what_the_models_say_and_then_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dbs = rt.block_on(TestDb::all());
    let krate = Crate::new(MODELS_V1);

    // Round 1: from nothing.
    let out = success(&krate.run(None, &["revision", "--autogenerate", "-m", "shop"]));
    assert!(
        out.contains("statements from the models, for postgres, mysql, sqlite"),
        "{out}"
    );
    let [first] = &krate.versions()[..] else {
        panic!("one file: {:?}", krate.versions());
    };
    assert_formatted(first);
    let text = std::fs::read_to_string(first).unwrap();
    assert!(
        text.contains("m.create_enum(Enum::new(\"order_status\", [\"pending\", \"paid\"]));"),
        "{text}"
    );
    assert!(
        text.contains(".type_for(Backend::Postgres, ColumnType::Raw(\"uuid\".into()))"),
        "{text}"
    );
    assert!(
        !text.contains("m.only("),
        "one plan serves every backend:\n{text}"
    );
    for db in &dbs {
        success(&krate.run(Some(&db.url), &["upgrade"]));
        success(&krate.run(Some(&db.url), &["check"]));
        // The generated migration round-trips.
        success(&krate.run(Some(&db.url), &["downgrade", "base"]));
        success(&krate.run(Some(&db.url), &["upgrade"]));
    }
    let out = success(&krate.run(None, &["revision", "--autogenerate", "-m", "again"]));
    assert!(out.contains("no changes"), "{out}");
    assert_eq!(krate.versions().len(), 1, "no empty migration is written");
    assert_eq!(success(&krate.run(None, &["check"])).trim(), "ok");

    // Round 2: Alembic's misses, and a narrowing the upgrade refuses.
    krate.models(&models_v2());
    let out = success(&krate.run(None, &["revision", "--autogenerate", "-m", "v2"]));
    assert!(out.contains("review: drops `customers.avatar`"), "{out}");
    // Both files may carry the same minute: the new one is the other one.
    let second = krate
        .versions()
        .into_iter()
        .find(|f| f != first)
        .expect("a second file");
    assert_formatted(&second);
    let text = std::fs::read_to_string(&second).unwrap();
    for expected in [
        "m.rename_column(\"customers\", \"nickname\", \"display_name\");",
        "\"cancelled\")",
        ".set_default(false)",
        ".set_type(ColumnType::String(150))",
        ".set_type(ColumnType::BigInteger)",
        "m.add_column(\"orders\", Column::new(\"currency\").string(3).default(\"EUR\"));",
        "// REVIEW: drops `customers.avatar`",
        "// REVIEW: narrows `customers.display_name`",
        "m.irreversible(",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    assert!(!text.contains("m.only("), "{text}");
    assert!(
        !text.contains("drop_column(\"customers\", Column::new(\"nickname\")"),
        "{text}"
    );
    for db in &dbs {
        let refused = krate.run(Some(&db.url), &["upgrade"]);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        // Refused before anything ran, for the narrowing and the drop.
        assert!(
            stderr.contains("lossy_ok") && stderr.contains("[drop-column]"),
            "{stderr}"
        );
    }
    // The person reviewing it accepts the narrowing and the drop.
    let accepted = text.replace(
        ".existing(Column::new(\"display_name\").text().nullable()),",
        ".existing(Column::new(\"display_name\").text().nullable())\n                .lossy_ok(\"display names are short\"),",
    );
    assert_ne!(accepted, text, "{text}");
    let drop = accepted
        .find("m.drop_column(\"customers\"")
        .expect("the drop is written");
    let end = drop + accepted[drop..].find(");\n").expect("the drop ends") + 1;
    let accepted = format!(
        "{}\n.allow(Lint::DropColumn, \"avatars moved to the CDN\"){}",
        &accepted[..end],
        &accepted[end..]
    );
    std::fs::write(&second, accepted).unwrap();
    for db in &dbs {
        success(&krate.run(Some(&db.url), &["upgrade"]));
        let out = success(&krate.run(Some(&db.url), &["check"]));
        assert_eq!(out.trim(), "ok", "{:?}", db.kind);
    }
    let out = success(&krate.run(None, &["revision", "--autogenerate", "-m", "again"]));
    assert!(out.contains("no changes"), "{out}");

    // The model gate: a model changed without a migration fails `check`.
    krate.models(&models_v2().replace(
        "    pub body: String,",
        "    pub body: String,\n    pub pinned: bool,",
    ));
    let out = krate.run(None, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the models differ from the migrations at the heads on sqlite, postgres, mysql: table order_notes: column pinned: added (boolean not null); run `revision --autogenerate"),
        "{stdout}"
    );
}
