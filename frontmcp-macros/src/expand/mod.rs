//! The code the macros emit, from a checked model. Every path it names is under
//! `::frontmcp::__private`, and every local it binds is hygienic, so the user's own items
//! (`Result`, `Box`, a `const call`...) change nothing.

mod app;
mod server;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::ast;

/// `#[app(args)]` on `input`: read, check, then either the `impl App` or the errors beside the
/// block as written and a placeholder `impl App`.
pub(crate) fn app(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let app = match ast::App::from_syn(args, input, &mut errors) {
        Ok(app) => app,
        Err(ast::NotAnApp::Struct(item)) => {
            let ident = &item.ident;
            let placeholder = app::placeholder(&syn::parse_quote!(#ident));
            return with_errors(errors, quote!(#item #placeholder));
        }
        Err(ast::NotAnApp::Other(input)) => return with_errors(errors, input),
    };
    crate::check::app(&app, &mut errors);
    match errors.finish() {
        Ok(()) => app::app(&app),
        Err(e) => {
            let errors = e.write_errors();
            let item = &app.item;
            let placeholder = app::placeholder(app.self_ty());
            quote!(#errors #item #placeholder)
        }
    }
}

/// `#[front_mcp(args)]` on `input`, in the same way.
pub(crate) fn server(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let server = match ast::Server::from_syn(args, input, &mut errors) {
        Ok(server) => server,
        Err(input) => return with_errors(errors, input),
    };
    crate::check::server(&server, &mut errors);
    match errors.finish() {
        Ok(()) => server::server(&server),
        Err(e) => {
            let errors = e.write_errors();
            let item = &server.item;
            let placeholder = server::placeholder(&item.ident);
            quote!(#errors #item #placeholder)
        }
    }
}

fn with_errors(errors: darling::error::Accumulator, tokens: TokenStream) -> TokenStream {
    let errors = errors.finish().err().map(darling::Error::write_errors);
    quote!(#errors #tokens)
}

/// `Some(x)` as `::frontmcp::__private::Some(Cow::Borrowed(x))`, `None` as `None`.
fn opt_cow(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(v) => quote!(::frontmcp::__private::Some(::frontmcp::__private::Cow::Borrowed(#v))),
        None => quote!(::frontmcp::__private::None),
    }
}
