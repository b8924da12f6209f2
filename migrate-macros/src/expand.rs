//! Runs the stages, then emits the module with its registration appended.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

use crate::ast::Module;
use crate::attr::Args;
use crate::ctxt::Ctxt;
use crate::valid::{self, Migration};

/// `#[migration(attr)] item`.
///
/// On error the item is still emitted unchanged, next to the errors, so that
/// the rest of the crate keeps compiling and the IDE keeps its completions.
pub(crate) fn migration(attr: TokenStream, item: TokenStream) -> TokenStream {
    match parse(attr, item.clone()) {
        Ok(migration) => emit(migration),
        Err(errors) => {
            let errors = errors.into_compile_error();
            quote! {
                #item
                #errors
            }
        }
    }
}

/// Reads and checks the attribute and the item. Every stage runs whatever the
/// others found, so that all problems are reported at once.
pub(crate) fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Migration> {
    let mut cx = Ctxt::new();
    let args = Args::parse(&mut cx, attr);
    let module = Module::parse(&mut cx, item);
    let migration = valid::check(&mut cx, args, module);
    cx.finish(migration)
}

/// The module, with a `Registration` submitted to `inventory` at the end of
/// its body.
///
/// The registration sits inside the module so that `module_path!()` names the
/// module and `upgrade` resolves to its function. The generated code names
/// only `::migrate_core::__private`, so users need no other dependency.
fn emit(migration: Migration) -> TokenStream {
    let Migration {
        id,
        parents,
        message,
        branch_labels,
        depends_on,
        module,
        upgrade,
        downgrade,
    } = migration;
    let message = message.unwrap_or_else(|| LitStr::new("", Span::call_site()));
    let downgrade = match downgrade {
        Some(downgrade) => quote!(::core::option::Option::Some(#downgrade)),
        None => quote!(::core::option::Option::None),
    };
    let registration = quote! {
        #[doc(hidden)]
        const _: () = {
            ::migrate_core::__private::inventory::submit! {
                ::migrate_core::__private::Registration {
                    id: #id,
                    revises: &[#(#parents),*],
                    branch_labels: &[#(#branch_labels),*],
                    depends_on: &[#(#depends_on),*],
                    message: #message,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    upgrade: #upgrade,
                    downgrade: #downgrade,
                }
            }
        };
    };
    module.into_tokens_with(registration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
        match parse(attr, item) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    /// Token streams compare by their text: spans differ.
    fn assert_tokens_eq(actual: &TokenStream, expected: &TokenStream) {
        assert_eq!(actual.to_string(), expected.to_string());
    }

    #[test]
    fn appends_the_registration_to_the_module() {
        let expanded = migration(
            quote!(
                id = "55296ad22e23",
                revises = "3f1c0a9b2d4e",
                message = "add email"
            ),
            quote! {
                /// Adds `users.email`.
                pub mod add_email {
                    use migrate_core::prelude::*;
                    pub fn upgrade(m: &mut Migration) {}
                    pub fn downgrade(m: &mut Migration) {}
                }
            },
        );
        let expected = quote! {
            /// Adds `users.email`.
            pub mod add_email {
                use migrate_core::prelude::*;
                pub fn upgrade(m: &mut Migration) {}
                pub fn downgrade(m: &mut Migration) {}
                #[doc(hidden)]
                const _: () = {
                    ::migrate_core::__private::inventory::submit! {
                        ::migrate_core::__private::Registration {
                            id: "55296ad22e23",
                            revises: &["3f1c0a9b2d4e"],
                            branch_labels: &[],
                            depends_on: &[],
                            message: "add email",
                            module: ::core::module_path!(),
                            file: ::core::file!(),
                            line: ::core::line!(),
                            upgrade: upgrade,
                            downgrade: ::core::option::Option::Some(downgrade),
                        }
                    }
                };
            }
        };
        assert_tokens_eq(&expanded, &expected);
    }

    #[test]
    fn a_root_migration_without_downgrade_or_message() {
        let expanded = migration(
            quote!(id = "0001_init", revises = "base"),
            quote!(
                mod init {
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        )
        .to_string();
        assert!(
            expanded.contains(&quote!(revises: &[]).to_string()),
            "{expanded}"
        );
        assert!(
            expanded.contains(&quote!(message: "").to_string()),
            "{expanded}"
        );
        assert!(
            expanded.contains(&quote!(downgrade: ::core::option::Option::None).to_string()),
            "{expanded}"
        );
    }

    #[test]
    fn a_merge_point_lists_every_parent() {
        let expanded = migration(
            quote!(id = "merge_ab", revises = ["aaaa", "bbbb"]),
            quote!(
                mod merge {
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        )
        .to_string();
        assert!(
            expanded.contains(&quote!(revises: &["aaaa", "bbbb"]).to_string()),
            "{expanded}"
        );
    }

    #[test]
    fn emits_labels_and_dependencies() {
        let expanded = migration(
            quote!(
                id = "abcd",
                revises = "base",
                branch_labels = "billing",
                depends_on = ["ef01", "search"]
            ),
            quote!(
                mod billing {
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        )
        .to_string();
        let expected = quote!(branch_labels: &["billing"], depends_on: &["ef01", "search"],);
        assert!(expanded.contains(&expected.to_string()), "{expanded}");
    }

    #[test]
    fn reports_bad_labels_and_dependencies_with_the_rest() {
        let messages = errors(
            quote!(
                id = "abcd",
                revises = "ef01",
                branch_labels = ["Billing", "x", "x", "head"],
                depends_on = ["ef01", "abcd", "a-b"]
            ),
            quote!(
                mod m {
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        );
        assert_eq!(
            messages,
            [
                "invalid branch label \"Billing\": 'B' is not allowed; use 1 to 32 characters of \
                 `a-z`, `0-9` and `_`",
                "invalid branch label \"x\": it is listed twice; list each label once",
                "invalid branch label \"head\": `head` is a reserved word; choose another label",
                "invalid dependency \"ef01\": this migration revises it already; remove it from \
                 `depends_on`",
                "invalid dependency \"abcd\": a migration cannot depend on itself; name the \
                 revision it needs",
                "invalid dependency \"a-b\": it is neither a revision id nor a branch label; \
                 name the revision or the label this migration needs",
            ]
        );
    }

    #[test]
    fn keeps_inner_attributes_inside_the_module() {
        let expanded = migration(
            quote!(id = "abcd", revises = "base"),
            quote!(
                mod m {
                    #![allow(unused)]
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        )
        .to_string();
        let start = quote!(
            mod m {
                #![allow(unused)]
                fn upgrade(m: &mut Migration) {}
            }
        )
        .to_string();
        // Everything up to the closing brace, after which the registration follows.
        assert!(
            expanded.starts_with(start.trim_end_matches('}')),
            "{expanded}"
        );
    }

    #[test]
    fn on_error_emits_the_item_unchanged_then_the_errors() {
        let item = quote!(
            mod m {
                fn upgrade(m: &mut Migration, x: u8) {}
            }
        );
        let expanded = migration(quote!(id = "abcd", revises = "base"), item.clone());
        let expanded = expanded.to_string();
        assert!(expanded.starts_with(&item.to_string()), "{expanded}");
        assert!(expanded.contains("compile_error"), "{expanded}");
        assert!(!expanded.contains("submit"), "{expanded}");
    }

    #[test]
    fn reports_problems_of_the_attribute_and_the_module_together() {
        let messages = errors(
            quote!(
                id = "Bad-Id",
                revises = ["head", "aaaa", "aaaa", "base"],
                colour = "red"
            ),
            quote!(
                mod m {
                    fn downgrade(m: &mut Migration) -> u8 {
                        0
                    }
                }
            ),
        );
        assert_eq!(
            messages,
            [
                "unknown key `colour`: expected one of `id`, `revises`, `message`, \
                 `branch_labels`, `depends_on`",
                "invalid revision id \"Bad-Id\": 'B' is not allowed; \
                 use 4 to 32 characters of `a-z`, `0-9` and `_`",
                "invalid parent id \"head\": `head` is a reserved word; \
                 name the parent's revision id",
                "this parent is listed twice: list each parent once",
                "\"base\" is not a parent: a root migration writes `revises = \"base\"`, \
                 without brackets",
                "module `m` has no `fn upgrade`: add `pub fn upgrade(m: &mut Migration) { ... }`",
                "`downgrade` cannot return a value: remove the return type",
            ]
        );
    }

    #[test]
    fn reports_an_id_of_the_wrong_length_and_a_self_reference() {
        let messages = errors(
            quote!(id = "abc", revises = "abc"),
            quote!(
                mod m {
                    fn upgrade(m: &mut Migration) {}
                }
            ),
        );
        assert_eq!(
            messages,
            [
                "invalid revision id \"abc\": it has 3 characters; \
                 use 4 to 32 characters of `a-z`, `0-9` and `_`",
                "a migration cannot revise itself: \"abc\" is this migration's own id; \
                 name its parent instead",
            ]
        );
    }

    #[test]
    fn rejects_items_other_than_an_inline_module() {
        let attr = quote!(id = "abcd", revises = "base");
        assert_eq!(
            errors(
                attr.clone(),
                quote!(
                    fn upgrade(m: &mut Migration) {}
                )
            ),
            ["`#[migration]` goes on an inline module `mod name { ... }`, not on a function"]
        );
        assert_eq!(
            errors(
                attr.clone(),
                quote!(
                    struct S;
                )
            ),
            ["`#[migration]` goes on an inline module `mod name { ... }`, not on a struct"]
        );
        assert_eq!(
            errors(
                attr,
                quote!(
                    mod add_users;
                )
            ),
            ["`#[migration]` needs the module's body inline: \
              write `mod add_users { ... }` instead of `mod add_users;`"]
        );
    }
}
