//! Resource URIs and URI templates: what a resource's URI may be, and the RFC 6570 templates
//! (`crm://contacts/{id}`) that name a family of resources, matched against a URI a client reads.

use std::fmt;

/// What a resource URI is, for error messages.
pub const RESOURCE_URI_RULE: &str = "a resource URI is absolute (`scheme:...`, like `crm://contacts` or `file:///notes.txt`), without spaces or control characters";

/// Whether `uri` may be a resource's URI: a scheme (RFC 3986: a letter, then letters, digits,
/// `+`, `-`, `.`), a colon, then at least one character, none of them whitespace or control.
pub fn is_valid_resource_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An RFC 6570 URI template of level 1 (`{var}`, whose value holds no `/`, `?` or `#`) with the
/// reserved expansion of level 2 (`{+var}`, whose value may hold `/`): enough to name resources
/// by their IDs and paths, and unambiguous to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable { name: String, reserved: bool },
}

/// Why a string is not a URI template this crate serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// Not an absolute URI once its variables are expanded.
    NotAbsolute,
    /// A `{` without its `}`, or a `}` without its `{`.
    Unbalanced,
    /// `{}`, or a name of other characters than letters, digits, `_` and `.`.
    BadVariable(String),
    /// An operator other than `+` (`{#x}`, `{?x}`, `{/x}`...), or a modifier (`{x*}`, `{x:3}`),
    /// or several variables in one expression.
    Unsupported(String),
    /// Two variables with nothing between them: where one ends cannot be told.
    Adjacent(String, String),
    /// A variable named twice.
    Duplicate(String),
    /// No variable at all: that is a plain resource.
    NoVariable,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAbsolute => f.write_str("a URI template is an absolute URI (`scheme:...`, like `crm://contacts/{id}`)"),
            Self::Unbalanced => f.write_str("unbalanced `{` or `}` in the URI template"),
            Self::BadVariable(v) => write!(f, "`{{{v}}}` is not a variable name: use letters, digits, `_` and `.`"),
            Self::Unsupported(v) => write!(f, "`{{{v}}}` is not supported: use `{{name}}`, or `{{+name}}` for a value that may hold `/`"),
            Self::Adjacent(a, b) => write!(f, "`{{{a}}}` and `{{{b}}}` touch: put a literal between them so a URI can be split"),
            Self::Duplicate(v) => write!(f, "the variable `{v}` appears twice"),
            Self::NoVariable => f.write_str("a URI template has at least one `{variable}`; without one, it is a plain resource (`uri = \"...\"`)"),
        }
    }
}

impl std::error::Error for TemplateError {}

impl UriTemplate {
    /// Parses and checks a template.
    ///
    /// ```
    /// use frontmcp_rules::uri::UriTemplate;
    ///
    /// let template = UriTemplate::parse("crm://contacts/{id}/notes").unwrap();
    /// assert_eq!(template.variables().collect::<Vec<_>>(), ["id"]);
    /// assert_eq!(
    ///     template.matches("crm://contacts/c%201/notes"),
    ///     Some(vec![("id", "c 1".to_owned())])
    /// );
    /// assert_eq!(template.matches("crm://contacts/a/b/notes"), None);
    /// ```
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                Some(at) if rest.as_bytes()[at] == b'}' => return Err(TemplateError::Unbalanced),
                Some(at) => {
                    if at > 0 {
                        parts.push(Part::Literal(rest[..at].to_owned()));
                    }
                    let close = rest[at..].find('}').ok_or(TemplateError::Unbalanced)? + at;
                    let expression = &rest[at + 1..close];
                    if expression.contains('{') {
                        return Err(TemplateError::Unbalanced);
                    }
                    parts.push(variable(expression)?);
                    rest = &rest[close + 1..];
                }
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for pair in parts.windows(2) {
            if let [
                Part::Variable { name: a, .. },
                Part::Variable { name: b, .. },
            ] = pair
            {
                return Err(TemplateError::Adjacent(a.clone(), b.clone()));
            }
        }
        for part in &parts {
            if let Part::Variable { name, .. } = part {
                if names.contains(&name.as_str()) {
                    return Err(TemplateError::Duplicate(name.clone()));
                }
                names.push(name);
            }
        }
        if names.is_empty() {
            return Err(TemplateError::NoVariable);
        }
        // The scheme must be literal, so every URI the template names is absolute.
        match parts.first() {
            Some(Part::Literal(first))
                if first.contains(':')
                    && is_valid_resource_uri(&format!(
                        "{}x",
                        &first[..first.find(':').unwrap() + 1]
                    )) => {}
            _ => return Err(TemplateError::NotAbsolute),
        }
        if source.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TemplateError::NotAbsolute);
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The variables' names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables' values when `uri` is one the template names (percent-decoded); `None`
    /// otherwise. A value is never empty; a `{name}` value holds no `/`, `?` or `#`.
    pub fn matches<'t>(&'t self, uri: &str) -> Option<Vec<(&'t str, String)>> {
        let mut values = Vec::new();
        match_parts(&self.parts, uri, &mut values).then_some(values)
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn variable(expression: &str) -> Result<Part, TemplateError> {
    let (reserved, name) = match expression.strip_prefix('+') {
        Some(name) => (true, name),
        None => (false, expression),
    };
    if name.is_empty() {
        return Err(TemplateError::BadVariable(expression.to_owned()));
    }
    if name.starts_with(['#', '.', '/', ';', '?', '&', '=', ',', '!', '@', '|'])
        || name.contains([',', '*', ':'])
    {
        return Err(TemplateError::Unsupported(expression.to_owned()));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        || name.ends_with('.')
    {
        return Err(TemplateError::BadVariable(expression.to_owned()));
    }
    Ok(Part::Variable {
        name: name.to_owned(),
        reserved,
    })
}

/// Matches `parts` against all of `uri`, pushing each variable's value. A variable's value ends
/// where the next literal is found; each place it is found is tried, shortest first.
fn match_parts<'t>(parts: &'t [Part], uri: &str, values: &mut Vec<(&'t str, String)>) -> bool {
    match parts {
        [] => uri.is_empty(),
        [Part::Literal(literal), rest @ ..] => uri
            .strip_prefix(literal.as_str())
            .is_some_and(|uri| match_parts(rest, uri, values)),
        [Part::Variable { name, reserved }, rest @ ..] => {
            let allowed = |c: char| *reserved || !matches!(c, '/' | '?' | '#');
            let candidates: Vec<usize> = match rest.first() {
                None => vec![uri.len()],
                Some(Part::Literal(next)) => {
                    uri.match_indices(next.as_str()).map(|(at, _)| at).collect()
                }
                Some(Part::Variable { .. }) => unreachable!("adjacent variables are refused"),
            };
            for end in candidates {
                let raw = &uri[..end];
                if raw.is_empty() || !raw.chars().all(allowed) {
                    continue;
                }
                let Some(value) = percent_decode(raw) else {
                    continue;
                };
                values.push((name.as_str(), value));
                if match_parts(rest, &uri[end..], values) {
                    return true;
                }
                values.pop();
            }
            false
        }
    }
}

/// `%XX` sequences decoded; `None` when one is malformed or the bytes are not UTF-8. Written
/// here because this crate has no dependencies (the macros use it too).
fn percent_decode(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_uris() {
        for good in [
            "crm://contacts",
            "file:///a.txt",
            "test://static-text",
            "urn:x",
        ] {
            assert!(is_valid_resource_uri(good), "{good}");
        }
        for bad in [
            "contacts",
            "://x",
            "1x://y",
            "crm:",
            "crm://a b",
            "",
            "crm://\n",
        ] {
            assert!(!is_valid_resource_uri(bad), "{bad}");
        }
    }

    #[test]
    fn templates_parse_or_say_why_not() {
        let ok = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(ok.variables().collect::<Vec<_>>(), ["id"]);
        assert_eq!(ok.as_str(), "test://template/{id}/data");
        let err = |s| UriTemplate::parse(s).unwrap_err();
        assert_eq!(err("crm://c/{id"), TemplateError::Unbalanced);
        assert_eq!(err("crm://c/id}"), TemplateError::Unbalanced);
        assert_eq!(err("crm://c/{}"), TemplateError::BadVariable(String::new()));
        assert_eq!(
            err("crm://c/{a-b}"),
            TemplateError::BadVariable("a-b".into())
        );
        assert_eq!(err("crm://c/{#x}"), TemplateError::Unsupported("#x".into()));
        assert_eq!(err("crm://c/{x*}"), TemplateError::Unsupported("x*".into()));
        assert_eq!(
            err("crm://c/{x,y}"),
            TemplateError::Unsupported("x,y".into())
        );
        assert_eq!(
            err("crm://c/{a}{b}"),
            TemplateError::Adjacent("a".into(), "b".into())
        );
        assert_eq!(err("crm://{a}/{a}"), TemplateError::Duplicate("a".into()));
        assert_eq!(err("crm://contacts"), TemplateError::NoVariable);
        assert_eq!(err("{scheme}://x"), TemplateError::NotAbsolute);
        assert_eq!(err("contacts/{id}"), TemplateError::NotAbsolute);
        assert_eq!(err("crm://c/{id} x"), TemplateError::NotAbsolute);
    }

    #[test]
    fn templates_match_what_they_name_and_nothing_else() {
        let t = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(
            t.matches("test://template/123/data"),
            Some(vec![("id", "123".to_owned())])
        );
        assert_eq!(t.matches("test://template//data"), None);
        assert_eq!(t.matches("test://template/1/2/data"), None);
        assert_eq!(t.matches("test://template/123/data/x"), None);
        assert_eq!(t.matches("test://other/123/data"), None);
        assert_eq!(t.matches("test://template/%ZZ/data"), None);
        // The literal after a variable may appear inside the value of a reserved one.
        let t = UriTemplate::parse("file:///{+path}/meta").unwrap();
        assert_eq!(
            t.matches("file:///a/meta/b/meta"),
            Some(vec![("path", "a/meta/b".to_owned())])
        );
        let t = UriTemplate::parse("crm://{kind}/{id}").unwrap();
        assert_eq!(
            t.matches("crm://contacts/7"),
            Some(vec![
                ("kind", "contacts".to_owned()),
                ("id", "7".to_owned())
            ])
        );
        assert_eq!(t.matches("crm://contacts/7?x"), None);
    }
}
