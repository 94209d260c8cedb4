//! `…Mock`: a typed mock of the trait's bridge for tests of cluster A's workflows. For each
//! method `m`: `m(answer)` sets the closure that answers its calls, taking the method's
//! arguments and returning its result or a `MockFailure`; `m_calls()` returns the arguments of
//! the calls so far. `worker_options()` serves the answered methods on the bridge task queue.

use super::{Names, local};
use crate::model::Method;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

/// `impl TMock { … }`.
pub(super) fn mock_impl(n: &Names) -> TokenStream {
    let (rt, mock) = (&n.rt, &n.mock);
    let fns = n.model.methods.iter().map(|m| method_fns(n, m));
    let markers = n.model.methods.iter().map(|m| n.marker(m));
    quote! {
        #[automatically_derived]
        impl ::core::default::Default for #mock {
            fn default() -> Self {
                Self::new()
            }
        }

        #[automatically_derived]
        impl #mock {
            /// A mock that answers no method yet; give it a closure per method the test calls.
            /// A call to a method without one fails at once, naming it.
            pub fn new() -> Self {
                Self(#rt::Mock::new() #( .declare::<#markers>() )*)
            }

            /// Worker options that serve the trait's bridge activities on its bridge task
            /// queue: run them on the cluster the workflow under test runs on, in place of a
            /// bridge.
            pub fn worker_options(&self) -> #rt::WorkerOptions {
                self.0.worker_options()
            }

            #( #fns )*
        }
    }
}

/// `m_calls`, the accessor of method `m`'s recorded calls.
pub(super) fn calls_ident(m: &Method) -> Ident {
    format_ident!("{}_calls", m.ident)
}

/// Positional names for the arguments inside the generated closures; mixed-site, so that they
/// cannot clash with anything of the user's.
fn positional(m: &Method) -> Vec<Ident> {
    (0..m.args.len())
        .map(|i| Ident::new(&format!("arg{i}"), Span::mixed_site()))
        .collect()
}

/// `m(answer)` and `m_calls()`.
fn method_fns(n: &Names, m: &Method) -> TokenStream {
    let (rt, marker, ident) = (&n.rt, n.marker(m), &m.ident);
    let (answer, output) = (local("answer"), &m.output);
    let types: Vec<_> = m.args.iter().map(|(_, t)| t).collect();
    let names = positional(m);
    let pattern = super::wire_args(rt, &names);
    let calls = calls_ident(m);
    // One argument is the wire value itself; none or several are taken apart for the closure.
    let adapted = match names.as_slice() {
        [_] => quote!(#answer),
        _ => quote!(move |#pattern| #answer(#( #names ),*)),
    };
    let (call_type, to_call) = match types.as_slice() {
        [] => (quote!(()), quote!()),
        [one] => (quote!(#one), quote!()),
        many => (
            quote!((#( #many ),*)),
            quote!(.into_iter().map(|#pattern| (#( #names ),*)).collect()),
        ),
    };
    let answer_doc = format!(
        "Answers every `{ident}` call with `answer`, which gets the call's arguments and returns \
         the method's result, or a `MockFailure` that the calling workflow receives as the \
         `BridgeError` a real remote outcome would give."
    );
    let calls_doc = format!(
        "The arguments of every `{ident}` call the mock has answered so far, in order{}.",
        if types.len() > 1 { ", as tuples" } else { "" }
    );
    quote! {
        #[doc = #answer_doc]
        pub fn #ident(
            self,
            #answer: impl ::core::ops::Fn(#( #types ),*)
                -> ::core::result::Result<#output, #rt::MockFailure>
                + ::core::marker::Send + ::core::marker::Sync + 'static,
        ) -> Self {
            Self(self.0.on::<#marker>(#adapted))
        }

        #[doc = #calls_doc]
        pub fn #calls(&self) -> ::std::vec::Vec<#call_type> {
            self.0.calls::<#marker>() #to_call
        }
    }
}
