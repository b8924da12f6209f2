//! `#[derive(Model)]` and `#[derive(DbEnum)]`: read the `#[model(...)]`
//! attributes (and sqlx's `rename`, `rename_all`, `skip` and `type_name`,
//! so that one struct serves queries and schema), check them, and emit the
//! `Model` / `DbEnum` implementation plus, for a model, an `inventory`
//! registration.
//!
//! Every problem is recorded in one [`Ctxt`] and reported at once, each at
//! the tokens it is about.

use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, Lit, LitInt, LitStr, Token};

use crate::case;
use crate::ctxt::Ctxt;

/// The keys of a struct's `#[model(...)]`, as listed in messages.
const STRUCT_KEYS: &str = "`table`, `comment`, `renamed_from`, `primary_key(..)`, `index(..)`, `unique(..)`, `check(..)`, `foreign_key(..)`";
/// The keys of a field's `#[model(...)]`, as listed in messages.
const FIELD_KEYS: &str = "`name`, `primary_key`, `identity`, `unique`, `index`, `length`, `precision`, `scale`, `sql_type`, `postgres_type`, `mysql_type`, `sqlite_type`, `default`, `default_sql`, `default_now`, `references`, `on_delete`, `on_update`, `check`, `comment`, `renamed_from`, `skip`";
/// The foreign-key actions, as listed in messages.
const ACTIONS: &str = "`cascade`, `restrict`, `set null`, `set default`, `no action`";

/// `#[derive(Model)]`.
pub(crate) fn model(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let model = Model::read(&mut cx, &input);
    match cx.finish(model) {
        Ok(model) => model.expand(&input.ident),
        Err(errors) => errors.to_compile_error(),
    }
}

/// `#[derive(DbEnum)]`.
pub(crate) fn db_enum(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let db_enum = DbEnum::read(&mut cx, &input);
    match cx.finish(db_enum) {
        Ok(db_enum) => db_enum.expand(&input.ident),
        Err(errors) => errors.to_compile_error(),
    }
}

/// A key given twice is an error at its second use.
fn once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!("`{}` is given twice", path_name(&meta.path)),
        );
    } else {
        *slot = Some(value);
    }
}

fn path_name(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// `= "..."`.
fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// `= 123`.
fn integer(meta: &ParseNestedMeta<'_>) -> syn::Result<LitInt> {
    meta.value()?.parse()
}

/// `("a", "b")`.
fn strings(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::parenthesized!(content in meta.input);
    Ok(Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

/// Skips the value of a key that is reported as unknown, so that the keys
/// after it are still read.
fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The `#[model(...)]` attributes of an item, each read by `read`; parse
/// errors are recorded.
fn each_model_attr(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    mut read: impl FnMut(&mut Ctxt, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        let result = attr.parse_nested_meta(|meta| read(cx, &meta));
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

/// sqlx's keys this derive follows: `rename`, `rename_all`, `type_name`,
/// `skip`, `flatten`. Others are sqlx's business.
#[derive(Default)]
struct Sqlx {
    rename: Option<LitStr>,
    rename_all: Option<LitStr>,
    type_name: Option<LitStr>,
    skip: bool,
    flatten: Option<Span>,
}

impl Sqlx {
    fn read(attrs: &[Attribute]) -> Self {
        let mut sqlx = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("sqlx")) {
            // sqlx reports its own malformed attributes.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    sqlx.rename = Some(string(&meta)?);
                } else if meta.path.is_ident("rename_all") {
                    sqlx.rename_all = Some(string(&meta)?);
                } else if meta.path.is_ident("type_name") {
                    sqlx.type_name = Some(string(&meta)?);
                } else if meta.path.is_ident("skip") {
                    sqlx.skip = true;
                } else if meta.path.is_ident("flatten") {
                    sqlx.flatten = Some(meta.path.span());
                } else {
                    skip(&meta)?;
                }
                Ok(())
            });
        }
        sqlx
    }
}

/// A checked `rename_all` rule applied to `ident`.
fn renamed(cx: &mut Ctxt, rule: Option<&LitStr>, ident: &Ident) -> String {
    let ident = ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident);
    match rule {
        None => ident.to_owned(),
        Some(rule) => case::rename(ident, &rule.value()).unwrap_or_else(|| {
            cx.error_spanned_by(
                rule,
                format!(
                    "unknown `rename_all` rule {:?}; use one of {}",
                    rule.value(),
                    case::RULES
                ),
            );
            ident.to_owned()
        }),
    }
}

/// `"mysql"` → `MySql`, for `Backend::MySql`.
fn backend(cx: &mut Ctxt, lit: &LitStr) -> TokenStream {
    match lit.value().as_str() {
        "postgres" => quote!(Postgres),
        "mysql" => quote!(MySql),
        "sqlite" => quote!(Sqlite),
        other => {
            cx.error_spanned_by(
                lit,
                format!("unknown backend {other:?}; use \"postgres\", \"mysql\" or \"sqlite\""),
            );
            quote!(Postgres)
        }
    }
}

/// A non-empty name from a string literal.
fn nonempty(cx: &mut Ctxt, lit: &LitStr, what: &str) -> String {
    let value = lit.value();
    if value.is_empty() {
        cx.error_spanned_by(lit, format!("{what} cannot be empty"));
    }
    value
}

fn refuse_generics(cx: &mut Ctxt, input: &DeriveInput, derive: &str, why: &str) {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            format!("`#[derive({derive})]` needs a type without generic parameters: {why}"),
        );
    }
}

/// An index of the struct's `#[model(index(..))]`.
struct IndexAttr {
    span: Span,
    name: Option<LitStr>,
    columns: Vec<LitStr>,
    expr: Option<LitStr>,
    unique: bool,
    partial: Option<LitStr>,
}

/// A unique constraint of `#[model(unique(..))]`.
struct UniqueAttr {
    name: Option<LitStr>,
    columns: Vec<LitStr>,
}

/// A check of `#[model(check(..))]`.
struct CheckAttr {
    name: Option<LitStr>,
    expr: LitStr,
    /// Only on these backends (`Postgres`, `MySql`, `Sqlite`); every one
    /// when empty.
    backends: Vec<TokenStream>,
}

/// A foreign key of `#[model(foreign_key(..))]`.
struct ForeignKeyAttr {
    span: Span,
    name: Option<LitStr>,
    columns: Vec<LitStr>,
    references: String,
    ref_columns: Vec<String>,
    on_delete: Option<TokenStream>,
    on_update: Option<TokenStream>,
}

/// A server default.
enum Default {
    Value(Expr),
    Sql(LitStr),
    Now,
}

/// One column.
struct Column {
    name: String,
    ty: syn::Type,
    primary_key: bool,
    identity: bool,
    unique: bool,
    index: bool,
    length: Option<LitInt>,
    precision: Option<LitInt>,
    scale: Option<LitInt>,
    sql_type: Option<LitStr>,
    backend_types: Vec<(&'static str, LitStr)>,
    default: Option<Default>,
    references: Option<(String, String)>,
    on_delete: Option<TokenStream>,
    on_update: Option<TokenStream>,
    check: Option<LitStr>,
    comment: Option<LitStr>,
    renamed_from: Option<LitStr>,
}

/// What `#[derive(Model)]` read.
struct Model {
    table: String,
    comment: Option<LitStr>,
    renamed_from: Option<LitStr>,
    primary_key: Vec<LitStr>,
    indexes: Vec<IndexAttr>,
    uniques: Vec<UniqueAttr>,
    checks: Vec<CheckAttr>,
    foreign_keys: Vec<ForeignKeyAttr>,
    columns: Vec<Column>,
}

/// `"cascade"` → `Action::Cascade`.
fn action(cx: &mut Ctxt, lit: &LitStr) -> TokenStream {
    let variant = match lit.value().to_lowercase().replace('_', " ").as_str() {
        "cascade" => quote!(Cascade),
        "restrict" => quote!(Restrict),
        "set null" => quote!(SetNull),
        "set default" => quote!(SetDefault),
        "no action" => quote!(NoAction),
        other => {
            cx.error_spanned_by(
                lit,
                format!("unknown foreign-key action {other:?}; use one of {ACTIONS}"),
            );
            return quote!(NoAction);
        }
    };
    quote!(::migrate_core::__private::Action::#variant)
}

impl Model {
    fn read(cx: &mut Ctxt, input: &DeriveInput) -> Option<Self> {
        refuse_generics(
            cx,
            input,
            "Model",
            "a model registers one table, and a generic struct would be many",
        );
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => &fields.named,
                _ => {
                    cx.error_spanned_by(
                        &input.ident,
                        "`#[derive(Model)]` needs a struct with named fields: each field is a column",
                    );
                    return None;
                }
            },
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "`#[derive(Model)]` goes on a struct; for a database enum, use `#[derive(DbEnum)]` on the Rust enum",
                );
                return None;
            }
        };
        let sqlx = Sqlx::read(&input.attrs);
        let mut table = None;
        let mut comment = None;
        let mut renamed_from = None;
        let mut primary_key = None;
        let mut indexes = Vec::new();
        let mut uniques = Vec::new();
        let mut checks = Vec::new();
        let mut foreign_keys = Vec::new();
        each_model_attr(cx, &input.attrs, |cx, meta| {
            let path = &meta.path;
            if path.is_ident("table") {
                once(cx, &mut table, string(meta)?, meta);
            } else if path.is_ident("comment") {
                once(cx, &mut comment, string(meta)?, meta);
            } else if path.is_ident("renamed_from") {
                once(cx, &mut renamed_from, string(meta)?, meta);
            } else if path.is_ident("primary_key") {
                once(cx, &mut primary_key, strings(meta)?, meta);
            } else if path.is_ident("index") {
                indexes.push(Self::index(cx, meta)?);
            } else if path.is_ident("unique") {
                let mut name = None;
                let mut columns = None;
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        once(cx, &mut name, string(&inner)?, &inner);
                    } else if inner.path.is_ident("columns") {
                        once(cx, &mut columns, strings(&inner)?, &inner);
                    } else {
                        cx.error_spanned_by(&inner.path, "unknown key in `unique(..)`; it takes `name = \"..\"` and `columns(\"a\", \"b\")`");
                        skip(&inner)?;
                    }
                    Ok(())
                })?;
                match columns {
                    Some(columns) if !columns.is_empty() => {
                        uniques.push(UniqueAttr { name, columns })
                    }
                    _ => cx.error_spanned_by(path, "`unique(..)` needs `columns(\"a\", \"b\")`"),
                }
            } else if path.is_ident("check") {
                let mut name = None;
                let mut expr = None;
                let mut backends = None;
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        once(cx, &mut name, string(&inner)?, &inner);
                    } else if inner.path.is_ident("expr") {
                        once(cx, &mut expr, string(&inner)?, &inner);
                    } else if inner.path.is_ident("backends") {
                        let list = strings(&inner)?;
                        let parsed = list.iter().map(|lit| backend(cx, lit)).collect();
                        once(cx, &mut backends, parsed, &inner);
                    } else {
                        cx.error_spanned_by(&inner.path, "unknown key in `check(..)`; it takes `name = \"..\"`, `expr = \"..\"` and `backends(\"mysql\", \"sqlite\")`");
                        skip(&inner)?;
                    }
                    Ok(())
                })?;
                match expr {
                    Some(expr) => checks.push(CheckAttr {
                        name,
                        expr,
                        backends: backends.unwrap_or_default(),
                    }),
                    None => cx.error_spanned_by(
                        path,
                        "`check(..)` needs `expr = \"..\"`, the SQL condition",
                    ),
                }
            } else if path.is_ident("foreign_key") {
                if let Some(key) = Self::foreign_key(cx, meta)? {
                    foreign_keys.push(key);
                }
            } else {
                cx.error_spanned_by(
                    path,
                    format!("unknown key `{}` in the struct's `#[model(..)]`; the keys are {STRUCT_KEYS} (a field's keys go on the field)", path_name(path)),
                );
                skip(meta)?;
            }
            Ok(())
        });
        let table = match &table {
            Some(lit) => nonempty(cx, lit, "the table name"),
            None => case::snake(&input.ident.to_string()),
        };
        let mut columns: Vec<Column> = Vec::new();
        for field in fields {
            let Some(column) = Self::column(cx, field, sqlx.rename_all.as_ref()) else {
                continue;
            };
            if columns.iter().any(|c| c.name == column.name) {
                cx.error_spanned_by(
                    field,
                    format!(
                        "two fields are the column `{}`; give one another name with `#[model(name = \"..\")]`",
                        column.name
                    ),
                );
            }
            columns.push(column);
        }
        if columns.is_empty() {
            cx.error_spanned_by(
                &input.ident,
                "a model needs at least one column: every field is `#[model(skip)]`",
            );
        }
        let primary_key = primary_key.unwrap_or_default();
        if !primary_key.is_empty() && columns.iter().any(|c| c.primary_key) {
            cx.error_spanned_by(
                &primary_key[0],
                "the primary key is given twice: on the struct and on a field; keep one",
            );
        }
        let known: BTreeSet<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let check_columns = |cx: &mut Ctxt, lits: &[LitStr], what: &str| {
            for lit in lits {
                if !known.contains(lit.value().as_str()) {
                    cx.error_spanned_by(
                        lit,
                        format!(
                            "{what} names the column {:?}, which this model does not have; its columns are: {}",
                            lit.value(),
                            known.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        };
        check_columns(cx, &primary_key, "the primary key");
        for index in &indexes {
            check_columns(cx, &index.columns, "an index");
        }
        for unique in &uniques {
            check_columns(cx, &unique.columns, "a unique constraint");
        }
        for key in &foreign_keys {
            check_columns(cx, &key.columns, "a foreign key");
        }
        Some(Self {
            table,
            comment,
            renamed_from,
            primary_key,
            indexes,
            uniques,
            checks,
            foreign_keys,
            columns,
        })
    }

    /// `foreign_key(columns("a"), references = "t", ref_columns("id"),
    /// name = "..", on_delete = "..", on_update = "..")`; `references =
    /// "t.id"` for one column.
    fn foreign_key(
        cx: &mut Ctxt,
        meta: &ParseNestedMeta<'_>,
    ) -> syn::Result<Option<ForeignKeyAttr>> {
        let span = meta.path.span();
        let mut name = None;
        let mut columns = None;
        let mut references: Option<LitStr> = None;
        let mut ref_columns = None;
        let mut on_delete = None;
        let mut on_update = None;
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("name") {
                once(cx, &mut name, string(&inner)?, &inner);
            } else if inner.path.is_ident("columns") {
                once(cx, &mut columns, strings(&inner)?, &inner);
            } else if inner.path.is_ident("references") {
                once(cx, &mut references, string(&inner)?, &inner);
            } else if inner.path.is_ident("ref_columns") {
                once(cx, &mut ref_columns, strings(&inner)?, &inner);
            } else if inner.path.is_ident("on_delete") {
                let lit = string(&inner)?;
                let parsed = action(cx, &lit);
                once(cx, &mut on_delete, parsed, &inner);
            } else if inner.path.is_ident("on_update") {
                let lit = string(&inner)?;
                let parsed = action(cx, &lit);
                once(cx, &mut on_update, parsed, &inner);
            } else {
                cx.error_spanned_by(&inner.path, "unknown key in `foreign_key(..)`; it takes `columns(..)`, `references = \"table\"`, `ref_columns(..)`, `name`, `on_delete` and `on_update`");
                skip(&inner)?;
            }
            Ok(())
        })?;
        let columns = columns.unwrap_or_default();
        let Some(references) = references else {
            cx.error_at(span, "`foreign_key(..)` needs `references = \"table\"` (with `ref_columns(..)`) or `references = \"table.column\"`");
            return Ok(None);
        };
        let (table, ref_columns) = match (ref_columns, references.value().split_once('.')) {
            (Some(list), _) => (
                references.value(),
                list.iter().map(LitStr::value).collect::<Vec<_>>(),
            ),
            (None, Some((table, column))) => (table.to_owned(), vec![column.to_owned()]),
            (None, None) => {
                cx.error_spanned_by(&references, "name the referenced columns: `ref_columns(\"id\")`, or `references = \"table.column\"`");
                return Ok(None);
            }
        };
        if columns.is_empty() || columns.len() != ref_columns.len() {
            cx.error_at(
                span,
                "`foreign_key(..)` needs `columns(..)`, as many as the referenced columns",
            );
            return Ok(None);
        }
        Ok(Some(ForeignKeyAttr {
            span,
            name,
            columns,
            references: table,
            ref_columns,
            on_delete,
            on_update,
        }))
    }

    fn index(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<IndexAttr> {
        let mut index = IndexAttr {
            span: meta.path.span(),
            name: None,
            columns: Vec::new(),
            expr: None,
            unique: false,
            partial: None,
        };
        let mut columns = None;
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("name") {
                once(cx, &mut index.name, string(&inner)?, &inner);
            } else if inner.path.is_ident("columns") {
                once(cx, &mut columns, strings(&inner)?, &inner);
            } else if inner.path.is_ident("expr") {
                once(cx, &mut index.expr, string(&inner)?, &inner);
            } else if inner.path.is_ident("unique") {
                index.unique = true;
            } else if inner.path.is_ident("partial") {
                once(cx, &mut index.partial, string(&inner)?, &inner);
            } else {
                cx.error_spanned_by(&inner.path, "unknown key in `index(..)`; it takes `name = \"..\"`, `columns(\"a\", \"b\")`, `expr = \"..\"`, `unique` and `partial = \"..\"`");
                skip(&inner)?;
            }
            Ok(())
        })?;
        index.columns = columns.unwrap_or_default();
        if index.columns.is_empty() == index.expr.is_none() {
            cx.error_at(
                index.span,
                "`index(..)` needs either `columns(\"a\", \"b\")` or `expr = \"..\"`",
            );
        }
        Ok(index)
    }

    /// One field's column; `None` for a skipped field.
    fn column(cx: &mut Ctxt, field: &syn::Field, rename_all: Option<&LitStr>) -> Option<Column> {
        let ident = field.ident.as_ref()?;
        let sqlx = Sqlx::read(&field.attrs);
        if let Some(span) = sqlx.flatten {
            cx.error_at(span, "a model cannot read a flattened field's columns: list them as fields, or `#[model(skip)]` it");
        }
        let mut c = Column {
            name: String::new(),
            ty: field.ty.clone(),
            primary_key: false,
            identity: false,
            unique: false,
            index: false,
            length: None,
            precision: None,
            scale: None,
            sql_type: None,
            backend_types: Vec::new(),
            default: None,
            references: None,
            on_delete: None,
            on_update: None,
            check: None,
            comment: None,
            renamed_from: None,
        };
        let mut name_lit = None;
        let mut skipped = sqlx.skip;
        let mut default = None;
        let mut references = None;
        let mut on_delete = None;
        let mut on_update = None;
        let flag = |cx: &mut Ctxt, slot: &mut bool, meta: &ParseNestedMeta<'_>| {
            if *slot {
                cx.error_spanned_by(
                    &meta.path,
                    format!("`{}` is given twice", path_name(&meta.path)),
                );
            }
            *slot = true;
        };
        each_model_attr(cx, &field.attrs, |cx, meta| {
            let path = &meta.path;
            let backend = ["postgres_type", "mysql_type", "sqlite_type"]
                .into_iter()
                .find(|k| path.is_ident(k));
            if path.is_ident("name") {
                once(cx, &mut name_lit, string(meta)?, meta);
            } else if path.is_ident("skip") {
                flag(cx, &mut skipped, meta);
            } else if path.is_ident("primary_key") {
                flag(cx, &mut c.primary_key, meta);
            } else if path.is_ident("identity") {
                flag(cx, &mut c.identity, meta);
            } else if path.is_ident("unique") {
                flag(cx, &mut c.unique, meta);
            } else if path.is_ident("index") {
                flag(cx, &mut c.index, meta);
            } else if path.is_ident("length") {
                once(cx, &mut c.length, integer(meta)?, meta);
            } else if path.is_ident("precision") {
                once(cx, &mut c.precision, integer(meta)?, meta);
            } else if path.is_ident("scale") {
                once(cx, &mut c.scale, integer(meta)?, meta);
            } else if path.is_ident("sql_type") {
                once(cx, &mut c.sql_type, string(meta)?, meta);
            } else if let Some(key) = backend {
                let lit = string(meta)?;
                if c.backend_types.iter().any(|(k, _)| *k == key) {
                    cx.error_spanned_by(path, format!("`{key}` is given twice"));
                }
                c.backend_types.push((key, lit));
            } else if path.is_ident("default") {
                let value: Expr = meta.value()?.parse()?;
                if !is_literal(&value) {
                    cx.error_spanned_by(&value, "`default` takes a literal (a string, number or bool); for an SQL expression use `default_sql = \"..\"`, for the current time `default_now`");
                }
                once(
                    cx,
                    &mut default,
                    (path.clone(), Default::Value(value)),
                    meta,
                );
            } else if path.is_ident("default_sql") {
                let lit = string(meta)?;
                once(cx, &mut default, (path.clone(), Default::Sql(lit)), meta);
            } else if path.is_ident("default_now") {
                once(cx, &mut default, (path.clone(), Default::Now), meta);
            } else if path.is_ident("references") {
                once(cx, &mut references, string(meta)?, meta);
            } else if path.is_ident("on_delete") {
                once(cx, &mut on_delete, string(meta)?, meta);
            } else if path.is_ident("on_update") {
                once(cx, &mut on_update, string(meta)?, meta);
            } else if path.is_ident("check") {
                once(cx, &mut c.check, string(meta)?, meta);
            } else if path.is_ident("comment") {
                once(cx, &mut c.comment, string(meta)?, meta);
            } else if path.is_ident("renamed_from") {
                once(cx, &mut c.renamed_from, string(meta)?, meta);
            } else {
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown key `{}` in a field's `#[model(..)]`; the keys are {FIELD_KEYS}",
                        path_name(path)
                    ),
                );
                skip(meta)?;
            }
            Ok(())
        });
        if skipped {
            return None;
        }
        c.name = match name_lit.as_ref().or(sqlx.rename.as_ref()) {
            Some(lit) => nonempty(cx, lit, "a column name"),
            None => renamed(cx, rename_all, ident),
        };
        c.default = default.map(|(_, d)| d);
        let types = [
            c.length.is_some(),
            c.precision.is_some(),
            c.sql_type.is_some(),
        ];
        if types.iter().filter(|t| **t).count() > 1 {
            cx.error_spanned_by(
                ident,
                "`length`, `precision` and `sql_type` each give the column's type: keep one",
            );
        }
        if c.scale.is_some() && c.precision.is_none() {
            cx.error_spanned_by(
                ident,
                "`scale` needs `precision`: write `precision = P, scale = S`",
            );
        }
        if let Some(lit) = &references {
            match lit.value().split_once('.') {
                Some((table, column))
                    if !table.is_empty() && !column.is_empty() && !column.contains('.') =>
                {
                    c.references = Some((table.to_owned(), column.to_owned()));
                }
                _ => {
                    cx.error_spanned_by(lit, "`references` is \"table.column\", e.g. \"users.id\"")
                }
            }
        }
        for (lit, slot, key) in [
            (&on_delete, &mut c.on_delete, "on_delete"),
            (&on_update, &mut c.on_update, "on_update"),
        ] {
            if let Some(lit) = lit {
                if references.is_none() {
                    cx.error_spanned_by(
                        lit,
                        format!("`{key}` needs `references = \"table.column\"` on the same field"),
                    );
                }
                *slot = Some(action(cx, lit));
            }
        }
        Some(c)
    }

    fn expand(&self, ident: &Ident) -> TokenStream {
        let m = quote!(::migrate_core::__private);
        let table = &self.table;
        let mut steps = Vec::new();
        for c in &self.columns {
            let name = &c.name;
            let ty = &c.ty;
            let mut column = quote!(#m::column_of::<#ty>(#name));
            if let Some(n) = &c.length {
                column = quote!(#column.string(#n));
            }
            if let Some(p) = &c.precision {
                let s = c
                    .scale
                    .as_ref()
                    .map_or_else(|| quote!(0), ToTokens::to_token_stream);
                column = quote!(#column.decimal(#p, #s));
            }
            if let Some(sql) = &c.sql_type {
                column = quote!(#column.raw_type(#sql));
            }
            for (key, sql) in &c.backend_types {
                let backend = match *key {
                    "postgres_type" => quote!(Postgres),
                    "mysql_type" => quote!(MySql),
                    _ => quote!(Sqlite),
                };
                column = quote!(#column.type_for(#m::Backend::#backend, #m::ColumnType::Raw(::std::string::String::from(#sql))));
            }
            if c.primary_key {
                column = quote!(#column.primary_key());
            }
            if c.identity {
                column = quote!(#column.auto_increment());
            }
            if c.unique {
                column = quote!(#column.unique());
            }
            column = match &c.default {
                Some(Default::Value(value)) => quote!(#column.default(#value)),
                Some(Default::Sql(sql)) => quote!(#column.default_sql(#sql)),
                Some(Default::Now) => quote!(#column.default_now()),
                None => column,
            };
            if let Some(text) = &c.comment {
                column = quote!(#column.comment(#text));
            }
            match &c.references {
                // As a migration's column-level `.references(..)`, named
                // as it names it.
                Some((ref_table, ref_column)) if c.on_delete.is_none() && c.on_update.is_none() => {
                    steps.push(quote!(.column(#column.references(#ref_table, #ref_column))));
                }
                Some((ref_table, ref_column)) => {
                    steps.push(quote!(.column(#column)));
                    let mut key = quote!(#m::ForeignKey::new(::core::option::Option::<&str>::None, [#name], #ref_table, [#ref_column]));
                    if let Some(action) = &c.on_delete {
                        key = quote!(#key.on_delete(#action));
                    }
                    if let Some(action) = &c.on_update {
                        key = quote!(#key.on_update(#action));
                    }
                    steps.push(quote!(.foreign_key(#key)));
                }
                None => steps.push(quote!(.column(#column))),
            }
            if let Some(expr) = &c.check {
                steps.push(quote!(.check(::core::option::Option::<&str>::None, #expr)));
            }
            if c.index {
                steps.push(quote!(.index(#m::Index::new(::core::option::Option::<&str>::None).on(#table, [#name]))));
            }
            if let Some(old) = &c.renamed_from {
                steps.push(quote!(.column_renamed_from(#name, #old)));
            }
        }
        if !self.primary_key.is_empty() {
            let columns = &self.primary_key;
            steps.push(quote!(.primary_key([#(#columns),*])));
        }
        for unique in &self.uniques {
            let name = optional_name(unique.name.as_ref());
            let columns = &unique.columns;
            steps.push(quote!(.unique(#name, [#(#columns),*])));
        }
        for check in &self.checks {
            let name = optional_name(check.name.as_ref());
            let expr = &check.expr;
            if check.backends.is_empty() {
                steps.push(quote!(.check(#name, #expr)));
            } else {
                let backends = &check.backends;
                steps.push(quote!(.check_on([#(#m::Backend::#backends),*], #name, #expr)));
            }
        }
        for key in &self.foreign_keys {
            let name = optional_name(key.name.as_ref());
            let columns = &key.columns;
            let ref_table = &key.references;
            let ref_columns = &key.ref_columns;
            let mut built = quote_spanned!(key.span=> #m::ForeignKey::new(#name, [#(#columns),*], #ref_table, [#(#ref_columns),*]));
            if let Some(action) = &key.on_delete {
                built = quote!(#built.on_delete(#action));
            }
            if let Some(action) = &key.on_update {
                built = quote!(#built.on_update(#action));
            }
            steps.push(quote!(.foreign_key(#built)));
        }
        for index in &self.indexes {
            let name = optional_name(index.name.as_ref());
            let mut built = match &index.expr {
                Some(expr) => quote!(#m::Index::new(#name).table(#table).expr(#expr)),
                None => {
                    let columns = &index.columns;
                    quote!(#m::Index::new(#name).on(#table, [#(#columns),*]))
                }
            };
            if index.unique {
                built = quote!(#built.unique());
            }
            if let Some(predicate) = &index.partial {
                built = quote!(#built.partial(#predicate));
            }
            steps.push(quote!(.index(#built)));
        }
        if let Some(text) = &self.comment {
            steps.push(quote!(.comment(#text)));
        }
        if let Some(old) = &self.renamed_from {
            steps.push(quote!(.renamed_from(#old)));
        }
        let type_name = ident.to_string();
        quote! {
            impl #m::Model for #ident {
                fn definition() -> #m::ModelDef {
                    #m::ModelDef::new(#table) #(#steps)*
                }
            }

            #m::inventory::submit! {
                #m::ModelRegistration {
                    type_name: #type_name,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    define: <#ident as #m::Model>::definition,
                }
            }
        }
    }
}

fn optional_name(name: Option<&LitStr>) -> TokenStream {
    match name {
        Some(lit) => quote!(#lit),
        None => quote!(::core::option::Option::<&str>::None),
    }
}

/// A literal, or a negated number.
fn is_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(
            lit.lit,
            Lit::Str(_) | Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)
        ),
        Expr::Unary(unary) => {
            matches!(unary.op, syn::UnOp::Neg(_))
                && matches!(&*unary.expr, Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)))
        }
        _ => false,
    }
}

/// What `#[derive(DbEnum)]` read.
struct DbEnum {
    name: String,
    values: Vec<String>,
}

impl DbEnum {
    fn read(cx: &mut Ctxt, input: &DeriveInput) -> Option<Self> {
        refuse_generics(cx, input, "DbEnum", "it is one database type");
        let Data::Enum(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(DbEnum)]` goes on an enum of unit variants; for a table, use `#[derive(Model)]` on a struct",
            );
            return None;
        };
        let sqlx = Sqlx::read(&input.attrs);
        let mut name_lit = None;
        let mut rename_all = None;
        each_model_attr(cx, &input.attrs, |cx, meta| {
            if meta.path.is_ident("name") {
                once(cx, &mut name_lit, string(meta)?, meta);
            } else if meta.path.is_ident("rename_all") {
                once(cx, &mut rename_all, string(meta)?, meta);
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "unknown key in an enum's `#[model(..)]`; the keys are `name` (the type's name) and `rename_all`",
                );
                skip(meta)?;
            }
            Ok(())
        });
        let name = match name_lit.as_ref().or(sqlx.type_name.as_ref()) {
            Some(lit) => nonempty(cx, lit, "the enum's name"),
            None => case::snake(&input.ident.to_string()),
        };
        let rule = rename_all.as_ref().or(sqlx.rename_all.as_ref());
        let mut values: Vec<String> = Vec::new();
        for variant in &data.variants {
            if !matches!(variant.fields, Fields::Unit) {
                cx.error_spanned_by(
                    &variant.fields,
                    "a database enum's variants hold no data: each is one value",
                );
            }
            let variant_sqlx = Sqlx::read(&variant.attrs);
            let mut rename = None;
            each_model_attr(cx, &variant.attrs, |cx, meta| {
                if meta.path.is_ident("rename") {
                    once(cx, &mut rename, string(meta)?, meta);
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        "unknown key in a variant's `#[model(..)]`; it takes `rename = \"..\"`",
                    );
                    skip(meta)?;
                }
                Ok(())
            });
            let value = match rename.as_ref().or(variant_sqlx.rename.as_ref()) {
                Some(lit) => nonempty(cx, lit, "a value"),
                None => renamed(cx, rule, &variant.ident),
            };
            if values.contains(&value) {
                cx.error_spanned_by(
                    &variant.ident,
                    format!("two variants are the value {value:?}; rename one"),
                );
            }
            values.push(value);
        }
        if values.is_empty() {
            cx.error_spanned_by(&input.ident, "a database enum needs at least one value");
        }
        Some(Self { name, values })
    }

    fn expand(&self, ident: &Ident) -> TokenStream {
        let m = quote!(::migrate_core::__private);
        let name = &self.name;
        let values = &self.values;
        quote! {
            impl #m::DbEnum for #ident {
                fn definition() -> #m::Enum {
                    #m::Enum::new(#name, [#(#values),*])
                }
            }

            impl #m::SqlColumn for #ident {
                fn column_type() -> #m::ColumnType {
                    #m::ColumnType::Enum(<Self as #m::DbEnum>::definition())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The expansion as one line of text, for `contains`.
    fn expanded(
        tokens: proc_macro2::TokenStream,
        derive: fn(proc_macro2::TokenStream) -> proc_macro2::TokenStream,
    ) -> String {
        derive(tokens).to_string()
    }

    #[test]
    fn sqlx_rename_rename_all_and_skip_are_followed() {
        let out = expanded(
            quote! {
                #[sqlx(rename_all = "camelCase")]
                struct Post {
                    #[model(primary_key)]
                    post_id: i64,
                    #[sqlx(rename = "body_text")]
                    body: String,
                    #[sqlx(skip)]
                    cached: Vec<String>,
                    #[sqlx(default)]
                    created_by: Option<String>,
                }
            },
            super::model,
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("column_of :: < i64 > (\"postId\")"), "{out}");
        assert!(out.contains("(\"body_text\")"), "{out}");
        assert!(out.contains("(\"createdBy\")"), "{out}");
        assert!(!out.contains("cached"), "{out}");
        // `#[model(name)]` wins over sqlx's name.
        let out = expanded(
            quote! {
                struct Post {
                    #[sqlx(rename = "a")]
                    #[model(name = "b")]
                    body: String,
                }
            },
            super::model,
        );
        assert!(out.contains("(\"b\")") && !out.contains("(\"a\")"), "{out}");
    }

    #[test]
    fn sqlx_type_name_and_renames_name_an_enum_and_its_values() {
        let out = expanded(
            quote! {
                #[sqlx(type_name = "post_state", rename_all = "lowercase")]
                enum State {
                    Draft,
                    #[sqlx(rename = "live")]
                    Published,
                }
            },
            super::db_enum,
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("Enum :: new (\"post_state\" , [\"draft\" , \"live\"])"),
            "{out}"
        );
    }

    #[test]
    fn sqlx_flatten_is_refused() {
        let out = expanded(
            quote! {
                struct Post {
                    id: i64,
                    #[sqlx(flatten)]
                    inner: Inner,
                }
            },
            super::model,
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("flattened"), "{out}");
    }
}
