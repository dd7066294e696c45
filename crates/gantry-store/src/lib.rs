//! Gantry's session store. (being written)
#![allow(missing_docs)]
mod error;
mod sidecar;
pub use error::{Error, Result};
