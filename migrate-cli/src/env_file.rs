//! The `.env` file: found in the current directory or the nearest parent,
//! checked whole before any of it is used, and named on stderr when it is
//! not in the current directory.
//!
//! A line that does not parse is an error naming the file and the line (not
//! its text, which may hold a password): silently skipping the file used to
//! send the run to the default SQLite database instead.

use std::path::{Path, PathBuf};

/// Why the `.env` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EnvFileError {
    /// A line that is not `KEY=VALUE`, a comment or blank.
    #[error(
        "{path}:{line}: this line of the .env file cannot be read (expected KEY=VALUE, a `# comment` or a blank line; quote values with spaces or `#`); fix it or remove the file"
    )]
    Line { path: String, line: usize },
    /// The file cannot be read.
    #[error("{path}: cannot read the .env file: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The nearest `.env` at or above `start`.
fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(".env"))
        .find(|path| path.is_file())
}

/// Loads the nearest `.env` into the environment, without overriding what
/// is set already. Returns the file when one was used from a parent
/// directory, for the caller to name.
pub(crate) fn load() -> Result<Option<PathBuf>, EnvFileError> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(None);
    };
    let Some(path) = find(&cwd) else {
        return Ok(None);
    };
    check(&path)?;
    dotenvy::from_path(&path).map_err(|e| read_error(&path, e))?;
    Ok((path.parent() != Some(cwd.as_path())).then_some(path))
}

/// Parses the whole file before anything is set, so a bad line sets
/// nothing.
fn check(path: &Path) -> Result<(), EnvFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EnvFileError::Read {
        path: shown.clone(),
        source,
    })?;
    let lines = dotenvy::from_read_iter(text.as_bytes());
    for item in lines {
        match item {
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(line, _)) => {
                // The line may span several physical ones (an open quote):
                // name the one it starts on.
                let start = text.find(line.as_str()).unwrap_or(0);
                return Err(EnvFileError::Line {
                    path: shown,
                    line: text[..start].matches('\n').count() + 1,
                });
            }
            Err(error) => return Err(read_error(path, error)),
        }
    }
    Ok(())
}

fn read_error(path: &Path, error: dotenvy::Error) -> EnvFileError {
    let source = match error {
        dotenvy::Error::Io(io) => io,
        other => std::io::Error::other(other.to_string()),
    };
    EnvFileError::Read {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, text).unwrap();
        check(&path).unwrap_err().to_string()
    }

    #[test]
    fn a_bad_line_is_named_by_number_without_its_text() {
        let error =
            error_of("# db\nDATABASE_URL=postgres://u:hunter2@db/app\nnot a line hunter2\n");
        assert!(error.contains(".env:3: "), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let error = error_of("A=1\nB=\"two\nlines\"\nC = 'x\n");
        assert!(error.contains(".env:4: "), "{error}");
    }

    #[test]
    fn the_nearest_file_upwards_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(find(&nested), None);
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        assert_eq!(find(&nested), Some(dir.path().join(".env")));
    }
}
