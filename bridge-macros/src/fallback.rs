//! What `#[bridge]` emits beside its errors: the `…Caller`, `…Bridge`, `…Callee` and `…Mock` types with
//! the functions' signatures and no bodies to speak of, so that call sites keep resolving in an IDE
//! and rustc reports only the faulty attribute, not every use of the trait's API.
//!
//! The stubs are built from the trait's signatures alone, without the model: a method whose
//! signature cannot be read (a pattern argument, a receiver, generics) gets no stub, since any
//! stub would be a guess. The bodies are never run: the crate does not compile while the
//! attribute's error stands. The names are those of [`crate::expand`].

use crate::model::helper_name;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{
    FnArg, Ident, ItemTrait, Meta, Pat, ReturnType, Token, TraitItem, TraitItemFn, Type,
    punctuated::Punctuated,
};

/// The helper attribute that marks a method, as far as the stubs need it.
#[derive(Clone)]
pub(crate) struct HelperUse {
    /// `"remote_workflow"`, `"remote_signal"`, `"remote_query"` or `"remote_update"`.
    which: &'static str,
    /// The `with_start = "..."` key, if it reads as one.
    with_start: Option<String>,
}

/// A method whose signature reads: its name, its parameters and its result type.
struct Readable<'a> {
    name: &'a Ident,
    /// `(name, type)` of each argument, for the parameter list and clash detection.
    args: Vec<(&'a Ident, &'a Type)>,
    output: TokenStream,
}

/// The `…Caller` and `…Bridge` stubs of `item`; `rt` is the runtime's `__private` path.
pub(crate) fn stubs(
    item: &ItemTrait,
    helpers: &[Option<HelperUse>],
    rt: &TokenStream,
) -> TokenStream {
    let vis = &item.vis;
    let trait_name = item.ident.to_string();
    let caller = format_ident!("{}Caller", item.ident);
    let bridge = format_ident!("{}Bridge", item.ident);
    let callee = format_ident!("{}Callee", item.ident);
    let mock = format_ident!("{}Mock", item.ident);
    let methods: Vec<(Readable, &HelperUse)> = trait_fns(item)
        .zip(helpers)
        .filter_map(|(f, helper)| Some((readable(f)?, helper.as_ref()?)))
        .collect();
    // A name generated twice (a method `start_m` beside `m`) is itself one of the errors
    // reported: its stub is left out rather than defined twice.
    let mut names = std::collections::BTreeSet::new();
    let fns: Vec<TokenStream> = methods
        .iter()
        .flat_map(|(m, helper)| caller_stubs(rt, m, helper.which))
        .chain(
            methods
                .iter()
                .filter_map(|(h, helper)| with_start_stub(rt, &methods, h, helper)),
        )
        .filter(|(name, _)| names.insert(name.to_string()))
        .map(|(_, stub)| stub)
        .collect();
    let callee_fns = methods
        .iter()
        .map(|(m, helper)| callee_stub(rt, m, helper.which));
    // As for the callers: a name the mock would have twice is one of the errors; its stub is
    // left out.
    let mut mock_names: std::collections::BTreeSet<String> =
        ["new", "worker_options"].map(str::to_owned).into();
    let mock_fns: Vec<TokenStream> = methods
        .iter()
        .flat_map(|(m, _)| mock_stubs(rt, m))
        .filter(|(name, _)| mock_names.insert(name.to_string()))
        .map(|(_, stub)| stub)
        .collect();
    let unreachable = unreachable_body();
    quote! {
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #bridge;

        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #caller;

        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #callee;

        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #mock(#rt::Mock);

        const _: () = {
            #[automatically_derived]
            #[allow(unused_variables, clippy::unused_async)]
            impl #caller {
                #( #fns )*
            }

            #[automatically_derived]
            #[allow(unused_variables)]
            impl #callee {
                #( #callee_fns )*
            }

            #[automatically_derived]
            #[allow(unused_variables)]
            impl #mock {
                pub fn new() -> Self {
                    #unreachable
                }
                pub fn worker_options(&self) -> #rt::WorkerOptions {
                    #unreachable
                }
                #( #mock_fns )*
            }

            #[automatically_derived]
            impl #rt::BridgeRegistration for #bridge {
                fn bridge_name(&self) -> &'static str {
                    #trait_name
                }
                fn methods(&self) -> ::std::vec::Vec<&'static #rt::MethodSpec> {
                    ::std::vec::Vec::new()
                }
                fn register(&self, _: &mut #rt::Registrar) {}
            }
        };
    }
}

fn trait_fns(item: &ItemTrait) -> impl Iterator<Item = &TraitItemFn> {
    item.items.iter().filter_map(|i| match i {
        TraitItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// Which helper attribute marks each method of `item`, in order (`None` for none or several).
pub(crate) fn helpers_of(item: &ItemTrait) -> Vec<Option<HelperUse>> {
    trait_fns(item)
        .map(|f| {
            let mut found = f.attrs.iter().filter_map(|a| Some((helper_name(a)?, a)));
            match (found.next(), found.next()) {
                (Some((which, attr)), None) => Some(HelperUse {
                    which,
                    with_start: with_start_key(&attr.meta),
                }),
                _ => None,
            }
        })
        .collect()
}

/// The string of a `with_start = "..."` key in `meta`, if there is one that reads.
fn with_start_key(meta: &Meta) -> Option<String> {
    let list = meta
        .require_list()
        .ok()?
        .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        .ok()?;
    list.iter().find_map(|m| match m {
        Meta::NameValue(nv) if nv.path.is_ident("with_start") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The signature of `f`, if a stub can be built from it without guessing.
fn readable(f: &TraitItemFn) -> Option<Readable<'_>> {
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
        if mentions_impl(&pt.ty) {
            return None;
        }
        args.push((&p.ident, &*pt.ty));
    }
    let output = match &sig.output {
        ReturnType::Default => quote! { () },
        ReturnType::Type(_, ty) if mentions_impl(ty) => return None,
        ReturnType::Type(_, ty) => quote! { #ty },
    };
    Some(Readable {
        name: &sig.ident,
        args,
        output,
    })
}

/// Parameters of a stub: `ctx` then the arguments of `methods`, in order.
fn params<'a>(
    rt: &TokenStream,
    methods: impl IntoIterator<Item = &'a Readable<'a>>,
) -> TokenStream {
    let args = methods
        .into_iter()
        .flat_map(|m| &m.args)
        .map(|(n, t)| quote!(#n: #t));
    let ctx = local("ctx");
    quote! {
        #ctx: &#rt::WorkflowContext<impl ::core::marker::Sized>,
        #( #args ),*
    }
}

/// A parameter name of the stubs, mixed-site as in the real callers, so that a user argument of
/// the same name does not clash with it.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn unreachable_body() -> TokenStream {
    quote! { ::core::unreachable!("#[bridge] reported an error for this trait") }
}

/// The callers a method of kind `helper` gets, by name, as signatures with unreachable bodies.
fn caller_stubs(rt: &TokenStream, m: &Readable, helper: &str) -> Vec<(Ident, TokenStream)> {
    let (name, output) = (m.name, &m.output);
    let params = params(rt, [m]);
    let result = quote! { ::core::result::Result<#output, #rt::BridgeError> };
    let body = unreachable_body();
    if helper != "remote_workflow" {
        let args = m.args.iter().map(|(n, t)| quote!(#n: #t));
        let (ctx, target) = (local("ctx"), local("target"));
        let stub = quote! {
            pub async fn #name(
                #ctx: &#rt::WorkflowContext<impl ::core::marker::Sized>,
                #target: impl ::core::convert::Into<#rt::RemoteTarget>,
                #( #args ),*
            ) -> #result {
                #body
            }
        };
        return vec![(name.clone(), stub)];
    }
    let args = m.args.iter().map(|(n, t)| quote!(#n: #t));
    let (ctx, options) = (local("ctx"), local("options"));
    let with = format_ident!("{}_with_options", name);
    let start = format_ident!("start_{}", name);
    vec![
        (
            name.clone(),
            quote! {
                pub async fn #name(#params) -> #result {
                    #body
                }
            },
        ),
        (
            with.clone(),
            quote! {
                pub async fn #with(
                    #ctx: &#rt::WorkflowContext<impl ::core::marker::Sized>,
                    #options: #rt::CallOptions,
                    #( #args ),*
                ) -> #result {
                    #body
                }
            },
        ),
        (
            start.clone(),
            quote! {
                pub async fn #start(#params) -> ::core::result::Result<
                    #rt::RemoteWorkflowHandle<#output>,
                    #rt::BridgeError,
                > {
                    #body
                }
            },
        ),
    ]
}

/// The `…Callee` function of a method of kind `helper`, with an unreachable body.
fn callee_stub(rt: &TokenStream, m: &Readable, helper: &str) -> TokenStream {
    let (name, body, options) = (m.name, unreachable_body(), local("options"));
    let result = quote! { ::core::result::Result<(), #rt::CalleeError> };
    if helper == "remote_workflow" {
        return quote! {
            pub fn #name<__BridgeWorkflow>(#options: &mut #rt::WorkerOptions) -> #result {
                #body
            }
        };
    }
    let handler = local("handler");
    quote! {
        pub fn #name(
            #options: &#rt::WorkerOptions,
            #handler: impl ::core::marker::Sized,
        ) -> #result {
            #body
        }
    }
}

/// The `…Mock` functions of method `m`, by name, with unreachable bodies.
fn mock_stubs(rt: &TokenStream, m: &Readable) -> [(Ident, TokenStream); 2] {
    let (name, output, body) = (m.name, &m.output, unreachable_body());
    let calls = format_ident!("{}_calls", name);
    let types: Vec<&Type> = m.args.iter().map(|(_, t)| *t).collect();
    let call_type = match types.as_slice() {
        [one] => quote!(#one),
        many => quote!((#( #many ),*)),
    };
    let answer = local("answer");
    let answer_stub = quote! {
        pub fn #name(
            self,
            #answer: impl ::core::ops::Fn(#( #types ),*)
                -> ::core::result::Result<#output, #rt::MockFailure>,
        ) -> Self {
            #body
        }
    };
    let calls_stub = quote! {
        pub fn #calls(&self) -> ::std::vec::Vec<#call_type> {
            #body
        }
    };
    [(name.clone(), answer_stub), (calls, calls_stub)]
}

/// `h_with_start`, for a signal or update `h` whose `with_start` names a workflow method that
/// reads, and whose arguments do not share a name with it (that clash is one of the errors).
fn with_start_stub(
    rt: &TokenStream,
    methods: &[(Readable, &HelperUse)],
    h: &Readable,
    helper: &HelperUse,
) -> Option<(Ident, TokenStream)> {
    let target = helper.with_start.as_deref()?;
    let (w, _) = methods
        .iter()
        .find(|(w, wh)| w.name == target && wh.which == "remote_workflow")?;
    if h.args
        .iter()
        .any(|(a, _)| w.args.iter().any(|(b, _)| a == b))
    {
        return None;
    }
    let w_output = &w.output;
    let handle = quote! { #rt::RemoteWorkflowHandle<#w_output> };
    let output = match helper.which {
        "remote_signal" => handle,
        "remote_update" => {
            let h_output = &h.output;
            quote! { (#handle, #h_output) }
        }
        _ => return None,
    };
    let name = format_ident!("{}_with_start", h.name);
    let params = params(rt, [w, h]);
    let body = unreachable_body();
    let stub = quote! {
        pub async fn #name(#params) -> ::core::result::Result<#output, #rt::BridgeError> {
            #body
        }
    };
    Some((name, stub))
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
