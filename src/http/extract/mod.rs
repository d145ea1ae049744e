//! The plumbing every resource shares: problem+json errors, typed query and path extraction,
//! the body decoder, callers and preconditions, caching, the public URL, and the write skeleton.

pub mod auth;
pub mod body;
pub mod cache;
pub mod export;
pub mod methods;
pub mod params;
pub mod path;
pub mod problem;
pub mod public_url;
pub mod query;
pub mod write;
