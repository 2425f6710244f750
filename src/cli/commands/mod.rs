//! One file per command: its arguments and its `exec`.

pub mod analyze;
pub mod answers;
pub mod backup;
pub mod bench_search;
pub mod cluster;
pub mod eval;
pub mod eval_restorer;
pub mod eval_segmenter;
pub mod forward;
pub mod gen;
pub mod index;
pub mod notice;
pub mod restore;
pub mod retrain;
pub mod route;
pub mod search;
pub mod segment;
pub mod serve;
pub mod status;
pub mod train_restorer;
pub mod train_router;
pub mod train_segmenter;
pub mod train_vectors;
pub mod user;
