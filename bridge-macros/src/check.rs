//! Check: the rules that span more than one method, or that concern the names the expansion
//! generates, run over the parsed model (thiserror's `valid.rs`).
//!
//! They run even when parsing found errors, over the methods that could be read, so that one
//! compile shows every problem.

use crate::errors::Errors;
use crate::model::{Bridge, Method, MethodKind};
use darling::Error;
use syn::{Ident, visit::Visit};

/// The prefix of every item the expansion declares beside the user's code.
const RESERVED_PREFIX: &str = "__Bridge";

/// Every rule over `bridge`; problems go to `errors`.
pub(crate) fn check(errors: &mut Errors, bridge: &Bridge) {
    check_reserved_names(errors, bridge);
    check_generated_names(errors, bridge);
    check_with_start(errors, bridge);
    check_not_empty(errors, bridge);
}

/// The marker types (`__BridgeMethod_m`) are in scope where the callers name the arguments and
/// their types, and a marker is a unit struct: an argument or type of the same name would
/// resolve to it. Nothing a user writes needs that prefix.
fn check_reserved_names(errors: &mut Errors, bridge: &Bridge) {
    struct Segments<'a>(&'a mut Errors);
    impl<'ast> Visit<'ast> for Segments<'_> {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            reserved(self.0, &s.ident);
            syn::visit::visit_path_segment(self, s);
        }
    }
    for m in &bridge.methods {
        for (name, ty) in &m.args {
            reserved(errors, name);
            Segments(errors).visit_type(ty);
        }
        Segments(errors).visit_type(&m.output);
    }
}

fn reserved(errors: &mut Errors, ident: &Ident) {
    if ident.to_string().starts_with(RESERVED_PREFIX) {
        errors.push(
            Error::custom(format!(
                "`{ident}` starts with `{RESERVED_PREFIX}`, which #[bridge] reserves for the \
                 items it generates; rename it"
            ))
            .with_span(ident),
        );
    }
}

/// A function the expansion adds to `…Caller` or `…Mock` beside a method's own.
struct Generated<'a> {
    name: String,
    /// `Caller` or `Mock`: the type it is generated on.
    on: &'static str,
    /// What it is, as the error names it.
    what: &'static str,
    /// The method it is generated for.
    of: &'a Method,
}

/// The functions generated beside each method's own: on `…Caller`, `m_with_options` and
/// `start_m` for a workflow method `m`, `h_with_start` for a signal or update `h` with
/// `with_start` (see `expand::caller`); on `…Mock`, `m_calls` for every method (see
/// `expand::mock`).
fn generated_fns(bridge: &Bridge) -> Vec<Generated<'_>> {
    let mut out = Vec::new();
    for m in &bridge.methods {
        let mut add = |name: String, on, what| {
            out.push(Generated {
                name,
                on,
                what,
                of: m,
            })
        };
        match &m.kind {
            MethodKind::Workflow(_) => {
                add(format!("start_{}", m.ident), "Caller", "starter");
                add(
                    format!("{}_with_options", m.ident),
                    "Caller",
                    "caller with options",
                );
            }
            MethodKind::Signal(h) | MethodKind::Update(h) if h.with_start.is_some() => {
                add(
                    format!("{}_with_start", m.ident),
                    "Caller",
                    "with-start caller",
                );
            }
            _ => {}
        }
        add(format!("{}_calls", m.ident), "Mock", "recorded calls");
    }
    out
}

/// What `…Mock` has besides one function per method: a method of these names would clash.
const MOCK_OWN: [&str; 2] = ["new", "worker_options"];

/// A generated function must not share its name with a method (each method has one of its
/// own on `…Caller` and `…Mock`), nor with another generated function of the same type.
fn check_generated_names(errors: &mut Errors, bridge: &Bridge) {
    let generated = generated_fns(bridge);
    let ty = |on: &str| format!("{}{on}", bridge.ident);
    for g in &generated {
        if let Some(other) = bridge.methods.iter().find(|o| o.ident == g.name) {
            errors.push(
                Error::custom(format!(
                    "method `{}` clashes with `{}::{}`, the {} generated for `{}`; rename one \
                     of them",
                    g.name,
                    ty(g.on),
                    g.name,
                    g.what,
                    g.of.ident
                ))
                .with_span(&other.ident),
            );
        }
    }
    for (i, g) in generated.iter().enumerate() {
        let same = |f: &&Generated| f.name == g.name && f.on == g.on;
        if let Some(first) = generated[..i].iter().find(same) {
            errors.push(
                Error::custom(format!(
                    "`{}::{}` would be generated twice: as the {} of `{}` and as the {} of `{}`; \
                     rename one of them",
                    ty(g.on),
                    g.name,
                    first.what,
                    first.of.ident,
                    g.what,
                    g.of.ident
                ))
                .with_span(&g.of.ident),
            );
        }
    }
    for m in &bridge.methods {
        if MOCK_OWN.iter().any(|own| m.ident == own) {
            errors.push(
                Error::custom(format!(
                    "method `{}` clashes with `{}::{}`, which every mock has; rename the method",
                    m.ident,
                    ty("Mock"),
                    m.ident
                ))
                .with_span(&m.ident),
            );
        }
    }
}

/// `with_start = "w"` must name a workflow method of the trait on the same cluster, whose
/// arguments do not share a name with the signal's or update's (the generated caller takes both).
fn check_with_start(errors: &mut Errors, bridge: &Bridge) {
    let methods = &bridge.methods;
    for m in methods {
        let Some((target, span)) = m.handler().and_then(|h| h.with_start.as_ref()) else {
            continue;
        };
        let Some(w) = methods.iter().find(|w| w.ident == target.as_str()) else {
            let known: Vec<String> = methods
                .iter()
                .filter(|w| w.workflow().is_some())
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
        if w.workflow().is_none() {
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
                     generated `{}_with_start` takes both, so rename one",
                    m.ident, m.ident
                ))
                .with_span(&clash.span()),
            );
        }
    }
}

fn check_not_empty(errors: &mut Errors, bridge: &Bridge) {
    if bridge.is_empty {
        errors.push(
            Error::custom(
                "this #[bridge] trait has no methods; add one marked #[remote_workflow(...)]",
            )
            .with_span(&bridge.ident),
        );
    }
}
