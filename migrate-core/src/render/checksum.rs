//! Checksums of rendered plans.

use sha2::{Digest, Sha256};

use super::Statement;

/// The SHA-256 of a rendered plan, as lowercase hex.
///
/// It hashes the canonical SQL rendered from the typed plan (bound values
/// included), not
/// the migration's source text: reformatting the source, editing comments or
/// switching line endings never changes it. Statements are length-prefixed so
/// that moving text from one statement to the next does change it.
pub fn checksum(statements: &[Statement]) -> String {
    let mut hasher = Sha256::new();
    for statement in statements {
        let text = statement.checksum_text();
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    // One allocation: a history of 10,000 migrations is checksummed on
    // every `status` and `upgrade`.
    format!("{:x}", hasher.finalize())
}

/// The SHA-256 of `text`, as lowercase hex: names that must be short and
/// stable.
pub(super) fn digest(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmts(sqls: &[&str]) -> Vec<Statement> {
        sqls.iter()
            .map(|sql| Statement::sql((*sql).to_owned(), 0))
            .collect()
    }

    #[test]
    fn stable_and_boundary_sensitive() {
        let a = checksum(&stmts(&["SELECT 1", "SELECT 2"]));
        assert_eq!(a, checksum(&stmts(&["SELECT 1", "SELECT 2"])));
        assert_eq!(a.len(), 64);
        assert_ne!(a, checksum(&stmts(&["SELECT 1SELECT 2"])));
        assert_ne!(a, checksum(&stmts(&["SELECT 2", "SELECT 1"])));
    }

    #[test]
    fn layout_comments_and_line_endings_do_not_count() {
        let plain = checksum(&stmts(&[
            "CREATE VIEW active AS SELECT id, 'a  b' AS tag FROM users WHERE NOT deleted",
        ]));
        let formatted = checksum(&stmts(&[
            "-- the users we still serve\r\nCREATE VIEW active AS\r\n    SELECT id, 'a  b' AS tag /* kept */\r\n    FROM users\r\n    WHERE NOT deleted\r\n",
        ]));
        assert_eq!(plain, formatted);
        // What a string literal holds does count.
        let literal = checksum(&stmts(&[
            "CREATE VIEW active AS SELECT id, 'a b' AS tag FROM users WHERE NOT deleted",
        ]));
        assert_ne!(plain, literal);
    }
}
