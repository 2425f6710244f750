//! A linear classifier over the pipeline's sparse features: multinomial logistic
//! regression (softmax) trained by stochastic gradient descent, with its own TF-IDF
//! vocabulary learned from the labelled documents. Topics and routing both use it.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{add_term_major, SparseVec, Terms, Tfidf, TfidfParams};
use crate::rng::Rng;
use crate::traits::{Fit, Predict};

/// Hyper-parameters of the softmax classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftmaxParams {
    /// Passes over the training data.
    pub epochs: usize,
    /// Initial learning rate.
    pub learning_rate: f32,
    /// L2 penalty on the weights.
    pub l2: f32,
    /// Weight classes by (n / (classes · n_c))^0.5 so that small classes count.
    pub balanced: bool,
    /// Random seed (order of examples).
    pub seed: u64,
    /// The vectoriser learned from the training documents.
    pub tfidf: TfidfParams,
}

impl Default for SoftmaxParams {
    fn default() -> Self {
        SoftmaxParams {
            epochs: 30,
            learning_rate: 0.5,
            l2: 1e-5,
            balanced: true,
            seed: 7,
            tfidf: TfidfParams { min_df: 1, max_df: 1.0, sublinear_tf: true },
        }
    }
}

impl SoftmaxParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.learning_rate.is_nan() || self.learning_rate <= 0.0 || self.l2 < 0.0 {
            return Err(Error::Param("epochs >= 1, learning_rate > 0 and l2 >= 0 are needed".into()));
        }
        self.tfidf.validate()
    }
}

/// Documents (as feature keys) with their labels.
pub struct Labelled<'a> {
    /// Feature keys of each document.
    pub docs: &'a [Vec<u64>],
    /// Label of each document.
    pub labels: &'a [String],
}

/// A fitted linear classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearClassifier {
    /// Class names, in column order.
    pub classes: Vec<String>,
    /// The classifier's own vectoriser.
    pub tfidf: Tfidf,
    /// Weights, term-major: weight of term j for class c at `j * classes + c`.
    pub weights: Vec<f32>,
    /// Bias per class.
    pub bias: Vec<f32>,
    /// The model reads exact-form syllables too ([`crate::text::Analyzer::exact_syllable_keys`]):
    /// whoever feeds it must extract them (recorded in the model file).
    #[serde(default)]
    pub exact_forms: bool,
    /// Mean weight of each term over the classes, computed at first use (reasons read it).
    #[serde(skip)]
    term_mean: std::sync::OnceLock<Vec<f32>>,
}

impl Fit<Labelled<'_>> for SoftmaxParams {
    type Model = LinearClassifier;
    fn fit(&self, data: &Labelled<'_>) -> Result<LinearClassifier> {
        self.validate()?;
        if data.docs.len() != data.labels.len() {
            return Err(Error::Param(format!("{} documents but {} labels", data.docs.len(), data.labels.len())));
        }
        if data.docs.is_empty() {
            return Err(Error::Param("no labelled documents to learn from".into()));
        }
        let Prepared { classes, y, tfidf, rows } = prepare(data, &self.tfidf)?;
        let c = classes.len();
        let mut counts = vec![0usize; c];
        y.iter().for_each(|&k| counts[k] += 1);
        let cw: Vec<f32> = counts
            .iter()
            .map(|&n_c| if self.balanced { ((y.len() as f32) / (c as f32 * n_c.max(1) as f32)).sqrt() } else { 1.0 })
            .collect();
        let mut m = LinearClassifier {
            classes,
            weights: vec![0.0; tfidf.n_terms() * c],
            bias: vec![0.0; c],
            tfidf,
            exact_forms: false,
            term_mean: Default::default(),
        };
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut rng = Rng::new(self.seed);
        let mut p = vec![0.0f32; c];
        let mut t = 0usize;
        for _ in 0..self.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let lr = self.learning_rate / (1.0 + self.learning_rate * self.l2.max(1e-4) * t as f32).sqrt();
                t += 1;
                m.logits_into(&rows[i].indices, &rows[i].values, &mut p);
                softmax(&mut p);
                let w_i = cw[y[i]];
                for (k, pk) in p.iter_mut().enumerate() {
                    *pk = w_i * (*pk - if k == y[i] { 1.0 } else { 0.0 });
                }
                for (&j, &v) in rows[i].indices.iter().zip(&rows[i].values) {
                    let w = &mut m.weights[j as usize * c..j as usize * c + c];
                    for (wk, &g) in w.iter_mut().zip(&p) {
                        *wk -= lr * (g * v + self.l2 * *wk);
                    }
                }
                for (b, &g) in m.bias.iter_mut().zip(&p) {
                    *b -= lr * g * 0.1;
                }
            }
        }
        Ok(m)
    }
}

/// Labelled documents made ready for learning.
struct Prepared {
    /// Class names, sorted.
    classes: Vec<String>,
    /// Class index of each document.
    y: Vec<usize>,
    /// The vectoriser learned from the documents.
    tfidf: Tfidf,
    /// Each document's TF-IDF row.
    rows: Vec<SparseVec>,
}

fn prepare(data: &Labelled<'_>, params: &TfidfParams) -> Result<Prepared> {
    let mut classes: Vec<String> = data.labels.to_vec();
    classes.sort();
    classes.dedup();
    let y = data.labels.iter().map(|l| classes.binary_search(l).unwrap_or(0)).collect();
    let tfidf = params.fit(data.docs)?;
    let rows = data
        .docs
        .par_iter()
        .map(|d| {
            let mut v = SparseVec::default();
            tfidf.transform_one(d, &mut v);
            v
        })
        .collect();
    Ok(Prepared { classes, y, tfidf, rows })
}

/// Softmax in place.
pub fn softmax(v: &mut [f32]) {
    let mx = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0;
    for x in v.iter_mut() {
        *x = (*x - mx).exp();
        s += *x;
    }
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

impl LinearClassifier {
    /// Class scores (before softmax) of a document's weighted terms in this classifier's
    /// vocabulary, `cols` and their `values` (in any order).
    pub fn logits_into(&self, cols: &[u32], values: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        add_term_major(cols, values, &self.weights, out);
    }

    /// Runs `f` on the terms, in this classifier's vocabulary, of a document whose feature
    /// keys come in `runs`, built in this thread's buffer (a fresh one if it is in use).
    pub fn with_terms<R>(&self, runs: &[&[u64]], f: impl FnOnce(&Terms) -> R) -> R {
        thread_local! {
            static TERMS: std::cell::RefCell<Terms> = std::cell::RefCell::new(Terms::default());
        }
        TERMS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut t) => {
                self.tfidf.terms_into(runs, &mut t);
                f(&t)
            }
            Err(_) => {
                let mut t = Terms::default();
                self.tfidf.terms_into(runs, &mut t);
                f(&t)
            }
        })
    }

    /// Class probabilities of a document given as feature keys.
    pub fn predict_proba(&self, keys: &[u64]) -> Vec<f32> {
        let mut p = vec![0.0; self.classes.len()];
        self.with_terms(&[keys], |t| self.logits_into(&t.cols, &t.values, &mut p));
        softmax(&mut p);
        p
    }

    /// The terms of a document (`cols` and their `values`, in any order) that push it
    /// most towards `class`: (column, weight × value), best first, ties by column.
    pub fn contributions(&self, cols: &[u32], values: &[f32], class: usize, top: usize) -> Vec<(u32, f32)> {
        let c = self.classes.len();
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        // The best `top` kept in order as the row is read (a handful: no sorting of the row).
        let mut best: Vec<(u32, f32)> = Vec::with_capacity(top + 1);
        let means = self
            .term_mean
            .get_or_init(|| self.weights.chunks_exact(c).map(|w| w.iter().sum::<f32>() / c as f32).collect());
        for (&j, &x) in cols.iter().zip(values) {
            let s = x * (self.weights[j as usize * c + class] - means[j as usize]);
            // Most terms fall behind the last of a full list: no search (for positive
            // values, < is the total order; a tie is settled by the column below).
            if s <= 0.0 || top == 0 || (best.len() == top && s < best[top - 1].1) {
                continue;
            }
            if best.len() == top && !order(&(j, s), &best[top - 1]).is_lt() {
                continue;
            }
            let at = best.partition_point(|b| order(b, &(j, s)).is_lt());
            if at < top {
                best.insert(at, (j, s));
                best.truncate(top);
            }
        }
        best
    }

    /// Index of a class by name.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    /// Saves the model as JSON, atomically.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| Error::model(path, e.to_string()))?;
        crate::output::write_atomic(path, &json)
    }

    /// Loads a model saved by [`LinearClassifier::save`].
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut m: LinearClassifier =
            serde_json::from_slice(&bytes).map_err(|e| Error::model(path, format!("not a ykien model: {e}")))?;
        m.tfidf.rebuild_index();
        let c = m.classes.len();
        if c == 0 || m.bias.len() != c || m.weights.len() != m.tfidf.n_terms() * c {
            return Err(Error::model(path, "inconsistent model dimensions"));
        }
        Ok(m)
    }
}

impl Predict<[u64]> for LinearClassifier {
    type Output = (usize, f32);
    /// The most probable class and its probability.
    fn predict(&self, keys: &[u64]) -> (usize, f32) {
        let p = self.predict_proba(keys);
        p.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
    }
}

/// Where a model file's labelled training data lives (the `[training]` table).
#[derive(Debug, Clone, Deserialize)]
pub struct TrainingSpec {
    /// Labelled file, relative to the model file's folder.
    pub file: std::path::PathBuf,
    /// Column holding the label.
    pub label_column: String,
    /// Column naming the split, if any.
    pub split_column: Option<String>,
    /// Rows whose split column has this value are used for training.
    pub train_value: Option<String>,
}

impl TrainingSpec {
    /// The training rows: the labelled file's records in the training split.
    pub fn load(&self, base: &std::path::Path) -> Result<Vec<crate::input::Submission>> {
        let path = base.join(&self.file);
        let rows = crate::input::read_file(&path, &crate::input::ReadOptions::default())?.submissions;
        let keep = |s: &crate::input::Submission| match (&self.split_column, &self.train_value) {
            (Some(c), Some(v)) => s.field(c) == Some(v.as_str()),
            _ => true,
        };
        let rows: Vec<_> = rows.into_iter().filter(keep).collect();
        for (i, r) in rows.iter().enumerate() {
            if r.field(&self.label_column).is_none_or(str::is_empty) {
                return Err(Error::model(
                    &path,
                    format!("training record {} ({}) has no '{}' label", i + 1, r.id, self.label_column),
                ));
            }
        }
        Ok(rows)
    }
}

/// Hyper-parameters of a one-vs-rest linear SVM (L2-regularised, squared hinge loss),
/// solved by dual coordinate descent as in liblinear, the solver behind scikit-learn's
/// LinearSVC. Probabilities are a softmax over the margins times `temperature`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearSvmParams {
    /// Inverse regularisation strength.
    pub c: f32,
    /// Passes over the data at most.
    pub max_epochs: usize,
    /// Stop when the largest projected gradient of a pass falls below this.
    pub tol: f32,
    /// Margins are multiplied by this before the softmax that gives probabilities.
    pub temperature: f32,
    /// Random seed (order of examples).
    pub seed: u64,
    /// The vectoriser learned from the training documents.
    pub tfidf: TfidfParams,
    /// Weigh each example by n / (classes × its class's count), so a body with few
    /// examples counts as much as one with many ("balanced" class weights).
    pub balanced: bool,
}

impl Default for LinearSvmParams {
    fn default() -> Self {
        LinearSvmParams {
            c: 1.0,
            max_epochs: 100,
            tol: 0.01,
            temperature: 3.0,
            seed: 7,
            tfidf: TfidfParams { min_df: 1, max_df: 1.0, sublinear_tf: true },
            balanced: false,
        }
    }
}

impl Fit<Labelled<'_>> for LinearSvmParams {
    type Model = LinearClassifier;
    fn fit(&self, data: &Labelled<'_>) -> Result<LinearClassifier> {
        if self.c <= 0.0
            || self.c.is_nan()
            || self.max_epochs == 0
            || self.temperature <= 0.0
            || self.temperature.is_nan()
        {
            return Err(Error::Param("c > 0, max_epochs >= 1 and temperature > 0 are needed".into()));
        }
        if data.docs.len() != data.labels.len() || data.docs.is_empty() {
            return Err(Error::Param(format!(
                "{} documents and {} labels: need the same number, at least one",
                data.docs.len(),
                data.labels.len()
            )));
        }
        let Prepared { classes, y, tfidf, rows } = prepare(data, &self.tfidf)?;
        let dim = tfidf.n_terms();
        // Squared norms with the bias feature (value 1) included.
        let qn: Vec<f32> = rows.iter().map(|r| r.values.iter().map(|v| v * v).sum::<f32>() + 1.0).collect();
        // Per example, 1 / (2 C_i) of the squared-hinge dual (C_i = C × its class weight).
        let mut per_class_count = vec![0usize; classes.len()];
        y.iter().for_each(|&c| per_class_count[c] += 1);
        let d: Vec<f32> = y
            .iter()
            .map(|&c| {
                let w = if self.balanced {
                    rows.len() as f32 / (classes.len() as f32 * per_class_count[c].max(1) as f32)
                } else {
                    1.0
                };
                0.5 / (self.c * w)
            })
            .collect();
        // One binary problem per class, in parallel; each is deterministic.
        let per_class: Vec<(Vec<f32>, f32)> = (0..classes.len())
            .into_par_iter()
            .map(|cl| {
                let mut w = vec![0.0f32; dim];
                let mut b = 0.0f32;
                let mut alpha = vec![0.0f32; rows.len()];
                let mut order: Vec<usize> = (0..rows.len()).collect();
                let mut rng = Rng::stream(self.seed, cl as u64);
                for _ in 0..self.max_epochs {
                    rng.shuffle(&mut order);
                    let mut max_pg = 0.0f32;
                    for &i in &order {
                        let yi = if y[i] == cl { 1.0 } else { -1.0 };
                        let r = &rows[i];
                        let wx: f32 =
                            r.indices.iter().zip(&r.values).map(|(&j, &v)| w[j as usize] * v).sum::<f32>() + b;
                        let d_ii = d[i];
                        let g = yi * wx - 1.0 + d_ii * alpha[i];
                        let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                        max_pg = max_pg.max(pg.abs());
                        if pg.abs() > 1e-12 {
                            let old = alpha[i];
                            alpha[i] = (old - g / (qn[i] + d_ii)).max(0.0);
                            let step = (alpha[i] - old) * yi;
                            for (&j, &v) in r.indices.iter().zip(&r.values) {
                                w[j as usize] += step * v;
                            }
                            b += step;
                        }
                    }
                    if max_pg < self.tol {
                        break;
                    }
                }
                (w, b)
            })
            .collect();
        let c = classes.len();
        let mut weights = vec![0.0f32; dim * c];
        for (cl, (w, _)) in per_class.iter().enumerate() {
            for (j, &x) in w.iter().enumerate() {
                weights[j * c + cl] = x * self.temperature;
            }
        }
        let bias = per_class.iter().map(|(_, b)| b * self.temperature).collect();
        Ok(LinearClassifier { classes, tfidf, weights, bias, exact_forms: false, term_mean: Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logits_for_every_class_count_are_the_plain_sums() {
        let mut rng = Rng::new(9);
        let docs: Vec<Vec<u64>> =
            (0..30).map(|_| (0..1 + rng.below(15)).map(|_| rng.below(60) as u64).collect()).collect();
        let tfidf = TfidfParams { min_df: 1, max_df: 1.0, sublinear_tf: true }.fit(&docs).unwrap();
        for c in 1..=18 {
            let weights = (0..tfidf.n_terms() * c).map(|_| rng.next_f64() as f32 - 0.5).collect();
            let bias = (0..c).map(|_| rng.next_f64() as f32).collect();
            let m = LinearClassifier {
                classes: (0..c).map(|i| i.to_string()).collect(),
                tfidf: tfidf.clone(),
                weights,
                bias,
                exact_forms: false,
                term_mean: Default::default(),
            };
            for d in &docs {
                let mut row = SparseVec::default();
                m.tfidf.transform_one(d, &mut row);
                let mut got = vec![f32::NAN; c];
                m.logits_into(&row.indices, &row.values, &mut got);
                // Bias first, then term by term in the row's order: equal to the bit.
                let want: Vec<u32> = (0..c)
                    .map(|k| {
                        row.indices
                            .iter()
                            .zip(&row.values)
                            .fold(m.bias[k], |s, (&j, &v)| s + v * m.weights[j as usize * c + k])
                            .to_bits()
                    })
                    .collect();
                assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "{c} classes");
            }
        }
    }

    #[test]
    fn contributions_are_the_best_terms_of_a_full_sort() {
        // Weights drawn from a few values, so that ties between terms are common.
        let mut rng = Rng::new(4);
        let docs: Vec<Vec<u64>> =
            (0..40).map(|_| (0..1 + rng.below(25)).map(|_| rng.below(50) as u64).collect()).collect();
        let tfidf = TfidfParams { min_df: 1, max_df: 1.0, sublinear_tf: false }.fit(&docs).unwrap();
        let c = 3;
        let weights = (0..tfidf.n_terms() * c).map(|_| rng.below(5) as f32 - 2.0).collect();
        let m = LinearClassifier {
            classes: (0..c).map(|i| i.to_string()).collect(),
            tfidf,
            weights,
            bias: vec![0.0; c],
            exact_forms: false,
            term_mean: Default::default(),
        };
        let mut seen_full = false;
        for d in &docs {
            let mut row = SparseVec::default();
            m.tfidf.transform_one(d, &mut row);
            for class in 0..c {
                let mean = |j: u32| (0..c).map(|k| m.weights[j as usize * c + k]).sum::<f32>() / c as f32;
                let mut all: Vec<(u32, f32)> = row
                    .indices
                    .iter()
                    .zip(&row.values)
                    .map(|(&j, &x)| (j, x * (m.weights[j as usize * c + class] - mean(j))))
                    .filter(|t| t.1 > 0.0)
                    .collect();
                all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                for top in 0..6 {
                    let want: Vec<(u32, f32)> = all.iter().copied().take(top).collect();
                    seen_full |= top > 0 && all.len() > top;
                    assert_eq!(
                        m.contributions(&row.indices, &row.values, class, top),
                        want,
                        "class {class}, top {top}"
                    );
                }
            }
        }
        assert!(seen_full, "no row had more positive terms than were asked for");
    }
}

/// A model's prediction for one text: the label, its probability and the runner-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The most probable label.
    pub label: String,
    /// Its probability.
    pub confidence: f32,
    /// The second most probable label (the first again when there is one class).
    pub runner_up: String,
}

/// Each submission's classifier features, in order, in parallel (diacritic-aware ones too
/// when `exact`).
pub fn features_all(analyzer: &crate::text::Analyzer, subs: &[crate::input::Submission], exact: bool) -> Vec<Vec<u64>> {
    subs.par_iter().map(|s| crate::topics::classifier_features_with(analyzer, &s.text, exact)).collect()
}

/// Whether nearly all (90%) of `subs` were typed with diacritics: then a model learns from
/// the syllables as written too.
pub fn mostly_accented(analyzer: &crate::text::Analyzer, subs: &[crate::input::Submission]) -> bool {
    let accented = subs.par_iter().filter(|s| !analyzer.analyze(&s.text).folded).count();
    accented as f64 >= 0.9 * subs.len() as f64
}

/// Every submission's label in `column`, trimmed; an error names the first record without one.
pub fn labels_of(subs: &[crate::input::Submission], column: &str) -> Result<Vec<String>> {
    subs.iter()
        .map(|s| match s.field(column) {
            Some(l) if !l.trim().is_empty() => Ok(l.trim().to_string()),
            _ => Err(Error::Param(format!("record {} has no '{column}' label", s.id))),
        })
        .collect()
}

impl LinearClassifier {
    /// The prediction for every submission, in order, in parallel.
    pub fn predict_all(&self, analyzer: &crate::text::Analyzer, subs: &[crate::input::Submission]) -> Vec<Prediction> {
        features_all(analyzer, subs, self.exact_forms)
            .par_iter()
            .map(|k| {
                let p = self.predict_proba(k);
                let mut order: Vec<usize> = (0..p.len()).collect();
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
                let second = order.get(1).copied().unwrap_or(order[0]);
                Prediction {
                    label: self.classes[order[0]].clone(),
                    confidence: p[order[0]],
                    runner_up: self.classes[second].clone(),
                }
            })
            .collect()
    }
}
