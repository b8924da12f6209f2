//! Indexes: `CREATE [UNIQUE] INDEX` (`CONCURRENTLY` on PostgreSQL) and
//! `DROP INDEX`, and MySQL's conditional index statements for foreign keys.

use super::RenderError;
use super::operation::Renderer;
use super::sql::{ident, idents, string};
use crate::Backend;
use crate::ops::{Dropped, Index, IndexPart};

impl Renderer<'_> {
    pub(super) fn create_index(&self, index: &Index) -> Result<String, RenderError> {
        let b = self.backend;
        if index.table.is_empty() || index.parts.is_empty() {
            return Err(RenderError::EmptyIndex {
                op: self.operation.describe(),
            });
        }
        if index.name.is_empty() {
            return Err(self.invalid(
                "the index has no name: a plan recorded for a backend names it (`ix_<table>_<column>`, or the naming convention's); give one to a plan built by hand",
            ));
        }
        // MySQL has no partial indexes. A plain one serves the same queries,
        // so it is built over every row; a unique one would forbid more than
        // the plan says, so it is refused.
        let partial = index.partial.as_ref().filter(|_| b != Backend::MySql);
        if b == Backend::MySql && index.partial.is_some() && index.unique {
            return Err(self.unsupported(
                "MySQL has no partial indexes, and a unique index over every row would forbid more than `.partial(..)` says; enforce it with a generated column instead",
            ));
        }
        let parts: Vec<String> = index
            .parts
            .iter()
            .map(|part| match (part, b) {
                (IndexPart::Column(c), _) => ident(b, c),
                (IndexPart::Expr(e), Backend::MySql) => format!("(({e}))"),
                (IndexPart::Expr(e), _) => format!("({e})"),
            })
            .collect();
        let mut sql = format!(
            "CREATE {}INDEX {}{}{} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            if index.concurrently && b == Backend::Postgres {
                "CONCURRENTLY "
            } else {
                ""
            },
            if index.if_not_exists {
                "IF NOT EXISTS "
            } else {
                ""
            },
            ident(b, &index.name),
            ident(b, &index.table),
            parts.join(", ")
        );
        if let Some(predicate) = partial {
            sql.push_str(&format!(" WHERE {predicate}"));
        }
        Ok(sql)
    }

    pub(super) fn drop_index(
        &self,
        table: &str,
        index: &Dropped<Index>,
        if_exists: bool,
    ) -> String {
        let b = self.backend;
        let concurrently = index.definition().is_some_and(|ix| ix.concurrently);
        let mut sql = format!(
            "DROP INDEX {}{}{}",
            if concurrently && b == Backend::Postgres {
                "CONCURRENTLY "
            } else {
                ""
            },
            if if_exists { "IF EXISTS " } else { "" },
            ident(b, index.name())
        );
        if b == Backend::MySql {
            sql.push_str(&format!(" ON {}", ident(b, table)));
        }
        sql
    }
}

/// MySQL: runs `sql` only if `condition` (a scalar query) is true, in one
/// statement a run and an offline script execute alike: MySQL has no
/// conditional DDL, so the DDL goes through a prepared statement.
pub(super) fn mysql_if(condition: &str, sql: &str) -> String {
    let b = Backend::MySql;
    format!(
        "SET @migrate_ddl = IF(({condition}), {}, 'DO 0'); PREPARE migrate_ddl FROM @migrate_ddl; \
         EXECUTE migrate_ddl; DEALLOCATE PREPARE migrate_ddl",
        string(b, sql)
    )
}

/// MySQL: an index named `name` on `columns` for a foreign key added to an
/// existing table, unless an index already starts with those columns (a
/// second one would be a duplicate, which MariaDB warns of).
///
/// The index is explicit and named after the key: MySQL makes one
/// implicitly otherwise, and silently drops that one when a later index
/// starts with the same columns; the later index then cannot be dropped
/// while the key exists ("needed in a foreign key constraint"). An explicit
/// index is never dropped behind our back, and `drop_constraint` drops it
/// with the key.
pub(super) fn mysql_index_unless_covered(table: &str, name: &str, columns: &[String]) -> String {
    let b = Backend::MySql;
    let positions: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "(seq_in_index = {} AND column_name = {})",
                i + 1,
                string(b, c)
            )
        })
        .collect();
    let uncovered = format!(
        "SELECT COUNT(*) = 0 FROM (SELECT index_name FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = {} AND ({}) \
         GROUP BY index_name HAVING COUNT(*) = {}) AS covering",
        string(b, table),
        positions.join(" OR "),
        columns.len()
    );
    let create = format!(
        "CREATE INDEX {} ON {} ({})",
        ident(b, name),
        ident(b, table),
        idents(b, columns)
    );
    mysql_if(&uncovered, &create)
}

/// MySQL: drops index `name` of `table` if there is one.
pub(super) fn mysql_drop_index_if_present(table: &str, name: &str) -> String {
    let b = Backend::MySql;
    let present = format!(
        "SELECT COUNT(*) > 0 FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = {} AND index_name = {}",
        string(b, table),
        string(b, name)
    );
    mysql_if(
        &present,
        &format!("DROP INDEX {} ON {}", ident(b, name), ident(b, table)),
    )
}
