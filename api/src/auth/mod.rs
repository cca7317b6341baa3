//! Authentication: password hashing, tokens, and the extractors that say who is calling.

pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::{Principal, StaffCaller};
