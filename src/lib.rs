//! ykien: turns Vietnamese youth submissions into labelled topic clusters and suggests
//! which department should answer each one.
//!
//! The pipeline, one module per stage: [`input`] → [`text`] → [`features`] →
//! [`cluster`] → [`topics`] → [`routing`], orchestrated by [`pipeline`] and written by
//! [`output`]; [`eval`] measures it. ARCHITECTURE.md is the map.

#![warn(missing_docs)]

pub mod classify;
pub mod cluster;
pub mod data_dir;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod features;
pub mod gen;
pub mod i18n;
pub mod input;
pub mod intern;
pub mod keywords;
pub mod output;
pub mod pipeline;
pub mod places;
pub mod platform;
pub mod repeats;
pub mod report;
pub mod review;
pub mod rng;
pub mod routing;
pub mod search;
pub mod text;
pub mod timing;
pub mod topics;
pub mod traits;
pub mod vectors;

pub use error::{Error, Result};
