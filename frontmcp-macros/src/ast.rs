//! The model the macros work on: what the user wrote, read into plain data with its spans. Built
//! from `syn` here, checked by [`check`](crate::check), emitted by [`expand`](crate::expand).
//! Reading fails only when there is nothing to work on (not an `impl` block, options that do
//! not parse); every rule about the values is [`check`](crate::check)'s.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, FnArg, ImplItem, Item, Lit, LitStr, Meta, Pat, ReturnType};

use crate::attr::{self, AppAttr, CompleteAttr, PromptAttr, ResourceAttr, ServerAttr, ToolAttr};
use frontmcp_rules::uri::UriTemplate;

/// An `#[app(...)]` impl block.
pub(crate) struct App {
    /// The block, with the member attributes taken off so it compiles as plain Rust.
    pub(crate) item: syn::ItemImpl,
    /// The options, when they parsed.
    pub(crate) attr: Option<AppAttr>,
    pub(crate) members: Vec<Member>,
    /// A member whose options did not parse was left out: checks across members would report
    /// what is only a consequence.
    pub(crate) incomplete: bool,
}

/// Where `#[app]` was put, when it cannot be read as an app.
pub(crate) enum NotAnApp {
    /// On a struct (it belongs on the struct's `impl` block): the struct's name.
    Struct(Box<syn::ItemStruct>),
    /// Anywhere else.
    Other(TokenStream),
}

/// A `#[tool]`, `#[resource]`, `#[prompt]` or `#[complete]` method.
pub(crate) struct Member {
    pub(crate) method: Method,
    pub(crate) kind: MemberKind,
    /// The member attribute, for errors about it as a whole.
    pub(crate) attr_span: Span,
    /// A second member attribute on the same method (an error).
    pub(crate) extra_attr: Option<Attribute>,
}

pub(crate) enum MemberKind {
    Tool(Tool),
    Resource(Resource),
    Prompt(Prompt),
    Completer(Completer),
}

/// A method as the runtime calls it.
pub(crate) struct Method {
    pub(crate) sig: syn::Signature,
    /// Its `#[cfg(...)]`s, copied onto everything generated for it.
    pub(crate) cfgs: Vec<Attribute>,
    pub(crate) docs: Option<String>,
    /// The parameters after the receiver.
    pub(crate) params: Vec<Param>,
    /// The return type (`()` when none is written).
    pub(crate) output: syn::Type,
}

/// A parameter after the receiver.
pub(crate) struct Param {
    /// Its name, when its pattern is a plain identifier (`r#` removed).
    pub(crate) name: Option<syn::Ident>,
    pub(crate) ty: syn::Type,
}

/// A name given in the options or taken from the method's.
pub(crate) struct Name {
    pub(crate) value: String,
    pub(crate) span: Span,
}

pub(crate) struct Tool {
    pub(crate) name: Name,
    pub(crate) attr: ToolAttr,
}

pub(crate) struct Resource {
    pub(crate) name: Name,
    pub(crate) attr: ResourceAttr,
    /// The template's variables, when `template` is given and parses.
    pub(crate) variables: Option<Vec<String>>,
}

impl Resource {
    /// The URI or the template, whichever was given (the template when both were).
    pub(crate) fn uri(&self) -> Option<&LitStr> {
        self.attr.template.as_ref().or(self.attr.uri.as_ref())
    }
}

pub(crate) struct Prompt {
    pub(crate) name: Name,
    pub(crate) attr: PromptAttr,
}

pub(crate) struct Completer {
    pub(crate) attr: CompleteAttr,
}

/// What a completer completes.
pub(crate) enum CompletionTarget<'a> {
    Prompt(&'a LitStr),
    Template(&'a LitStr),
}

impl Completer {
    /// Its target, when exactly one is given.
    pub(crate) fn target(&self) -> Option<CompletionTarget<'_>> {
        match (&self.attr.prompt, &self.attr.resource) {
            (Some(prompt), None) => Some(CompletionTarget::Prompt(prompt)),
            (None, Some(template)) => Some(CompletionTarget::Template(template)),
            _ => None,
        }
    }
}

impl App {
    /// Reads `#[app(args)]` on `input`; every option that does not parse goes to `errors`.
    pub(crate) fn from_syn(
        args: TokenStream,
        input: TokenStream,
        errors: &mut darling::error::Accumulator,
    ) -> Result<Self, NotAnApp> {
        let attr = errors.handle(attr::parse::<AppAttr>(args));
        let mut item = match syn::parse2::<Item>(input.clone()) {
            Ok(Item::Impl(item)) if item.trait_.is_none() => item,
            Ok(Item::Struct(s)) => {
                errors.push(crate::error_at(
                    &s.ident,
                    "put `#[app(...)]` on the `impl` block that holds the `#[tool]` methods, not on the struct",
                ));
                return Err(NotAnApp::Struct(Box::new(s)));
            }
            Ok(other) => {
                errors.push(crate::error_at(
                    other,
                    "`#[app(...)]` goes on an inherent `impl` block: `impl MyApp { ... }`",
                ));
                return Err(NotAnApp::Other(input));
            }
            Err(e) => {
                errors.push(e.into());
                return Err(NotAnApp::Other(input));
            }
        };
        let mut members = Vec::new();
        let mut incomplete = false;
        for impl_item in &mut item.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let mut found = Vec::new();
            method.attrs.retain(|a| match member_kind(a) {
                Some(kind) => {
                    found.push((kind, a.clone()));
                    false
                }
                None => true,
            });
            let mut found = found.into_iter();
            let Some((kind, attr)) = found.next() else {
                continue;
            };
            match Member::from_syn(kind, &attr, method, errors) {
                Some(mut member) => {
                    member.extra_attr = found.next().map(|(_, a)| a);
                    members.push(member);
                }
                None => incomplete = true,
            }
        }
        Ok(App {
            item,
            attr,
            members,
            incomplete,
        })
    }

    /// The type the block implements.
    pub(crate) fn self_ty(&self) -> &syn::Type {
        &self.item.self_ty
    }

    pub(crate) fn tools(&self) -> impl Iterator<Item = (&Method, &Tool)> {
        self.members.iter().filter_map(|m| match &m.kind {
            MemberKind::Tool(t) => Some((&m.method, t)),
            _ => None,
        })
    }

    pub(crate) fn resources(&self) -> impl Iterator<Item = (&Method, &Resource)> {
        self.members.iter().filter_map(|m| match &m.kind {
            MemberKind::Resource(r) => Some((&m.method, r)),
            _ => None,
        })
    }

    pub(crate) fn prompts(&self) -> impl Iterator<Item = (&Method, &Prompt)> {
        self.members.iter().filter_map(|m| match &m.kind {
            MemberKind::Prompt(p) => Some((&m.method, p)),
            _ => None,
        })
    }

    pub(crate) fn completers(&self) -> impl Iterator<Item = (&Method, &Completer)> {
        self.members.iter().filter_map(|m| match &m.kind {
            MemberKind::Completer(c) => Some((&m.method, c)),
            _ => None,
        })
    }

    /// The app's ID: given, or derived from its name (`"My CRM"` → `my-crm`); `None` when
    /// neither works.
    pub(crate) fn id(&self) -> Option<String> {
        let attr = self.attr.as_ref()?;
        match &attr.id {
            Some(id) => Some(id.value()),
            None => frontmcp_rules::derive_app_id(&attr.name.value()),
        }
    }

    /// Whether the app keeps its own provider's tokens in the vault.
    pub(crate) fn uses_vault(&self) -> bool {
        self.attr
            .as_ref()
            .and_then(|a| a.auth.as_ref())
            .is_some_and(|a| *a.mode == attr::AppMode::Transparent)
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Tool,
    Resource,
    Prompt,
    Complete,
}

/// Which member attribute `attr` is, however it is imported (`tool`, `frontmcp::tool`).
fn member_kind(attr: &Attribute) -> Option<Kind> {
    let last = attr.path().segments.last()?;
    match last.ident.to_string().as_str() {
        "tool" => Some(Kind::Tool),
        "resource" => Some(Kind::Resource),
        "prompt" => Some(Kind::Prompt),
        "complete" => Some(Kind::Complete),
        _ => None,
    }
}

impl Member {
    fn from_syn(
        kind: Kind,
        attr: &Attribute,
        method: &syn::ImplItemFn,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let tokens = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                errors.push(crate::error_at(
                    nv,
                    "write `#[kind]` or `#[kind(option = ..., ...)]`",
                ));
                return None;
            }
        };
        let method = Method::from_syn(method);
        let default_name = || Name {
            value: method.sig.ident.unraw().to_string(),
            span: method.sig.ident.span(),
        };
        let named = |lit: &Option<LitStr>| {
            lit.as_ref().map_or_else(default_name, |lit| Name {
                value: lit.value(),
                span: lit.span(),
            })
        };
        let kind = match kind {
            Kind::Tool => {
                let attr = errors.handle(attr::parse::<ToolAttr>(tokens))?;
                MemberKind::Tool(Tool {
                    name: named(&attr.name),
                    attr,
                })
            }
            Kind::Resource => {
                let attr = errors.handle(attr::parse::<ResourceAttr>(tokens))?;
                let variables = attr
                    .template
                    .as_ref()
                    .and_then(|t| UriTemplate::parse(&t.value()).ok())
                    .map(|t| t.variables().map(str::to_owned).collect());
                MemberKind::Resource(Resource {
                    name: named(&attr.name),
                    attr,
                    variables,
                })
            }
            Kind::Prompt => {
                let attr = errors.handle(attr::parse::<PromptAttr>(tokens))?;
                MemberKind::Prompt(Prompt {
                    name: named(&attr.name),
                    attr,
                })
            }
            Kind::Complete => MemberKind::Completer(Completer {
                attr: errors.handle(attr::parse::<CompleteAttr>(tokens))?,
            }),
        };
        Some(Member {
            method,
            kind,
            attr_span: syn::spanned::Spanned::span(attr),
            extra_attr: None,
        })
    }

    /// What the member is, for messages: `a tool`, ...
    pub(crate) fn what(&self) -> &'static str {
        match self.kind {
            MemberKind::Tool(_) => "a tool",
            MemberKind::Resource(_) => "a resource",
            MemberKind::Prompt(_) => "a prompt",
            MemberKind::Completer(_) => "a completer",
        }
    }
}

impl Method {
    fn from_syn(method: &syn::ImplItemFn) -> Self {
        let sig = method.sig.clone();
        let params = sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(pat) => Some(Param {
                    name: match &*pat.pat {
                        Pat::Ident(ident) => Some(ident.ident.unraw()),
                        _ => None,
                    },
                    ty: (*pat.ty).clone(),
                }),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        Method {
            cfgs: method
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("cfg"))
                .cloned()
                .collect(),
            docs: doc_comment(&method.attrs),
            params,
            output,
            sig,
        }
    }

    /// Whether it carries a `#[cfg(...)]` (two members of one name may then never meet).
    pub(crate) fn is_conditional(&self) -> bool {
        !self.cfgs.is_empty()
    }
}

/// A `#[front_mcp(...)]` struct.
pub(crate) struct Server {
    pub(crate) item: syn::ItemStruct,
    /// The options, when they parsed.
    pub(crate) attr: Option<ServerAttr>,
}

impl Server {
    /// Reads `#[front_mcp(args)]` on `input`; `Err` gives back what to emit when it is not a
    /// struct.
    pub(crate) fn from_syn(
        args: TokenStream,
        input: TokenStream,
        errors: &mut darling::error::Accumulator,
    ) -> Result<Self, TokenStream> {
        let attr = errors.handle(attr::parse::<ServerAttr>(args));
        match syn::parse2::<Item>(input.clone()) {
            Ok(Item::Struct(item)) => Ok(Server { item, attr }),
            Ok(other) => {
                errors.push(crate::error_at(
                    other,
                    "`#[front_mcp(...)]` goes on a struct: `struct Server;`",
                ));
                Err(input)
            }
            Err(e) => {
                errors.push(e.into());
                Err(input)
            }
        }
    }
}

/// The `///` comments of an item, as one description (common indentation removed).
pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| {
            s.split('\n')
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim()
            }
        })
        .collect();
    let text = text.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
