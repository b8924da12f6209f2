//! What the database says it holds: one small query per question and
//! backend, against `pg_catalog`, `information_schema` and SQLite's pragmas.
//! Names are passed as string literals, so any character works.

use crate::harness::{Ctx, Kind};

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnInfo {
    pub(crate) name: String,
    /// The native type, lowercase: `format_type` on PostgreSQL,
    /// `COLUMN_TYPE` on MySQL, the declared type on SQLite.
    pub(crate) ty: String,
    pub(crate) nullable: bool,
    /// The default expression as the catalog prints it.
    pub(crate) default: Option<String>,
}

/// An index other than the primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexInfo {
    pub(crate) name: String,
    pub(crate) unique: bool,
    /// Column names in key order; an expression part reads `expr`.
    pub(crate) columns: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    pub(crate) partial: Option<String>,
    /// `pg_index.indisvalid` on PostgreSQL; always true elsewhere.
    pub(crate) valid: bool,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignKeyInfo {
    pub(crate) columns: Vec<String>,
    pub(crate) ref_table: String,
    /// `CASCADE`, `SET NULL`, `NO ACTION`, `RESTRICT`, `SET DEFAULT`.
    pub(crate) on_delete: String,
    pub(crate) on_update: String,
}

fn split(list: Option<String>) -> Vec<String> {
    list.map(|l| l.split('|').map(str::to_owned).collect())
        .unwrap_or_default()
}

fn truthy(cell: Option<&String>) -> bool {
    matches!(cell.map(String::as_str), Some("t" | "1" | "true" | "YES"))
}

impl Ctx {
    /// The `pg_class` oid of a table in `public`, as a subquery.
    fn pg_rel(&self, table: &str) -> String {
        format!(
            "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname = {})",
            self.lit(table)
        )
    }

    /// Every column of `table`, in order.
    pub(crate) async fn columns(&mut self, table: &str) -> Vec<ColumnInfo> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), \
                 CASE WHEN a.attnotnull THEN '0' ELSE '1' END, pg_get_expr(d.adbin, d.adrelid) \
                 FROM pg_attribute a LEFT JOIN pg_attrdef d \
                 ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = {} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                self.pg_rel(table)
            ),
            Kind::MySql => format!(
                "SELECT column_name, column_type, CASE is_nullable WHEN 'YES' THEN '1' ELSE '0' END, \
                 column_default FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = {} ORDER BY ordinal_position",
                self.lit(table)
            ),
            Kind::Sqlite => format!(
                "SELECT name, type, CASE \"notnull\" WHEN 0 THEN '1' ELSE '0' END, dflt_value \
                 FROM pragma_table_info({}) ORDER BY cid",
                self.lit(table)
            ),
        };
        let kind = self.kind();
        self.rows(&sql)
            .await
            .into_iter()
            .map(|row| ColumnInfo {
                name: row[0].clone().unwrap(),
                ty: row[1].clone().unwrap().to_lowercase(),
                nullable: truthy(row[2].as_ref()),
                // MariaDB spells "no default" on a nullable column `NULL`.
                default: row[3]
                    .clone()
                    .filter(|d| !(kind == Kind::MySql && d == "NULL")),
            })
            .collect()
    }

    /// The names of the columns of `table`, in order.
    pub(crate) async fn column_names(&mut self, table: &str) -> Vec<String> {
        self.columns(table)
            .await
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    /// One column, which must exist.
    pub(crate) async fn column(&mut self, table: &str, column: &str) -> ColumnInfo {
        let columns = self.columns(table).await;
        columns
            .iter()
            .find(|c| c.name == column)
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "{:?}: no column {column:?} in {table:?}; it has {columns:?}",
                    self.kind()
                )
            })
    }

    /// Every index of `table` except the primary key, by name.
    pub(crate) async fn indexes(&mut self, table: &str) -> Vec<IndexInfo> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT i.relname, ix.indisunique::text, ix.indisvalid::text, \
                 pg_get_expr(ix.indpred, ix.indrelid), \
                 (SELECT string_agg(COALESCE(a.attname, 'expr'), '|' ORDER BY k) \
                  FROM generate_subscripts(ix.indkey, 1) k \
                  LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k] \
                  AND ix.indkey[k] <> 0) \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 WHERE ix.indrelid = {} AND NOT ix.indisprimary ORDER BY i.relname",
                self.pg_rel(table)
            ),
            Kind::MySql => format!(
                "SELECT index_name, CASE MIN(non_unique) WHEN 0 THEN '1' ELSE '0' END, '1', NULL, \
                 GROUP_CONCAT(COALESCE(column_name, 'expr') ORDER BY seq_in_index SEPARATOR '|') \
                 FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = {} AND index_name <> 'PRIMARY' \
                 GROUP BY index_name ORDER BY index_name",
                self.lit(table)
            ),
            Kind::Sqlite => format!(
                "SELECT il.name, il.\"unique\", '1', \
                 CASE il.partial WHEN 1 THEN (SELECT substr(s.sql, instr(upper(s.sql), ' WHERE ') + 7) \
                  FROM sqlite_master s WHERE s.type = 'index' AND s.name = il.name) END, \
                 (SELECT group_concat(COALESCE(c.name, 'expr'), '|') \
                  FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) c) \
                 FROM pragma_index_list({}) il WHERE il.origin <> 'pk' ORDER BY il.name",
                self.lit(table)
            ),
        };
        self.rows(&sql)
            .await
            .into_iter()
            .map(|row| IndexInfo {
                name: row[0].clone().unwrap(),
                unique: truthy(row[1].as_ref()),
                valid: truthy(row[2].as_ref()),
                partial: row[3].clone(),
                columns: split(row[4].clone()),
            })
            .collect()
    }

    /// One index of `table`, if it exists.
    pub(crate) async fn index(&mut self, table: &str, name: &str) -> Option<IndexInfo> {
        self.indexes(table)
            .await
            .into_iter()
            .find(|ix| ix.name == name)
    }

    /// The names of the indexes of `table` (the primary key left out).
    pub(crate) async fn index_names(&mut self, table: &str) -> Vec<String> {
        self.indexes(table)
            .await
            .into_iter()
            .map(|ix| ix.name)
            .collect()
    }

    /// The primary key's columns, in key order; empty when there is none.
    pub(crate) async fn primary_key(&mut self, table: &str) -> Vec<String> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT a.attname FROM pg_index ix, generate_subscripts(ix.indkey, 1) k, pg_attribute a \
                 WHERE ix.indrelid = {} AND ix.indisprimary \
                 AND a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k] ORDER BY k",
                self.pg_rel(table)
            ),
            Kind::MySql => format!(
                "SELECT column_name FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = {} AND index_name = 'PRIMARY' \
                 ORDER BY seq_in_index",
                self.lit(table)
            ),
            Kind::Sqlite => format!(
                "SELECT name FROM pragma_table_info({}) WHERE pk > 0 ORDER BY pk",
                self.lit(table)
            ),
        };
        self.strings(&sql).await
    }

    /// The names of the table's constraints: `pg_constraint` on PostgreSQL,
    /// `table_constraints` on MySQL (`PRIMARY` included), every
    /// `CONSTRAINT "name"` of the table's SQL on SQLite.
    pub(crate) async fn constraints(&mut self, table: &str) -> Vec<String> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT conname FROM pg_constraint WHERE conrelid = {} ORDER BY conname",
                self.pg_rel(table)
            ),
            Kind::MySql => format!(
                "SELECT constraint_name FROM information_schema.table_constraints \
                 WHERE constraint_schema = DATABASE() AND table_name = {} ORDER BY constraint_name",
                self.lit(table)
            ),
            Kind::Sqlite => {
                let mut names = constraint_names(&self.table_sql(table).await);
                names.sort();
                return names;
            }
        };
        self.strings(&sql).await
    }

    /// The foreign keys of `table`, ordered by their first column.
    pub(crate) async fn foreign_keys(&mut self, table: &str) -> Vec<ForeignKeyInfo> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT (SELECT string_agg(a.attname, '|' ORDER BY u.k) \
                  FROM unnest(c.conkey) WITH ORDINALITY u(n, k) \
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.n), \
                 (SELECT relname FROM pg_class WHERE oid = c.confrelid), \
                 c.confdeltype::text, c.confupdtype::text \
                 FROM pg_constraint c WHERE c.conrelid = {} AND c.contype = 'f'",
                self.pg_rel(table)
            ),
            Kind::MySql => format!(
                "SELECT (SELECT GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position SEPARATOR '|') \
                  FROM information_schema.key_column_usage k \
                  WHERE k.constraint_schema = rc.constraint_schema AND k.table_name = rc.table_name \
                  AND k.constraint_name = rc.constraint_name), \
                 rc.referenced_table_name, rc.delete_rule, rc.update_rule \
                 FROM information_schema.referential_constraints rc \
                 WHERE rc.constraint_schema = DATABASE() AND rc.table_name = {}",
                self.lit(table)
            ),
            Kind::Sqlite => format!(
                "SELECT group_concat(\"from\", '|'), \"table\", on_delete, on_update \
                 FROM (SELECT * FROM pragma_foreign_key_list({}) ORDER BY id, seq) GROUP BY id",
                self.lit(table)
            ),
        };
        let action = |code: &str| {
            match code {
                "a" => "NO ACTION",
                "r" => "RESTRICT",
                "c" => "CASCADE",
                "n" => "SET NULL",
                "d" => "SET DEFAULT",
                other => other,
            }
            .to_uppercase()
        };
        let mut fks: Vec<ForeignKeyInfo> = self
            .rows(&sql)
            .await
            .into_iter()
            .map(|row| ForeignKeyInfo {
                columns: split(row[0].clone()),
                ref_table: row[1].clone().unwrap(),
                on_delete: action(row[2].as_deref().unwrap()),
                on_update: action(row[3].as_deref().unwrap()),
            })
            .collect();
        fks.sort_by(|a, b| a.columns.cmp(&b.columns));
        fks
    }

    /// The table's comment (PostgreSQL, MySQL); `None` when it has none.
    pub(crate) async fn table_comment(&mut self, table: &str) -> Option<String> {
        let sql = match self.kind() {
            Kind::Postgres => format!("SELECT obj_description({}, 'pg_class')", self.pg_rel(table)),
            Kind::MySql => format!(
                "SELECT table_comment FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = {}",
                self.lit(table)
            ),
            Kind::Sqlite => return None,
        };
        self.value(&sql).await.filter(|c| !c.is_empty())
    }

    /// A column's comment (PostgreSQL, MySQL); `None` when it has none.
    pub(crate) async fn column_comment(&mut self, table: &str, column: &str) -> Option<String> {
        let sql = match self.kind() {
            Kind::Postgres => format!(
                "SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a \
                 WHERE a.attrelid = {} AND a.attname = {}",
                self.pg_rel(table),
                self.lit(column)
            ),
            Kind::MySql => format!(
                "SELECT column_comment FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = {} AND column_name = {}",
                self.lit(table),
                self.lit(column)
            ),
            Kind::Sqlite => return None,
        };
        self.value(&sql).await.filter(|c| !c.is_empty())
    }

    /// SQLite: the table's `CREATE TABLE` statement.
    pub(crate) async fn table_sql(&mut self, table: &str) -> String {
        let sql = format!(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {}",
            self.lit(table)
        );
        self.value(&sql)
            .await
            .unwrap_or_else(|| panic!("no table {table:?}"))
    }

    /// PostgreSQL: the labels of an enum type, in order; empty when the type
    /// does not exist.
    pub(crate) async fn pg_enum(&mut self, name: &str) -> Vec<String> {
        let sql = format!(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid \
             WHERE t.typname = {} ORDER BY e.enumsortorder",
            self.lit(name)
        );
        self.strings(&sql).await
    }

    /// PostgreSQL: whether a type of this name exists.
    pub(crate) async fn pg_type_exists(&mut self, name: &str) -> bool {
        let sql = format!(
            "SELECT typname FROM pg_type WHERE typname = {}",
            self.lit(name)
        );
        self.value(&sql).await.is_some()
    }
}

/// Every `CONSTRAINT name` in an SQLite `CREATE TABLE`, quoted or not.
pub(crate) fn constraint_names(sql: &str) -> Vec<String> {
    let mut names = Vec::new();
    let lower = sql.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("constraint") {
        let start = from + at;
        from = start + "constraint".len();
        // A keyword, not part of a name or of a quoted string.
        let before = sql[..start].chars().next_back();
        let after = sql[from..].chars().next();
        if before.is_some_and(|c| !c.is_whitespace() && c != ',' && c != '(')
            || !after.is_some_and(char::is_whitespace)
        {
            continue;
        }
        let rest = sql[from..].trim_start();
        let (name, len) = read_identifier(rest);
        if let Some(name) = name {
            names.push(name);
            from = sql.len() - rest.len() + len;
        }
    }
    names
}

/// A leading identifier, quoted (`"a""b"`, `` `a` ``, `[a]`) or bare, and how
/// many bytes it took.
fn read_identifier(text: &str) -> (Option<String>, usize) {
    let mut chars = text.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return (None, 0);
    };
    let close = match first {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        _ => {
            let end = text
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len());
            return ((end > 0).then(|| text[..end].to_owned()), end);
        }
    };
    let mut name = String::new();
    while let Some((i, c)) = chars.next() {
        if c == close {
            if close != ']' && chars.peek().map(|&(_, c)| c) == Some(close) {
                chars.next();
                name.push(c);
                continue;
            }
            return (Some(name), i + c.len_utf8());
        }
        name.push(c);
    }
    (None, text.len())
}

#[test]
fn reads_constraint_names_from_sqlite_sql() {
    let sql = r#"CREATE TABLE "t" ("id" integer NOT NULL CONSTRAINT "pk ""x""" PRIMARY KEY, "constraint_col" int, CONSTRAINT ck CHECK (id > 0), constraint `b` UNIQUE (id))"#;
    assert_eq!(constraint_names(sql), [r#"pk "x""#, "ck", "b"]);
}
