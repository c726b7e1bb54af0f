//! Message catalogs (Simplified Chinese by default, English available) and the per-request
//! language. Every user-facing string comes from a catalog; a test keeps both catalogs' keys equal.

mod catalog;
mod lang;

pub use catalog::{Catalog, Catalogs};
pub use lang::{LANG_COOKIE, Lang, Tr, detect_lang};
