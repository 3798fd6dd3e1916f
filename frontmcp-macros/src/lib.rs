//! placeholder
use proc_macro::TokenStream;
/// x
#[proc_macro_attribute]
pub fn app(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
/// x
#[proc_macro_attribute]
pub fn tool(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
/// x
#[proc_macro_attribute]
pub fn front_mcp(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
