//! MySQL and MariaDB, from `information_schema`: the current database.
//!
//! Unique constraints are unique indexes there and are read as indexes.
//! MariaDB stores `JSON` as `longtext` with a `json_valid` check; the pair
//! reads back as one [`SqlType::Json`] column.

use std::collections::BTreeMap;

use super::{IntrospectError, Reader, cell, opt, yes};
use crate::Backend;
use crate::schema::model::{
    Check, Column, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, Schema, SqlType, Table, View,
};
use crate::schema::normalize::{self, ConstraintKind, generated_name};

pub(super) async fn read(db: &mut Reader<'_>) -> Result<Schema, IntrospectError> {
    let mut schema = Schema::new(Backend::MySql);
    let server = db.rows("server", "SELECT DATABASE(), VERSION()").await?;
    let database = server.first().map(|r| cell(r, 0)).unwrap_or_default();
    let mariadb = server
        .first()
        .is_some_and(|r| cell(r, 1).contains("MariaDB"));

    let tables = "SELECT table_name, table_comment FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";
    for row in db.rows("tables", tables).await? {
        let mut table = Table::new(cell(&row, 0));
        table.comment = opt(&row, 1);
        schema.tables.insert(table.name.clone(), table);
    }

    let columns = "SELECT table_name, column_name, column_type, is_nullable, column_default, \
         extra, column_comment FROM information_schema.columns \
         WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position";
    for row in db.rows("columns", columns).await? {
        let Some(table) = schema.tables.get_mut(&cell(&row, 0)) else {
            continue; // a view's column
        };
        let ty = normalize::mysql_type(&cell(&row, 2));
        let extra = cell(&row, 5).to_ascii_lowercase();
        let default = opt(&row, 4)
            .map(|d| literal_default(d, &extra, mariadb))
            .and_then(|d| normalize::default(&d, &ty));
        table.columns.push(Column {
            name: cell(&row, 1),
            ty,
            nullable: yes(&row, 3),
            default,
            identity: extra.contains("auto_increment"),
            comment: opt(&row, 6),
        });
    }

    read_constraints(db, &mut schema.tables, mariadb).await?;
    read_indexes(db, &mut schema.tables, mariadb).await?;
    if mariadb {
        fold_json_checks(&mut schema.tables);
    }

    let views = "SELECT table_name, view_definition FROM information_schema.views \
         WHERE table_schema = DATABASE()";
    let own_prefix = format!("`{}`.", database.replace('`', "``"));
    for row in db.rows("views", views).await? {
        let name = cell(&row, 0);
        // MariaDB qualifies every name with the database, which differs
        // between otherwise equal databases.
        let definition = normalize::expression(&cell(&row, 1).replace(&own_prefix, ""));
        schema.views.insert(name.clone(), View { name, definition });
    }
    Ok(schema)
}

/// MySQL 8 reports a literal default unquoted (`abc`) and marks expression
/// defaults `DEFAULT_GENERATED`; MariaDB quotes literals itself.
fn literal_default(default: String, extra: &str, mariadb: bool) -> String {
    let bare = !default.starts_with('\'')
        && default.parse::<f64>().is_err()
        && !default.eq_ignore_ascii_case("null")
        && !default
            .to_ascii_lowercase()
            .starts_with("current_timestamp");
    if !mariadb && bare && !extra.contains("default_generated") {
        format!("'{}'", default.replace('\'', "''"))
    } else if mariadb && default.starts_with('\'') {
        // MariaDB escapes a quote in a literal with a backslash.
        normalize::mysql_literal(&default)
    } else {
        default
    }
}

fn action(rule: &str) -> FkAction {
    match rule {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        // InnoDB treats RESTRICT and NO ACTION alike, and reports either.
        _ => FkAction::NoAction,
    }
}

/// Primary keys, foreign keys and checks: one row per key column.
async fn read_constraints(
    db: &mut Reader<'_>,
    tables: &mut BTreeMap<String, Table>,
    mariadb: bool,
) -> Result<(), IntrospectError> {
    // MariaDB names checks per table (a column check is named after its
    // column); MySQL per database, and its check_constraints has no table.
    let same_table = if mariadb {
        " AND cc.table_name = tc.table_name"
    } else {
        ""
    };
    let sql = format!(
        "SELECT tc.table_name, tc.constraint_name, tc.constraint_type, k.column_name, \
         k.referenced_table_name, k.referenced_column_name, rc.delete_rule, rc.update_rule, \
         cc.check_clause \
         FROM information_schema.table_constraints tc \
         LEFT JOIN information_schema.key_column_usage k ON k.constraint_schema = tc.constraint_schema \
         AND k.table_name = tc.table_name AND k.constraint_name = tc.constraint_name \
         LEFT JOIN information_schema.referential_constraints rc \
         ON rc.constraint_schema = tc.constraint_schema AND rc.table_name = tc.table_name \
         AND rc.constraint_name = tc.constraint_name \
         LEFT JOIN information_schema.check_constraints cc \
         ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name\
         {same_table} \
         WHERE tc.table_schema = DATABASE() \
         AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'CHECK') \
         ORDER BY tc.table_name, tc.constraint_name, k.ordinal_position"
    );
    let rows = db.rows("constraints", &sql).await?;
    // One group of rows per constraint: same table, same name.
    for group in rows.chunk_by(|a, b| a[..2] == b[..2]) {
        let row = &group[0];
        let (table_name, name, kind) = (cell(row, 0), cell(row, 1), cell(row, 2));
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        let columns: Vec<String> = group.iter().filter_map(|r| opt(r, 3)).collect();
        let named = |kind| {
            (!generated_name(Backend::MySql, &table_name, kind, &name)).then(|| name.clone())
        };
        match kind.as_str() {
            "PRIMARY KEY" => {
                table.primary_key = Some(PrimaryKey {
                    name: named(ConstraintKind::PrimaryKey),
                    columns,
                });
            }
            "FOREIGN KEY" => table.foreign_keys.push(ForeignKey {
                name: named(ConstraintKind::ForeignKey),
                columns,
                ref_table: cell(row, 4),
                ref_columns: group.iter().filter_map(|r| opt(r, 5)).collect(),
                on_delete: action(&cell(row, 6)),
                on_update: action(&cell(row, 7)),
            }),
            _ => table.checks.push(Check {
                name: named(ConstraintKind::Check),
                expr: normalize::mysql_check(&cell(row, 8)),
            }),
        }
    }
    Ok(())
}

/// Every index but the primary key: one row per key part.
async fn read_indexes(
    db: &mut Reader<'_>,
    tables: &mut BTreeMap<String, Table>,
    mariadb: bool,
) -> Result<(), IntrospectError> {
    // MySQL 8 has functional key parts; MariaDB has no `expression` column.
    let expression = if mariadb { "NULL" } else { "expression" };
    let sql = format!(
        "SELECT table_name, index_name, CAST(non_unique AS CHAR), column_name, \
         CAST(sub_part AS CHAR), {expression} FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' \
         ORDER BY table_name, index_name, seq_in_index"
    );
    for row in db.rows("indexes", &sql).await? {
        let Some(table) = tables.get_mut(&cell(&row, 0)) else {
            continue;
        };
        let name = cell(&row, 1);
        let part = match (opt(&row, 3), opt(&row, 4)) {
            (Some(column), None) => IndexPart::Column(column),
            (Some(column), Some(prefix)) => IndexPart::Expr(format!("{column}({prefix})")),
            (None, _) => IndexPart::Expr(normalize::expression(&cell(&row, 5))),
        };
        match table.indexes.iter_mut().find(|i| i.name == name) {
            Some(index) => index.parts.push(part),
            None => table.indexes.push(Index {
                name,
                unique: cell(&row, 2) == "0",
                parts: vec![part],
                predicate: None,
                valid: true,
            }),
        }
    }
    Ok(())
}

/// MariaDB's `JSON` is `longtext` plus `CHECK (json_valid(col))` named
/// after the column: read the pair back as a JSON column. The check keeps
/// its name when the column is renamed, so it is known by what it checks.
fn fold_json_checks(tables: &mut BTreeMap<String, Table>) {
    for table in tables.values_mut() {
        let Table {
            columns, checks, ..
        } = table;
        checks.retain(|check| {
            let column = columns.iter_mut().find(|c| {
                check.expr
                    == format!(
                        "json_valid({})",
                        normalize::expression(&format!("`{}`", c.name))
                    )
            });
            match column {
                Some(column) if column.ty == SqlType::Other("longtext".to_owned()) => {
                    column.ty = SqlType::Json;
                    false
                }
                _ => true,
            }
        });
    }
}
