//! What `#[bridge]` emits beside its errors: the `…Caller` and `…Bridge` types with the
//! callers' signatures and no bodies to speak of, so that call sites keep resolving in an IDE
//! and rustc reports only the faulty attribute, not every use of the trait's API.
//!
//! The stubs are built from the trait's signatures alone, without the model: a method whose
//! signature cannot be read (a pattern argument, a receiver, generics) gets no stub, since any
//! stub would be a guess. The bodies are never run: the crate does not compile while the
//! attribute's error stands.

use crate::attrs::HELPERS;
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, Ident, ItemTrait, Pat, ReturnType, TraitItem, TraitItemFn, Type};

/// The `…Caller` and `…Bridge` stubs of `item`.
pub(crate) fn stubs(item: &ItemTrait, helpers: &[Option<&'static str>]) -> TokenStream {
    let vis = &item.vis;
    let trait_name = item.ident.to_string();
    let caller = format_ident!("{}Caller", item.ident);
    let bridge = format_ident!("{}Bridge", item.ident);
    // A name generated twice (a method `start_m` beside `m`) is itself one of the errors
    // reported: its stub is left out rather than defined twice.
    let mut names = std::collections::BTreeSet::new();
    let fns: Vec<TokenStream> = item
        .items
        .iter()
        .filter_map(|i| match i {
            TraitItem::Fn(f) => Some(f),
            _ => None,
        })
        .zip(helpers)
        .filter_map(|(f, helper)| caller_stubs(f, (*helper)?))
        .flatten()
        .filter(|(name, _)| names.insert(name.to_string()))
        .map(|(_, stub)| stub)
        .collect();
    quote! {
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #bridge;

        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #caller;

        const _: () = {
            #[automatically_derived]
            #[allow(unused_variables, clippy::unused_async)]
            impl #caller {
                #( #fns )*
            }

            #[automatically_derived]
            impl ::bridge_runtime::__private::BridgeRegistration for #bridge {
                fn bridge_name(&self) -> &'static str {
                    #trait_name
                }
                fn methods(&self) -> ::std::vec::Vec<&'static ::bridge_runtime::__private::MethodSpec> {
                    ::std::vec::Vec::new()
                }
                fn register(&self, _: &mut ::bridge_runtime::__private::Registrar) {}
            }
        };
    }
}

/// Which helper attribute marks each method of `item`, in order (`None` for none or several).
pub(crate) fn helpers_of(item: &ItemTrait) -> Vec<Option<&'static str>> {
    item.items
        .iter()
        .filter_map(|i| match i {
            TraitItem::Fn(f) => Some(f),
            _ => None,
        })
        .map(|f| {
            let mut found = f.attrs.iter().filter_map(|a| {
                let last = a.path().segments.last()?;
                HELPERS.iter().copied().find(|h| last.ident == h)
            });
            match (found.next(), found.next()) {
                (Some(h), None) => Some(h),
                _ => None,
            }
        })
        .collect()
}

/// The callers a method of kind `helper` gets, by name, as signatures with unreachable bodies.
fn caller_stubs(f: &TraitItemFn, helper: &str) -> Option<Vec<(Ident, TokenStream)>> {
    let sig = &f.sig;
    if sig.receiver().is_some() || !sig.generics.params.is_empty() {
        return None;
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else {
            return None;
        };
        let Pat::Ident(p) = &*pt.pat else {
            return None;
        };
        let (name, ty) = (&p.ident, &pt.ty);
        if mentions_impl(ty) {
            return None;
        }
        args.push(quote! { #name: #ty });
    }
    let output = match &sig.output {
        ReturnType::Default => quote! { () },
        ReturnType::Type(_, ty) if mentions_impl(ty) => return None,
        ReturnType::Type(_, ty) => quote! { #ty },
    };
    let name = &sig.ident;
    let ctx = quote! { ctx: &::bridge_runtime::__private::WorkflowContext<W> };
    let error = quote! { ::bridge_runtime::__private::BridgeError };
    let body = quote! { ::core::unreachable!("#[bridge] reported an error for this trait") };
    if helper != "remote_workflow" {
        let stub = quote! {
            pub async fn #name<W>(
                #ctx,
                target: impl ::core::convert::Into<::bridge_runtime::__private::RemoteTarget>,
                #( #args ),*
            ) -> ::core::result::Result<#output, #error> {
                #body
            }
        };
        return Some(vec![(name.clone(), stub)]);
    }
    let with = format_ident!("{}_with", name);
    let start = format_ident!("start_{}", name);
    Some(vec![
        (
            name.clone(),
            quote! {
                pub async fn #name<W>(#ctx, #( #args ),*) -> ::core::result::Result<#output, #error> {
                    #body
                }
            },
        ),
        (
            with.clone(),
            quote! {
                pub async fn #with<W>(
                    #ctx,
                    options: ::bridge_runtime::__private::CallOptions,
                    #( #args ),*
                ) -> ::core::result::Result<#output, #error> {
                    #body
                }
            },
        ),
        (
            start.clone(),
            quote! {
                pub async fn #start<W>(
                    #ctx,
                    #( #args ),*
                ) -> ::core::result::Result<
                    ::bridge_runtime::__private::RemoteWorkflowHandle<#output>,
                    #error,
                > {
                    #body
                }
            },
        ),
    ])
}

/// Whether a type names `impl Trait` anywhere: a stub would have to guess the concrete type.
fn mentions_impl(ty: &Type) -> bool {
    fn any_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => any_impl(g.stream()),
            _ => false,
        })
    }
    any_impl(ty.to_token_stream())
}
