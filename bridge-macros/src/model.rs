//! Parse and validate: from the annotated trait to a model that expansion can trust.
//!
//! Every problem is collected, not just the first, so one compile shows them all.

use crate::attrs::{
    BridgeArgs, DurationText, HELPERS, RemoteHandlerArgs, RemoteWorkflowArgs, RetryArgs,
};
use crate::duration;
use crate::template::{self, Template};
use darling::{Error, FromMeta, ast::NestedMeta, util::SpannedValue};
use heck::ToUpperCamelCase;
use proc_macro2::{Span, TokenStream};
use syn::{
    Attribute, FnArg, Ident, ItemTrait, Pat, ReturnType, TraitItem, TraitItemFn, Type,
    spanned::Spanned, visit::Visit,
};

/// darling's accumulator, counting what it holds so that a step can tell whether it added any.
#[derive(Default)]
pub(crate) struct Errors(darling::error::Accumulator, usize);

impl Errors {
    fn push(&mut self, e: Error) {
        self.1 += 1;
        self.0.push(e);
    }
    fn handle<T>(&mut self, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }
    fn len(&self) -> usize {
        self.1
    }
}

/// The most arguments a remote workflow method may take (the SDK's `MultiArgs6`).
pub(crate) const MAX_ARGS: usize = 6;

/// Default bridge activity attempt timeout; keep in step with `bridge_runtime::CallTimeouts`.
pub(crate) const DEFAULT_START_TO_CLOSE_MS: u64 = 3_600_000;

/// Default bridge task queue; keep in step with `bridge_runtime::DEFAULT_BRIDGE_QUEUE`.
pub(crate) const DEFAULT_BRIDGE_QUEUE: &str = "temporal-bridge";

pub(crate) struct Bridge {
    pub ident: Ident,
    pub bridge_queue: String,
    pub methods: Vec<Method>,
}

pub(crate) struct Method {
    pub kind: Kind,
    pub ident: Ident,
    pub args: Vec<(Ident, Type)>,
    pub output: Type,
    pub cluster: String,
    pub queue: String,
    pub workflow: String,
    pub options: MethodOptions,
    /// `on_cancel`: "cancel", "terminate" or "abandon".
    pub on_cancel: OnCancel,
    /// For a signal or update: the workflow method it can start, and the span of the name.
    pub with_start: Option<(String, Span)>,
    /// The id template and the span of its string, when the attribute gives one.
    pub id_template: Option<(Template, Span)>,
    pub span: Span,
}

/// What a method does on the remote cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Runs a remote workflow (`#[remote_workflow]`).
    Workflow,
    /// Sends the named signal to a remote workflow (`#[remote_signal]`).
    Signal(String),
    /// Runs the named query (`#[remote_query]`).
    Query(String),
    /// Runs the named update and waits for its result (`#[remote_update]`).
    Update(String),
}

/// A parsed helper attribute.
enum Helper {
    Workflow(Box<RemoteWorkflowArgs>, MethodOptions),
    Handler(&'static str, RemoteHandlerArgs),
}

/// What cancelling the caller does to the remote workflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum OnCancel {
    #[default]
    Cancel,
    Terminate,
    Abandon,
}

/// What `#[remote_workflow(...)]` sets beyond where the workflow runs: durations in milliseconds,
/// retry policies and the id reuse policy; `None` keeps the default.
#[derive(Default)]
pub(crate) struct MethodOptions {
    pub start_to_close: Option<u64>,
    pub heartbeat: Option<u64>,
    pub execution: Option<u64>,
    pub run: Option<u64>,
    pub workflow_retry: Option<Retry>,
    pub bridge_retry: Option<Retry>,
    /// `true` for "allow_duplicate_failed_only".
    pub allow_duplicate_failed_only: bool,
}

/// A checked retry policy.
pub(crate) struct Retry {
    pub initial_interval_ms: Option<u64>,
    pub backoff: Option<f64>,
    pub max_interval_ms: Option<u64>,
    pub max_attempts: Option<u32>,
    pub non_retryable: Vec<String>,
}

/// Parses `#[bridge(args)]` on `item`.
///
/// Returns the trait with helper attributes stripped (always, so that it can be emitted even
/// when there are errors) and the model or the collected errors.
pub(crate) fn parse(args: TokenStream, item: &mut ItemTrait) -> Result<Bridge, Error> {
    let mut errors = Errors::default();
    let bridge_args = NestedMeta::parse_meta_list(args)
        .map_err(Error::from)
        .and_then(|list| BridgeArgs::from_list(&list));
    let bridge_args = errors.handle(bridge_args).unwrap_or_default();
    let bridge_queue = match bridge_args.task_queue {
        Some(q) => {
            check_non_empty(&mut errors, &q, "task_queue");
            q.as_str().to_owned()
        }
        None => DEFAULT_BRIDGE_QUEUE.to_owned(),
    };

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
            TraitItem::Fn(f) => {
                if let Some(m) = parse_method(&mut errors, f) {
                    methods.push(m);
                }
            }
            other => errors.push(
                Error::custom(
                    "a #[bridge] trait holds only `async fn` methods marked \
                     #[remote_workflow(...)]; move this item out of the trait",
                )
                .with_span(other),
            ),
        }
    }
    // Every workflow method `m` also gets callers `start_m` and `m_with`; a method of either name
    // would clash with them.
    for m in methods.iter().filter(|m| m.kind == Kind::Workflow) {
        for (generated, what) in [
            (format!("start_{}", m.ident), "starter"),
            (format!("{}_with", m.ident), "caller with options"),
        ] {
            if let Some(other) = methods.iter().find(|o| o.ident == generated) {
                errors.push(
                    Error::custom(format!(
                        "method `{generated}` clashes with `{}Caller::{generated}`, the {what} \
                         generated for `{}`; rename one of them",
                        item.ident, m.ident
                    ))
                    .with_span(&other.ident),
                );
            }
        }
    }
    check_with_start(&mut errors, &methods);
    if methods.is_empty() && item.items.is_empty() {
        errors.push(
            Error::custom(
                "this #[bridge] trait has no methods; add one marked #[remote_workflow(...)]",
            )
            .with_span(&item.ident),
        );
    }
    errors.0.finish_with(Bridge {
        ident: item.ident.clone(),
        bridge_queue,
        methods,
    })
}

fn parse_method(errors: &mut Errors, f: &mut TraitItemFn) -> Option<Method> {
    let (helpers, others): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut f.attrs)
        .into_iter()
        .partition(is_helper);
    f.attrs = others;
    let sig = &f.sig;
    let name = &sig.ident;

    let mut parsed = None;
    match helpers.as_slice() {
        [] => errors.push(
            Error::custom(format!(
                "method `{name}` needs #[remote_workflow(cluster = \"...\", queue = \"...\")] \
                 to say where the remote workflow runs (or #[remote_signal], #[remote_query] \
                 or #[remote_update] with a `cluster`)"
            ))
            .with_span(name),
        ),
        [attr] => parsed = parse_helper(errors, attr),
        [_, extra, ..] => errors.push(
            Error::custom(format!(
                "method `{name}` has more than one #[remote_…] attribute; keep one"
            ))
            .with_span(extra),
        ),
    }

    let before = errors.len();
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
                "method `{name}` takes {} arguments; at most {MAX_ARGS} can cross the wire — \
                 group them in a struct",
                args.len()
            ))
            .with_span(&sig.inputs),
        );
    }
    let output = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => {
            check_wire_type(errors, ty, "result");
            (**ty).clone()
        }
    };
    let (parsed, options) = match parsed? {
        Helper::Workflow(parsed, options) => (parsed, options),
        Helper::Handler(which, handler) => {
            let handler_name = handler
                .name
                .as_ref()
                .map_or_else(|| name.to_string(), |n| n.as_str().to_owned());
            let kind = match which {
                "remote_signal" => Kind::Signal(handler_name),
                "remote_query" => Kind::Query(handler_name),
                _ => Kind::Update(handler_name),
            };
            if let (Kind::Signal(_), ReturnType::Type(_, ty)) = (&kind, &sig.output) {
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
            if let (Kind::Query(_), Some(w)) = (&kind, &handler.with_start) {
                errors.push(
                    Error::custom("a query cannot start a workflow; remove `with_start`")
                        .with_span(&w.span()),
                );
                return None;
            }
            return Some(Method {
                kind,
                with_start: handler
                    .with_start
                    .as_ref()
                    .map(|w| (w.as_str().to_owned(), w.span())),
                ident: name.clone(),
                args,
                output,
                cluster: handler.cluster.as_str().to_owned(),
                queue: String::new(),
                workflow: String::new(),
                options: MethodOptions::default(),
                on_cancel: OnCancel::Cancel,
                id_template: None,
                span: sig.ident.span(),
            });
        }
    };
    let on_cancel = match parsed.on_cancel.as_ref().map(|v| (v.as_str(), v.span())) {
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
    let id_template = parsed.id.as_ref().and_then(|text| {
        let names: Vec<String> = args.iter().map(|(n, _)| n.to_string()).collect();
        match template::parse(text, &names) {
            Ok(t) => Some((t, text.span())),
            Err(what) => {
                errors.push(Error::custom(what).with_span(&text.span()));
                None
            }
        }
    });
    if errors.len() > before {
        return None;
    }
    Some(Method {
        kind: Kind::Workflow,
        with_start: None,
        ident: name.clone(),
        args,
        output,
        cluster: parsed.cluster.as_str().to_owned(),
        queue: parsed.queue.as_str().to_owned(),
        workflow: parsed
            .workflow
            .map(|w| w.as_str().to_owned())
            .unwrap_or_else(|| name.to_string().to_upper_camel_case()),
        options,
        on_cancel,
        id_template,
        span: sig.ident.span(),
    })
}

/// `with_start = "w"` must name a workflow method of the trait on the same cluster, whose
/// arguments do not share a name with the signal's or update's (the generated caller takes both).
fn check_with_start(errors: &mut Errors, methods: &[Method]) {
    for m in methods {
        let Some((target, span)) = &m.with_start else {
            continue;
        };
        let Some(w) = methods.iter().find(|w| w.ident == target.as_str()) else {
            let known: Vec<String> = methods
                .iter()
                .filter(|w| w.kind == Kind::Workflow)
                .map(|w| w.ident.to_string())
                .collect();
            errors.push(
                Error::custom(format!(
                    "`with_start = \"{target}\"` names no method of this trait; its \
                     #[remote_workflow] methods are: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
                .with_span(span),
            );
            continue;
        };
        if w.kind != Kind::Workflow {
            errors.push(
                Error::custom(format!(
                    "`with_start = \"{target}\"` must name a #[remote_workflow] method"
                ))
                .with_span(span),
            );
        } else if w.cluster != m.cluster {
            errors.push(
                Error::custom(format!(
                    "`{}` is on cluster `{}` but `{target}` runs on cluster `{}`; a with-start \
                     call reaches one cluster",
                    m.ident, m.cluster, w.cluster
                ))
                .with_span(span),
            );
        } else if let Some((clash, _)) = m
            .args
            .iter()
            .find(|(a, _)| w.args.iter().any(|(b, _)| a == b))
        {
            errors.push(
                Error::custom(format!(
                    "argument `{clash}` of `{}` has the same name as one of `{target}`; the \
                     generated `start_{target}_with_{}` takes both, so rename one",
                    m.ident, m.ident
                ))
                .with_span(&clash.span()),
            );
        }
    }
}

/// `#[remote_workflow]` or a path to it, such as `#[bridge_runtime::remote_workflow]`.
fn is_helper(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|seg| HELPERS.iter().any(|h| seg.ident == h))
}

fn parse_helper(errors: &mut Errors, attr: &Attribute) -> Option<Helper> {
    let which = HELPERS
        .iter()
        .copied()
        .find(|h| {
            attr.path()
                .segments
                .last()
                .is_some_and(|seg| seg.ident == h)
        })
        .unwrap_or("remote_workflow");
    if which != "remote_workflow" {
        return parse_handler(errors, attr, which);
    }
    let list = match attr.meta.require_list() {
        Ok(list) => list,
        Err(_) => {
            errors.push(
                Error::custom("expected #[remote_workflow(cluster = \"...\", queue = \"...\")]")
                    .with_span(attr),
            );
            return None;
        }
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
fn parse_handler(errors: &mut Errors, attr: &Attribute, which: &'static str) -> Option<Helper> {
    let Ok(list) = attr.meta.require_list() else {
        errors
            .push(Error::custom(format!("expected #[{which}(cluster = \"...\")]")).with_span(attr));
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
            "allow_duplicate_failed_only" => t.allow_duplicate_failed_only = true,
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
    if let (Some(DurationText(hb)), Some(v)) = (&args.heartbeat_timeout, t.heartbeat) {
        let attempt = t.start_to_close.unwrap_or(DEFAULT_START_TO_CLOSE_MS);
        if v >= attempt {
            errors.push(
                Error::custom(format!(
                    "`heartbeat_timeout` must be shorter than `start_to_close_timeout` ({}), \
                     or no heartbeat is ever due",
                    args.start_to_close_timeout.as_ref().map_or(
                        "1h by default".to_owned(),
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
