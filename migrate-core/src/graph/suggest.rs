//! "Did you mean ...?" for ids that match nothing.

/// How many suggestions a message offers.
const MAX_SUGGESTIONS: usize = 3;

/// How similar (0 to 1) an id must be to be suggested.
const MIN_SIMILARITY: f64 = 0.6;

/// The ids closest to `given`, best first, at most three.
///
/// An id is compared whole and, when `given` is shorter, by its prefix of the
/// same length, so a mistyped prefix finds the id it abbreviates. Linear in
/// the number of ids; only called on the error path.
pub(crate) fn suggest<'a>(given: &str, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = ids
        .into_iter()
        .map(|id| (similarity(given, id), id))
        .filter(|&(score, _)| score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, id)| id.to_owned())
        .collect()
}

fn similarity(given: &str, id: &str) -> f64 {
    let whole = strsim::normalized_damerau_levenshtein(given, id);
    let prefix = id
        .get(..given.len())
        .filter(|prefix| prefix.len() < id.len())
        .map_or(0.0, |prefix| {
            strsim::normalized_damerau_levenshtein(given, prefix)
        });
    whole.max(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 5] = [
        "55296ad22e23",
        "3f1c0a9b2d4e",
        "3f1c0a9b2d4f",
        "ae1f00000000",
        "add_users",
    ];

    #[test]
    fn suggests_ids_with_a_typo() {
        assert_eq!(suggest("55296ad22e32", IDS), ["55296ad22e23"]);
        assert_eq!(suggest("add_user", IDS), ["add_users"]);
    }

    #[test]
    fn suggests_ids_whose_prefix_has_a_typo() {
        assert_eq!(suggest("ae1e", IDS), ["ae1f00000000"]);
    }

    #[test]
    fn offers_the_best_first_and_breaks_ties_by_id() {
        assert_eq!(
            suggest("3f1c0a9b2d4d", IDS),
            ["3f1c0a9b2d4e", "3f1c0a9b2d4f"]
        );
    }

    #[test]
    fn offers_nothing_unrelated() {
        assert!(suggest("zzzzzzzz", IDS).is_empty());
    }

    #[test]
    fn offers_at_most_three() {
        let ids = ["abcd1", "abcd2", "abcd3", "abcd4"];
        assert_eq!(suggest("abcd0", ids), ["abcd1", "abcd2", "abcd3"]);
    }
}
