//! `migrate init` scaffolds a crate that builds and runs as is; `revision`
//! adds migrations that are picked up with no other edit; the `migrate`
//! binary hands verbs to the crate of the current directory.
//!
//! This builds a real crate with cargo (in `target/scaffold-test`, reused
//! between runs), so it takes a few minutes the first time.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn migrate(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .current_dir(cwd)
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target").join("scaffold-test"),
        )
        .output()
        .unwrap()
}

fn cargo_run(krate: &Path, db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--"])
        .args(args)
        .current_dir(krate)
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target").join("scaffold-test"),
        )
        .env("DATABASE_URL", db)
        .output()
        .unwrap()
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

fn history_len(krate: &Path, db: &str) -> usize {
    let out = success(&cargo_run(krate, db, &["history", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["history"].as_array().unwrap().len()
}

#[test]
fn init_scaffolds_a_crate_that_runs_and_revision_wires_new_files_in() {
    let tmp = tempfile::tempdir().unwrap();
    let krate = tmp.path().join("shop-migrations");
    let db = format!("sqlite:{}", tmp.path().join("shop.db").display());
    let ws = workspace();

    let out = success(&migrate(
        tmp.path(),
        &[
            "init",
            "shop-migrations",
            "--workspace",
            ws.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("cargo run -- upgrade"), "{out}");
    for file in [
        "Cargo.toml",
        "build.rs",
        "src/lib.rs",
        "src/main.rs",
        "migrate.toml",
    ] {
        assert!(krate.join(file).is_file(), "{file} missing");
    }
    // Its own code is built unoptimised and incrementally in release too, so
    // adding a migration to a large crate rebuilds in seconds (BENCHMARKS.md).
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(
            "[profile.release.package.shop-migrations]\nopt-level = 0\nincremental = true"
        ),
        "{manifest}"
    );
    assert_eq!(
        std::fs::read_to_string(krate.join("build.rs")).unwrap(),
        std::fs::read_to_string(ws.join("migrate-cli/templates/build.rs")).unwrap(),
        "the scaffold's build.rs is the template the example crate builds with"
    );

    // It refuses to overwrite a crate.
    let again = migrate(tmp.path(), &["init", "shop-migrations"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a crate"));

    // Same dependency versions as the workspace, so the build reuses them.
    std::fs::copy(ws.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();

    // Builds and runs as is.
    let out = success(&cargo_run(&krate, &db, &["upgrade"]));
    assert!(out.contains("applied 1 migration"), "{out}");
    assert_eq!(history_len(&krate, &db), 1);

    // `revision` writes a file that the next build picks up.
    let out = success(&cargo_run(&krate, &db, &["revision", "-m", "add widgets"]));
    assert!(out.contains("_add_widgets.rs"), "{out}");
    assert_eq!(history_len(&krate, &db), 2);

    // The `migrate` binary runs the crate of the current directory.
    let out = success(
        &Command::new(env!("CARGO_BIN_EXE_migrate"))
            .arg("upgrade")
            .current_dir(krate.join("src"))
            .env("CARGO_TARGET_DIR", ws.join("target").join("scaffold-test"))
            .env("DATABASE_URL", &db)
            .output()
            .unwrap(),
    );
    assert!(out.contains("applied 1 migration"), "{out}");
    // Global options may come before the verb, as for the crate's binary.
    let out = success(
        &Command::new(env!("CARGO_BIN_EXE_migrate"))
            .args(["--database-url", &db, "--format", "json", "current"])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", ws.join("target").join("scaffold-test"))
            .env_remove("DATABASE_URL")
            .output()
            .unwrap(),
    );
    assert!(out.contains("\"current\""), "{out}");

    // A second head, written by hand: `revision` wants to know which to revise.
    let root = std::fs::read_dir(krate.join("src/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_initial.rs"))
        .unwrap();
    let root_text = std::fs::read_to_string(&root).unwrap();
    let root_id = root_text
        .split("id = \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(
        krate.join("src/versions/2099_01_01_0000-abcdef012345_side_branch.rs"),
        format!(
            "#[migrate_core::migration(id = \"abcdef012345\", revises = \"{root_id}\", message = \"side branch\")]\n\
             pub mod side_branch {{\n    use migrate_core::prelude::*;\n    pub fn upgrade(_m: &mut Migration) {{}}\n}}\n"
        ),
    )
    .unwrap();
    let refused = cargo_run(&krate, &db, &["revision", "-m", "next"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("2 heads") && stderr.contains("--head"),
        "{stderr}"
    );
    let upgrade = cargo_run(&krate, &db, &["upgrade"]);
    assert_eq!(upgrade.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&upgrade.stderr).contains("abcdef012345"));

    success(&cargo_run(
        &krate,
        &db,
        &["revision", "-m", "next", "--head", "abcd"],
    ));
    assert_eq!(history_len(&krate, &db), 4);
}

/// Names cargo or Rust would refuse, or that build a crate that links no
/// migrations, are refused before anything is written, with a name to use.
#[test]
fn init_validates_first_and_writes_nothing_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    for (given, why, suggestion) in [
        ("2024-db", "starts with '2'", "--name migrations-2024-db"),
        ("my db", "holds a space", "--name my-db"),
        (
            "crate",
            "`crate` is a Rust keyword",
            "--name crate-migrations",
        ),
        ("self", "`self` is a Rust keyword", "--name self-migrations"),
        ("a\"b", "holds `\\\"`", "--name a-b"),
        ("new\nline", "holds `\\n`", "--name new-line"),
    ] {
        let out = migrate(tmp.path(), &["init", "db", "--name", given]);
        assert_eq!(out.status.code(), Some(2), "{given:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot name a crate")
                && stderr.contains(why)
                && stderr.contains(suggestion),
            "{given:?}: {stderr}"
        );
        assert!(
            !stderr.contains('\n') || stderr.lines().count() == 1,
            "{stderr}"
        );
        assert!(
            !tmp.path().join("db").exists(),
            "{given:?}: something was written"
        );
    }
    // The directory's name is the default, and is checked the same way.
    let out = migrate(tmp.path(), &["init", "2024-db"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!tmp.path().join("2024-db").exists());

    // A .gitignore of the user's is kept, not a reason to stop half-way.
    let dir = tmp.path().join("with-ignore");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(".gitignore"), "mine\n").unwrap();
    let out = success(&migrate(
        tmp.path(),
        &[
            "init",
            "with-ignore",
            "--workspace",
            workspace().to_str().unwrap(),
        ],
    ));
    assert!(out.contains("kept the existing .gitignore"), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        "mine\n"
    );
    for file in ["Cargo.toml", "build.rs", "src/lib.rs", "src/main.rs"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }

    // Any file in the way stops it before the first write.
    let dir = tmp.path().join("taken");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "// mine\n").unwrap();
    let out = migrate(
        tmp.path(),
        &[
            "init",
            "taken",
            "--workspace",
            workspace().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("src/lib.rs already exists; nothing was written")
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only src/");
    assert!(!dir.join("Cargo.toml").exists());
}

/// `migrate VERB` runs only a migrations crate: another Cargo project (the
/// application around it, an unrelated one) is refused without building it.
#[test]
fn verbs_run_only_a_migrations_crate() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        "[package]\nname = \"webapp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    std::fs::write(
        tmp.path().join("src/main.rs"),
        "fn main() { std::fs::write(\"ran\", \"\").unwrap(); }\n",
    )
    .unwrap();
    let out = migrate(
        &tmp.path().join("src"),
        &["--database-url", "sqlite:x.db", "upgrade"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "(package `webapp`) is not a migrations crate: it does not depend on migrate-cli"
        ) && stderr.contains("migrate init DIR"),
        "{stderr}"
    );
    assert!(!tmp.path().join("ran").exists() && !tmp.path().join("src/ran").exists());

    // A workspace root is not a crate either.
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    let out = migrate(ws.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a workspace, not a migrations crate"),
        "{out:?}"
    );
}
