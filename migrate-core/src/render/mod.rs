//! Rendering: a plan of typed operations to SQL for one backend, via sea-query.

mod checksum;
mod error;
mod schema;

pub use checksum::checksum;
pub use error::RenderError;
pub use schema::{Statement, render};
