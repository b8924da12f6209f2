//! Renaming rules for names derived from Rust identifiers: the default
//! table and enum type names, and `rename_all` as sqlx and serde spell it.

/// The `rename_all` rules, as listed in messages.
pub(crate) const RULES: &str = "`lowercase`, `UPPERCASE`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `camelCase`, `PascalCase`";

/// The words of a Rust identifier: `PostStatus` → `post`, `status`;
/// `http_code` → `http`, `code`; `HTTPCode` → `http`, `code`.
fn words(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `PostStatus` → `post_status`.
pub(crate) fn snake(ident: &str) -> String {
    words(ident).join("_")
}

/// `ident` renamed by `rule`, or `None` when the rule is unknown.
pub(crate) fn rename(ident: &str, rule: &str) -> Option<String> {
    let capitalised = |w: &String| {
        let mut chars = w.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect::<String>()
        })
    };
    let words = words(ident);
    Some(match rule {
        "lowercase" => ident.to_lowercase(),
        "UPPERCASE" => ident.to_uppercase(),
        "snake_case" => words.join("_"),
        "SCREAMING_SNAKE_CASE" => words.join("_").to_uppercase(),
        "kebab-case" => words.join("-"),
        "camelCase" => {
            let mut out = words.first().cloned().unwrap_or_default();
            out.extend(words.iter().skip(1).map(capitalised));
            out
        }
        "PascalCase" => words.iter().map(capitalised).collect(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake("PostStatus"), "post_status");
        assert_eq!(snake("User"), "user");
        assert_eq!(snake("HTTPCode"), "http_code");
        assert_eq!(snake("already_snake"), "already_snake");
        assert_eq!(snake("Item2Tag"), "item2_tag");
    }

    #[test]
    fn rename_all_rules_match_serde() {
        assert_eq!(rename("InReview", "lowercase").unwrap(), "inreview");
        assert_eq!(rename("InReview", "UPPERCASE").unwrap(), "INREVIEW");
        assert_eq!(rename("InReview", "snake_case").unwrap(), "in_review");
        assert_eq!(
            rename("InReview", "SCREAMING_SNAKE_CASE").unwrap(),
            "IN_REVIEW"
        );
        assert_eq!(rename("InReview", "kebab-case").unwrap(), "in-review");
        assert_eq!(rename("in_review", "camelCase").unwrap(), "inReview");
        assert_eq!(rename("in_review", "PascalCase").unwrap(), "InReview");
        assert!(rename("InReview", "Title Case").is_none());
    }
}
