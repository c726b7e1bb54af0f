//! The jurisdiction tree: district → township/sub-district → village/community → grid, keyed by
//! division code. A subtree is a byte range of codes (see `DivisionCode::subtree_range`), which is
//! how every module scopes its queries to a user's area.

pub mod api;
pub mod import;
pub mod pages;
pub mod repo;

pub use repo::{Area, NewArea};
