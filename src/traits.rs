//! The shared shape of every learning algorithm: validated parameters that `fit` data into a model that `predict`s.

use crate::error::Result;

/// Hyper-parameters that learn a model from data.
pub trait Fit<D: ?Sized> {
    /// The fitted model.
    type Model;
    /// Learns a model from `data`.
    fn fit(&self, data: &D) -> Result<Self::Model>;
}

/// A fitted model that answers for one input.
pub trait Predict<X: ?Sized> {
    /// What it answers.
    type Output;
    /// Predicts for `x`.
    fn predict(&self, x: &X) -> Self::Output;
}
