//! The item under `#[migration]`: an inline module, and its `upgrade` and
//! `downgrade` functions.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Ident, Item, ItemFn, ItemMod, token};

use crate::ctxt::Ctxt;

/// An inline module, `mod name { ... }`, with its body kept apart so that
/// [`expand`](crate::expand) can append to it.
#[derive(Debug)]
pub(crate) struct Module {
    /// The module's attributes, visibility and name; its `content` is `None`.
    head: ItemMod,
    brace: token::Brace,
    items: Vec<Item>,
}

impl Module {
    /// Reads the item under the attribute; anything but an inline module is
    /// an error that points at the item's keyword and name.
    pub(crate) fn parse(cx: &mut Ctxt, tokens: TokenStream) -> Option<Self> {
        let item = match syn::parse2::<Item>(tokens) {
            Ok(item) => item,
            Err(error) => {
                cx.syn_error(error);
                return None;
            }
        };
        let mut head = match item {
            Item::Mod(module) => module,
            other => {
                let (what, tokens) = describe(&other);
                cx.error_spanned_by(
                    tokens,
                    format!("`#[migration]` goes on an inline module `mod name {{ ... }}`, not on {what}"),
                );
                return None;
            }
        };
        let Some((brace, items)) = head.content.take() else {
            let ItemMod {
                mod_token,
                ident,
                semi,
                ..
            } = &head;
            cx.error_spanned_by(
                quote!(#mod_token #ident #semi),
                format!(
                    "`#[migration]` needs the module's body inline: \
                     write `mod {ident} {{ ... }}` instead of `mod {ident};`"
                ),
            );
            return None;
        };
        Some(Self { head, brace, items })
    }

    /// `mod name`, for errors about the module as a whole.
    pub(crate) fn name_tokens(&self) -> TokenStream {
        let Self { head, .. } = self;
        let (mod_token, ident) = (&head.mod_token, &head.ident);
        quote!(#mod_token #ident)
    }

    /// The module's name.
    pub(crate) fn ident(&self) -> &Ident {
        &self.head.ident
    }

    /// The function `fn name` written directly in the module's body, if any.
    pub(crate) fn function(&self, name: &str) -> Option<&ItemFn> {
        self.items.iter().find_map(|item| match item {
            Item::Fn(function) if function.sig.ident == name => Some(function),
            _ => None,
        })
    }

    /// The module as written, with `extra` appended to the end of its body.
    pub(crate) fn into_tokens_with(self, extra: TokenStream) -> TokenStream {
        let Self {
            mut head,
            brace,
            mut items,
        } = self;
        items.push(Item::Verbatim(extra));
        head.content = Some((brace, items));
        head.into_token_stream()
    }
}

/// What the item is, for the message, and the tokens to point at: its keyword
/// and name rather than the whole item.
fn describe(item: &Item) -> (&'static str, TokenStream) {
    fn head(keyword: impl ToTokens, name: impl ToTokens) -> TokenStream {
        quote!(#keyword #name)
    }
    match item {
        Item::Fn(f) => ("a function", head(f.sig.fn_token, &f.sig.ident)),
        Item::Struct(s) => ("a struct", head(s.struct_token, &s.ident)),
        Item::Enum(e) => ("an enum", head(e.enum_token, &e.ident)),
        Item::Union(u) => ("a union", head(u.union_token, &u.ident)),
        Item::Trait(t) => ("a trait", head(t.trait_token, &t.ident)),
        Item::Impl(i) => ("an impl block", head(i.impl_token, &i.self_ty)),
        Item::Const(c) => ("a constant", head(c.const_token, &c.ident)),
        Item::Static(s) => ("a static", head(s.static_token, &s.ident)),
        Item::Type(t) => ("a type alias", head(t.type_token, &t.ident)),
        Item::Use(u) => ("a `use` declaration", u.to_token_stream()),
        other => ("this item", other.to_token_stream()),
    }
}
