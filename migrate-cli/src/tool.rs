//! The `migrate` binary: scaffolds migrations crates and hands other verbs to
//! the crate of the current directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::args::Format;
use crate::failure::Failure;
use crate::output::Printer;
use crate::{adopt, exit, scaffold};

/// Scaffold a migrations crate, or run the one in the current directory.
///
/// `migrate init DIR` writes a new crate. Any other verb (upgrade, downgrade,
/// current, history, heads, branches, show, graph, status, check, stamp,
/// revision, merge) is run by the migrations crate found in the current
/// directory or above it, as `cargo run -- VERB` would.
#[derive(Debug, Parser)]
#[command(name = "migrate", version, max_term_width = 100)]
#[command(after_help = "\
Examples:
  migrate init db/migrations            scaffold a crate, then: cd db/migrations && cargo run -- upgrade
  migrate upgrade                       run `upgrade` with the crate of the current directory
  migrate revision -m \"add users\"       write a new migration file")]
struct Tool {
    #[command(subcommand)]
    command: ToolCommand,
}

#[derive(Debug, Subcommand)]
enum ToolCommand {
    /// Scaffold a new migrations crate in DIR (which must not hold a crate yet).
    ///
    /// The crate depends on the migrate workspace by path until the crates are
    /// published. The path is the workspace this binary was built from;
    /// --workspace overrides it. The crate's own code is built unoptimised
    /// and incrementally in release too (it only records plans), so adding a
    /// migration to a large crate rebuilds in seconds.
    ///
    /// With --from-database, the crate adopts an existing database: its
    /// tables become models (src/models.rs), one baseline migration
    /// creates them (what `revision --autogenerate` writes for those
    /// models, plus the database's views), and the database is stamped at
    /// the baseline, so `upgrade` runs only what comes after. Nothing runs
    /// on the database but reads and the stamp. What the models cannot say
    /// as the database has it is listed, and then the database is not
    /// stamped.
    #[command(after_help = "\
Examples:
  migrate init db/migrations
  migrate init db/migrations --name shop-migrations --workspace ~/src/migrate
  migrate init db/migrations --from-database postgres://app@db.internal/shop")]
    Init {
        /// Where to create the crate
        dir: PathBuf,

        /// The package name [default: the directory's name]
        #[arg(long)]
        name: Option<String>,

        /// The migrate workspace to depend on by path [default: the one this binary was built from]
        #[arg(long, value_name = "PATH")]
        workspace: Option<PathBuf>,

        /// Adopt this database: write its schema as models and a baseline migration, and stamp it
        #[arg(long, value_name = "URL")]
        from_database: Option<String>,
    },

    /// Any other verb runs the migrations crate of the current directory.
    #[command(external_subcommand)]
    Delegate(Vec<OsString>),
}

/// The entry point of the `migrate` binary.
pub fn migrate_main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let printer = Printer::new(Format::Human);
    // Global options may come before the verb (`migrate --database-url X
    // status`), as the crate's own binary takes them: only `init` and the
    // tool's own help and version are parsed here; everything else goes to
    // the crate as it was typed.
    let own = match args.get(1).and_then(|a| a.to_str()) {
        None => true,
        Some(first) => ["init", "help", "-h", "--help", "-V", "--version"].contains(&first),
    };
    if !own {
        return match delegate(&args[1..]) {
            Ok(code) => ExitCode::from(code),
            Err(failure) => failure.report(&printer),
        };
    }
    let tool = match Tool::try_parse_from(&args) {
        Ok(tool) => tool,
        Err(error) => return exit::clap_error(&error, &printer),
    };
    let result = match tool.command {
        ToolCommand::Init {
            dir,
            name,
            workspace,
            from_database,
        } => init(
            &printer,
            &dir,
            name.as_deref(),
            workspace,
            from_database.as_deref(),
        ),
        ToolCommand::Delegate(args) => delegate(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(&printer),
    }
}

/// The workspace this binary was built from, if it is still there.
fn built_from_workspace() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .to_path_buf();
    dir.join("migrate-core")
        .join("Cargo.toml")
        .is_file()
        .then_some(dir)
}

/// Words a crate may not be named: Rust's keywords (strict, reserved and
/// weak ones that cannot name a crate), and names that would shadow a
/// standard crate or clash with cargo's own directories.
const RESERVED_NAMES: [&str; 56] = [
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "test",
    "std",
    "core",
    "alloc",
    "proc_macro",
];

/// Why `name` cannot name the crate, if it cannot: cargo's rules, kept to
/// ASCII, and no keyword (a crate named `crate` builds but links no
/// migrations).
fn invalid_crate_name(name: &str) -> Option<String> {
    let Some(first) = name.chars().next() else {
        return Some("it is empty".to_owned());
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Some(format!(
            "it holds {}; use ASCII letters, digits, `-` and `_`",
            match c {
                ' ' => "a space".to_owned(),
                c => format!("`{}`", c.escape_debug()),
            }
        ));
    }
    if first.is_ascii_digit() || first == '-' {
        return Some(format!("it starts with {first:?}; start it with a letter"));
    }
    let ident = name.replace('-', "_");
    if RESERVED_NAMES.contains(&ident.as_str())
        || ["deps", "examples", "build", "incremental"].contains(&name)
    {
        return Some(format!("`{ident}` is a Rust keyword or a reserved name"));
    }
    None
}

/// A valid name close to `name`, to suggest.
fn suggested_name(name: &str) -> String {
    let mut cleaned = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            cleaned.push(c.to_ascii_lowercase());
        } else if !cleaned.ends_with('-') {
            cleaned.push('-');
        }
    }
    let cleaned = cleaned.trim_matches('-');
    if cleaned.is_empty() {
        "migrations".to_owned()
    } else if cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        format!("migrations-{cleaned}")
    } else if invalid_crate_name(cleaned).is_some() {
        format!("{cleaned}-migrations")
    } else {
        cleaned.to_owned()
    }
}

fn init(
    printer: &Printer,
    dir: &Path,
    name: Option<&str>,
    workspace: Option<PathBuf>,
    from_database: Option<&str>,
) -> Result<u8, Failure> {
    if dir.join("Cargo.toml").exists() {
        return Err(Failure::Message(format!(
            "init: {} already holds a crate (Cargo.toml exists); nothing was written. Pick a new directory",
            dir.display()
        )));
    }
    let name = match name {
        Some(name) => name.to_owned(),
        None => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "migrations".to_owned()),
    };
    if let Some(why) = invalid_crate_name(&name) {
        return Err(Failure::Usage(format!(
            "init: `{}` cannot name a crate: {why}; nothing was written. Pass another name, e.g. `--name {}`",
            migrate_core::text::one_line(&name),
            suggested_name(&name)
        )));
    }
    let workspace = workspace.or_else(built_from_workspace).ok_or_else(|| {
        Failure::Message(
            "init: cannot find the migrate workspace this binary was built from; pass --workspace PATH"
                .to_owned(),
        )
    })?;
    let workspace = workspace
        .canonicalize()
        .map_err(|e| Failure::Message(format!("init: --workspace {}: {e}", workspace.display())))?;
    if !workspace.join("migrate-core").join("Cargo.toml").is_file() {
        return Err(Failure::Message(format!(
            "init: {} is not the migrate workspace (no migrate-core/Cargo.toml); pass --workspace PATH",
            workspace.display()
        )));
    }
    // The database is read before anything is written: a refusal leaves
    // no half-made crate.
    let adoption = from_database.map(adopt::read).transpose()?;
    let crate_ident = name.replace('-', "_");
    // A TOML basic string: JSON's escapes are TOML's.
    let toml_path =
        |path: PathBuf| serde_json::to_string(&path.to_string_lossy()).unwrap_or_default();
    let (extra_dependencies, extra_features) = adoption
        .as_ref()
        .map(adopt::Adoption::dependencies)
        .unwrap_or_default();
    let features: Vec<String> = ["sqlite", "postgres", "mysql"]
        .iter()
        .chain(&extra_features)
        .map(|f| format!("{f:?}"))
        .collect();
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
# By path until migrate is published; `migrate init --workspace` picks another checkout.
migrate-cli = {{ path = {cli} }}
migrate-core = {{ path = {core}, features = [{features}] }}
{extra_dependencies}
[dev-dependencies]
# The round-trip kit: `migrate_core::testing::Stairway` in tests/.
migrate-core = {{ path = {core}, features = ["testing"] }}

# A crate of its own, even when created inside another workspace.
[workspace]

# This crate's code only records plans, once per deploy: build it without
# optimisation and incrementally in release too (migrate-core and the
# drivers stay optimised). With 2,000 migrations, a release build after
# adding one takes ~4 s instead of ~14 s, and runs no slower.
[profile.release.package.{name}]
opt-level = 0
incremental = true
"#,
        cli = toml_path(workspace.join("migrate-cli")),
        core = toml_path(workspace.join("migrate-core")),
        features = features.join(", "),
    );
    let mut lib = "//! This application's database migrations: one file per migration in\n\
                   //! `src/versions/`, wired in by `build.rs`.\n\n"
        .to_owned();
    if adoption.is_some() {
        lib.push_str(
            "/// The tables, as the application declares them (`check` compares them\n\
             /// with the migrations; `revision --autogenerate` writes what differs).\n\
             pub mod models;\n\n",
        );
    }
    lib.push_str(
        "pub mod versions {\n    include!(concat!(env!(\"OUT_DIR\"), \"/versions.rs\"));\n}\n",
    );
    let main = format!(
        "//! `cargo run -- upgrade`, `cargo run -- status`, ...: see `cargo run -- --help`.\n\n\
         use {crate_ident} as _; // links every migration of the library into this binary\n\n\
         fn main() -> std::process::ExitCode {{\n    migrate_cli::run()\n}}\n"
    );
    let versions = dir.join("src").join("versions");
    let id = scaffold::new_revision_id()?;
    let first = match &adoption {
        None => scaffold::NewMigration::root(id.clone(), "initial"),
        Some(adoption) => scaffold::NewMigration {
            body: Some(adoption.adopted.baseline.functions()),
            ..scaffold::NewMigration::root(
                id.clone(),
                &format!(
                    "baseline of the adopted {} database",
                    adoption.adopted.backend
                ),
            )
        },
    };
    let (first_name, first) = first.file(Utc::now());
    let first_path = versions.join(first_name);
    let models_path = dir.join("src").join("models.rs");
    let mut files = vec![
        (dir.join("Cargo.toml"), manifest),
        (dir.join("build.rs"), crate::BUILD_RS.to_owned()),
        (dir.join("src").join("lib.rs"), lib),
        (dir.join("src").join("main.rs"), main),
        (first_path.clone(), first),
        (dir.join("migrate.toml"), MIGRATE_TOML.to_owned()),
    ];
    if let Some(adoption) = &adoption {
        files.push((models_path.clone(), adoption.adopted.source.clone()));
    }
    // A `.gitignore` of the user's own stays as it is.
    let gitignore = dir.join(".gitignore");
    let kept_gitignore = gitignore.exists();
    if !kept_gitignore {
        files.push((gitignore, "/target\n*.db\n.env\n".to_owned()));
    }
    // Everything is checked before anything is written.
    let taken: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !taken.is_empty() {
        return Err(Failure::Message(format!(
            "init: {} already exist{}; nothing was written. Pick a new directory, or move them away",
            taken.join(", "),
            if taken.len() == 1 { "s" } else { "" }
        )));
    }
    std::fs::create_dir_all(&versions)
        .map_err(|e| Failure::Message(format!("init: create {}: {e}", versions.display())))?;
    for (path, text) in &files {
        scaffold::write_new(path, text)?;
    }
    let mut said = format!(
        "created the migrations crate `{name}` in {}\n",
        dir.display()
    );
    if kept_gitignore {
        said.push_str(
            "kept the existing .gitignore: add `/target`, `*.db` and `.env` to it if they are not there\n",
        );
    }
    let Some(adoption) = adoption else {
        said.push_str(&format!(
            "next: cd {} && cargo run -- upgrade\n",
            dir.display()
        ));
        printer.text(&said);
        return Ok(exit::OK);
    };
    scaffold::rustfmt(&models_path);
    scaffold::rustfmt(&first_path);
    let adopted = &adoption.adopted;
    let (tables, enums, views) = adoption.counts;
    said.push_str(&format!(
        "adopted {}: {tables} table{}, {enums} enum{}, {views} view{}\n  models: {}\n  baseline: {} (revision {id})\n",
        adoption.shown,
        plural(tables),
        plural(enums),
        plural(views),
        models_path.display(),
        first_path.display(),
    ));
    for table in &adopted.left_out {
        said.push_str(&format!(
            "left out {table}: another migration tool's version table; drop it once that tool no longer runs\n"
        ));
    }
    if !adopted.differences.is_empty() {
        said.push_str(&format!(
            "the models and the baseline do not build the database's schema exactly; {} was not stamped. Differences (the database's, then the models'):\n",
            adoption.shown
        ));
        for line in &adopted.differences {
            said.push_str(&format!("  - {}\n", migrate_core::text::one_line(line)));
        }
        said.push_str(&format!(
            "next: edit the models and the baseline until `cargo run -- check --database-url <URL>` passes after `cargo run -- stamp {id}` (cd {})\n",
            dir.display()
        ));
        printer.text(&said);
        return Ok(exit::FAILED);
    }
    if let Err(failure) = adoption.stamp(&id) {
        printer.text(&said);
        return Err(Failure::Message(format!(
            "init: the crate was written, but stamping {} at {id} failed: {}; run `cargo run -- stamp {id}` in {} once the database is reachable",
            adoption.shown,
            failure.text(),
            dir.display()
        )));
    }
    said.push_str(&format!(
        "stamped {} at {id} (no migration ran)\nnext: cd {} && cargo run -- check --database-url <URL>, then change the models and `cargo run -- revision --autogenerate -m \"..\"`\n",
        adoption.shown,
        dir.display()
    ));
    printer.text(&said);
    Ok(exit::OK)
}

/// The `migrate.toml` a new crate starts with: the linter's defaults, said.
const MIGRATE_TOML: &str = r#"# How `lint`, `check` and `upgrade` judge these migrations; build.rs
# compiles this file into the binary. Every rule, its default and its safe
# alternative: `cargo run -- lint --rules`, or docs/safety.md.
[lint]
# This revision and its ancestors ran everywhere already: not linted.
# start_after = "<revision id>"
# The oldest PostgreSQL the migrations run on (before 11, adding a column
# with any default rewrites the table; before 12, SET NOT NULL always scans).
postgres_version = 13

[lint.rules]
# A rule's severity here: "deny", "warn" or "off", e.g.
# rename-column = "deny"
# prefer-timestamptz = "warn"

[run]
# How long a statement waits for a table lock before it gives its place in
# the queue up and the step runs again after a backoff ("off": as long as
# it takes), for how long in all, and how long a schema change may run on
# PostgreSQL ("off": no bound). A migration may set its own.
lock_timeout = "1s"
lock_retry = "1m"
statement_timeout = "1m"
"#;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Runs `cargo run` on the migrations crate of the current directory, once
/// `cargo metadata` says it is one: a package that depends on
/// `migrate-cli`. Any other Cargo project (the application around it, an
/// unrelated one) is refused, saying where to go.
fn delegate(args: &[OsString]) -> Result<u8, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::Message(format!("find the current directory: {e}")))?;
    let manifest = cwd
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            Failure::Message(format!(
                "no Cargo.toml in {} or above it; run from a migrations crate, or create one with `migrate init DIR`",
                cwd.display()
            ))
        })?;
    check_migrations_crate(&manifest)?;
    let status = cargo()
        .arg("run")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--")
        .args(args)
        .status()
        .map_err(|e| Failure::Message(format!("run cargo: {e}; is cargo on PATH?")))?;
    // The crate's binary exits 0, 1, 2 or 130 (interrupted); anything else
    // is cargo's own (101: the build failed, or the binary panicked).
    match status.code() {
        Some(code @ (0 | 1 | 2 | 130)) => Ok(code as u8),
        Some(code) => Err(Failure::Message(format!(
            "`cargo run` on {} exited with {code}: the migrations crate did not build, or its binary crashed; see cargo's messages above",
            manifest.display()
        ))),
        None => Err(Failure::Message(format!(
            "`cargo run` on {} was stopped by a signal",
            manifest.display()
        ))),
    }
}

fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Checks that `manifest` is a package that depends on `migrate-cli`.
fn check_migrations_crate(manifest: &Path) -> Result<(), Failure> {
    let out = cargo()
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .map_err(|e| Failure::Message(format!("run cargo: {e}; is cargo on PATH?")))?;
    if !out.status.success() {
        return Err(Failure::Message(format!(
            "{} is not a Cargo project cargo can read: {}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| Failure::Message(format!("read `cargo metadata`: {e}")))?;
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_path_buf());
    let package = metadata["packages"].as_array().and_then(|packages| {
        packages.iter().find(|p| {
            p["manifest_path"]
                .as_str()
                .and_then(|m| Path::new(m).canonicalize().ok())
                .is_some_and(|m| m == manifest)
        })
    });
    let Some(package) = package else {
        return Err(Failure::Message(format!(
            "{} is a workspace, not a migrations crate; cd into the migrations crate (the package that depends on migrate-cli), or create one with `migrate init DIR`",
            manifest.display()
        )));
    };
    let depends = package["dependencies"].as_array().is_some_and(|deps| {
        deps.iter()
            .any(|d| d["name"] == "migrate-cli" && d["kind"].is_null())
    });
    if depends {
        return Ok(());
    }
    Err(Failure::Message(format!(
        "{} (package `{}`) is not a migrations crate: it does not depend on migrate-cli, so `migrate` will not build or run it; cd into your migrations crate, or create one with `migrate init DIR`",
        manifest.display(),
        package["name"].as_str().unwrap_or("?")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_follow_cargo_and_rust() {
        for good in [
            "shop-migrations",
            "db",
            "_private",
            "Db2024",
            "migrations_v2",
        ] {
            assert_eq!(invalid_crate_name(good), None, "{good}");
        }
        for bad in [
            "", "2024-db", "-db", "my db", "db.v2", "naïve", "crate", "self", "async", "test",
            "core",
        ] {
            assert!(invalid_crate_name(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn suggestions_are_valid_names() {
        for given in [
            "2024-db",
            "my db",
            "crate",
            "a\"b",
            "new\nline",
            "",
            "--",
            "Self",
        ] {
            let suggestion = suggested_name(given);
            assert_eq!(
                invalid_crate_name(&suggestion),
                None,
                "{given:?} -> {suggestion}"
            );
        }
    }
}
