//! The `migrate` binary: scaffolds migrations crates and hands other verbs to
//! the crate of the current directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::commands::Failure;
use crate::{exit, scaffold};

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
    #[command(after_help = "\
Examples:
  migrate init db/migrations
  migrate init db/migrations --name shop-migrations --workspace ~/src/migrate")]
    Init {
        /// Where to create the crate
        dir: PathBuf,

        /// The package name [default: the directory's name]
        #[arg(long)]
        name: Option<String>,

        /// The migrate workspace to depend on by path [default: the one this binary was built from]
        #[arg(long, value_name = "PATH")]
        workspace: Option<PathBuf>,
    },

    /// Any other verb runs the migrations crate of the current directory.
    #[command(external_subcommand)]
    Delegate(Vec<OsString>),
}

/// The entry point of the `migrate` binary.
pub fn migrate_main() -> ExitCode {
    let tool = match Tool::try_parse() {
        Ok(tool) => tool,
        Err(error) => return exit::clap_error(&error),
    };
    let result = match tool.command {
        ToolCommand::Init {
            dir,
            name,
            workspace,
        } => init(&dir, name.as_deref(), workspace).map(|()| exit::OK),
        ToolCommand::Delegate(args) => delegate(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
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

fn init(dir: &Path, name: Option<&str>, workspace: Option<PathBuf>) -> Result<(), Failure> {
    if dir.join("Cargo.toml").exists() {
        return Err(Failure::Message(format!(
            "init: {} already holds a crate (Cargo.toml exists); nothing was written. Pick a new directory",
            dir.display()
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
    let name = match name {
        Some(name) => name.to_owned(),
        None => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.to_owned())
            .unwrap_or_else(|| "migrations".to_owned()),
    };
    let crate_ident = name.replace('-', "_");
    let versions = dir.join("src").join("versions");
    std::fs::create_dir_all(&versions)
        .map_err(|e| Failure::Message(format!("init: create {}: {e}", versions.display())))?;

    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
# By path until migrate is published; `migrate init --workspace` picks another checkout.
migrate-cli = {{ path = "{ws}/migrate-cli" }}
migrate-core = {{ path = "{ws}/migrate-core", features = ["sqlite", "postgres", "mysql"] }}

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
        ws = workspace.display()
    );
    let lib = "//! This application's database migrations: one file per migration in\n\
               //! `src/versions/`, wired in by `build.rs`.\n\n\
               pub mod versions {\n    include!(concat!(env!(\"OUT_DIR\"), \"/versions.rs\"));\n}\n";
    let main = format!(
        "//! `cargo run -- upgrade`, `cargo run -- status`, ...: see `cargo run -- --help`.\n\n\
         use {crate_ident} as _; // links every migration of the library into this binary\n\n\
         fn main() -> std::process::ExitCode {{\n    migrate_cli::run()\n}}\n"
    );
    let (first_name, first) =
        scaffold::NewMigration::root(scaffold::new_revision_id(), "initial").file(Utc::now());

    let files = [
        (dir.join("Cargo.toml"), manifest),
        (dir.join("build.rs"), crate::BUILD_RS.to_owned()),
        (dir.join("src").join("lib.rs"), lib.to_owned()),
        (dir.join("src").join("main.rs"), main),
        (versions.join(first_name), first),
        (dir.join(".gitignore"), "/target\n*.db\n.env\n".to_owned()),
    ];
    for (path, text) in &files {
        scaffold::write_new(path, text)?;
    }
    println!("created the migrations crate `{name}` in {}", dir.display());
    println!("next: cd {} && cargo run -- upgrade", dir.display());
    Ok(())
}

/// Runs `cargo run` on the migrations crate of the current directory.
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
    let status =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .arg("run")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--")
            .args(args)
            .status()
            .map_err(|e| Failure::Message(format!("run cargo: {e}; is cargo on PATH?")))?;
    Ok(status
        .code()
        .and_then(|code| u8::try_from(code).ok())
        .unwrap_or(exit::FAILED))
}
