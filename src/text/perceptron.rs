//! A trained word segmenter: an averaged structured perceptron over B/I tags with
//! first-order Viterbi decoding.
//!
//! Features of syllable i: syllable unigrams (i-2..i+2), bigrams and a trigram, shape
//! (case, digit, punctuation), and dictionary matches from `models/dict` (a word starts,
//! covers or ends here). Features are hashed into 2^20 buckets that hold the weights of
//! both tags side by side, so each feature costs one memory access. Training data is
//! doubled with folded copies (diacritics removed), so one model serves text typed
//! without diacritics.

use std::cell::RefCell;
use std::path::Path;

use super::conllu::{GoldSentence, SpanScore};
use super::normalize::{fold_lower, normalize};
use super::segment::{Dictionary, Segmenter, Sentence};
use crate::error::{Error, Result};
use crate::rng::Rng;

const BITS: u32 = 20;
const MAGIC: &[u8; 6] = b"YKSEG\x01";
const BOS: u64 = 0x1234_5678_9abc_def1;
const EOS: u64 = 0x0fed_cba9_8765_4321;
const N_FEATS: usize = 28;

/// The trained segmenter.
pub struct Perceptron {
    dict: Dictionary,
    /// Weights per bucket: [begin a word, continue a word].
    weights: Vec<[f32; 2]>,
    /// Transition weights [previous tag][tag].
    trans: [[f32; 2]; 2],
}

#[derive(Default)]
struct Scratch {
    hashes: Vec<u64>,
    shapes: Vec<u8>,
    dstart: Vec<u8>,
    dinside: Vec<u8>,
    dend: Vec<u8>,
    pair: Vec<bool>,
    feats: Vec<u32>,
    lens: Vec<usize>,
    ids: Vec<u32>,
    buf: String,
    delta: Vec<[f32; 2]>,
    back: Vec<[u8; 2]>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[inline]
fn syl_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

#[inline]
fn fh(tpl: u64, a: u64, b: u64) -> u32 {
    let mut z = tpl.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ a;
    z = z.rotate_left(29).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ b;
    z ^= z >> 31;
    z = z.wrapping_mul(0x94d0_49bb_1331_11eb);
    (z >> (64 - BITS)) as u32
}

fn shape(s: &str, cap: bool) -> u8 {
    let Some(c) = s.chars().next() else { return 4 };
    if c.is_ascii_digit() {
        2
    } else if !s.chars().any(char::is_alphanumeric) {
        3
    } else if cap {
        1
    } else if s.chars().all(super::normalize::is_letter) {
        0
    } else {
        4
    }
}

impl Perceptron {
    /// Computes the feature buckets of every syllable into `sc.feats` (N_FEATS per syllable).
    /// Long because it lists the feature templates, one each, in the model file's order.
    fn features(&self, s: &Sentence<'_>, sc: &mut Scratch) {
        let n = s.syllables.len();
        let Scratch { hashes, shapes, dstart, dinside, dend, pair, feats, lens, ids, buf, .. } = sc;
        hashes.clear();
        hashes.extend(s.syllables.iter().map(|x| syl_hash(x)));
        shapes.clear();
        shapes.extend(s.syllables.iter().zip(s.capitalized).map(|(x, &c)| shape(x, c)));
        for v in [&mut *dstart, &mut *dinside, &mut *dend] {
            v.clear();
            v.resize(n, 0);
        }
        pair.clear();
        pair.resize(n + 1, false);
        self.dict.syllable_ids(s.syllables, s.folded, buf, ids);
        for a in 0..n {
            self.dict.matches_ids(&ids[a..], s.folded, lens);
            for &l in lens.iter() {
                let lc = l.min(4) as u8;
                dstart[a] = dstart[a].max(lc);
                for d in &mut dinside[a + 1..a + l] {
                    *d = (*d).max(lc);
                }
                dend[a + l - 1] = dend[a + l - 1].max(lc);
                if l == 2 {
                    pair[a + 1] = true;
                }
            }
        }
        let h = |i: isize| {
            if i < 0 {
                BOS
            } else if i as usize >= n {
                EOS
            } else {
                hashes[i as usize]
            }
        };
        let sh = |i: isize| {
            if i < 0 {
                5
            } else if i as usize >= n {
                6
            } else {
                shapes[i as usize] as u64
            }
        };
        // Text typed without diacritics gets a feature space of its own.
        let fold_tag = if s.folded { 100 } else { 0 };
        feats.clear();
        for i in 0..n {
            let k = i as isize;
            let (u0, um1, up1, um2, up2) = (h(k), h(k - 1), h(k + 1), h(k - 2), h(k + 2));
            let din = dinside[i] as u64;
            let ds = dstart[i] as u64;
            let dprev = if i > 0 { dend[i - 1] as u64 } else { 9 };
            feats.extend_from_slice(&[
                fh(fold_tag, u0, 0),
                fh(1 + fold_tag, um1, 0),
                fh(2 + fold_tag, up1, 0),
                fh(3 + fold_tag, um2, 0),
                fh(4 + fold_tag, up2, 0),
                fh(5 + fold_tag, um1, u0),
                fh(6 + fold_tag, u0, up1),
                fh(7 + fold_tag, um2, um1),
                fh(8 + fold_tag, up1, up2),
                fh(9 + fold_tag, um1 ^ u0.rotate_left(17), up1),
                fh(10 + fold_tag, sh(k), 0),
                fh(11 + fold_tag, sh(k - 1), sh(k)),
                fh(12 + fold_tag, sh(k), sh(k + 1)),
                fh(13 + fold_tag, ds, 0),
                fh(14 + fold_tag, din, 0),
                fh(15 + fold_tag, dprev, 0),
                fh(16 + fold_tag, dend[i] as u64, 0),
                fh(17 + fold_tag, ds, din),
                fh(18 + fold_tag, pair[i] as u64, 0),
                fh(19 + fold_tag, pair[i + 1] as u64, 0),
                fh(20 + fold_tag, u0, din),
                fh(21 + fold_tag, 0, 0),
                fh(22 + fold_tag, sh(k - 1) * 8 + sh(k), sh(k + 1)),
                fh(23 + fold_tag, u0, ds),
                fh(24 + fold_tag, um1, din),
                fh(25 + fold_tag, um1 ^ u0.rotate_left(7), din),
                fh(26 + fold_tag, sh(k - 1), u0),
                fh(27 + fold_tag, u0, sh(k + 1)),
            ]);
        }
    }

    /// Viterbi over B(0)/I(1); the first syllable always begins a word.
    fn decode(
        weights: &[[f32; 2]],
        trans: &[[f32; 2]; 2],
        feats: &[u32],
        delta: &mut Vec<[f32; 2]>,
        back: &mut Vec<[u8; 2]>,
        starts: &mut Vec<bool>,
    ) {
        let n = feats.len() / N_FEATS;
        delta.clear();
        back.clear();
        for i in 0..n {
            let mut e = [0.0f32; 2];
            for &f in &feats[i * N_FEATS..(i + 1) * N_FEATS] {
                let w = weights[f as usize];
                e[0] += w[0];
                e[1] += w[1];
            }
            if i == 0 {
                delta.push([e[0], f32::NEG_INFINITY]);
                back.push([0, 0]);
                continue;
            }
            let p = delta[i - 1];
            let mut d = [0.0; 2];
            let mut b = [0u8; 2];
            for t in 0..2 {
                let (a0, a1) = (p[0] + trans[0][t], p[1] + trans[1][t]);
                if a0 >= a1 {
                    d[t] = a0 + e[t];
                    b[t] = 0;
                } else {
                    d[t] = a1 + e[t];
                    b[t] = 1;
                }
            }
            delta.push(d);
            back.push(b);
        }
        starts.clear();
        starts.resize(n, false);
        if n == 0 {
            return;
        }
        let mut t = if delta[n - 1][0] >= delta[n - 1][1] { 0 } else { 1 };
        for i in (0..n).rev() {
            starts[i] = t == 0;
            t = back[i][t] as usize;
        }
    }

    /// Loads a model saved by [`Perceptron::save`], with the dictionary it was trained with.
    pub fn load(path: &Path, dict: Dictionary) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: &str| Error::model(path, crate::t!("model.not-segmenter", what = m));
        if bytes.len() < 6 + 1 + 16 + 4 || &bytes[..6] != MAGIC {
            return Err(bad(&crate::t!("model.wrong-header")));
        }
        if bytes[6] as u32 != BITS {
            return Err(bad(&crate::t!("model.table-size")));
        }
        let f32_at = |o: usize| f32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let trans = [[f32_at(7), f32_at(11)], [f32_at(15), f32_at(19)]];
        let n = u32_at(23) as usize;
        if bytes.len() != 27 + n * 12 {
            return Err(bad(&crate::t!("model.truncated")));
        }
        let mut weights = vec![[0.0f32; 2]; 1 << BITS];
        for k in 0..n {
            let o = 27 + k * 12;
            let idx = u32_at(o) as usize;
            if idx >= weights.len() {
                return Err(bad(&crate::t!("model.out-of-range")));
            }
            weights[idx] = [f32_at(o + 4), f32_at(o + 8)];
        }
        Ok(Perceptron { dict, weights, trans })
    }

    /// Saves the model (non-zero buckets only), atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let nz: Vec<(usize, [f32; 2])> =
            self.weights.iter().copied().enumerate().filter(|(_, w)| w[0] != 0.0 || w[1] != 0.0).collect();
        let mut out = Vec::with_capacity(27 + nz.len() * 12);
        out.extend_from_slice(MAGIC);
        out.push(BITS as u8);
        for t in self.trans.iter().flatten() {
            out.extend_from_slice(&t.to_le_bytes());
        }
        out.extend_from_slice(&(nz.len() as u32).to_le_bytes());
        for (i, w) in nz {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            out.extend_from_slice(&w[0].to_le_bytes());
            out.extend_from_slice(&w[1].to_le_bytes());
        }
        crate::output::write_atomic(path, &out)
    }

    /// Segments gold sentences and scores them against their gold words.
    pub fn evaluate(&self, gold: &[GoldSentence]) -> SpanScore {
        let mut score = SpanScore::default();
        let mut starts = Vec::new();
        for g in gold {
            Prepared::new(g, false).with(|s| self.segment(s, &mut starts));
            score.add(&starts, &g.starts);
        }
        score
    }
}

impl Segmenter for Perceptron {
    fn segment(&self, s: &Sentence<'_>, starts: &mut Vec<bool>) {
        SCRATCH.with(|sc| {
            let sc = &mut sc.borrow_mut();
            self.features(s, sc);
            let Scratch { feats, delta, back, .. } = &mut **sc;
            Self::decode(&self.weights, &self.trans, feats, delta, back, starts);
        });
    }
}

/// A gold sentence prepared as the segmenter sees text: normalised, lowercased, maybe folded.
pub struct Prepared {
    syllables: Vec<String>,
    caps: Vec<bool>,
    folded: bool,
}

impl Prepared {
    /// Prepares `g`, folding it when `fold`.
    pub fn new(g: &GoldSentence, fold: bool) -> Self {
        let caps = g.syllables.iter().map(|s| s.chars().next().is_some_and(char::is_uppercase)).collect();
        let syllables = g
            .syllables
            .iter()
            .map(|s| {
                let l = normalize(s).text.to_lowercase();
                if fold {
                    fold_lower(&l)
                } else {
                    l
                }
            })
            .collect();
        Prepared { syllables, caps, folded: fold }
    }

    /// Runs `f` on the sentence view of this prepared sentence.
    pub fn with<R>(&self, f: impl FnOnce(&Sentence<'_>) -> R) -> R {
        let refs: Vec<&str> = self.syllables.iter().map(String::as_str).collect();
        f(&Sentence { syllables: &refs, capitalized: &self.caps, folded: self.folded })
    }
}

/// Hyper-parameters of perceptron training.
#[derive(Debug, Clone)]
pub struct PerceptronParams {
    /// Passes over the training data (the best on dev is kept when dev is given).
    pub epochs: usize,
    /// Seed for the order of sentences.
    pub seed: u64,
    /// Also learn from folded copies (text typed without diacritics).
    pub augment_folded: bool,
}

impl Default for PerceptronParams {
    fn default() -> Self {
        PerceptronParams { epochs: 20, seed: 1, augment_folded: true }
    }
}

impl PerceptronParams {
    /// Trains on `train`; with `dev`, keeps the epoch with the best dev F1 and reports
    /// each epoch's dev F1 to `log`. Returns the model and the epoch kept.
    /// Long because the epoch loop, the averaging and the dev check share the weight tables.
    pub fn train(
        &self,
        dict: Dictionary,
        train: &[GoldSentence],
        dev: Option<&[GoldSentence]>,
        mut log: impl FnMut(usize, Option<f64>),
    ) -> Result<(Perceptron, usize)> {
        if self.epochs == 0 {
            return Err(Error::Param("epochs must be at least 1".into()));
        }
        if train.is_empty() {
            return Err(Error::Param("no training sentences".into()));
        }
        let size = 1usize << BITS;
        let mut model = Perceptron { dict, weights: vec![[0.0; 2]; size], trans: [[0.0; 2]; 2] };
        // Features do not depend on the weights: compute them once per example.
        let mut examples: Vec<(Vec<u32>, Vec<bool>)> = Vec::new();
        let mut sc = Scratch::default();
        for g in train {
            for fold in [false, true] {
                if fold && !self.augment_folded {
                    continue;
                }
                Prepared::new(g, fold).with(|s| model.features(s, &mut sc));
                examples.push((sc.feats.clone(), g.starts.clone()));
            }
        }
        let mut acc = vec![[0.0f32; 2]; size];
        let mut acc_trans = [[0.0f32; 2]; 2];
        let mut c = 1.0f32;
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(self.seed);
        let (mut delta, mut back, mut pred) = (Vec::new(), Vec::new(), Vec::new());
        // (dev F1, epoch, averaged weights, averaged transitions) of the best epoch so far.
        type Snapshot = (f64, usize, Vec<[f32; 2]>, [[f32; 2]; 2]);
        let mut best: Option<Snapshot> = None;
        for epoch in 1..=self.epochs {
            rng.shuffle(&mut order);
            for &e in &order {
                let (feats, gold) = &examples[e];
                Perceptron::decode(&model.weights, &model.trans, feats, &mut delta, &mut back, &mut pred);
                if pred != *gold {
                    let tag = |b: bool| if b { 0 } else { 1 };
                    for i in 0..gold.len() {
                        let (g, p) = (tag(gold[i]), tag(pred[i]));
                        if g != p {
                            for &f in &feats[i * N_FEATS..(i + 1) * N_FEATS] {
                                let f = f as usize;
                                model.weights[f][g] += 1.0;
                                model.weights[f][p] -= 1.0;
                                acc[f][g] += c;
                                acc[f][p] -= c;
                            }
                        }
                        if i > 0 {
                            let (gp, pp) = (tag(gold[i - 1]), tag(pred[i - 1]));
                            if (gp, g) != (pp, p) {
                                model.trans[gp][g] += 1.0;
                                model.trans[pp][p] -= 1.0;
                                acc_trans[gp][g] += c;
                                acc_trans[pp][p] -= c;
                            }
                        }
                    }
                }
                c += 1.0;
            }
            // The averaged weights: w - acc / c.
            let avg: Vec<[f32; 2]> =
                model.weights.iter().zip(&acc).map(|(w, a)| [w[0] - a[0] / c, w[1] - a[1] / c]).collect();
            let mut avg_trans = model.trans;
            for (t, a) in avg_trans.iter_mut().flatten().zip(acc_trans.iter().flatten()) {
                *t -= a / c;
            }
            let f1 = dev.map(|d| {
                let view = AveragedView { model: &model, weights: &avg, trans: avg_trans };
                view.evaluate(d).f1()
            });
            log(epoch, f1);
            let better = match (&best, f1) {
                (None, _) => true,
                (Some((b, ..)), Some(f)) => f > *b,
                (Some(_), None) => true,
            };
            if better {
                best = Some((f1.unwrap_or(0.0), epoch, avg, avg_trans));
            }
        }
        let (_, epoch, w, t) = best.expect("at least one epoch");
        model.weights = w;
        model.trans = t;
        Ok((model, epoch))
    }
}

/// A model's features with other weights (the running average during training).
struct AveragedView<'a> {
    model: &'a Perceptron,
    weights: &'a [[f32; 2]],
    trans: [[f32; 2]; 2],
}

impl AveragedView<'_> {
    fn evaluate(&self, gold: &[GoldSentence]) -> SpanScore {
        let mut score = SpanScore::default();
        let mut sc = Scratch::default();
        let mut starts = Vec::new();
        for g in gold {
            Prepared::new(g, false).with(|s| self.model.features(s, &mut sc));
            let Scratch { feats, delta, back, .. } = &mut sc;
            Perceptron::decode(self.weights, &self.trans, feats, delta, back, &mut starts);
            score.add(&starts, &g.starts);
        }
        score
    }
}
