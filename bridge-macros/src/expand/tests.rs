use super::*;
use quote::ToTokens;

fn expand(args: TokenStream, item: TokenStream) -> String {
    let out = bridge(args, item);
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    }
}

/// Whether `out` contains `needle`, ignoring whitespace and trailing commas (prettyplease
/// breaks long lines, and ends a broken list with a comma).
fn has(out: &str, needle: &str) -> bool {
    let squash = |s: &str| {
        s.split_whitespace()
            .collect::<String>()
            .replace(",)", ")")
            .replace(",>", ">")
    };
    squash(out).contains(&squash(needle))
}

/// The `#[bridge(...)]` trait of an input file: the attribute's arguments and the trait
/// without it, as the compiler would hand them to the macro.
fn bridge_input(file: &syn::File) -> (TokenStream, TokenStream) {
    let mut traits = file.items.iter().filter_map(|i| match i {
        syn::Item::Trait(t) => Some(t),
        _ => None,
    });
    let found = traits.find_map(|t| {
        let at = t.attrs.iter().position(|a| a.path().is_ident("bridge"))?;
        Some((t, at))
    });
    let (t, at) = found.expect("the input declares a #[bridge] trait");
    let args = match &t.attrs[at].meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens.clone(),
        syn::Meta::NameValue(_) => panic!("#[bridge = ...] is not a form of the attribute"),
    };
    let mut item = t.clone();
    item.attrs.remove(at);
    (args, item.into_token_stream())
}

/// Expansion snapshots a reviewer reads: each `tests/expand/NAME.rs` holds an input, and
/// `tests/expand/NAME.expanded.rs` its expansion beside it. Regenerate with
/// `UPDATE_EXPAND=1 cargo test -p bridge-macros`.
#[test]
fn expansion_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".rs") && !name.ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    let update = std::env::var_os("UPDATE_EXPAND").is_some();
    let mut changed = Vec::new();
    for input in &inputs {
        let text = std::fs::read_to_string(input).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let (args, item) = bridge_input(&file);
        let out = expand(args, item);
        let path = input.with_extension("expanded.rs");
        if update {
            std::fs::write(&path, &out).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_EXPAND=1", path.display()));
        if out != expected {
            changed.push(path.display().to_string());
        }
    }
    assert!(
        changed.is_empty(),
        "expansions changed: {changed:?}; review them and rerun with UPDATE_EXPAND=1"
    );
}

#[test]
fn expands_a_method_into_marker_caller_id_and_registration() {
    let out = expand(
        quote!(),
        quote! {
            pub trait Fulfillment {
                #[remote_workflow(cluster = "b", queue = "fulfillment", workflow = "FulfillmentWorkflow")]
                async fn fulfill(order: Order) -> Shipment;
            }
        },
    );
    assert!(out.contains("pub struct FulfillmentBridge;"), "{out}");
    assert!(out.contains("pub struct FulfillmentCaller;"), "{out}");
    assert!(
        out.contains("activity_type: \"bridge.Fulfillment.fulfill\""),
        "{out}"
    );
    assert!(out.contains("label: \"Fulfillment.fulfill\""), "{out}");
    assert!(
        out.contains("workflow_type: \"FulfillmentWorkflow\""),
        "{out}"
    );
    assert!(
        out.contains("bridge_queue: ::bridge_runtime::__private::DEFAULT_BRIDGE_QUEUE"),
        "{out}"
    );
    assert!(out.contains("pub fn fulfill_remote_id"), "{out}");
    assert!(
        out.contains("registrar.add::<__BridgeMethod_fulfill>()"),
        "{out}"
    );
    assert!(
        !out.contains("remote_workflow("),
        "helper must be stripped: {out}"
    );
    assert!(out.contains("async_fn_in_trait"), "{out}");
}

#[test]
fn defaults_workflow_type_to_upper_camel_case_and_reads_task_queue() {
    let out = expand(
        quote!(task_queue = "my-bridge"),
        quote! {
            trait Shipping {
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn create_label(a: u32, b: String) -> ();
            }
        },
    );
    assert!(out.contains("workflow_type: \"CreateLabel\""), "{out}");
    assert!(out.contains("bridge_queue: \"my-bridge\""), "{out}");
    assert!(out.contains("MultiArgs2<u32, String>"), "{out}");
}

#[test]
fn callers_follow_one_naming_rule_and_name_no_type_parameter() {
    let out = expand(
        quote!(),
        quote! {
            trait Mailbox {
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn mailbox(owner: String) -> Vec<String>;
                #[remote_signal(cluster = "b", with_start = "mailbox")]
                async fn post(note: String);
            }
        },
    );
    for name in [
        "pub async fn mailbox(",
        "pub async fn mailbox_with_options(",
        "pub async fn start_mailbox(",
        "pub async fn post(",
        "pub async fn post_with_start(",
    ] {
        assert!(out.contains(name), "{name}: {out}");
    }
    assert!(!out.contains("fn mailbox_with("), "{out}");
    assert!(!out.contains("<W>"), "{out}");
    assert!(
        has(&out, "WorkflowContext<impl ::core::marker::Sized>"),
        "{out}"
    );
    assert!(has(&out, "call_handler::<__BridgeMethod_post, _>"), "{out}");
}

#[test]
fn the_crate_key_reroutes_every_runtime_path() {
    let item = quote! {
        trait Api {
            #[remote_workflow(cluster = "b", queue = "q", heartbeat_timeout = "10s")]
            async fn run(x: u32) -> u32;
            #[remote_query(cluster = "b")]
            async fn peek() -> u32;
        }
    };
    let out = expand(quote!(crate = "my_api::bridge_runtime"), item.clone());
    assert!(
        !out.replace("my_api::bridge_runtime::__private", "")
            .contains("__private"),
        "{out}"
    );
    assert!(
        has(&out, "my_api::bridge_runtime::__private::MethodSpec"),
        "{out}"
    );

    // The stubs emitted beside an error take the same path.
    let broken = quote! {
        trait Api {
            #[remote_workflow(cluster = "b", queue = "")]
            async fn run(x: u32) -> u32;
        }
    };
    let out = bridge(quote!(crate = "my_api::bridge_runtime"), broken).to_string();
    assert!(out.contains("cannot be empty"), "{out}");
    assert!(
        !out.replace("my_api :: bridge_runtime :: __private", "")
            .contains("__private"),
        "{out}"
    );
    assert!(
        out.contains("my_api :: bridge_runtime :: __private"),
        "{out}"
    );

    let out = bridge(quote!(crate = "not a path"), item).to_string();
    assert!(
        out.contains("`crate = \\\"not a path\\\"` is not a path"),
        "{out}"
    );
}

#[test]
fn the_default_attempt_is_asserted_only_where_the_macro_relied_on_it() {
    let with = |attr: TokenStream| {
        expand(
            quote!(),
            quote! {
                trait T {
                    #[remote_workflow(cluster = "b", queue = "q", #attr)]
                    async fn m();
                }
            },
        )
    };
    let assert = "CallTimeouts::DEFAULT.attempt.as_millis() == 3600000u128";
    assert!(has(&with(quote!(heartbeat_timeout = "10s")), assert));
    assert!(!has(&with(quote!(workflow = "M")), assert));
    let both = quote!(heartbeat_timeout = "10s", start_to_close_timeout = "2h");
    assert!(!has(&with(both), assert));
}

#[test]
fn an_id_function_takes_a_string_argument_as_str() {
    let out = expand(
        quote!(),
        quote! {
            trait Labels {
                #[remote_workflow(cluster = "b", queue = "q", id = "l-{order_id}-{n}")]
                async fn label(order_id: String, n: u32);
            }
        },
    );
    assert!(
        has(
            &out,
            "fn label_remote_id(order_id: &::core::primitive::str, n: &u32)"
        ),
        "{out}"
    );
    assert!(
        has(
            &out,
            ".or_remote_id_with(|| LabelsBridge::label_remote_id(&order_id, &n))"
        ),
        "{out}"
    );
}

#[test]
fn all_errors_are_reported_and_the_trait_is_kept() {
    let out = bridge(
        quote!(),
        quote! {
            trait Bad {
                #[remote_workflow(cluster = "b")]
                async fn a(x: u32);
                fn b(&self);
            }
        },
    )
    .to_string();
    assert!(out.contains("trait Bad"), "{out}");
    assert!(out.contains("queue"), "missing key reported: {out}");
    assert!(out.contains("needs #[remote_workflow"), "{out}");
    assert!(out.contains("no `self`"), "{out}");
    assert!(out.contains("must be `async fn`"), "{out}");
    // The API stays, as stubs, so that call sites resolve: a caller for the readable
    // method `a`, none for `b`, whose signature is itself in error.
    assert!(out.contains("struct BadCaller"), "{out}");
    assert!(out.contains("struct BadBridge"), "{out}");
    assert!(out.contains("pub async fn start_a"), "{out}");
    assert!(out.contains("pub async fn a_with_options"), "{out}");
    assert!(!out.contains("pub async fn b"), "{out}");
}

#[test]
fn stubs_include_the_with_start_caller() {
    let out = bridge(
        quote!(),
        quote! {
            trait Bad {
                #[remote_workflow(cluster = "b", queue = "q", on_cancel = "explode")]
                async fn w(x: u32) -> u32;
                #[remote_update(cluster = "b", with_start = "w")]
                async fn u(y: u32) -> String;
            }
        },
    )
    .to_string();
    assert!(out.contains("is not a policy"), "{out}");
    assert!(out.contains("pub async fn u_with_start"), "{out}");
}

#[test]
fn a_misspelled_key_is_one_error() {
    let out = bridge(
        quote!(),
        quote! {
            trait Typo {
                #[remote_workflow(cluster = "b", queu = "q")]
                async fn a(x: u32);
            }
        },
    )
    .to_string();
    assert!(out.contains("Did you mean `queue`"), "{out}");
    assert!(!out.contains("Missing field"), "{out}");
}

#[test]
fn non_trait_items_are_rejected_but_kept() {
    let out = bridge(
        quote!(),
        quote!(
            struct NotATrait;
        ),
    )
    .to_string();
    assert!(out.contains("goes on a trait"), "{out}");
    assert!(out.contains("struct NotATrait"), "{out}");
}

#[test]
fn generated_names_clash_with_methods_and_with_each_other() {
    let out = bridge(
        quote!(),
        quote! {
            trait Clash {
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn m();
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn m_with_options();
                #[remote_signal(cluster = "b", with_start = "m")]
                async fn h();
                #[remote_signal(cluster = "b")]
                async fn h_with_start();
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn start_a();
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn a_with_options();
            }
        },
    )
    .to_string();
    assert!(
        out.contains(
            "method `m_with_options` clashes with `ClashCaller::m_with_options`, the caller \
             with options generated for `m`"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "method `h_with_start` clashes with `ClashCaller::h_with_start`, the with-start \
             caller generated for `h`"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "`ClashCaller::start_a_with_options` would be generated twice: as the caller with \
             options of `start_a` and as the starter of `a_with_options`"
        ),
        "{out}"
    );
}

#[test]
fn names_starting_with_bridge_are_reserved() {
    let out = bridge(
        quote!(),
        quote! {
            trait Reserved {
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn m(__BridgeMethod_m: u32, x: Vec<my::__BridgeThing>) -> __BridgeOut;
            }
        },
    )
    .to_string();
    for name in ["__BridgeMethod_m", "__BridgeThing", "__BridgeOut"] {
        assert!(
            out.contains(&format!(
                "`{name}` starts with `__Bridge`, which #[bridge] reserves for the items it \
                 generates; rename it"
            )),
            "{name}: {out}"
        );
    }
}

#[test]
fn with_start_argument_clash_names_the_new_caller() {
    let out = bridge(
        quote!(),
        quote! {
            pub trait Mailbox {
                #[remote_workflow(cluster = "b", queue = "q")]
                async fn mailbox(note: String) -> Vec<String>;
                #[remote_update(cluster = "b", with_start = "mailbox")]
                async fn append(note: String) -> u32;
            }
        },
    )
    .to_string();
    assert!(
        out.contains(
            "argument `note` of `append` has the same name as one of `mailbox`; the generated \
             `append_with_start` takes both, so rename one"
        ),
        "{out}"
    );
    // No stub that would bind `note` twice.
    assert!(!out.contains("append_with_start ("), "{out}");
}
