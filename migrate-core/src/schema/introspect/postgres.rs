//! PostgreSQL, from `pg_catalog`: the current schema (`current_schema()`).

use super::{IntrospectError, Reader, cell, opt, table, yes};
use crate::Backend;
use crate::schema::model::{
    Check, Column, EnumType, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, Schema, SqlType,
    Unique, View,
};
use crate::schema::normalize::{self, ConstraintKind, generated_name};

const IN_SCHEMA: &str = "JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema()";

pub(super) async fn read(db: &mut Reader<'_>) -> Result<Schema, IntrospectError> {
    let mut schema = Schema::new(Backend::Postgres);
    let tables = format!(
        "SELECT c.relname::text, obj_description(c.oid, 'pg_class') FROM pg_class c \
         {IN_SCHEMA} AND c.relkind IN ('r', 'p')"
    );
    for row in db.rows("tables", &tables).await? {
        table(&mut schema.tables, &cell(&row, 0)).comment = opt(&row, 1);
    }

    let columns = format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         t.typtype::text, t.typname::text, (NOT a.attnotnull)::text, \
         pg_get_expr(d.adbin, d.adrelid), (a.attidentity <> '')::text, \
         col_description(c.oid, a.attnum) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         {IN_SCHEMA} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attnum"
    );
    for row in db.rows("columns", &columns).await? {
        let ty = if cell(&row, 3) == "e" {
            SqlType::Enum(cell(&row, 4))
        } else {
            normalize::sql_type(&cell(&row, 2))
        };
        let raw_default = opt(&row, 6);
        // `serial` is an integer with a sequence default.
        let serial = raw_default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let default = raw_default
            .filter(|_| !serial)
            .and_then(|d| normalize::default(&d, &ty));
        table(&mut schema.tables, &cell(&row, 0))
            .columns
            .push(Column {
                name: cell(&row, 1),
                ty,
                nullable: yes(&row, 5),
                default,
                identity: serial || yes(&row, 7),
                comment: opt(&row, 8),
            });
    }

    read_constraints(db, &mut schema).await?;
    read_indexes(db, &mut schema).await?;

    let enums = "SELECT t.typname::text, e.enumlabel::text FROM pg_type t \
         JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder";
    for row in db.rows("enums", enums).await? {
        let name = cell(&row, 0);
        schema
            .enums
            .entry(name.clone())
            .or_insert_with(|| EnumType {
                name,
                values: Vec::new(),
            })
            .values
            .push(cell(&row, 1));
    }

    let views = format!(
        "SELECT c.relname::text, pg_get_viewdef(c.oid, true) FROM pg_class c \
         {IN_SCHEMA} AND c.relkind IN ('v', 'm')"
    );
    for row in db.rows("views", &views).await? {
        let name = cell(&row, 0);
        let definition = normalize::expression(cell(&row, 1).trim_end_matches(';'));
        schema.views.insert(name.clone(), View { name, definition });
    }
    Ok(schema)
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Primary keys, unique, check and foreign-key constraints: one row per
/// constraint column, in key order.
async fn read_constraints(db: &mut Reader<'_>, schema: &mut Schema) -> Result<(), IntrospectError> {
    let sql = format!(
        "SELECT c.relname::text, co.conname::text, co.contype::text, \
         pg_get_constraintdef(co.oid), fc.relname::text, co.confdeltype::text, \
         co.confupdtype::text, a.attname::text, fa.attname::text \
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
         LEFT JOIN pg_class fc ON fc.oid = co.confrelid \
         LEFT JOIN LATERAL unnest(co.conkey, co.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord) \
         ON true \
         LEFT JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum \
         LEFT JOIN pg_attribute fa ON fa.attrelid = co.confrelid AND fa.attnum = k.fattnum \
         {IN_SCHEMA} AND co.contype IN ('p', 'u', 'c', 'f') AND c.relkind IN ('r', 'p') \
         ORDER BY c.relname, co.conname, k.ord"
    );
    let rows = db.rows("constraints", &sql).await?;
    // One group of rows per constraint: same table, same name.
    for group in rows.chunk_by(|a, b| a[..2] == b[..2]) {
        let row = &group[0];
        let (table_name, name, kind) = (cell(row, 0), cell(row, 1), cell(row, 2));
        let columns: Vec<String> = group.iter().filter_map(|r| opt(r, 7)).collect();
        let ref_columns: Vec<String> = group.iter().filter_map(|r| opt(r, 8)).collect();
        let named = |kind| {
            (!generated_name(Backend::Postgres, &table_name, kind, &name)).then(|| name.clone())
        };
        let t = table(&mut schema.tables, &table_name);
        match kind.as_str() {
            "p" => {
                t.primary_key = Some(PrimaryKey {
                    name: named(ConstraintKind::PrimaryKey),
                    columns,
                });
            }
            "u" => t.uniques.push(Unique {
                name: named(ConstraintKind::Unique),
                columns,
            }),
            "c" => {
                let definition = cell(row, 3);
                let body = definition
                    .strip_prefix("CHECK ")
                    .unwrap_or(&definition)
                    .trim_end_matches(" NOT VALID");
                t.checks.push(Check {
                    name: named(ConstraintKind::Check),
                    expr: normalize::expression(body),
                });
            }
            _ => t.foreign_keys.push(ForeignKey {
                name: named(ConstraintKind::ForeignKey),
                columns,
                ref_table: cell(row, 4),
                ref_columns,
                on_delete: action(&cell(row, 5)),
                on_update: action(&cell(row, 6)),
            }),
        }
    }
    Ok(())
}

/// Indexes that back no primary key or unique constraint: one row per key
/// part.
async fn read_indexes(db: &mut Reader<'_>, schema: &mut Schema) -> Result<(), IntrospectError> {
    let sql = format!(
        "SELECT c.relname::text, i.relname::text, ix.indisunique::text, ix.indisvalid::text, \
         pg_get_expr(ix.indpred, ix.indrelid, true), a.attname::text, \
         pg_get_indexdef(ix.indexrelid, k.n, true) \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class c ON c.oid = ix.indrelid \
         CROSS JOIN LATERAL generate_series(1, ix.indnkeyatts::int) AS k(n) \
         LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k.n - 1] \
         AND ix.indkey[k.n - 1] <> 0 \
         {IN_SCHEMA} AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_constraint co \
         WHERE co.conindid = ix.indexrelid AND co.conrelid = ix.indrelid \
         AND co.contype IN ('p', 'u', 'x')) \
         ORDER BY c.relname, i.relname, k.n"
    );
    for row in db.rows("indexes", &sql).await? {
        let t = table(&mut schema.tables, &cell(&row, 0));
        let name = cell(&row, 1);
        let part = match opt(&row, 5) {
            Some(column) => IndexPart::Column(column),
            None => IndexPart::Expr(normalize::expression(&cell(&row, 6))),
        };
        match t.indexes.iter_mut().find(|i| i.name == name) {
            Some(index) => index.parts.push(part),
            None => t.indexes.push(Index {
                name,
                unique: yes(&row, 2),
                parts: vec![part],
                predicate: opt(&row, 4).map(|p| normalize::expression(&p)),
                valid: yes(&row, 3),
            }),
        }
    }
    Ok(())
}
