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
        let text = statement.canonical();
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
}
