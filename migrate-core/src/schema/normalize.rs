//! Folding what backends spell differently into one spelling, so that equal
//! schemas compare equal: type aliases, default expressions, check and
//! predicate text, and the constraint names a database makes up.

use super::model::SqlType;
use crate::Backend;

/// The normalised type of a column the catalog describes as `raw`
/// (`format_type` on PostgreSQL, `COLUMN_TYPE` on MySQL, the declared type
/// on SQLite).
pub(crate) fn sql_type(raw: &str) -> SqlType {
    let lower = raw.trim().to_ascii_lowercase();
    let (base, args) = match lower.split_once('(') {
        Some((base, rest)) => (base.trim(), rest.trim_end_matches(')').trim()),
        None => (lower.as_str(), ""),
    };
    // MySQL appends attributes: `int(10) unsigned`, `timestamp(6) ...`.
    let base = base.trim();
    let numbers: Vec<u32> = args
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let first = numbers.first().copied();
    match base {
        "smallint" | "int2" | "smallserial" => SqlType::SmallInt,
        "integer" | "int" | "int4" | "serial" | "mediumint" => SqlType::Integer,
        "bigint" | "int8" | "bigserial" => SqlType::BigInt,
        "tinyint" if first == Some(1) => SqlType::Boolean,
        "numeric" | "decimal" => SqlType::Numeric {
            precision: first,
            scale: numbers.get(1).copied().or(first.map(|_| 0)),
        },
        "real" | "float4" | "float" => SqlType::Real,
        "double precision" | "double" | "float8" => SqlType::Double,
        "character varying" | "varchar" => SqlType::VarChar(first),
        "character" | "char" | "bpchar" => SqlType::Char(first),
        "text" => SqlType::Text,
        "boolean" | "bool" => SqlType::Boolean,
        "date" => SqlType::Date,
        "time" | "time without time zone" => SqlType::Time,
        "timestamp without time zone" | "datetime" => SqlType::Timestamp,
        // MySQL's `timestamp` is stored in UTC: the timestamptz of the model.
        "timestamp" => SqlType::Timestamp,
        "timestamp with time zone" | "timestamptz" => SqlType::TimestampTz,
        "uuid" => SqlType::Uuid,
        "json" => SqlType::Json,
        "jsonb" => SqlType::Jsonb,
        "bytea" | "blob" | "longblob" => SqlType::Binary,
        "enum" => SqlType::InlineEnum(string_list(args)),
        _ => SqlType::Other(lower.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// The type of a MySQL column: `timestamp` there is the model's timestamptz.
pub(crate) fn mysql_type(raw: &str) -> SqlType {
    let lower = raw.trim().to_ascii_lowercase();
    if lower == "timestamp" || lower.starts_with("timestamp(") {
        return SqlType::TimestampTz;
    }
    sql_type(&lower)
}

/// `'a','b''c'` → `["a", "b'c"]`.
fn string_list(args: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => value.extend(chars.next()),
                c => value.push(c),
            }
        }
        values.push(value);
    }
    values
}

/// The normalised form of a default expression, or `None` for "no default".
///
/// - Casts PostgreSQL adds are dropped: `'a'::character varying` → `'a'`.
/// - The current time has one spelling: `now()`, `CURRENT_TIMESTAMP`,
///   `current_timestamp()` → `current_timestamp`.
/// - Booleans read `true`/`false`, whatever the storage (`0`/`1`).
/// - Numbers lose their quotes: `'0'` → `0`.
/// - Outer parentheses go: SQLite keeps `(datetime('now'))` as written.
pub(crate) fn default(raw: &str, ty: &SqlType) -> Option<String> {
    let mut expr = strip_parens(raw.trim()).to_owned();
    if expr.eq_ignore_ascii_case("null") || expr.is_empty() {
        return None;
    }
    if let Some(literal) = leading_string(&expr) {
        // `'x'::text`, `'{}'::jsonb`: keep the literal.
        let rest = expr[literal.len()..].trim();
        if rest.is_empty() || rest.starts_with("::") {
            expr = literal.to_owned();
        }
    } else if let Some((value, _cast)) = expr.split_once("::") {
        expr = strip_parens(value.trim()).to_owned();
    }
    let lower = expression(&expr);
    let now = [
        "now()",
        "current_timestamp",
        "current_timestamp()",
        "transaction_timestamp()",
        "localtimestamp",
        "localtimestamp()",
        "datetime('now')",
    ];
    if now.contains(&lower.as_str())
        || lower.starts_with("current_timestamp(")
        || lower.starts_with("now(")
    {
        return Some("current_timestamp".to_owned());
    }
    let value = unquote(&expr).unwrap_or_else(|| lower.clone());
    if *ty == SqlType::Boolean {
        match value.as_str() {
            "0" | "false" | "f" => return Some("false".to_owned()),
            "1" | "true" | "t" => return Some("true".to_owned()),
            _ => {}
        }
    }
    let numeric = ty.is_numeric();
    // `1e-7` as a plan writes it, `0.0000001` as a database prints it.
    let value = match value.parse::<f64>() {
        Ok(number) if value.contains(['e', 'E']) => number.to_string(),
        _ => value,
    };
    if numeric && value.parse::<f64>().is_ok() {
        // `0.00` (MySQL's decimal) and `0` are the same default.
        let trimmed = if value.contains('.') {
            value.trim_end_matches('0').trim_end_matches('.')
        } else {
            &value
        };
        return Some(trimmed.to_owned());
    }
    if leading_string(&expr).is_some() {
        return Some(expr);
    }
    Some(lower)
}

/// `'x\'y\\z'` → `'x''y\z'`: MySQL's backslash escapes (as
/// MariaDB reports a default, and as the plan writes one) in the SQL
/// standard's.
pub(crate) fn mysql_literal(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('\'')) => {
                chars.next();
                out.push_str("''");
            }
            ('\\', Some('\\')) => {
                chars.next();
                out.push('\\');
            }
            _ => out.push(c),
        }
    }
    out
}

/// A normalised expression with the column `from` renamed `to`, as a
/// database rewrites its checks, index expressions and predicates: every
/// word that is `from` (outside string literals) becomes `to`.
pub(crate) fn rename_in_expression(expr: &str, from: &str, to: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '"';
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            // A literal, through its closing quote (`''` inside is a quote).
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'\'' {
                    if bytes.get(end + 1) == Some(&b'\'') {
                        end += 2;
                        continue;
                    }
                    end += 1;
                    break;
                }
                end += 1;
            }
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if word(c) {
            let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
            let token = &rest[..end];
            if token.trim_matches('"') == from {
                out.push_str(&expression(&format!("\"{}\"", to.replace('"', "\"\""))));
            } else {
                out.push_str(token);
            }
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A MySQL check clause as [`expression`] normalises it, with MariaDB's
/// spelling of `length(..)` (which it stores as its synonym
/// `octet_length(..)`) folded back: in MySQL and MariaDB both count bytes.
pub(crate) fn mysql_check(raw: &str) -> String {
    const STORED: &str = "octet_length(";
    let text = expression(raw);
    if !text.contains(STORED) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let (mut quoted, mut previous) = (false, ' ');
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let word_start = !(previous.is_alphanumeric() || previous == '_');
        if !quoted && word_start && text[at..].starts_with(STORED) {
            out.push_str("length(");
            at += STORED.len();
            previous = '(';
            continue;
        }
        quoted ^= c == '\'';
        out.push(c);
        previous = c;
        at += c.len_utf8();
    }
    out
}

/// The normalised text of an expression (a check, a predicate, an index
/// expression, a view): whitespace collapsed, identifier quotes dropped
/// where the name needs none, keywords and names lowercased outside string
/// literals, and PostgreSQL's redundant casts and outer parentheses removed.
pub(crate) fn expression(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.trim().chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                flush_space(&mut out, &mut space);
                out.push('\'');
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            out.push(chars.next().unwrap_or('\''));
                        } else {
                            break;
                        }
                    }
                }
            }
            '"' | '`' => {
                let close = c;
                let mut name = String::new();
                while let Some(c) = chars.next() {
                    if c == close {
                        if chars.peek() == Some(&close) {
                            chars.next();
                            name.push(close);
                        } else {
                            break;
                        }
                    } else {
                        name.push(c);
                    }
                }
                flush_space(&mut out, &mut space);
                if is_plain(&name) {
                    out.push_str(&name);
                } else {
                    out.push('"');
                    out.push_str(&name.replace('"', "\"\""));
                    out.push('"');
                }
            }
            c if c.is_whitespace() => space = !out.is_empty(),
            c => {
                // No space inside brackets or around a comma (MySQL prints
                // `in (0,1)`, PostgreSQL `in (0, 1)`).
                if space && !matches!(c, ')' | ',') && !out.ends_with(['(', ',']) {
                    out.push(' ');
                }
                space = false;
                out.push(c.to_ascii_lowercase());
            }
        }
    }
    let out = drop_text_casts(&out);
    strip_parens(&out).to_owned()
}

fn flush_space(out: &mut String, space: &mut bool) {
    if *space && !out.ends_with(['(', ',']) {
        out.push(' ');
    }
    *space = false;
}

/// PostgreSQL writes `'draft'::text`, `(100)::numeric` and `(status)::text`
/// in deparsed expressions; casts to built-in types carry no meaning for a
/// comparison. They go, and so do the parentheses left around one token.
fn drop_text_casts(expr: &str) -> String {
    const CASTS: [&str; 17] = [
        "::character varying[]",
        "::character varying",
        "::text[]",
        "::text",
        "::bpchar",
        "::numeric",
        "::integer",
        "::bigint",
        "::smallint",
        "::double precision",
        "::real",
        "::boolean",
        "::date",
        "::timestamp with time zone",
        "::timestamp without time zone",
        "::jsonb",
        "::json",
    ];
    let mut out = expr.to_owned();
    if expr.contains("::") {
        for cast in CASTS {
            if out.contains(cast) {
                out = out.replace(cast, "");
            }
        }
    }
    if !out.contains('(') {
        return out;
    }
    unwrap_single_tokens(&out)
}

/// `(100)` → `100`, `(status)` → `status`: parentheses around one number,
/// name or string, outside string literals.
fn unwrap_single_tokens(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_string = !in_string;
        }
        if c == '(' && !in_string {
            // The previous character decides: `f(x)` is a call, keep it.
            let call = out
                .chars()
                .last()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
            if let Some(len) = single_token(&chars[i + 1..]) {
                if !call && chars.get(i + 1 + len) == Some(&')') {
                    out.extend(&chars[i + 1..i + 1 + len]);
                    i += len + 2;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The length of the number, name or string literal at the start of
/// `chars`, if one is there.
fn single_token(chars: &[char]) -> Option<usize> {
    let first = *chars.first()?;
    if first == '\'' {
        let mut i = 1;
        while i < chars.len() {
            if chars[i] == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            i += 1;
        }
        return None;
    }
    let len = chars
        .iter()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .count();
    (len > 0 && (first != '-' || len > 1)).then_some(len)
}

/// A name that needs no quotes: lowercase ASCII letters, digits, `_`.
fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Removes parentheses that enclose the whole expression.
pub(crate) fn strip_parens(mut expr: &str) -> &str {
    loop {
        let trimmed = expr.trim();
        if trimmed.starts_with('(') && trimmed.ends_with(')') && closes_at_end(trimmed) {
            expr = &trimmed[1..trimmed.len() - 1];
        } else {
            return trimmed;
        }
    }
}

/// Whether the `(` at the start of `expr` is closed by its last character.
fn closes_at_end(expr: &str) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in expr.char_indices() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == expr.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// The string literal at the start of `expr`, quotes included.
fn leading_string(expr: &str) -> Option<&str> {
    let rest = expr.strip_prefix('\'')?;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|(_, c)| *c) == Some('\'') {
                chars.next();
            } else {
                return Some(&expr[..i + 2]);
            }
        }
    }
    None
}

/// The text of `expr` when it is one whole string literal.
fn unquote(expr: &str) -> Option<String> {
    if let Some(literal) = leading_string(expr)
        && literal.len() == expr.len()
    {
        return Some(literal[1..literal.len() - 1].replace("''", "'"));
    }
    None
}

/// Whether the database made up `name` for a constraint of `kind` on
/// `table`, rather than the migration naming it. Such names are dropped
/// from the model: they differ between backends and can change when a
/// constraint is re-created.
pub(crate) fn generated_name(
    backend: Backend,
    table: &str,
    kind: ConstraintKind,
    name: &str,
) -> bool {
    match backend {
        Backend::Postgres => {
            let suffix = match kind {
                ConstraintKind::PrimaryKey => return name == format!("{table}_pkey"),
                ConstraintKind::Unique => "_key",
                ConstraintKind::Check => "_check",
                ConstraintKind::ForeignKey => "_fkey",
            };
            // `{table}_{columns}_{suffix}`, possibly truncated to 63 bytes
            // and numbered to stay unique.
            let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
            name.starts_with(&table[..table.len().min(20)]) && stem.ends_with(suffix)
        }
        Backend::MySql => match kind {
            ConstraintKind::PrimaryKey => name == "PRIMARY",
            ConstraintKind::ForeignKey => numbered(name, &format!("{table}_ibfk_")),
            ConstraintKind::Check => {
                numbered(name, &format!("{table}_chk_")) || numbered(name, "CONSTRAINT_")
            }
            ConstraintKind::Unique => false,
        },
        Backend::Sqlite => false,
    }
}

fn numbered(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The kinds of constraint whose names may be generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
}

#[cfg(test)]
mod tests {
    #[test]
    fn mariadb_octet_length_is_length() {
        assert_eq!(
            super::mysql_check(
                "(octet_length(`title`) > 0 and x_octet_length(a) < 2 and b <> 'octet_length(')"
            ),
            "length(title) > 0 and x_octet_length(a) < 2 and b <> 'octet_length('"
        );
    }

    use super::*;

    #[test]
    fn type_aliases_fold_together() {
        for (raw, ty) in [
            ("int4", SqlType::Integer),
            ("int(11)", SqlType::Integer),
            ("INTEGER", SqlType::Integer),
            ("bigint(20)", SqlType::BigInt),
            ("tinyint(1)", SqlType::Boolean),
            ("character varying(255)", SqlType::VarChar(Some(255))),
            ("varchar(255)", SqlType::VarChar(Some(255))),
            ("character(2)", SqlType::Char(Some(2))),
            ("double precision", SqlType::Double),
            ("timestamp with time zone", SqlType::TimestampTz),
            ("timestamp without time zone", SqlType::Timestamp),
            ("datetime(6)", SqlType::Timestamp),
            ("time(6)", SqlType::Time),
            ("bytea", SqlType::Binary),
            (
                "numeric(10, 2)",
                SqlType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            (
                "decimal(10,2)",
                SqlType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            (
                "enum('a','it''s')",
                SqlType::InlineEnum(vec!["a".into(), "it's".into()]),
            ),
            ("integer[]", SqlType::Other("integer[]".into())),
        ] {
            assert_eq!(sql_type(raw), ty, "{raw}");
        }
        assert_eq!(mysql_type("timestamp(6)"), SqlType::TimestampTz);
    }

    #[test]
    fn defaults_have_one_spelling() {
        let text = SqlType::Text;
        assert_eq!(
            default("'abc'::character varying", &text).as_deref(),
            Some("'abc'")
        );
        assert_eq!(default("'it''s'::text", &text).as_deref(), Some("'it''s'"));
        assert_eq!(
            default("now()", &SqlType::TimestampTz).as_deref(),
            Some("current_timestamp")
        );
        assert_eq!(
            default("CURRENT_TIMESTAMP", &SqlType::Timestamp).as_deref(),
            Some("current_timestamp")
        );
        assert_eq!(
            default("current_timestamp(6)", &SqlType::Timestamp).as_deref(),
            Some("current_timestamp")
        );
        assert_eq!(default("0", &SqlType::Boolean).as_deref(), Some("false"));
        assert_eq!(default("'1'", &SqlType::Boolean).as_deref(), Some("true"));
        assert_eq!(
            default("FALSE", &SqlType::Boolean).as_deref(),
            Some("false")
        );
        assert_eq!(default("'0'", &SqlType::Integer).as_deref(), Some("0"));
        assert_eq!(default("(0)", &SqlType::Integer).as_deref(), Some("0"));
        let decimal = SqlType::Numeric {
            precision: Some(10),
            scale: Some(2),
        };
        assert_eq!(default("0.00", &decimal).as_deref(), Some("0"));
        assert_eq!(default("1.50", &decimal).as_deref(), Some("1.5"));
        assert_eq!(
            default("'-1'::integer", &SqlType::Integer).as_deref(),
            Some("-1")
        );
        assert_eq!(default("NULL", &text), None);
        assert_eq!(
            default("gen_random_uuid()", &SqlType::Uuid).as_deref(),
            Some("gen_random_uuid()")
        );
        assert_eq!(
            default("(datetime('now'))", &text).as_deref(),
            Some("current_timestamp")
        );
    }

    #[test]
    fn a_rename_rewrites_the_column_in_an_expression() {
        assert_eq!(
            rename_in_expression("c4 > 0 and c44 <> 'c4'", "c4", "c13"),
            "c13 > 0 and c44 <> 'c4'"
        );
        assert_eq!(
            rename_in_expression("lower(name)", "name", "Full Name"),
            "lower(\"Full Name\")"
        );
    }

    #[test]
    fn mysql_escapes_become_the_standards() {
        assert_eq!(mysql_literal(r"'x\'y\\z'"), r"'x''y\z'");
        assert_eq!(mysql_literal("'plain'"), "'plain'");
    }

    #[test]
    fn a_number_in_exponent_form_is_the_same_default() {
        assert_eq!(
            default("1e-7", &SqlType::Double).as_deref(),
            Some("0.0000001")
        );
        assert_eq!(
            default("0.0000001", &SqlType::Double).as_deref(),
            Some("0.0000001")
        );
    }

    #[test]
    fn expressions_have_one_spelling() {
        assert_eq!(expression("CHECK_ME"), "check_me");
        assert_eq!(expression("((age >= 0))"), "age >= 0");
        assert_eq!(expression("`age` >= 0"), "age >= 0");
        assert_eq!(expression("\"age\"   >=\n 0"), "age >= 0");
        assert_eq!(
            expression("\"Mixed Case\" = 'A  B'"),
            "\"Mixed Case\" = 'A  B'"
        );
        assert_eq!(expression("(completed = false)"), "completed = false");
        // MySQL prints no space after a comma, PostgreSQL one.
        assert_eq!(
            expression("enabled in (0,1)"),
            expression("enabled IN (0, 1)")
        );
        assert_eq!(
            expression(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"
            ),
            "status = any ((array['a','b']))"
        );
        assert_eq!(expression("(a) AND (b)"), "a and b");
        assert_eq!(expression("score <= (100)::numeric"), "score <= 100");
        assert_eq!(expression("lower(email)"), "lower(email)");
        assert_eq!(expression("x IN ('a', '(b)')"), "x in ('a','(b)')");
    }

    #[test]
    fn generated_names_are_recognised() {
        use ConstraintKind::*;
        assert!(generated_name(
            Backend::Postgres,
            "users",
            PrimaryKey,
            "users_pkey"
        ));
        assert!(generated_name(
            Backend::Postgres,
            "posts",
            ForeignKey,
            "posts_user_id_fkey"
        ));
        assert!(generated_name(
            Backend::Postgres,
            "users",
            Unique,
            "users_email_key1"
        ));
        assert!(!generated_name(
            Backend::Postgres,
            "users",
            Check,
            "ck_users_age"
        ));
        assert!(generated_name(
            Backend::MySql,
            "posts",
            ForeignKey,
            "posts_ibfk_1"
        ));
        assert!(!generated_name(
            Backend::MySql,
            "posts",
            ForeignKey,
            "fk_posts_user"
        ));
        assert!(!generated_name(Backend::Sqlite, "t", Check, "t_x_check"));
    }
}
