//! A statement with its bound values written in as literals: what an
//! offline script prints for a bulk insert.

use super::sql;
use crate::Backend;
use crate::ops::Literal;

/// `sql` with each placeholder (`?`, or `$N` on PostgreSQL) outside quotes
/// replaced by the literal of its value.
pub(crate) fn inline(backend: Backend, sql: &str, values: &[Literal]) -> String {
    let literal = |value: &Literal| match (backend, value) {
        (Backend::Postgres, Literal::Json(_)) => format!("{}::jsonb", sql::literal(backend, value)),
        _ => sql::literal(backend, value),
    };
    let mut out = String::with_capacity(sql.len() + values.len() * 8);
    let mut quote: Option<char> = None;
    let mut next = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '?') if backend != Backend::Postgres => {
                if let Some(value) = values.get(next) {
                    out.push_str(&literal(value));
                    next += 1;
                    continue;
                }
            }
            (None, '$') if backend == Backend::Postgres => {
                let mut digits = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                match digits
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| values.get(n.wrapping_sub(1)))
                {
                    Some(value) => out.push_str(&literal(value)),
                    None => {
                        out.push('$');
                        out.push_str(&digits);
                    }
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_placeholders_outside_quotes() {
        let values = [
            Literal::String("it's".into()),
            Literal::Int(7),
            Literal::Null,
        ];
        assert_eq!(
            inline(
                Backend::Sqlite,
                "INSERT INTO \"a?\" (x, y, z) VALUES (?, ?, ?)",
                &values
            ),
            "INSERT INTO \"a?\" (x, y, z) VALUES ('it''s', 7, NULL)"
        );
        assert_eq!(
            inline(
                Backend::MySql,
                "INSERT INTO `t` (x) VALUES (?)",
                &[Literal::String("a\\b".into())]
            ),
            "INSERT INTO `t` (x) VALUES ('a\\\\b')"
        );
        let json = Literal::Json(serde_json::json!([{"x": "it's"}]));
        assert_eq!(
            inline(
                Backend::Postgres,
                "SELECT * FROM f(NULL::\"t$1\", $1)",
                &[json]
            ),
            "SELECT * FROM f(NULL::\"t$1\", '[{\"x\":\"it''s\"}]'::jsonb)"
        );
    }
}
