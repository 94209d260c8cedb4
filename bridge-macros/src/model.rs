//! Parse: from the annotated trait to a model of what it declares, one variant per kind of
//! method (serde_derive's `internals/ast.rs`).
//!
//! What can be checked from one attribute or one signature is checked here, as it is read;
//! rules across methods are in [`crate::check`]. Parsing goes on past an error, so that one
//! compile shows them all, and always yields a model of what could be read.

use crate::attrs::{
    BridgeArgs, DurationText, HELPERS, RemoteHandlerArgs, RemoteWorkflowArgs, RetryArgs,
};
use crate::duration;
use crate::errors::Errors;
use crate::template::{self, Template};
use darling::{Error, FromMeta, ast::NestedMeta, util::SpannedValue};
use heck::ToUpperCamelCase;
use proc_macro2::{Span, TokenStream};
use syn::{
    Attribute, FnArg, Ident, ItemTrait, Pat, ReturnType, Signature, TraitItem, TraitItemFn, Type,
    spanned::Spanned, visit::Visit,
};

/// The most arguments a remote workflow method may take (the SDK's `MultiArgs6`).
pub(crate) const MAX_ARGS: usize = 6;

/// The runtime's default attempt timeout (`CallTimeouts::DEFAULT.attempt`), which the
/// heartbeat check compares against when the attribute sets none. The expansion asserts at
/// compile time that the runtime agrees, wherever it relied on this value.
pub(crate) const DEFAULT_START_TO_CLOSE_MS: u64 = 3_600_000;

/// A `#[bridge]` trait.
pub(crate) struct Bridge {
    pub ident: Ident,
    /// `task_queue`; `None` for the runtime's default.
    pub bridge_queue: Option<String>,
    /// `crate`: the path of the runtime crate (default `::bridge_runtime`).
    pub krate: syn::Path,
    /// The methods that could be read, in declaration order.
    pub methods: Vec<Method>,
    /// Whether the trait declares no items at all (not: items that all failed to parse).
    pub is_empty: bool,
}

/// A method of the trait, of any kind.
pub(crate) struct Method {
    pub ident: Ident,
    pub args: Vec<(Ident, Type)>,
    /// The result; `()` for a signal.
    pub output: Type,
    pub cluster: String,
    /// The method name's span, where errors about generated code for it land.
    pub span: Span,
    pub kind: MethodKind,
    /// `starts_per_second` and `max_in_flight`: the method's limits in one bridge process.
    pub limits: (Option<u32>, Option<u32>),
}

/// What a method does on the remote cluster.
#[expect(
    clippy::large_enum_variant,
    reason = "a handful per trait, each built once: boxing would buy nothing"
)]
pub(crate) enum MethodKind {
    /// Runs a remote workflow (`#[remote_workflow]`).
    Workflow(WorkflowMethod),
    /// Sends a signal to a remote workflow (`#[remote_signal]`).
    Signal(Handler),
    /// Runs a query (`#[remote_query]`); its `with_start` is always `None`.
    Query(Handler),
    /// Runs an update and waits for its result (`#[remote_update]`).
    Update(Handler),
}

/// What only a `#[remote_workflow]` method declares.
pub(crate) struct WorkflowMethod {
    pub queue: String,
    pub workflow: String,
    pub options: MethodOptions,
    pub on_cancel: OnCancel,
    /// `on_stuck = "fail"`: fail a stuck call after this many milliseconds; `None`: wait.
    pub fail_stuck_after: Option<u64>,
    /// The id template and the span of its string, when the attribute gives one.
    pub id_template: Option<(Template, Span)>,
    /// Which ids a caller may choose (`explicit_id`, `id_prefix`).
    pub explicit_ids: Opening,
}

/// What a method opens beyond what the gateway allows by default: nothing, everything, or ids
/// that start with a prefix. For a workflow method, the ids a caller may choose
/// (`explicit_id = true`, `id_prefix`); for a handler, the workflows it may reach besides
/// bridged ones (`target = "any"`, `target_prefix`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Opening {
    #[default]
    Closed,
    Any,
    Prefix(String),
}

/// What a signal, query or update declares.
pub(crate) struct Handler {
    /// The handler's name in the remote workflow.
    pub name: String,
    /// The workflow method this signal or update can start, and the span of its name.
    pub with_start: Option<(String, Span)>,
    /// Which workflows it may reach besides bridged ones (`target`, `target_prefix`).
    pub targets: Opening,
}

impl Method {
    /// The workflow part, for a `#[remote_workflow]` method.
    pub(crate) fn workflow(&self) -> Option<&WorkflowMethod> {
        match &self.kind {
            MethodKind::Workflow(w) => Some(w),
            _ => None,
        }
    }

    /// The handler part, for a signal, query or update.
    pub(crate) fn handler(&self) -> Option<&Handler> {
        match &self.kind {
            MethodKind::Workflow(_) => None,
            MethodKind::Signal(h) | MethodKind::Query(h) | MethodKind::Update(h) => Some(h),
        }
    }
}

/// What cancelling the caller does to the remote workflow (`on_cancel`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum OnCancel {
    #[default]
    Cancel,
    Terminate,
    Abandon,
}

/// The remote workflow's id reuse policy (`id_reuse_policy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum IdReuse {
    #[default]
    RejectDuplicate,
    AllowDuplicateFailedOnly,
}

/// What `#[remote_workflow(...)]` sets beyond where the workflow runs: durations in milliseconds,
/// retry policies and the id reuse policy; `None` keeps the default.
#[derive(Default)]
pub(crate) struct MethodOptions {
    pub start_to_close: Option<u64>,
    pub heartbeat: Option<u64>,
    pub long_wait_after: Option<u64>,
    pub long_wait_heartbeat: Option<u64>,
    pub execution: Option<u64>,
    pub run: Option<u64>,
    pub workflow_retry: Option<Retry>,
    pub bridge_retry: Option<Retry>,
    pub id_reuse: IdReuse,
}

impl MethodOptions {
    /// Whether the heartbeat checks compared against [`DEFAULT_START_TO_CLOSE_MS`].
    pub(crate) fn relies_on_default_attempt(&self) -> bool {
        (self.heartbeat.is_some() || self.long_wait_heartbeat.is_some())
            && self.start_to_close.is_none()
    }
}

/// A checked retry policy.
pub(crate) struct Retry {
    pub initial_interval_ms: Option<u64>,
    pub backoff: Option<f64>,
    pub max_interval_ms: Option<u64>,
    pub max_attempts: Option<u32>,
    pub non_retryable: Vec<String>,
}

/// A parsed helper attribute.
enum Helper {
    Workflow(Box<RemoteWorkflowArgs>, MethodOptions),
    Handler(HandlerKind, RemoteHandlerArgs),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HandlerKind {
    Signal,
    Query,
    Update,
}

/// Parses `#[bridge(args)]` on `item`, stripping the helper attributes from `item` (always, so
/// that it can be emitted even when there are errors). Problems go to `errors`; the model holds
/// what could be read.
pub(crate) fn parse(errors: &mut Errors, args: TokenStream, item: &mut ItemTrait) -> Bridge {
    let bridge_args = NestedMeta::parse_meta_list(args)
        .map_err(Error::from)
        .and_then(|list| BridgeArgs::from_list(&list));
    let bridge_args = errors.handle(bridge_args).unwrap_or_default();
    let bridge_queue = bridge_args.task_queue.map(|q| {
        check_non_empty(errors, &q, "task_queue");
        q.as_str().to_owned()
    });
    let krate = bridge_args
        .krate
        .and_then(|k| parse_crate_path(errors, &k))
        .unwrap_or_else(|| syn::parse_quote!(::bridge_runtime));

    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        errors.push(
            Error::custom(
                "a #[bridge] trait cannot be generic: every method must have one concrete \
                 wire type; declare one trait per type instead",
            )
            .with_span(&item.generics),
        );
    }
    if !item.supertraits.is_empty() {
        errors.push(
            Error::custom("a #[bridge] trait cannot have supertraits; remove the bound")
                .with_span(&item.supertraits),
        );
    }

    let mut methods = Vec::new();
    for trait_item in &mut item.items {
        match trait_item {
            TraitItem::Fn(f) => methods.extend(parse_method(errors, f)),
            other => errors.push(
                Error::custom(
                    "a #[bridge] trait holds only `async fn` methods marked \
                     #[remote_workflow(...)]; move this item out of the trait",
                )
                .with_span(other),
            ),
        }
    }
    Bridge {
        ident: item.ident.clone(),
        bridge_queue,
        krate,
        methods,
        is_empty: item.items.is_empty(),
    }
}

/// `crate = "my_api::bridge_runtime"`: a path, spanned on the string, so that a path that does
/// not resolve is reported there.
fn parse_crate_path(errors: &mut Errors, text: &SpannedValue<String>) -> Option<syn::Path> {
    let lit = syn::LitStr::new(text.as_str(), text.span());
    match lit.parse::<syn::Path>() {
        Ok(path) if path.segments.iter().all(|s| s.arguments.is_none()) => Some(path),
        _ => {
            errors.push(
                Error::custom(format!(
                    "`crate = \"{}\"` is not a path; name the runtime crate as the expansion \
                     should reach it, like `crate = \"my_api::bridge_runtime\"`",
                    text.as_str()
                ))
                .with_span(&text.span()),
            );
            None
        }
    }
}

/// One method: its helper attribute (stripped from `f`), its signature and what its kind adds.
fn parse_method(errors: &mut Errors, f: &mut TraitItemFn) -> Option<Method> {
    let helper = take_helper(errors, f);
    let before = errors.len();
    check_signature(errors, f);
    let sig = &f.sig;
    let args = parse_args(errors, sig);
    let output = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => {
            check_wire_type(errors, ty, "result");
            (**ty).clone()
        }
    };
    let (cluster, kind, limits) = match helper? {
        Helper::Workflow(attr, options) => {
            let kind = workflow_kind(errors, sig, &args, &attr, options);
            let limits = limits(errors, &attr.starts_per_second, &attr.max_in_flight);
            (attr.cluster, kind, limits)
        }
        Helper::Handler(which, attr) => {
            let kind = handler_kind(errors, sig, which, &attr, before)?;
            let limits = limits(errors, &attr.starts_per_second, &attr.max_in_flight);
            (attr.cluster, kind, limits)
        }
    };
    (errors.len() == before).then(|| Method {
        ident: sig.ident.clone(),
        args,
        output,
        cluster: cluster.as_str().to_owned(),
        span: sig.ident.span(),
        kind,
        limits,
    })
}

/// `starts_per_second` and `max_in_flight`; 0 would hold every call forever.
fn limits(
    errors: &mut Errors,
    starts: &Option<SpannedValue<u32>>,
    in_flight: &Option<SpannedValue<u32>>,
) -> (Option<u32>, Option<u32>) {
    for (key, value) in [("starts_per_second", starts), ("max_in_flight", in_flight)] {
        if let Some(v) = value.as_ref().filter(|v| ***v == 0) {
            errors.push(
                Error::custom(format!(
                    "`{key} = 0` would hold every call forever; give at least 1, or leave the \
                     key out for no limit"
                ))
                .with_span(&v.span()),
            );
        }
    }
    (
        starts.as_ref().map(|v| **v),
        in_flight.as_ref().map(|v| **v),
    )
}

/// Strips the helper attributes from `f` and parses the one it must have.
fn take_helper(errors: &mut Errors, f: &mut TraitItemFn) -> Option<Helper> {
    let (helpers, others): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut f.attrs)
        .into_iter()
        .partition(is_helper);
    f.attrs = others;
    let name = &f.sig.ident;
    match helpers.as_slice() {
        [] => {
            errors.push(
                Error::custom(format!(
                    "method `{name}` needs #[remote_workflow(cluster = \"...\", queue = \"...\")] \
                     to say where the remote workflow runs (or #[remote_signal], #[remote_query] \
                     or #[remote_update] with a `cluster`)"
                ))
                .with_span(name),
            );
            None
        }
        [attr] => parse_helper(errors, attr),
        [_, extra, ..] => {
            errors.push(
                Error::custom(format!(
                    "method `{name}` has more than one #[remote_…] attribute; keep one"
                ))
                .with_span(extra),
            );
            None
        }
    }
}

/// What a remote method's signature cannot have: it is a contract between clusters.
fn check_signature(errors: &mut Errors, f: &TraitItemFn) {
    let sig = &f.sig;
    let name = &sig.ident;
    if let Some(recv) = sig.receiver() {
        errors.push(
            Error::custom(
                "remote methods take no `self`: the trait is a contract between clusters, \
                 not an object; remove the receiver",
            )
            .with_span(recv),
        );
    }
    if sig.asyncness.is_none() {
        errors.push(
            Error::custom(format!(
                "method `{name}` must be `async fn`: a remote call is awaited"
            ))
            .with_span(&sig.fn_token),
        );
    }
    if let Some(c) = &sig.constness {
        errors.push(Error::custom("a remote method cannot be `const`").with_span(c));
    }
    if let Some(u) = &sig.unsafety {
        errors.push(Error::custom("a remote method cannot be `unsafe`").with_span(u));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::custom("a remote method cannot declare an ABI").with_span(abi));
    }
    if let Some(v) = &sig.variadic {
        errors.push(Error::custom("a remote method cannot be variadic").with_span(v));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(
            Error::custom(format!(
                "method `{name}` cannot be generic: its arguments and result cross the wire \
                 as one concrete type"
            ))
            .with_span(&sig.generics),
        );
    }
    if let Some(body) = &f.default {
        errors.push(
            Error::custom(
                "a remote method has no body: the remote cluster runs it; end the \
                 declaration with `;`",
            )
            .with_span(&body.brace_token.span.join()),
        );
    }
}

/// The arguments, as plain names with wire types.
fn parse_args(errors: &mut Errors, sig: &Signature) -> Vec<(Ident, Type)> {
    let mut args = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else { continue };
        let ident = match &*pt.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            other => {
                errors.push(
                    Error::custom(
                        "arguments of a remote method must be plain names (like `order: Order`), \
                         not patterns",
                    )
                    .with_span(other),
                );
                continue;
            }
        };
        check_wire_type(errors, &pt.ty, "argument");
        args.push((ident, (*pt.ty).clone()));
    }
    if args.len() > MAX_ARGS {
        errors.push(
            Error::custom(format!(
                "method `{}` takes {} arguments; at most {MAX_ARGS} can cross the wire — \
                 group them in a struct",
                sig.ident,
                args.len()
            ))
            .with_span(&sig.inputs),
        );
    }
    args
}

/// A `#[remote_workflow]` method's kind: its attribute's keys that need the signature.
fn workflow_kind(
    errors: &mut Errors,
    sig: &Signature,
    args: &[(Ident, Type)],
    attr: &RemoteWorkflowArgs,
    options: MethodOptions,
) -> MethodKind {
    let on_cancel = match attr.on_cancel.as_ref().map(|v| (v.as_str(), v.span())) {
        None | Some(("cancel", _)) => OnCancel::Cancel,
        Some(("terminate", _)) => OnCancel::Terminate,
        Some(("abandon", _)) => OnCancel::Abandon,
        Some((other, span)) => {
            errors.push(
                Error::custom(format!(
                    "`on_cancel = \"{other}\"` is not a policy; use \"cancel\" (request \
                     cancellation, the default), \"terminate\" or \"abandon\" (leave it running)"
                ))
                .with_span(&span),
            );
            OnCancel::Cancel
        }
    };
    let fail_stuck_after = on_stuck(errors, attr);
    let id_template = attr.id.as_ref().and_then(|text| {
        let names: Vec<String> = args.iter().map(|(n, _)| n.to_string()).collect();
        match template::parse(text, &names) {
            Ok(t) => Some((t, text.span())),
            Err(what) => {
                errors.push(Error::custom(what).with_span(&text.span()));
                None
            }
        }
    });
    MethodKind::Workflow(WorkflowMethod {
        queue: attr.queue.as_str().to_owned(),
        workflow: attr.workflow.as_ref().map_or_else(
            || sig.ident.to_string().to_upper_camel_case(),
            |w| w.as_str().to_owned(),
        ),
        options,
        on_cancel,
        fail_stuck_after,
        id_template,
        explicit_ids: opening(
            errors,
            attr.explicit_id.as_ref().map(|v| (**v, v.span())),
            attr.id_prefix.as_ref(),
            ("explicit_id = true", "id_prefix"),
        ),
    })
}

/// An [`Opening`] from its two keys: a whole opening (`explicit_id = true`, `target = "any"`)
/// or a prefix (`id_prefix`, `target_prefix`), not both; a prefix is not empty. `keys` names
/// them for the errors.
fn opening(
    errors: &mut Errors,
    whole: Option<(bool, Span)>,
    prefix: Option<&SpannedValue<String>>,
    keys: (&str, &str),
) -> Opening {
    match (whole, prefix) {
        (Some((true, span)), Some(_)) => {
            errors.push(
                Error::custom(format!(
                    "`{}` opens every id and `{}` only some; give one of them",
                    keys.0, keys.1
                ))
                .with_span(&span),
            );
            Opening::Closed
        }
        (_, Some(p)) if p.is_empty() => {
            errors.push(
                Error::custom(format!(
                    "`{} = \"\"` would open every id; write `{}` to mean that",
                    keys.1, keys.0
                ))
                .with_span(&p.span()),
            );
            Opening::Closed
        }
        (_, Some(p)) => Opening::Prefix(p.as_str().to_owned()),
        (Some((true, _)), None) => Opening::Any,
        (Some((false, _)) | None, None) => Opening::Closed,
    }
}

/// `target` of a signal, query or update: `"bridged"` (the default) or `"any"`.
fn target_key(errors: &mut Errors, attr: &RemoteHandlerArgs) -> Option<(bool, Span)> {
    let (value, span) = attr.target.as_ref().map(|v| (v.as_str(), v.span()))?;
    match value {
        "any" => Some((true, span)),
        "bridged" => Some((false, span)),
        other => {
            errors.push(
                Error::custom(format!(
                    "`target = \"{other}\"` is not a target; use \"bridged\" (workflows a \
                     bridge of this source started, the default) or \"any\""
                ))
                .with_span(&span),
            );
            None
        }
    }
}

/// The default of `stuck_after` with `on_stuck = "fail"`: two minutes.
const DEFAULT_STUCK_AFTER_MS: u64 = 120_000;

/// `on_stuck` and `stuck_after`: milliseconds to fail after, or `None` to wait.
fn on_stuck(errors: &mut Errors, attr: &RemoteWorkflowArgs) -> Option<u64> {
    let after = parse_duration(errors, &attr.stuck_after, "stuck_after");
    match attr.on_stuck.as_ref().map(|v| (v.as_str(), v.span())) {
        Some(("fail", _)) => Some(after.unwrap_or(DEFAULT_STUCK_AFTER_MS)),
        None | Some(("wait", _)) => {
            if let Some(DurationText(text)) = &attr.stuck_after {
                errors.push(
                    Error::custom(
                        "`stuck_after` is how long a stuck call waits before it fails; it \
                         applies only with `on_stuck = \"fail\"`",
                    )
                    .with_span(&text.span()),
                );
            }
            None
        }
        Some((other, span)) => {
            errors.push(
                Error::custom(format!(
                    "`on_stuck = \"{other}\"` is not a policy; use \"wait\" (report the stuck \
                     call and keep waiting, the default) or \"fail\" (fail it after \
                     `stuck_after`, 2m by default)"
                ))
                .with_span(&span),
            );
            None
        }
    }
}

/// A signal's, query's or update's kind. `None` once the method has an error (`before` is the
/// count of errors when the method's signature began): the query rule is only worth reporting
/// on a method that is otherwise right.
fn handler_kind(
    errors: &mut Errors,
    sig: &Signature,
    which: HandlerKind,
    attr: &RemoteHandlerArgs,
    before: usize,
) -> Option<MethodKind> {
    if let (HandlerKind::Signal, ReturnType::Type(_, ty)) = (which, &sig.output) {
        errors.push(
            Error::custom(
                "a signal has no result: remove the return type, or make this a \
                 #[remote_update] to get one",
            )
            .with_span(ty),
        );
    }
    if errors.len() > before {
        return None;
    }
    if let (HandlerKind::Query, Some(w)) = (which, &attr.with_start) {
        errors.push(
            Error::custom("a query cannot start a workflow; remove `with_start`")
                .with_span(&w.span()),
        );
        return None;
    }
    let target = target_key(errors, attr);
    let handler = Handler {
        name: attr
            .name
            .as_ref()
            .map_or_else(|| sig.ident.to_string(), |n| n.as_str().to_owned()),
        with_start: attr
            .with_start
            .as_ref()
            .map(|w| (w.as_str().to_owned(), w.span())),
        targets: opening(
            errors,
            target,
            attr.target_prefix.as_ref(),
            ("target = \"any\"", "target_prefix"),
        ),
    };
    Some(match which {
        HandlerKind::Signal => MethodKind::Signal(handler),
        HandlerKind::Query => MethodKind::Query(handler),
        HandlerKind::Update => MethodKind::Update(handler),
    })
}

/// `#[remote_workflow]` or a path to it, such as `#[bridge_runtime::remote_workflow]`.
fn is_helper(attr: &Attribute) -> bool {
    helper_name(attr).is_some()
}

/// Which helper attribute `attr` is, by the last segment of its path.
pub(crate) fn helper_name(attr: &Attribute) -> Option<&'static str> {
    let last = attr.path().segments.last()?;
    HELPERS.iter().copied().find(|h| last.ident == h)
}

fn parse_helper(errors: &mut Errors, attr: &Attribute) -> Option<Helper> {
    let which = match helper_name(attr) {
        Some("remote_signal") => return parse_handler(errors, attr, HandlerKind::Signal),
        Some("remote_query") => return parse_handler(errors, attr, HandlerKind::Query),
        Some("remote_update") => return parse_handler(errors, attr, HandlerKind::Update),
        _ => "remote_workflow",
    };
    let Ok(list) = attr.meta.require_list() else {
        errors.push(
            Error::custom(format!(
                "expected #[{which}(cluster = \"...\", queue = \"...\")]"
            ))
            .with_span(attr),
        );
        return None;
    };
    let parsed = NestedMeta::parse_meta_list(list.tokens.clone())
        .map_err(Error::from)
        .and_then(|l| RemoteWorkflowArgs::from_list(&l))
        .map_err(|e| one_error_per_typo(e.with_span(&list.path)));
    let parsed = errors.handle(parsed)?;
    let before = errors.len();
    check_non_empty(errors, &parsed.queue, "queue");
    if let Some(w) = &parsed.workflow {
        check_non_empty(errors, w, "workflow");
    }
    check_cluster(errors, &parsed.cluster);
    let options = parse_options(errors, &parsed);
    (errors.len() == before).then(|| Helper::Workflow(Box::new(parsed), options))
}

/// `#[remote_signal(cluster = "...")]`, `#[remote_query(...)]`, `#[remote_update(...)]`.
fn parse_handler(errors: &mut Errors, attr: &Attribute, which: HandlerKind) -> Option<Helper> {
    let Ok(list) = attr.meta.require_list() else {
        let name = match which {
            HandlerKind::Signal => "remote_signal",
            HandlerKind::Query => "remote_query",
            HandlerKind::Update => "remote_update",
        };
        errors
            .push(Error::custom(format!("expected #[{name}(cluster = \"...\")]")).with_span(attr));
        return None;
    };
    let parsed = NestedMeta::parse_meta_list(list.tokens.clone())
        .map_err(Error::from)
        .and_then(|l| RemoteHandlerArgs::from_list(&l))
        .map_err(|e| one_error_per_typo(e.with_span(&list.path)));
    let parsed = errors.handle(parsed)?;
    let before = errors.len();
    check_cluster(errors, &parsed.cluster);
    if let Some(n) = &parsed.name {
        check_non_empty(errors, n, "name");
    }
    (errors.len() == before).then_some(Helper::Handler(which, parsed))
}

/// A misspelled required key is one mistake, but darling reports it twice: "Unknown field:
/// `queu`. Did you mean `queue`?" and "Missing field `queue`". Keep the first, which points at
/// the typo and names the fix.
fn one_error_per_typo(error: Error) -> Error {
    let errors: Vec<Error> = error.into_iter().collect();
    let suggested: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            let text = e.to_string();
            let (_, rest) = text.split_once("Did you mean `")?;
            Some(rest.split('`').next()?.to_owned())
        })
        .collect();
    let kept: Vec<Error> = errors
        .into_iter()
        .filter(|e| {
            let text = e.to_string();
            !suggested
                .iter()
                .any(|field| text.starts_with(&format!("Missing field `{field}`")))
        })
        .collect();
    Error::multiple(kept)
}

/// The runtime's cluster-name rule (`bridge_runtime::config::valid_cluster_name`), checked here
/// for an error on the attribute's value. The generated `MethodSpec` also passes the name
/// through `__private::cluster_name`, which applies the runtime's rule at compile time, so the
/// two cannot drift apart unnoticed: a name this accepts and the runtime refuses fails to build.
fn check_cluster(errors: &mut Errors, cluster: &SpannedValue<String>) {
    let name = cluster.as_str();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        errors.push(
            Error::custom(format!(
                "cluster `{name}` is not a valid cluster name: use a-z, 0-9, `-` and `_`, \
                 as in the bridge's pool configuration"
            ))
            .with_span(&cluster.span()),
        );
    }
}

/// Milliseconds of a duration key, if given; a malformed one is an error on its value that
/// names `label`.
fn parse_duration(errors: &mut Errors, v: &Option<DurationText>, label: &str) -> Option<u64> {
    let v = &v.as_ref()?.0;
    match duration::parse_millis(v) {
        Ok(ms) => Some(ms),
        Err(what) => {
            errors.push(
                Error::custom(format!("`{label}`: {what}; {}", duration::HOW)).with_span(&v.span()),
            );
            None
        }
    }
}

fn parse_retry(errors: &mut Errors, r: &SpannedValue<RetryArgs>, key: &str) -> Retry {
    let mut ms = |v: &Option<DurationText>, field: &str| {
        parse_duration(errors, v, &format!("{key}({field})"))
    };
    let retry = Retry {
        initial_interval_ms: ms(&r.initial_interval, "initial_interval"),
        max_interval_ms: ms(&r.max_interval, "max_interval"),
        backoff: r.backoff.as_ref().map(|b| **b),
        max_attempts: r.max_attempts.as_ref().map(|m| **m),
        non_retryable: r.non_retryable.iter().map(|l| l.value()).collect(),
    };
    if let Some(b) = &r.backoff
        && !(b.is_finite() && **b >= 1.0)
    {
        errors.push(
            Error::custom(format!(
                "`{key}(backoff)` must be at least 1.0 (1.0 keeps the delay constant)"
            ))
            .with_span(&b.span()),
        );
    }
    if let Some(m) = &r.max_attempts
        && **m == 0
    {
        errors.push(
            Error::custom(format!(
                "`{key}(max_attempts)` must be at least 1; leave it out for no limit"
            ))
            .with_span(&m.span()),
        );
    }
    if let (Some(first), Some(most), Some(mi)) = (
        retry.initial_interval_ms,
        retry.max_interval_ms,
        &r.max_interval,
    ) && most < first
    {
        errors.push(
            Error::custom(format!(
                "`{key}(max_interval)` cannot be shorter than `initial_interval`"
            ))
            .with_span(&mi.0.span()),
        );
    }
    retry
}

fn parse_options(errors: &mut Errors, args: &RemoteWorkflowArgs) -> MethodOptions {
    let mut duration = |v: &Option<DurationText>, key: &str| parse_duration(errors, v, key);
    let mut t = MethodOptions {
        start_to_close: duration(&args.start_to_close_timeout, "start_to_close_timeout"),
        heartbeat: duration(&args.heartbeat_timeout, "heartbeat_timeout"),
        long_wait_after: duration(&args.long_wait_after, "long_wait_after"),
        long_wait_heartbeat: duration(
            &args.long_wait_heartbeat_timeout,
            "long_wait_heartbeat_timeout",
        ),
        execution: duration(&args.execution_timeout, "execution_timeout"),
        run: duration(&args.run_timeout, "run_timeout"),
        ..MethodOptions::default()
    };
    t.workflow_retry = args
        .workflow_retry
        .as_ref()
        .map(|r| parse_retry(errors, r, "workflow_retry"));
    t.bridge_retry = args
        .bridge_retry
        .as_ref()
        .map(|r| parse_retry(errors, r, "bridge_retry"));
    if let Some(policy) = &args.id_reuse_policy {
        match policy.as_str() {
            "reject_duplicate" => {}
            "allow_duplicate_failed_only" => t.id_reuse = IdReuse::AllowDuplicateFailedOnly,
            other => errors.push(
                Error::custom(format!(
                    "`id_reuse_policy = \"{other}\"` is not allowed; use \"reject_duplicate\" \
                     (the default: a closed execution is never started again, so retries attach) \
                     or \"allow_duplicate_failed_only\" (a later call may start again after a \
                     failure); other policies would let a retried call run twice"
                ))
                .with_span(&policy.span()),
            ),
        }
    }
    for (key, text, value) in [
        ("heartbeat_timeout", &args.heartbeat_timeout, t.heartbeat),
        (
            "long_wait_heartbeat_timeout",
            &args.long_wait_heartbeat_timeout,
            t.long_wait_heartbeat,
        ),
    ] {
        let (Some(DurationText(hb)), Some(v)) = (text, value) else {
            continue;
        };
        let attempt = t.start_to_close.unwrap_or(DEFAULT_START_TO_CLOSE_MS);
        if v >= attempt {
            errors.push(
                Error::custom(format!(
                    "`{key}` must be shorter than `start_to_close_timeout` ({}), \
                     or no heartbeat is ever due",
                    args.start_to_close_timeout.as_ref().map_or(
                        format!("{}h by default", DEFAULT_START_TO_CLOSE_MS / 3_600_000),
                        |s| format!("\"{}\"", s.0.as_str())
                    )
                ))
                .with_span(&hb.span()),
            );
        }
    }
    if let (Some(DurationText(run)), Some(r), Some(e)) = (&args.run_timeout, t.run, t.execution)
        && r > e
    {
        errors.push(
            Error::custom(
                "`run_timeout` cannot be longer than `execution_timeout`: every run ends when \
                 the execution does",
            )
            .with_span(&run.span()),
        );
    }
    t
}

fn check_non_empty(errors: &mut Errors, v: &SpannedValue<String>, key: &str) {
    if v.trim().is_empty() {
        errors.push(Error::custom(format!("`{key}` cannot be empty")).with_span(&v.span()));
    }
}

/// Arguments and results are serialized: they must be owned, nameable types.
fn check_wire_type(errors: &mut Errors, ty: &Type, what: &str) {
    struct Finder<'a> {
        errors: &'a mut Errors,
        what: &'a str,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
            self.errors.push(
                Error::custom(format!(
                    "`impl Trait` cannot be a remote {}: name a concrete serializable type",
                    self.what
                ))
                .with_span(&t.span()),
            );
        }
        fn visit_type_reference(&mut self, t: &'ast syn::TypeReference) {
            self.errors.push(
                Error::custom(format!(
                    "a remote {} is serialized and sent to another cluster: take an owned type \
                     instead of a reference",
                    self.what
                ))
                .with_span(&t.span()),
            );
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            self.errors.push(
                Error::custom(format!(
                    "a remote {} cannot borrow: remove the lifetime `{l}`",
                    self.what
                ))
                .with_span(&l.span()),
            );
        }
        fn visit_type_trait_object(&mut self, t: &'ast syn::TypeTraitObject) {
            self.errors.push(
                Error::custom(format!(
                    "`dyn Trait` cannot be a remote {}: name a concrete serializable type",
                    self.what
                ))
                .with_span(&t.span()),
            );
        }
    }
    Finder { errors, what }.visit_type(ty);
}
