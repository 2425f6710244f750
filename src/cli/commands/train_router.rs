//! `ykien train-router`: learn a routing model from any labelled file.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use ykien::classify::{features_all, labels_of, mostly_accented, Labelled, LinearSvmParams, SoftmaxParams};
use ykien::traits::Fit;

use crate::cli::args::InputArgs;
use crate::cli::Context;
use crate::outln;

/// Arguments of `ykien train-router`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Column holding the label to learn.
    #[arg(long)]
    label_column: String,
    /// Where to write the model (JSON).
    #[arg(long)]
    model: PathBuf,
    /// Passes over the data.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Initial learning rate.
    #[arg(long, default_value_t = 0.5)]
    learning_rate: f32,
    /// L2 penalty.
    #[arg(long, default_value_t = 1e-5)]
    l2: f32,
    /// Keep terms seen in at least this many records.
    #[arg(long, default_value_t = 1)]
    min_df: u32,
    /// Do not weight small classes up (softmax only).
    #[arg(long)]
    unbalanced: bool,
    /// The learning algorithm.
    #[arg(long, value_enum, default_value = "svm")]
    algorithm: Algorithm,
    /// Inverse regularisation of the SVM.
    #[arg(long, default_value_t = 1.0)]
    c: f32,
    /// Also learn from syllables as written, diacritics kept: auto turns it on when
    /// nearly all (90%) of the training texts were typed with diacritics.
    #[arg(long, value_enum, default_value = "auto")]
    exact_forms: OnOffAuto,
}

/// The learning algorithm.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Algorithm {
    /// Multinomial logistic regression by SGD.
    Softmax,
    /// One-vs-rest linear SVM by dual coordinate descent.
    Svm,
}

/// A switch that can also be left to the data.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum OnOffAuto {
    /// Decide from the data.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// Runs `ykien train-router`.
pub fn exec(cx: &Context, a: Args) -> Result<()> {
    let analyzer = ykien::text::Analyzer::load(&cx.models_dir)?;
    let read = a.input.read_named(&cx.models_dir)?;
    let t0 = std::time::Instant::now();
    let labels = labels_of(&read.submissions, &a.label_column)?;
    let exact = match a.exact_forms {
        OnOffAuto::On => true,
        OnOffAuto::Off => false,
        OnOffAuto::Auto => mostly_accented(&analyzer, &read.submissions),
    };
    let docs = features_all(&analyzer, &read.submissions, exact);
    let data = Labelled { docs: &docs, labels: &labels };
    let base = SoftmaxParams::default();
    let tfidf = ykien::features::TfidfParams { min_df: a.min_df, ..base.tfidf.clone() };
    let mut clf = match a.algorithm {
        Algorithm::Softmax => SoftmaxParams {
            epochs: a.epochs,
            learning_rate: a.learning_rate,
            l2: a.l2,
            balanced: !a.unbalanced,
            tfidf,
            ..base
        }
        .fit(&data)?,
        Algorithm::Svm => LinearSvmParams { c: a.c, tfidf, ..Default::default() }.fit(&data)?,
    };
    clf.exact_forms = exact;
    clf.save(&a.model)?;
    outln!(
        "trained on {} records, {} classes, {} terms{} in {:.1} s; wrote {}",
        docs.len(),
        clf.classes.len(),
        clf.tfidf.n_terms(),
        if exact { " (with exact-form syllables)" } else { "" },
        t0.elapsed().as_secs_f64(),
        a.model.display()
    );
    Ok(())
}
