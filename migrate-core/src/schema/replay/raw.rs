//! Raw SQL in a replay: what it may change, from the names it uses.

use std::collections::BTreeSet;

use super::Replay;

impl Replay {
    /// Raw SQL: what it may change is uncertain: the tables and views it
    /// names, or everything when it names none (or does not tokenize).
    pub(super) fn raw(&mut self, sql: Option<&str>) {
        let Some(sql) = sql else { return };
        let Some(words) = words(sql) else {
            self.uncertain.everything = true;
            return;
        };
        let mut named: BTreeSet<String> = objects_named(&words).into_iter().collect();
        for (word, _) in &words {
            let existing = self.schema.tables.keys().chain(self.schema.views.keys());
            named.extend(existing.filter(|n| n.eq_ignore_ascii_case(word)).cloned());
        }
        if named.is_empty() {
            self.uncertain.everything = true;
        } else {
            self.uncertain.tables.extend(named);
        }
    }
}

/// The words of `sql` with whether each was quoted, and `.` as a word of
/// its own; `None` when it does not tokenize.
fn words(sql: &str) -> Option<Vec<(String, bool)>> {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&GenericDialect {}, sql).tokenize().ok()?;
    Some(
        tokens
            .into_iter()
            .filter_map(|t| match t {
                Token::Word(w) if w.quote_style.is_none() => {
                    Some((w.value.to_ascii_lowercase(), false))
                }
                Token::Word(w) => Some((w.value, true)),
                Token::Period => Some((".".to_owned(), true)),
                Token::Whitespace(_) => None,
                _ => Some((String::new(), true)),
            })
            .collect(),
    )
}

/// The names that follow `TABLE`, `VIEW`, `ON`, `INTO`, `FROM`, `JOIN` and
/// `UPDATE`: the tables and views the SQL may create, change or read (`IF
/// [NOT] EXISTS` skipped, a schema qualifier dropped).
fn objects_named(words: &[(String, bool)]) -> Vec<String> {
    const BEFORE_A_NAME: [&str; 7] = ["table", "view", "on", "into", "from", "join", "update"];
    const SKIPPED: [&str; 3] = ["if", "not", "exists"];
    let keyword = |at: usize, set: &[&str]| {
        words
            .get(at)
            .is_some_and(|(w, quoted)| !quoted && set.contains(&w.as_str()))
    };
    let name = |at: usize| {
        words
            .get(at)
            .filter(|(w, _)| !w.is_empty() && w != ".")
            .map(|(w, _)| w.clone())
    };
    let mut out = Vec::new();
    for i in 0..words.len() {
        if !keyword(i, &BEFORE_A_NAME) {
            continue;
        }
        let mut j = i + 1;
        while keyword(j, &SKIPPED) {
            j += 1;
        }
        let Some(mut found) = name(j) else { continue };
        while words.get(j + 1).is_some_and(|(w, _)| w == ".") {
            match name(j + 2) {
                Some(part) => found = part,
                None => break,
            }
            j += 2;
        }
        out.push(found);
    }
    out
}
