//! `…Callee`: cluster B's side of the trait. For a workflow method `m`,
//! `m::<W>(&mut options)` registers B's workflow `W` on a worker's options; for a signal, query
//! or update `h`, `h(&options, W::handler)` states that a registered workflow serves it.
//!
//! The types are checked by the bounds of each function, spanned on the trait's method so that
//! the note under a mismatch points at what the trait declares; the names (workflow type,
//! handler name, task queue) are checked by the runtime when the function runs, before the
//! worker polls.

use super::{Names, local, spec};
use crate::model::{Handler, Method, MethodKind, WorkflowMethod};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

/// `impl TCallee { … }`: one function per method, in declaration order.
pub(super) fn callee_impl(n: &Names) -> TokenStream {
    let fns = n.model.methods.iter().map(|m| match &m.kind {
        MethodKind::Workflow(w) => workflow_fn(n, m, w),
        MethodKind::Signal(h) => handler_fn(n, m, h, "Signal"),
        MethodKind::Query(h) => handler_fn(n, m, h, "Query"),
        MethodKind::Update(h) => handler_fn(n, m, h, "Update"),
    });
    let callee = &n.callee;
    quote! {
        #[automatically_derived]
        impl #callee {
            #( #fns )*
        }
    }
}

/// The type parameter of a workflow method's function. Type parameters are not hygienic, so it
/// carries the reserved prefix: no user type named `W` can be shadowed by it.
fn workflow_param() -> Ident {
    format_ident!("__BridgeWorkflow")
}

/// `m::<W>(options)`: registers `W`, whose run input and output must be the method's.
fn workflow_fn(n: &Names, m: &Method, w: &WorkflowMethod) -> TokenStream {
    let (rt, marker, ident) = (&n.rt, n.marker(m), &m.ident);
    let (opts, wf) = (local("options"), workflow_param());
    let (args, output) = (spec::args_type(rt, m), &m.output);
    let bound = quote_spanned! {m.span=>
        <#wf as #rt::WorkflowImplementation>::Run:
            #rt::WorkflowDefinition<Input = #args, Output = #output>
    };
    let doc = format!(
        "`{callee}::{method}::<MyWorkflow>(&mut options)` registers `MyWorkflow` on `options` as \
         `{workflow}`, the workflow that `{method}` starts on task queue `{queue}` of cluster \
         `{cluster}`.\n\n\
         Its input and output must be the method's (a compile error otherwise). The workflow \
         type and the task queue of `options` are checked here, before the worker polls: a \
         mismatch is a `CalleeError` naming both sides.",
        workflow = w.workflow,
        method = m.ident,
        queue = w.queue,
        cluster = m.cluster,
        callee = n.callee,
    );
    quote! {
        #[doc = #doc]
        pub fn #ident<#wf>(
            #opts: &mut #rt::WorkerOptions,
        ) -> ::core::result::Result<(), #rt::CalleeError>
        where
            #wf: #rt::WorkflowImplementation,
            #bound,
        {
            #rt::serve_workflow::<#marker, #wf>(#opts)
        }
    }
}

/// `h(options, handler)`: checks that `handler` has the method's types and name, and that a
/// workflow registered on `options` serves it.
fn handler_fn(n: &Names, m: &Method, h: &Handler, kind: &str) -> TokenStream {
    let (rt, marker, ident) = (&n.rt, n.marker(m), &m.ident);
    let (opts, handler, name) = (local("options"), local("handler"), local("name"));
    let (args, output) = (spec::args_type(rt, m), &m.output);
    let definition = format_ident!("{kind}Definition");
    let kind_variant = format_ident!("{kind}");
    // A signal has no output: its definition has no `Output` to bind.
    let types = match kind {
        "Signal" => quote!(Input = #args),
        _ => quote!(Input = #args, Output = #output),
    };
    let bound = quote_spanned!(m.span=> impl #rt::#definition<#types>);
    let noun = kind.to_lowercase();
    let started = match &h.with_start {
        Some((method, _)) => format!(
            ", in the workflow that `{method}` starts (registered on `options` first, through \
             `{method}`)"
        ),
        None => String::new(),
    };
    let doc = format!(
        "Checks that `handler` (a `#[{noun}]` of a workflow registered on `options`{started}) \
         is the {noun} `{name}` that `{method}` sends on cluster `{cluster}`.\n\n\
         Its types must be the method's (a compile error otherwise). Its name, and that a \
         registered workflow has it, are checked here, before the worker polls: a mismatch is \
         a `CalleeError` naming both sides.",
        name = h.name,
        method = m.ident,
        cluster = m.cluster,
    );
    quote! {
        #[doc = #doc]
        pub fn #ident(
            #opts: &#rt::WorkerOptions,
            #handler: #bound,
        ) -> ::core::result::Result<(), #rt::CalleeError> {
            let #name = #rt::#definition::name(&#handler);
            #rt::serve_handler::<#marker>(#opts, #rt::HandlerKind::#kind_variant, #name)
        }
    }
}
