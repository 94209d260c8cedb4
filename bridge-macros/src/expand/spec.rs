//! The marker type of each method and its `RemoteMethod` impl: the argument and result types,
//! and the `MethodSpec` that tells the runtime everything the attribute declared.

use super::Names;
use crate::model::{
    DEFAULT_START_TO_CLOSE_MS, Handler, IdReuse, Method, MethodKind, MethodOptions, OnCancel,
    Opening, Retry, WorkflowMethod,
};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

/// `pub struct __BridgeMethod_m;` and its `RemoteMethod` impl.
pub(super) fn marker_impl(n: &Names, m: &Method) -> TokenStream {
    let rt = &n.rt;
    let marker = n.marker(m);
    let trait_name = &n.trait_name;
    let method = m.ident.to_string();
    let label = format!("{trait_name}.{method}");
    let activity_type = format!("bridge.{label}");
    let cluster = &m.cluster;
    let bridge_queue = match &n.model.bridge_queue {
        Some(q) => quote!(#q),
        None => quote!(#rt::DEFAULT_BRIDGE_QUEUE),
    };
    let args = args_type(rt, m);
    let output = &m.output;
    let none = quote!(::core::option::Option::None);
    let (timeouts, bridge_retry, kind) = match &m.kind {
        MethodKind::Workflow(w) => (
            call_timeouts(rt, &w.options),
            retry_spec(rt, w.options.bridge_retry.as_ref()),
            workflow_kind(rt, w, &marker),
        ),
        // A handler's attribute has no timeout or retry keys.
        MethodKind::Signal(h) => (default_timeouts(rt), none, handler_kind(n, "Signal", h)),
        MethodKind::Query(h) => (default_timeouts(rt), none, handler_kind(n, "Query", h)),
        MethodKind::Update(h) => (default_timeouts(rt), none, handler_kind(n, "Update", h)),
    };
    let template_id = template_id_fn(n, m);
    let limits = match m.limits {
        (None, None) => quote!(#rt::Limits::NONE),
        (starts, in_flight) => {
            let some = |v: Option<u32>| match v {
                Some(v) => quote!(::core::option::Option::Some(#v)),
                None => quote!(::core::option::Option::None),
            };
            let (starts, in_flight) = (some(starts), some(in_flight));
            quote!(#rt::Limits { starts_per_second: #starts, max_in_flight: #in_flight })
        }
    };
    // Spanned on the method, so that a type that is not serializable is reported there.
    quote_spanned! {m.span=>
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        pub struct #marker;

        #[automatically_derived]
        impl #rt::RemoteMethod for #marker {
            type Args = #args;
            type Output = #output;
            const SPEC: #rt::MethodSpec = #rt::MethodSpec {
                trait_name: #trait_name,
                method: #method,
                label: #label,
                activity_type: #activity_type,
                cluster: #rt::cluster_name(#cluster),
                bridge_queue: #bridge_queue,
                timeouts: #timeouts,
                bridge_retry: #bridge_retry,
                limits: #limits,
                kind: #kind,
            };
            #template_id
        }
    }
}

/// The wire type of a method's arguments: `()`, the one argument's type, or `MultiArgsN`.
pub(super) fn args_type(rt: &TokenStream, m: &Method) -> TokenStream {
    let tys: Vec<_> = m.args.iter().map(|(_, t)| t).collect();
    match tys.as_slice() {
        [] => quote!(()),
        [one] => quote!(#one),
        many => {
            let multi = format_ident!("MultiArgs{}", many.len());
            quote!(#rt::#multi<#( #many ),*>)
        }
    }
}

/// `MethodKind::Workflow(WorkflowSpec { … })`; `marker` is the method's marker type.
fn workflow_kind(rt: &TokenStream, w: &WorkflowMethod, marker: &Ident) -> TokenStream {
    let (queue, workflow) = (&w.queue, &w.workflow);
    let options = &w.options;
    let execution = optional_duration(options.execution);
    let run = optional_duration(options.run);
    let on_cancel = match w.on_cancel {
        OnCancel::Cancel => quote!(Cancel),
        OnCancel::Terminate => quote!(Terminate),
        OnCancel::Abandon => quote!(Abandon),
    };
    let workflow_retry = retry_spec(rt, options.workflow_retry.as_ref());
    let on_stuck = match w.fail_stuck_after {
        None => quote!(#rt::OnStuck::Wait),
        Some(ms) => {
            let after = duration(ms);
            quote!(#rt::OnStuck::Fail { after: #after })
        }
    };
    let id_reuse = match options.id_reuse {
        IdReuse::RejectDuplicate => quote!(RejectDuplicate),
        IdReuse::AllowDuplicateFailedOnly => quote!(AllowDuplicateFailedOnly),
    };
    let id_template = match &w.id_template {
        Some(_) => quote! {
            ::core::option::Option::Some(#rt::IdTemplate(#rt::template_id_of::<#marker>))
        },
        None => quote!(::core::option::Option::None),
    };
    let explicit_ids = opening(rt, quote!(ExplicitIds), quote!(Refused), &w.explicit_ids);
    quote! {
        #rt::MethodKind::Workflow(#rt::WorkflowSpec {
            queue: #queue,
            workflow_type: #workflow,
            execution_timeout: #execution,
            run_timeout: #run,
            on_cancel: #rt::OnCancel::#on_cancel,
            on_stuck: #on_stuck,
            workflow_retry: #workflow_retry,
            id_reuse: #rt::IdReuse::#id_reuse,
            id_template: #id_template,
            explicit_ids: #explicit_ids,
        })
    }
}

/// `ty::closed`, `ty::Any` or `ty::Prefix("…")` of an [`Opening`].
fn opening(rt: &TokenStream, ty: TokenStream, closed: TokenStream, o: &Opening) -> TokenStream {
    match o {
        Opening::Closed => quote!(#rt::#ty::#closed),
        Opening::Any => quote!(#rt::#ty::Any),
        Opening::Prefix(p) => quote!(#rt::#ty::Prefix(#p)),
    }
}

/// `fn template_id` of a workflow method with an id template: its `…Bridge` id function on
/// the decoded arguments.
fn template_id_fn(n: &Names, m: &Method) -> Option<TokenStream> {
    m.workflow()?.id_template.as_ref()?;
    let (bridge, id_fn) = (&n.bridge, super::bridge::id_fn_ident(m));
    let args = super::local("args");
    let refs: Vec<TokenStream> = match m.args.len() {
        1 => vec![quote!(#args)],
        count => (0..count)
            .map(|i| {
                let i = syn::Index::from(i);
                quote!(&#args.#i)
            })
            .collect(),
    };
    Some(quote! {
        fn template_id(#args: &Self::Args) -> ::core::option::Option<::std::string::String> {
            ::core::option::Option::Some(#bridge::#id_fn(#( #refs ),*))
        }
    })
}

/// `MethodKind::{variant}(HandlerSpec { … })`; a `with_start` points at the workflow method's
/// own spec.
fn handler_kind(n: &Names, variant: &str, h: &Handler) -> TokenStream {
    let rt = &n.rt;
    let variant = format_ident!("{variant}");
    let name = &h.name;
    let with_start = match &h.with_start {
        Some((w, span)) => {
            let w_marker = super::marker(w, *span);
            quote! {
                ::core::option::Option::Some(&<#w_marker as #rt::RemoteMethod>::SPEC)
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let targets = opening(rt, quote!(Targets), quote!(Bridged), &h.targets);
    quote! {
        #rt::MethodKind::#variant(#rt::HandlerSpec {
            name: #name,
            with_start: #with_start,
            targets: #targets,
        })
    }
}

/// `::core::time::Duration` of `ms` milliseconds, in whole seconds where it can be.
fn duration(ms: u64) -> TokenStream {
    if ms.is_multiple_of(1000) {
        let secs = Literal::u64_unsuffixed(ms / 1000);
        quote!(::core::time::Duration::from_secs(#secs))
    } else {
        let ms = Literal::u64_unsuffixed(ms);
        quote!(::core::time::Duration::from_millis(#ms))
    }
}

fn optional_duration(ms: Option<u64>) -> TokenStream {
    match ms.map(duration) {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    }
}

/// `Option<RetrySpec>` of a retry policy given in the attribute.
fn retry_spec(rt: &TokenStream, r: Option<&Retry>) -> TokenStream {
    let Some(r) = r else {
        return quote!(::core::option::Option::None);
    };
    let initial = optional_duration(r.initial_interval_ms);
    let max = optional_duration(r.max_interval_ms);
    let backoff = match r.backoff.map(Literal::f64_unsuffixed) {
        Some(b) => quote!(::core::option::Option::Some(#b)),
        None => quote!(::core::option::Option::None),
    };
    let attempts = match r.max_attempts.map(Literal::u32_unsuffixed) {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let non_retryable = &r.non_retryable;
    quote! {
        ::core::option::Option::Some(#rt::RetrySpec {
            initial_interval: #initial,
            backoff_coefficient: #backoff,
            maximum_interval: #max,
            maximum_attempts: #attempts,
            non_retryable_error_types: &[#( #non_retryable ),*],
        })
    }
}

fn default_timeouts(rt: &TokenStream) -> TokenStream {
    quote!(#rt::CallTimeouts::DEFAULT)
}

/// The bridge activity's timeouts: the runtime's defaults, with what the attribute sets.
fn call_timeouts(rt: &TokenStream, t: &MethodOptions) -> TokenStream {
    let defaults = default_timeouts(rt);
    let set: Vec<TokenStream> = [
        ("attempt", t.start_to_close),
        ("heartbeat", t.heartbeat),
        ("long_wait_after", t.long_wait_after),
        ("long_wait_heartbeat", t.long_wait_heartbeat),
    ]
    .into_iter()
    .filter_map(|(field, ms)| {
        let field = syn::Ident::new(field, proc_macro2::Span::call_site());
        ms.map(|ms| {
            let value = duration(ms);
            quote!(#field: #value,)
        })
    })
    .collect();
    if set.is_empty() {
        return defaults;
    }
    quote! {
        #rt::CallTimeouts {
            #(#set)*
            ..#defaults
        }
    }
}

/// The heartbeat check compares against the macro's [`DEFAULT_START_TO_CLOSE_MS`] when a
/// method sets `heartbeat_timeout` but not `start_to_close_timeout`; in that case, this
/// assertion fails the build if the runtime's default differs, so that the two cannot drift
/// apart unnoticed. Empty when no method relies on it.
pub(super) fn default_attempt_agrees(n: &Names) -> TokenStream {
    let relies = n
        .model
        .methods
        .iter()
        .filter_map(Method::workflow)
        .any(|w| w.options.relies_on_default_attempt());
    if !relies {
        return TokenStream::new();
    }
    let rt = &n.rt;
    let ms = Literal::u128_suffixed(u128::from(DEFAULT_START_TO_CLOSE_MS));
    let msg = "bridge-macros and bridge-runtime disagree on the default start_to_close_timeout; \
               use matching versions";
    quote! {
        const _: () = ::core::assert!(#rt::CallTimeouts::DEFAULT.attempt.as_millis() == #ms, #msg);
    }
}
