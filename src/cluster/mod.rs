//! Clustering submissions: spherical k-means on sparse TF-IDF (optionally after LSA), choice of k, labels.

pub mod dmm;
pub mod kmeans;
pub mod label;
pub mod lsa;
pub mod select;

pub use kmeans::{KMeans, KMeansParams};
pub use select::{choose_k, choose_k_rows, KSearch};
