//! Collects every problem of one `#[migration]`, so that all are reported at once.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far in one `#[migration]` attribute and its module.
///
/// Each stage records what it finds here instead of stopping at the first
/// problem (as serde's `internals::Ctxt` does), so that the user fixes
/// everything in one round.
#[derive(Debug, Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error that points at `tokens`.
    pub(crate) fn error_spanned_by(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that points at `span`.
    pub(crate) fn error_at(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error that syn has already built, e.g. a parse error.
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Ends the collection: `value`, or every recorded error combined into one.
    ///
    /// A stage returns `None` only after it has recorded why, so a `None`
    /// without errors is a bug in this crate; it is reported rather than
    /// panicking, so that the user's build still says something useful.
    pub(crate) fn finish<T>(self, value: Option<T>) -> syn::Result<T> {
        let mut errors = self.errors.into_iter();
        match (errors.next(), value) {
            (Some(mut first), _) => {
                first.extend(errors);
                Err(first)
            }
            (None, Some(value)) => Ok(value),
            (None, None) => Err(syn::Error::new(
                Span::call_site(),
                "`#[migration]` rejected this item without saying why; please report this bug",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_returns_the_value_when_nothing_was_recorded() {
        assert_eq!(Ctxt::new().finish(Some(7)).unwrap(), 7);
    }

    #[test]
    fn finish_combines_every_error_in_order() {
        let mut cx = Ctxt::new();
        cx.error_at(Span::call_site(), "first");
        cx.error_at(Span::call_site(), "second");
        let messages: Vec<String> = cx
            .finish(Some(()))
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn finish_reports_a_missing_value_without_errors_instead_of_panicking() {
        assert!(Ctxt::new().finish(None::<()>).is_err());
    }
}
