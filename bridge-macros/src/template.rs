//! Id templates: `id = "fulfill-{order.id}"`, built from the method's arguments and their fields.
//!
//! The template is split at compile time into literal text and placeholders. Each placeholder
//! must start with one of the method's arguments; the fields after it are checked by rustc when
//! the generated `format!` reads them, with the error on the template.

/// A placeholder: an argument, then zero or more field names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Placeholder {
    pub arg: String,
    pub fields: Vec<String>,
}

/// A parsed template: the `format!` string (literal text with `{{`/`}}` kept escaped and each
/// placeholder as `{}`) and the placeholders in order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Template {
    /// The template as written.
    pub text: String,
    pub format: String,
    pub placeholders: Vec<Placeholder>,
}

/// Parses `text`, checking every placeholder against `args`. The error says how to fix it.
pub(crate) fn parse(text: &str, args: &[String]) -> Result<Template, String> {
    let mut format = String::new();
    let mut placeholders = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                format.push_str("{{");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                format.push_str("}}");
            }
            '}' => {
                return Err(
                    "unmatched `}` in the id template; write `}}` for a literal brace".to_owned(),
                );
            }
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err(format!(
                                "unclosed `{{{inner}` in the id template; close it with `}}`, \
                                 or write `{{{{` for a literal brace"
                            ));
                        }
                        Some(c) => inner.push(c),
                    }
                }
                placeholders.push(placeholder(inner.trim(), args)?);
                format.push_str("{}");
            }
            c => format.push(c),
        }
    }
    if placeholders.is_empty() {
        return Err(format!(
            "the id template `{text}` has no placeholder, so every call would share one remote \
             workflow; include an argument, like `{{{}}}`",
            args.first().map_or("order.id", String::as_str)
        ));
    }
    Ok(Template {
        text: text.to_owned(),
        format,
        placeholders,
    })
}

fn placeholder(inner: &str, args: &[String]) -> Result<Placeholder, String> {
    let mut parts = inner.split('.');
    let arg = parts.next().unwrap_or_default();
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    let is_name = |s: &str| {
        let mut cs = s.chars();
        cs.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && cs.all(|c| c == '_' || c.is_alphanumeric())
    };
    if inner.is_empty() {
        return Err(format!(
            "empty `{{}}` in the id template; name an argument, like `{{{}}}`",
            args.first().map_or("order.id", String::as_str)
        ));
    }
    if !is_name(arg) || !fields.iter().all(|f| is_name(f)) {
        return Err(format!(
            "`{{{inner}}}` in the id template is not an argument or a field path; write \
             `{{argument}}` or `{{argument.field}}` (no indexes, calls or format specs)"
        ));
    }
    if !args.iter().any(|a| a == arg) {
        let known = if args.is_empty() {
            "the method takes no arguments".to_owned()
        } else {
            format!("its arguments are: {}", args.join(", "))
        };
        return Err(format!(
            "unknown argument `{arg}` in the id template; {known}"
        ));
    }
    Ok(Placeholder {
        arg: arg.to_owned(),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> Vec<String> {
        vec!["order".to_owned(), "region".to_owned()]
    }

    #[test]
    fn splits_text_and_placeholders() {
        let t = parse("fulfill-{order.id}/{region}-{{x}}", &args()).unwrap();
        assert_eq!(t.format, "fulfill-{}/{}-{{x}}");
        assert_eq!(
            t.placeholders,
            vec![
                Placeholder {
                    arg: "order".into(),
                    fields: vec!["id".into()]
                },
                Placeholder {
                    arg: "region".into(),
                    fields: vec![]
                },
            ]
        );
        let nested = parse("{order.customer.id}", &args()).unwrap();
        assert_eq!(nested.placeholders[0].fields, vec!["customer", "id"]);
    }

    #[test]
    fn rejects_with_a_reason() {
        let err = |t: &str| parse(t, &args()).unwrap_err();
        assert!(
            err("fixed-id").contains("no placeholder"),
            "{}",
            err("fixed-id")
        );
        assert!(err("a-{ordr.id}").contains("unknown argument `ordr`"));
        assert!(err("a-{ordr.id}").contains("order, region"));
        assert!(err("a-{}").contains("empty"));
        assert!(err("a-{order.id").contains("unclosed"));
        assert!(err("a-}").contains("unmatched"));
        assert!(err("a-{order.id:>5}").contains("not an argument or a field path"));
        assert!(err("a-{order[0]}").contains("not an argument or a field path"));
        assert!(err("a-{0}").contains("not an argument or a field path"));
        assert!(err("a-{order..id}").contains("not an argument or a field path"));
        assert!(
            parse("{x}", &[])
                .unwrap_err()
                .contains("takes no arguments")
        );
    }
}
