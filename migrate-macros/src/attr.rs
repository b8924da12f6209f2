//! The key list of `#[migration(id = "...", revises = "...", message = "...")]`
//! (plus the optional `branch_labels` and `depends_on`), read as written.
//!
//! This stage checks the *shape* of each key: that it is known, given once and
//! holds a string (or, for `revises`, `branch_labels` and `depends_on`, an
//! array of strings). What the strings
//! mean, such as the revision id rule, is checked in [`valid`](crate::valid).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;

/// The keys that `#[migration(...)]` accepts, as listed in messages.
const KNOWN_KEYS: &str = "`id`, `revises`, `message`, `branch_labels`, `depends_on`";

/// The keys of one `#[migration(...)]`.
///
/// A key is `None` when it is absent or malformed; either way the problem has
/// been recorded in the [`Ctxt`] already.
#[derive(Debug, Default)]
pub(crate) struct Args {
    /// `id = "..."`: this migration's revision id.
    pub(crate) id: Option<LitStr>,
    /// `revises = "..."` or `revises = ["...", "..."]`: the parents.
    pub(crate) revises: Option<Revises>,
    /// `message = "..."`: the human description.
    pub(crate) message: Option<LitStr>,
    /// `branch_labels = "..."` or `branch_labels = ["...", "..."]`.
    pub(crate) branch_labels: Option<Vec<LitStr>>,
    /// `depends_on = "..."` or `depends_on = ["...", "..."]`.
    pub(crate) depends_on: Option<Vec<LitStr>>,
}

/// The value of `revises`, as written.
#[derive(Debug)]
pub(crate) enum Revises {
    /// `revises = "3f1c0a9b2d4e"`, or `revises = "base"` for a root migration.
    One(LitStr),
    /// `revises = ["3f1c0a9b2d4e", "a7d2c4e6f801"]`: a merge point.
    ///
    /// Holds the elements that are strings; the others have been reported.
    Many(Vec<LitStr>),
}

impl Args {
    /// Reads the tokens between the parentheses of `#[migration(...)]`.
    pub(crate) fn parse(cx: &mut Ctxt, tokens: TokenStream) -> Self {
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
            Ok(metas) => metas,
            Err(error) => {
                // Without a readable key list, "missing key" errors would only
                // be noise on top of the parse error.
                cx.syn_error(error);
                return Self::default();
            }
        };

        let mut id = Key::new("id", "id = \"<revision id>\"");
        let mut revises = Key::new("revises", "revises = \"<parent id>\"");
        let mut message = Key::new("message", "message = \"...\"");
        let mut branch_labels = Key::new("branch_labels", "branch_labels = [\"<label>\"]");
        let mut depends_on = Key::new("depends_on", "depends_on = [\"<id or label>\"]");

        for meta in &metas {
            let path = meta.path();
            if path.is_ident("id") {
                id.set(cx, meta, string);
            } else if path.is_ident("revises") {
                revises.set(cx, meta, revises_value);
            } else if path.is_ident("message") {
                message.set(cx, meta, string);
            } else if path.is_ident("branch_labels") {
                branch_labels.set(cx, meta, strings);
            } else if path.is_ident("depends_on") {
                depends_on.set(cx, meta, strings);
            } else {
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown key `{}`: expected one of {KNOWN_KEYS}",
                        display_path(path)
                    ),
                );
            }
        }

        if !id.seen {
            cx.error_at(
                Span::call_site(),
                format!("missing key `id`: add `{}`", id.example),
            );
        }
        if !revises.seen {
            cx.error_at(
                Span::call_site(),
                format!(
                    "missing key `revises`: add `{}`, or `revises = \"base\"` for a root migration",
                    revises.example
                ),
            );
        }

        Self {
            id: id.value,
            revises: revises.value,
            message: message.value,
            branch_labels: branch_labels.value,
            depends_on: depends_on.value,
        }
    }
}

/// One key of the list: whether it was seen, and its value if well formed.
struct Key<T> {
    name: &'static str,
    /// How to write the key, for messages, e.g. `id = "<revision id>"`.
    example: &'static str,
    seen: bool,
    value: Option<T>,
}

impl<T> Key<T> {
    fn new(name: &'static str, example: &'static str) -> Self {
        Self {
            name,
            example,
            seen: false,
            value: None,
        }
    }

    /// Records `meta` as this key's occurrence, reading its value with `read`
    /// (which is given the key's example); a second occurrence is an error.
    fn set(
        &mut self,
        cx: &mut Ctxt,
        meta: &Meta,
        read: impl FnOnce(&mut Ctxt, &str, &Expr) -> Option<T>,
    ) {
        if self.seen {
            cx.error_spanned_by(
                meta.path(),
                format!("duplicate key `{}`: give each key once", self.name),
            );
            return;
        }
        self.seen = true;
        match meta {
            Meta::NameValue(name_value) => {
                self.value = read(cx, self.example, &name_value.value);
            }
            Meta::Path(_) | Meta::List(_) => cx.error_spanned_by(
                meta,
                format!("`{}` needs a value: write `{}`", self.name, self.example),
            ),
        }
    }
}

/// A string literal value, e.g. `"add email to users"`.
fn string(cx: &mut Ctxt, example: &str, value: &Expr) -> Option<LitStr> {
    let literal = as_string(value);
    if literal.is_none() {
        cx.error_spanned_by(
            value,
            format!("expected a string literal: write `{example}`"),
        );
    }
    literal
}

/// A string or a non-empty array of strings, e.g. `"billing"` or
/// `["billing", "invoices"]`: the elements that are strings (the others have
/// been reported).
fn strings(cx: &mut Ctxt, example: &str, value: &Expr) -> Option<Vec<LitStr>> {
    if let Some(single) = as_string(value) {
        return Some(vec![single]);
    }
    let Expr::Array(array) = ungroup(value) else {
        cx.error_spanned_by(
            value,
            format!("expected a string or an array of strings: write `{example}`"),
        );
        return None;
    };
    if array.elems.is_empty() {
        cx.error_spanned_by(
            array,
            format!("an empty array says nothing: write `{example}`, or leave the key out"),
        );
        return None;
    }
    let mut found = Vec::with_capacity(array.elems.len());
    for element in &array.elems {
        match as_string(element) {
            Some(literal) => found.push(literal),
            None => cx.error_spanned_by(
                element,
                format!("expected a string literal: write `{example}`"),
            ),
        }
    }
    Some(found)
}

/// The value of `revises`: a string, or an array of strings.
fn revises_value(cx: &mut Ctxt, _example: &str, value: &Expr) -> Option<Revises> {
    if let Some(parent) = as_string(value) {
        return Some(Revises::One(parent));
    }
    let Expr::Array(array) = ungroup(value) else {
        cx.error_spanned_by(
            value,
            "`revises` must be a string or an array of strings: \
             write `revises = \"<parent id>\"` or `revises = [\"<parent id>\", \"<parent id>\"]`",
        );
        return None;
    };
    if array.elems.is_empty() {
        cx.error_spanned_by(
            array,
            "`revises = []` names no parent: a root migration writes `revises = \"base\"`",
        );
        return None;
    }
    let mut parents = Vec::with_capacity(array.elems.len());
    for element in &array.elems {
        match as_string(element) {
            Some(parent) => parents.push(parent),
            None => cx.error_spanned_by(
                element,
                "each parent in `revises` must be a string literal: write `\"<parent id>\"`",
            ),
        }
    }
    Some(Revises::Many(parents))
}

/// `value` if it is a string literal, seen through invisible groups (which a
/// `macro_rules!` that forwards `$id:expr` wraps around its fragments).
fn as_string(value: &Expr) -> Option<LitStr> {
    match ungroup(value) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(literal),
            ..
        }) => Some(literal.clone()),
        _ => None,
    }
}

fn ungroup(mut expr: &Expr) -> &Expr {
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

/// `a::b` rather than `a :: b`, for messages.
fn display_path(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse(tokens: TokenStream) -> (Args, Vec<String>) {
        let mut cx = Ctxt::new();
        let args = Args::parse(&mut cx, tokens);
        let errors = match cx.finish(Some(())) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        };
        (args, errors)
    }

    #[test]
    fn reads_every_key() {
        let (args, errors) = parse(quote!(
            id = "55296ad22e23",
            revises = "3f1c0a9b2d4e",
            message = "add email"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.id.unwrap().value(), "55296ad22e23");
        assert!(matches!(args.revises, Some(Revises::One(p)) if p.value() == "3f1c0a9b2d4e"));
        assert_eq!(args.message.unwrap().value(), "add email");
    }

    #[test]
    fn reads_an_array_of_parents_and_a_trailing_comma() {
        let (args, errors) = parse(quote!(id = "abcd", revises = ["a1b2", "c3d4"],));
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Revises::Many(parents)) = args.revises else {
            panic!("expected an array")
        };
        let parents: Vec<String> = parents.iter().map(LitStr::value).collect();
        assert_eq!(parents, ["a1b2", "c3d4"]);
        assert!(args.message.is_none());
    }

    #[test]
    fn reads_labels_and_dependencies_as_strings_or_arrays() {
        let (args, errors) = parse(quote!(
            id = "abcd",
            revises = "base",
            branch_labels = "billing",
            depends_on = ["a1b2", "search"]
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let values = |v: Option<Vec<LitStr>>| -> Vec<String> {
            v.unwrap().iter().map(LitStr::value).collect()
        };
        assert_eq!(values(args.branch_labels), ["billing"]);
        assert_eq!(values(args.depends_on), ["a1b2", "search"]);
    }

    #[test]
    fn reports_bad_labels_and_dependencies() {
        let (_, errors) = parse(quote!(
            id = "abcd",
            revises = "base",
            branch_labels = [],
            depends_on = [7]
        ));
        assert_eq!(
            errors,
            [
                "an empty array says nothing: write `branch_labels = [\"<label>\"]`, or leave \
                 the key out",
                "expected a string literal: write `depends_on = [\"<id or label>\"]`",
            ]
        );
    }

    #[test]
    fn reports_missing_keys() {
        let (_, errors) = parse(quote!());
        assert_eq!(
            errors,
            [
                "missing key `id`: add `id = \"<revision id>\"`",
                "missing key `revises`: add `revises = \"<parent id>\"`, \
                 or `revises = \"base\"` for a root migration",
            ]
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, errors) = parse(quote!(
            id = 7,
            id = "abcd",
            revises = [],
            name = "x",
            message
        ));
        assert_eq!(
            errors,
            [
                "expected a string literal: write `id = \"<revision id>\"`",
                "duplicate key `id`: give each key once",
                "`revises = []` names no parent: a root migration writes `revises = \"base\"`",
                "unknown key `name`: expected one of `id`, `revises`, `message`, `branch_labels`, \
                 `depends_on`",
                "`message` needs a value: write `message = \"...\"`",
            ]
        );
    }

    #[test]
    fn reports_each_non_string_parent() {
        let (args, errors) = parse(quote!(id = "abcd", revises = ["a1b2", 3, c3d4]));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(matches!(args.revises, Some(Revises::Many(p)) if p.len() == 1));
    }

    #[test]
    fn reports_a_non_string_revises() {
        let (_, errors) = parse(quote!(id = "abcd", revises = base));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`revises` must be a string or an array of strings"));
    }

    #[test]
    fn reports_a_path_key_in_full() {
        let (_, errors) = parse(quote!(id = "abcd", revises = "base", a::b = "x"));
        assert_eq!(
            errors,
            [
                "unknown key `a::b`: expected one of `id`, `revises`, `message`, `branch_labels`, \
              `depends_on`"
            ]
        );
    }

    #[test]
    fn a_syntax_error_is_reported_alone() {
        let (_, errors) = parse(quote!(id = "abcd" revises = "base"));
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
