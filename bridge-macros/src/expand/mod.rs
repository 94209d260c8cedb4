//! Generate: from the checked model to tokens, one module per kind of item emitted: [`spec`]
//! (a marker type per method and what the runtime knows of it), [`caller`] (the `…Caller`
//! functions), [`bridge`](mod@bridge) (the `…Bridge` id functions and registration),
//! [`callee`] (the `…Callee` functions that bind cluster B's workflows to the trait) and
//! [`mock`] (the `…Mock` that stands in for the bridge in tests of A's workflows).
//!
//! Every path is absolute: the runtime's items through `<crate>::__private`
//! (`::bridge_runtime::__private` unless the trait sets `crate`), the standard library's as
//! `::core::…` and `::std::…`, so that user code that shadows `Result` or has a module named
//! `tokio` cannot change what the expansion means.

mod bridge;
mod callee;
mod caller;
pub(crate) mod mock;
mod spec;
#[cfg(test)]
mod tests;

use crate::errors::Errors;
use crate::model::{self, Bridge, Method};
use crate::{check, fallback};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use std::fmt::Display;
use syn::{Ident, ItemTrait};

/// `#[bridge]`: parse, check, then generate. On error, the trait is still emitted (helpers
/// stripped) beside the errors, with stubs of `…Caller` and `…Bridge` ([`fallback`]), so that
/// IDEs keep working and rustc reports the attribute, not every call site.
pub(crate) fn bridge(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_trait: ItemTrait = match syn::parse2(item.clone()) {
        Ok(t) => t,
        Err(_) => {
            let err = syn::Error::new(
                Span::call_site(),
                "#[bridge] goes on a trait: `#[bridge] pub trait Fulfillment { ... }`",
            )
            .to_compile_error();
            return quote! { #err #item };
        }
    };
    let helpers = fallback::helpers_of(&item_trait);
    let mut errors = Errors::default();
    let model = model::parse(&mut errors, args, &mut item_trait);
    check::check(&mut errors, &model);
    allow_async_fn_in_trait(&mut item_trait);
    match errors.finish() {
        Ok(()) => {
            let generated = generate(&item_trait, &model);
            quote! { #item_trait #generated }
        }
        Err(errors) => {
            let errors = errors.write_errors();
            let stubs = fallback::stubs(&item_trait, &helpers, &private(&model.krate));
            quote! { #item_trait #stubs #errors }
        }
    }
}

/// A helper attribute that ran on its own: the outer `#[bridge]` is missing.
pub(crate) fn orphan_helper(name: &str, _args: TokenStream, item: TokenStream) -> TokenStream {
    let msg = format!(
        "#[{name}] is read by #[bridge]: put #[bridge] on the trait that declares this method"
    );
    let err = syn::Error::new(Span::call_site(), msg).to_compile_error();
    quote! { #err #item }
}

/// `async fn` in a public trait warns in user crates; the trait is a contract, never
/// implemented through `dyn`, so the lint's concern does not apply.
fn allow_async_fn_in_trait(item: &mut ItemTrait) {
    item.attrs
        .push(syn::parse_quote!(#[allow(async_fn_in_trait)]));
}

/// The runtime's hidden module, through which the expansion reaches every runtime item.
fn private(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

/// What every part of the expansion names.
struct Names<'a> {
    model: &'a Bridge,
    /// `<crate>::__private`.
    rt: TokenStream,
    /// The trait's name, as the runtime records it.
    trait_name: String,
    /// `TBridge`.
    bridge: Ident,
    /// `TCaller`.
    caller: Ident,
    /// `TCallee`.
    callee: Ident,
    /// `TMock`.
    mock: Ident,
}

impl<'a> Names<'a> {
    fn new(model: &'a Bridge) -> Self {
        Names {
            model,
            rt: private(&model.krate),
            trait_name: model.ident.to_string(),
            bridge: format_ident!("{}Bridge", model.ident),
            caller: format_ident!("{}Caller", model.ident),
            callee: format_ident!("{}Callee", model.ident),
            mock: format_ident!("{}Mock", model.ident),
        }
    }

    /// The marker type of method `m`.
    fn marker(&self, m: &Method) -> Ident {
        marker(&m.ident, m.span)
    }

    /// The method named `name`, if the model has one.
    fn method(&self, name: &str) -> Option<&'a Method> {
        self.model.methods.iter().find(|m| m.ident == name)
    }
}

/// The marker type of the method named `method`. The markers live inside `const _` next to
/// code that names the user's types, so their names must not be able to shadow any of them (a
/// method `echo` must not hide a type `Echo`); [`check`] reserves the prefix.
fn marker(method: &impl Display, span: Span) -> Ident {
    format_ident!("__BridgeMethod_{}", method.to_string(), span = span)
}

/// `names` as one wire value of a method's arguments, or the pattern that takes one apart:
/// `()`, the one name, or `MultiArgsN(a, b, …)`.
fn wire_args(rt: &TokenStream, names: &[impl quote::ToTokens]) -> TokenStream {
    match names {
        [] => quote!(()),
        [one] => quote!(#one),
        many => {
            let multi = format_ident!("MultiArgs{}", many.len());
            quote!(#rt::#multi(#( #many ),*))
        }
    }
}

/// A local of the generated functions. Mixed-site hygiene: a user argument named `ctx`,
/// `options` or `target` cannot clash with it.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Everything beside the trait: the `…Bridge`, `…Caller`, `…Callee` and `…Mock` types, and,
/// scoped in `const _`, the markers and the impls.
fn generate(item: &ItemTrait, model: &Bridge) -> TokenStream {
    let names = Names::new(model);
    let vis = &item.vis;
    let (bridge_ident, caller_ident) = (&names.bridge, &names.caller);
    let (callee_ident, mock_ident, rt) = (&names.callee, &names.mock, &names.rt);
    let trait_name = &names.trait_name;
    let bridge_queue = match &model.bridge_queue {
        Some(q) => format!("`{q}`"),
        None => "the default, `bridge_runtime::DEFAULT_BRIDGE_QUEUE`".to_owned(),
    };
    let bridge_doc = format!(
        "Bridge activities of [`{trait_name}`], for `BridgeWorker::register`.\n\n\
         Generated by `#[bridge]`. Bridge task queue: {bridge_queue}."
    );
    let caller_doc = format!(
        "Typed callers of [`{trait_name}`] for workflow code on the source cluster.\n\n\
         Generated by `#[bridge]`."
    );
    let callee_doc = format!(
        "Cluster B's side of [`{trait_name}`]: registers the workflows that serve its methods \
         on a worker's options, checked against the trait: their types at compile time, their \
         names and task queue before the worker polls.\n\n\
         Generated by `#[bridge]`."
    );
    let mock_doc = format!(
        "A typed mock of the bridge of [`{trait_name}`], for tests of cluster A's workflows: \
         one closure per method answers its calls, on the bridge task queue of one local \
         cluster, with no bridge and no cluster B; the calls are recorded for assertions.\n\n\
         Generated by `#[bridge]`."
    );
    let defaults_agree = spec::default_attempt_agrees(&names);
    let specs = model.methods.iter().map(|m| spec::marker_impl(&names, m));
    let callers = caller::caller_impl(&names);
    let callees = callee::callee_impl(&names);
    let mocks = mock::mock_impl(&names);
    let bridge_impls = bridge::bridge_impls(&names);
    quote! {
        #[doc = #bridge_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #bridge_ident;

        #[doc = #caller_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #caller_ident;

        #[doc = #callee_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #callee_ident;

        #[doc = #mock_doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #mock_ident(#rt::Mock);

        const _: () = {
            #defaults_agree
            #( #specs )*
            #callers
            #bridge_impls
            #callees
            #mocks
        };
    }
}
