//! Clustering submissions: spherical k-means on sparse TF-IDF, choice of k, labels.

pub mod kmeans;
pub mod label;
pub mod select;

pub use kmeans::{KMeans, KMeansParams};
pub use select::{choose_k, KSearch};
