//! ykien: turns Vietnamese youth submissions into labelled topic clusters and suggests
//! which department should answer each one.
//!
//! The pipeline, one module per stage: [`input`] → [`text`] → [`features`] →
//! [`cluster`] → [`topics`] → [`routing`], orchestrated by [`pipeline`] and written by
//! [`output`]; [`eval`] measures it. ARCHITECTURE.md is the map.

pub mod error;
pub mod text;

pub use error::{Error, Result};
