//! `…Bridge`: the pure id function of each workflow method, and the `BridgeRegistration` impl
//! through which a `BridgeWorker` learns every method.

use super::Names;
use crate::model::{Method, WorkflowMethod};
use crate::template::Template;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, LitStr, Type};

/// `impl TBridge { m_remote_id… }` and `impl BridgeRegistration for TBridge`.
pub(super) fn bridge_impls(n: &Names) -> TokenStream {
    let (rt, bridge, trait_name) = (&n.rt, &n.bridge, &n.trait_name);
    let methods = &n.model.methods;
    let id_fns = methods
        .iter()
        .filter_map(|m| Some(id_fn(n, m, m.workflow()?)));
    let markers: Vec<_> = methods.iter().map(|m| n.marker(m)).collect();
    quote! {
        #[automatically_derived]
        impl #bridge {
            #( #id_fns )*
        }

        #[automatically_derived]
        impl #rt::BridgeRegistration for #bridge {
            fn bridge_name(&self) -> &'static str {
                #trait_name
            }
            fn methods(&self) -> ::std::vec::Vec<&'static #rt::MethodSpec> {
                ::std::vec![
                    #( &<#markers as #rt::RemoteMethod>::SPEC ),*
                ]
            }
            fn register(&self, registrar: &mut #rt::Registrar) {
                #( registrar.add::<#markers>(); )*
            }
        }
    }
}

/// `m_remote_id`, the id function of workflow method `m`.
pub(super) fn id_fn_ident(m: &Method) -> Ident {
    format_ident!("{}_remote_id", m.ident)
}

/// `m_remote_id(args…)` from the id template, or `m_remote_id(site)`, the default id.
fn id_fn(n: &Names, m: &Method, w: &WorkflowMethod) -> TokenStream {
    let (rt, trait_name) = (&n.rt, &n.trait_name);
    let fn_ident = id_fn_ident(m);
    let method = m.ident.to_string();
    if let Some((template, span)) = &w.id_template {
        let doc = format!(
            "The remote workflow id of a `{method}` call with these arguments, from the \
             method's id template, before the bridge's length cap \
             (`bridge_runtime::ids::finalize_id`). Pure and deterministic."
        );
        let params = m.args.iter().map(|(n, t)| {
            if is_string(t) {
                quote!(#n: &::core::primitive::str)
            } else {
                quote!(#n: &#t)
            }
        });
        let id = template_format(template, *span);
        return quote! {
            #[doc = #doc]
            #[allow(unused_variables)]
            pub fn #fn_ident(#( #params ),*) -> ::std::string::String {
                #id
            }
        };
    }
    let doc = format!(
        "The default remote workflow id of a `{method}` call made at `site`, before the \
         bridge's length cap (`bridge_runtime::ids::finalize_id`). Pure and deterministic."
    );
    quote! {
        #[doc = #doc]
        pub fn #fn_ident(site: &#rt::CallSite<'_>) -> ::std::string::String {
            #rt::default_remote_id(#trait_name, #method, site)
        }
    }
}

/// Whether `ty` names the standard `String`, which an id function takes as `&str` so that a
/// caller with a `&str` in hand need not allocate. A user type that shadows the name `String`
/// would have to be written with its own path.
fn is_string(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    if p.qself.is_some() || p.path.segments.iter().any(|s| !s.arguments.is_none()) {
        return false;
    }
    let names: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match names.as_slice() {
        [one] => p.path.leading_colon.is_none() && one == "String",
        [a, b, c] => a == "std" && b == "string" && c == "String",
        _ => false,
    }
}

/// `::std::format!(...)` of an id template, reading the arguments in scope. Spanned on the
/// template, so that a field that does not exist or is not `Display` is reported there.
fn template_format(template: &Template, span: Span) -> TokenStream {
    let format = LitStr::new(&template.format, span);
    let values = template.placeholders.iter().map(|p| {
        let arg = Ident::new(&p.arg, span);
        let fields = p.fields.iter().map(|f| Ident::new(f, span));
        quote_spanned!(span=> #arg #( . #fields )*)
    });
    quote_spanned!(span=> ::std::format!(#format, #( #values ),*))
}

#[cfg(test)]
mod tests {
    use super::is_string;

    #[test]
    fn only_the_standard_string_is_read_as_str() {
        let yes = |t: &str| is_string(&syn::parse_str(t).unwrap());
        assert!(yes("String"));
        assert!(yes("std::string::String"));
        assert!(yes("::std::string::String"));
        assert!(!yes("::String"));
        assert!(!yes("my::String"));
        assert!(!yes("Option<String>"));
        assert!(!yes("&str"));
        assert!(!yes("Vec<u8>"));
    }
}
