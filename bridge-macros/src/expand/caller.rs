//! `…Caller`: the functions workflow code calls. For a workflow method `m`: `m`,
//! `m_with_options` and `start_m`; for a signal, query or update `h`: `h`, and `h_with_start`
//! when it names a workflow method to start. One naming rule: `X_with_Y` is `X` that also
//! takes, or does, `Y`.
//!
//! No function is generic by name: the workflow context is `&WorkflowContext<impl Sized>`, and
//! the runtime functions get `_` for its type, so that no user type can collide with a
//! generated type parameter.

use super::{Names, bridge, local};
use crate::model::{Handler, Method, MethodKind, WorkflowMethod};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

/// `impl TCaller { … }`: each method's callers in declaration order, then the with-start ones.
pub(super) fn caller_impl(n: &Names) -> TokenStream {
    let methods = &n.model.methods;
    let fns = methods.iter().map(|m| match &m.kind {
        MethodKind::Workflow(w) => workflow_callers(n, m, w),
        MethodKind::Signal(h) | MethodKind::Query(h) | MethodKind::Update(h) => {
            handler_caller(n, m, h)
        }
    });
    let with_start = methods.iter().filter_map(|h| with_start_caller(n, h));
    let caller = &n.caller;
    quote! {
        #[automatically_derived]
        impl #caller {
            #( #fns )*
            #( #with_start )*
        }
    }
}

/// `ctx: &WorkflowContext<impl Sized>`, the first parameter of every caller.
fn ctx_param(n: &Names) -> TokenStream {
    let (rt, ctx) = (&n.rt, local("ctx"));
    quote!(#ctx: &#rt::WorkflowContext<impl ::core::marker::Sized>)
}

/// The arguments as one wire value: `()`, the one argument, or `MultiArgsN(…)`.
fn args_value(rt: &TokenStream, m: &Method) -> TokenStream {
    let names: Vec<_> = m.args.iter().map(|(n, _)| n).collect();
    super::wire_args(rt, &names)
}

/// `|| TBridge::m_remote_id(&a, &b)`: the id template's id, computed only if it is needed.
fn template_id(n: &Names, m: &Method) -> TokenStream {
    let bridge = &n.bridge;
    let id_fn = bridge::id_fn_ident(m);
    let args = m.args.iter().map(|(a, _)| a);
    quote!(|| #bridge::#id_fn(#( &#args ),*))
}

/// The options a start of workflow method `m` begins from: the defaults, with the id
/// template's id if it has one.
fn start_options(n: &Names, m: &Method, w: &WorkflowMethod) -> TokenStream {
    let rt = &n.rt;
    match &w.id_template {
        None => quote!(::core::default::Default::default()),
        Some(_) => {
            let id = template_id(n, m);
            quote! {
                <#rt::CallOptions as ::core::default::Default>::default().or_remote_id_with(#id)
            }
        }
    }
}

/// `m`, `m_with_options` and `start_m`, with their docs.
fn workflow_callers(n: &Names, m: &Method, w: &WorkflowMethod) -> TokenStream {
    let (rt, marker, ident) = (&n.rt, n.marker(m), &m.ident);
    let (ctx, opts) = (local("ctx"), local("options"));
    let ctx_param = ctx_param(n);
    let params: Vec<_> = m.args.iter().map(|(n, t)| quote!(#n: #t)).collect();
    let arg_names = m.args.iter().map(|(n, _)| n);
    let (output, value) = (&m.output, args_value(rt, m));
    let result = quote!(::core::result::Result<#output, #rt::BridgeError>);
    let (doc, with_doc, start_doc) = workflow_docs(m, w);
    let with_ident = format_ident!("{}_with_options", m.ident);
    let start_ident = format_ident!("start_{}", m.ident);
    // With an id template, the template's id unless the options name one; read before the
    // arguments move into the call.
    let or_template_id = w.id_template.as_ref().map(|_| {
        let id = template_id(n, m);
        quote!(let #opts = #opts.or_remote_id_with(#id);)
    });
    let start_options = start_options(n, m, w);
    quote! {
        #[doc = #doc]
        pub async fn #ident(#ctx_param, #( #params ),*) -> #result {
            Self::#with_ident(#ctx, ::core::default::Default::default(), #( #arg_names ),*).await
        }

        #[doc = #with_doc]
        pub async fn #with_ident(
            #ctx_param,
            #opts: #rt::CallOptions,
            #( #params ),*
        ) -> #result {
            #or_template_id
            #rt::call_remote_workflow::<#marker, _>(#ctx, #value, #opts).await
        }

        #[doc = #start_doc]
        pub async fn #start_ident(
            #ctx_param,
            #( #params ),*
        ) -> ::core::result::Result<#rt::RemoteWorkflowHandle<#output>, #rt::BridgeError> {
            let #opts = #start_options;
            #rt::start_remote_workflow::<#marker, _>(#ctx, #value, #opts).await
        }
    }
}

/// The docs of `m`, `m_with_options` and `start_m`, spanned on the method.
fn workflow_docs(m: &Method, w: &WorkflowMethod) -> (LitStr, LitStr, LitStr) {
    let id_doc = match &w.id_template {
        None => "The remote workflow id is deterministic per call, so retries and bridge \
                 restarts attach to the same execution."
            .to_owned(),
        Some((t, _)) => format!(
            "The remote workflow id is `{}`: calls with the same values share one remote \
             execution, and retries and bridge restarts attach to it.",
            t.text
        ),
    };
    let doc = format!(
        "Runs workflow `{}` on cluster `{}` (task queue `{}`) through the bridge, and waits \
         for its result.\n\n{id_doc}",
        w.workflow, m.cluster, w.queue
    );
    let with_doc = format!(
        "[`Self::{}`] with per-call overrides of what the attribute declares (a remote \
         workflow id, timeouts).",
        m.ident
    );
    let start_doc = format!(
        "Starts workflow `{}` on cluster `{}` through the bridge and returns once it has \
         started, with a handle whose `result` waits for it. Dropping the handle makes a \
         detached start.",
        w.workflow, m.cluster
    );
    let lit = |s: String| LitStr::new(&s, m.span);
    (lit(doc), lit(with_doc), lit(start_doc))
}

/// The caller of a signal, query or update: it targets a remote workflow by id or handle.
fn handler_caller(n: &Names, m: &Method, h: &Handler) -> TokenStream {
    let (rt, marker, ident) = (&n.rt, n.marker(m), &m.ident);
    let (ctx, target) = (local("ctx"), local("target"));
    let ctx_param = ctx_param(n);
    let params = m.args.iter().map(|(n, t)| quote!(#n: #t));
    let (output, value) = (&m.output, args_value(rt, m));
    let what = match &m.kind {
        MethodKind::Signal(_) => "Sends signal",
        MethodKind::Query(_) => "Runs query",
        _ => "Runs update",
    };
    let doc = LitStr::new(
        &format!(
            "{what} `{}` to the remote workflow `target` (a workflow id, or a \
             `RemoteWorkflowHandle`) on cluster `{}` through the bridge, and waits for its \
             result.",
            h.name, m.cluster
        ),
        m.span,
    );
    quote! {
        #[doc = #doc]
        pub async fn #ident(
            #ctx_param,
            #target: impl ::core::convert::Into<#rt::RemoteTarget>,
            #( #params ),*
        ) -> ::core::result::Result<#output, #rt::BridgeError> {
            #rt::call_handler::<#marker, _>(#ctx, #target.into(), #value).await
        }
    }
}

/// `h_with_start(ctx, w args…, h args…)`: signal-with-start or update-with-start of signal or
/// update `h` and the workflow method `w` it names. `None` for any other method.
fn with_start_caller(n: &Names, hm: &Method) -> Option<TokenStream> {
    let (w_name, _) = hm.handler()?.with_start.as_ref()?;
    let wm = n.method(w_name)?;
    let w = wm.workflow()?;
    let rt = &n.rt;
    let (ctx, opts) = (local("ctx"), local("options"));
    let ctx_param = ctx_param(n);
    let ident = format_ident!("{}_with_start", hm.ident);
    let params = wm.args.iter().chain(&hm.args).map(|(n, t)| quote!(#n: #t));
    let (w_marker, h_marker) = (n.marker(wm), n.marker(hm));
    let (w_value, h_value) = (args_value(rt, wm), args_value(rt, hm));
    let handle = {
        let w_output = &wm.output;
        quote!(#rt::RemoteWorkflowHandle<#w_output>)
    };
    let (call, output, what) = match &hm.kind {
        MethodKind::Update(_) => {
            let h_output = &hm.output;
            (
                quote!(update_with_start),
                quote!((#handle, #h_output)),
                "update",
            )
        }
        _ => (quote!(signal_with_start), handle, "signal"),
    };
    let doc = LitStr::new(
        &format!(
            "Starts workflow `{}` on cluster `{}` with {what} `{}` in one step (or sends the \
             {what} to the one already running under the same id), through the bridge.",
            w.workflow, wm.cluster, hm.ident
        ),
        hm.span,
    );
    let start_options = start_options(n, wm, w);
    Some(quote! {
        #[doc = #doc]
        pub async fn #ident(
            #ctx_param,
            #( #params ),*
        ) -> ::core::result::Result<#output, #rt::BridgeError> {
            let #opts = #start_options;
            #rt::#call::<#w_marker, #h_marker, _>(#ctx, #w_value, #h_value, #opts).await
        }
    })
}
