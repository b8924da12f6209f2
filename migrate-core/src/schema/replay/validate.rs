//! What is wrong with an operation though a database may take it: a
//! foreign key to a table or column that does not exist, to columns no key
//! makes unique, or of another type; dropping a column or table that an
//! index, a view or another table's foreign key still uses. `check` and
//! the stairway report these; the replay itself follows what the database
//! does.

use super::super::model::{ForeignKey, IndexPart, Schema, SqlType, Table};
use super::{Replay, ReplayError, tables_of};
use crate::Backend;
use crate::ops::Operation;

impl Replay {
    /// Replays `op` like [`operation`](Self::operation), and gives what is
    /// wrong with it against the schema before it: each problem names the
    /// operation and says what to do. Tables raw SQL made uncertain are
    /// not judged.
    ///
    /// # Errors
    ///
    /// What `operation` returns.
    pub fn checked_operation(&mut self, op: &Operation) -> Result<Vec<ReplayError>, ReplayError> {
        if let Operation::Execute(raw) = op {
            if let (Some(_), Some(effect)) = (raw.sql_for(self.backend()), raw.declared_effect()) {
                // Judged as the typed operations it declares.
                let mut problems = Vec::new();
                for declared in effect {
                    problems.extend(self.checked_operation(declared).map_err(|inner| {
                        ReplayError {
                            operation: op.describe(),
                            problem: format!(
                                "its declared effect `{}`: {}",
                                inner.operation, inner.problem
                            ),
                        }
                    })?);
                }
                return Ok(problems);
            }
        }
        let touched: Vec<String> = tables_of(op).into_iter().map(str::to_owned).collect();
        let keys_before: Vec<(String, Vec<ForeignKey>)> = touched
            .iter()
            .map(|t| {
                let keys = self.schema.table(t).map(|t| t.foreign_keys.clone());
                (t.clone(), keys.unwrap_or_default())
            })
            .collect();
        let mut problems = if self.sure_of(&touched) {
            drops(&self.schema, op)
        } else {
            Vec::new()
        };
        self.operation(op)?;
        // The foreign keys the operation made, judged where they landed.
        for (table, before) in keys_before {
            let Some(t) = self.schema.table(&table) else {
                continue;
            };
            for fk in t.foreign_keys.iter().filter(|fk| !before.contains(fk)) {
                if self.sure_of(&[table.clone(), fk.ref_table.clone()]) {
                    problems.extend(foreign_key(&self.schema, t, fk));
                }
            }
        }
        Ok(problems
            .into_iter()
            .map(|problem| ReplayError {
                operation: op.describe(),
                problem,
            })
            .collect())
    }

    fn sure_of(&self, tables: &[String]) -> bool {
        !self.uncertain.everything && tables.iter().all(|t| !self.uncertain.tables.contains(t))
    }
}

/// What a new foreign key of `t` gets wrong.
fn foreign_key(schema: &Schema, t: &Table, fk: &ForeignKey) -> Vec<String> {
    let named = fk.name.as_ref().map_or_else(
        || "the foreign key".to_owned(),
        |n| format!("foreign key `{n}`"),
    );
    let Some(target) = schema.table(&fk.ref_table) else {
        return vec![format!(
            "{named} references table `{}`, which does not exist at this point; create it in an earlier migration, or earlier in this one",
            fk.ref_table
        )];
    };
    let mut problems = Vec::new();
    for (column, ref_column) in fk.columns.iter().zip(&fk.ref_columns) {
        let Some(target_column) = target.column(ref_column) else {
            problems.push(format!(
                "{named} references column `{}.{ref_column}`, which does not exist; reference an existing column, or add it first",
                target.name
            ));
            continue;
        };
        let Some(own) = t.column(column) else {
            continue;
        };
        if let Some(why) = mismatch(schema.backend, &own.ty, &target_column.ty) {
            problems.push(format!(
                "{named}: `{}.{column}` is {} but `{}.{ref_column}` is {}{why}; give both columns the same type",
                t.name, own.ty, target.name, target_column.ty
            ));
        }
    }
    if problems.is_empty() && !unique_over(target, &fk.ref_columns) {
        problems.push(format!(
            "{named} references `{}` ({}), which no primary key, unique constraint or unique index covers exactly; the database refuses it or cannot enforce it: add a unique constraint on those columns first",
            target.name,
            fk.ref_columns.join(", ")
        ));
    }
    problems
}

/// Why a column of type `own` cannot reference one of type `target`.
fn mismatch(backend: Backend, own: &SqlType, target: &SqlType) -> Option<&'static str> {
    let (a, b) = (kind(own)?, kind(target)?);
    if a != b {
        return Some("");
    }
    // InnoDB wants integers of the same size.
    (backend == Backend::MySql && own.is_integer() && own != target)
        .then_some(" (MySQL wants integers of the same size)")
}

/// The family a type belongs to; `None` where it cannot be told.
fn kind(ty: &SqlType) -> Option<String> {
    Some(
        match ty {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => "integer",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Real | SqlType::Double => "float",
            SqlType::VarChar(_) | SqlType::Char(_) | SqlType::Text => "text",
            SqlType::Boolean => "boolean",
            SqlType::Date => "date",
            SqlType::Time => "time",
            SqlType::Timestamp | SqlType::TimestampTz => "timestamp",
            SqlType::Uuid => "uuid",
            SqlType::Json | SqlType::Jsonb => "json",
            SqlType::Binary => "binary",
            SqlType::Enum(name) => return Some(format!("enum {name}")),
            SqlType::InlineEnum(_) => "text",
            SqlType::Other(_) => return None,
        }
        .to_owned(),
    )
}

/// Whether a key of `t` makes exactly `columns` unique.
fn unique_over(t: &Table, columns: &[String]) -> bool {
    let same =
        |key: &[String]| key.len() == columns.len() && columns.iter().all(|c| key.contains(c));
    t.primary_key.as_ref().is_some_and(|k| same(&k.columns))
        || t.uniques.iter().any(|u| same(&u.columns))
        || t.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.parts.len() == columns.len()
                && i.parts
                    .iter()
                    .all(|p| matches!(p, IndexPart::Column(c) if columns.contains(c)))
        })
}

/// What still uses a column or table `op` drops.
fn drops(schema: &Schema, op: &Operation) -> Vec<String> {
    let mut problems = Vec::new();
    match op {
        Operation::DropColumn { table, column } => {
            let column = column.name();
            let Some(t) = schema.table(table) else {
                return problems;
            };
            for index in &t.indexes {
                let uses = index.parts.iter().any(|p| match p {
                    IndexPart::Column(c) => c == column,
                    IndexPart::Expr(e) => mentions(e, column),
                }) || index
                    .predicate
                    .as_deref()
                    .is_some_and(|p| mentions(p, column));
                let alone = index.parts == [IndexPart::Column(column.to_owned())]
                    && index.predicate.is_none();
                if uses && !alone {
                    problems.push(format!(
                        "index `{}` ({index}) uses `{table}.{column}` with more: PostgreSQL drops the whole index, MySQL drops the column from it, SQLite refuses; drop the index first (and create what you still need)",
                        index.name
                    ));
                }
            }
            for (other, fk) in referencing(schema, table) {
                if fk.ref_columns.iter().any(|c| c == column) {
                    problems.push(format!(
                        "the foreign key {}of `{other}` references `{table}.{column}`; drop the foreign key first",
                        fk.name.as_ref().map(|n| format!("`{n}` ")).unwrap_or_default()
                    ));
                }
            }
            for view in schema.views.values() {
                if mentions(&view.definition, table) && mentions(&view.definition, column) {
                    problems.push(format!(
                        "view `{}` uses `{table}.{column}`; drop the view first, and create it again without the column after",
                        view.name
                    ));
                }
            }
        }
        Operation::DropTable { table, .. } => {
            let table = table.name();
            for (other, fk) in referencing(schema, table) {
                if other != table {
                    problems.push(format!(
                        "the foreign key {}of `{other}` references `{table}`; drop it (or `{other}`) first",
                        fk.name.as_ref().map(|n| format!("`{n}` ")).unwrap_or_default()
                    ));
                }
            }
            for view in schema.views.values() {
                if mentions(&view.definition, table) {
                    problems.push(format!(
                        "view `{}` uses `{table}`; drop the view first",
                        view.name
                    ));
                }
            }
        }
        _ => {}
    }
    problems
}

/// The foreign keys of every table that reference `table`.
fn referencing<'a>(
    schema: &'a Schema,
    table: &'a str,
) -> impl Iterator<Item = (&'a str, &'a ForeignKey)> {
    schema.tables.values().flat_map(move |t| {
        t.foreign_keys
            .iter()
            .filter(move |fk| fk.ref_table == table)
            .map(move |fk| (t.name.as_str(), fk))
    })
}

/// Whether SQL text uses `name` as a word (quoted or not).
fn mentions(sql: &str, name: &str) -> bool {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .any(|word| word.eq_ignore_ascii_case(name))
}
