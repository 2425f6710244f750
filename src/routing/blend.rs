//! How the four kinds of evidence for a department become one calibrated probability.
//!
//! Per department d of a submission, the evidence is x(d) = (ln P_model(d), keyword hits
//! of d (at most [`MAX_HITS`]), the share of the topic probability on d's topic areas, the
//! cosine of the text's word vector with d's: what it answers for and what it was sent), and
//! P(d) = softmax over departments of w · x(d). The weights w are fitted by maximum
//! likelihood (a conditional logit, solved by Newton's method) on evidence computed out of
//! fold: the model's and the topic areas' probabilities for a training text come from
//! models that never saw it. So the weights say how far the learned model can be trusted
//! on text it did not learn from against the profile's own knowledge, and the
//! probabilities they give are calibrated on such text.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::traits::Fit;

/// Keyword hits counted per department: a long letter repeating a phrase is not more sure.
pub const MAX_HITS: f32 = 3.0;

/// Kinds of evidence per department.
pub const EVIDENCE: usize = 4;

/// Floor added to a model probability before its logarithm.
pub const PROB_FLOOR: f32 = 1e-4;

/// The weights of the evidence in a department's logit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Blend {
    /// Weight of ln P_model(d).
    pub model: f32,
    /// Weight of each keyword hit of d.
    pub rules: f32,
    /// Weight of the topic probability on d's topic areas.
    pub topics: f32,
    /// Weight of the cosine between the text's vector and d's ([`crate::vectors`]).
    pub meaning: f32,
}

impl Blend {
    /// The logit of one department's evidence.
    pub fn logit(&self, x: &[f32; EVIDENCE]) -> f32 {
        self.model * x[0] + self.rules * x[1] + self.topics * x[2] + self.meaning * x[3]
    }

    /// The blend with every weight times `s` (a temperature of 1/s).
    pub fn scaled(&self, s: f32) -> Blend {
        Blend { model: self.model * s, rules: self.rules * s, topics: self.topics * s, meaning: self.meaning * s }
    }

    fn as_array(&self) -> [f64; EVIDENCE] {
        [self.model as f64, self.rules as f64, self.topics as f64, self.meaning as f64]
    }

    fn from_array(w: [f64; EVIDENCE]) -> Blend {
        Blend { model: w[0] as f32, rules: w[1] as f32, topics: w[2] as f32, meaning: w[3] as f32 }
    }
}

/// One text's evidence: per department (profile order) its values, and the gold department.
#[derive(Debug, Clone)]
pub struct EvidenceRow {
    /// Per department: ln P_model, hits (capped), topic share, cosine of the vectors.
    pub x: Vec<[f32; EVIDENCE]>,
    /// Index of the right department.
    pub gold: usize,
}

/// Parameters of the blend fit.
#[derive(Debug, Clone)]
pub struct BlendParams {
    /// Pull towards `prior` (a ridge on w − prior, per text of evidence): keeps the fit
    /// sane on a few dozen texts.
    pub ridge: f64,
    /// Where the ridge pulls: the profile's own weights.
    pub prior: Blend,
    /// Newton steps at most.
    pub max_steps: usize,
}

impl BlendParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.ridge.is_nan() || self.ridge < 0.0 || self.max_steps == 0 {
            return Err(Error::Param("blend: ridge >= 0 and max_steps >= 1 are needed".into()));
        }
        Ok(())
    }
}

impl Fit<[EvidenceRow]> for BlendParams {
    type Model = Blend;
    fn fit(&self, rows: &[EvidenceRow]) -> Result<Blend> {
        self.validate()?;
        let rows: Vec<&EvidenceRow> = rows.iter().filter(|r| r.gold < r.x.len() && r.x.len() > 1).collect();
        if rows.is_empty() {
            return Ok(self.prior);
        }
        let prior = self.prior.as_array();
        let lambda = self.ridge * rows.len() as f64;
        let mut w = prior;
        let mut value = objective(&rows, &w, &prior, lambda).0;
        for _ in 0..self.max_steps {
            let (_, g, h) = objective(&rows, &w, &prior, lambda);
            // Newton step on the concave log-likelihood: solve (−H) s = g.
            let mut neg_h = h;
            for row in neg_h.iter_mut() {
                for v in row.iter_mut() {
                    *v = -*v;
                }
            }
            let Some(step) = solve(neg_h, g) else { break };
            let mut t = 1.0;
            let mut moved = false;
            while t > 1e-6 {
                let cand: [f64; EVIDENCE] = std::array::from_fn(|i| (w[i] + t * step[i]).max(0.0));
                let v = objective(&rows, &cand, &prior, lambda).0;
                if v > value + 1e-12 {
                    moved = (0..EVIDENCE).any(|i| (cand[i] - w[i]).abs() > 1e-7);
                    w = cand;
                    value = v;
                    break;
                }
                t *= 0.5;
            }
            if !moved {
                break;
            }
        }
        Ok(Blend::from_array(w))
    }
}

/// The scale s of `blend`'s logits under which `rows` are likeliest (1 without rows): a
/// temperature fitted by Newton's method on the concave log-likelihood, within 0.05..=5.
pub fn fit_scale(blend: &Blend, rows: &[EvidenceRow]) -> f32 {
    let rows: Vec<(Vec<f64>, usize)> = rows
        .iter()
        .filter(|r| r.gold < r.x.len() && r.x.len() > 1)
        .map(|r| (r.x.iter().map(|x| blend.logit(x) as f64).collect(), r.gold))
        .collect();
    if rows.is_empty() {
        return 1.0;
    }
    let mut s = 1.0f64;
    for _ in 0..50 {
        let (mut g, mut h) = (0.0, 0.0);
        for (z, gold) in &rows {
            let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = z.iter().map(|v| (s * (v - m)).exp()).collect();
            let sum: f64 = e.iter().sum();
            let mean: f64 = e.iter().zip(z).map(|(p, v)| p * v).sum::<f64>() / sum;
            let second: f64 = e.iter().zip(z).map(|(p, v)| p * v * v).sum::<f64>() / sum;
            g += z[*gold] - mean;
            h += second - mean * mean;
        }
        if h <= 1e-12 {
            break;
        }
        let next = (s + g / h).clamp(0.05, 5.0);
        if (next - s).abs() < 1e-6 {
            s = next;
            break;
        }
        s = next;
    }
    s as f32
}

/// Fewest suggestions a knot of [`Calibration`] stands for.
const MIN_BLOCK: f64 = 10.0;

/// How sure to be of a suggestion given the blend's probability for it: a monotone map
/// (isotonic regression, pool-adjacent-violators) fitted on out-of-fold suggestions, so
/// that among suggestions shown at c about c are right. Identity when fitted on nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Calibration {
    /// (probability, share right) at the centre of each pooled block, ascending in both.
    knots: Vec<(f32, f32)>,
}

impl Calibration {
    /// Fits the map on (blend probability of the suggestion, whether it was right) pairs.
    pub fn fit(pairs: &[(f32, bool)]) -> Calibration {
        let mut pts: Vec<(f32, bool)> = pairs.iter().copied().filter(|p| p.0.is_finite()).collect();
        if pts.len() < 20 {
            return Calibration::default();
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Blocks of (sum of x, sum of y, count), merged while a block's mean is not above the last's.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::with_capacity(pts.len());
        for &(x, y) in &pts {
            blocks.push((x as f64, y as u8 as f64, 1.0));
            while blocks.len() > 1 {
                let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
                if a.1 / a.2 < b.1 / b.2 {
                    break;
                }
                blocks.pop();
                *blocks.last_mut().expect("two blocks") = (a.0 + b.0, a.1 + b.1, a.2 + b.2);
            }
        }
        // Blocks of fewer than MIN_BLOCK suggestions join a neighbour: a few lucky answers
        // at the top do not make a knot of their own.
        let mut merged: Vec<(f64, f64, f64)> = Vec::with_capacity(blocks.len());
        for b in blocks {
            match merged.last_mut() {
                Some(last) if last.2 < MIN_BLOCK => *last = (last.0 + b.0, last.1 + b.1, last.2 + b.2),
                _ => merged.push(b),
            }
        }
        if merged.len() > 1 && merged[merged.len() - 1].2 < MIN_BLOCK {
            let b = merged.pop().expect("two blocks");
            let last = merged.last_mut().expect("one block");
            *last = (last.0 + b.0, last.1 + b.1, last.2 + b.2);
        }
        // A Laplace-smoothed share (a block never says "certain"), kept non-decreasing.
        let mut floor = 0.0f32;
        let knots = merged
            .iter()
            .map(|&(sx, sy, n)| {
                floor = floor.max(((sy + 0.5) / (n + 1.0)) as f32);
                ((sx / n) as f32, floor)
            })
            .collect();
        Calibration { knots }
    }

    /// The calibrated confidence of a suggestion the blend gives probability `p`.
    pub fn apply(&self, p: f32) -> f32 {
        let k = &self.knots;
        if k.is_empty() || !p.is_finite() {
            return p;
        }
        let i = k.partition_point(|&(x, _)| x <= p);
        if i == 0 {
            return k[0].1;
        }
        if i == k.len() {
            return k[k.len() - 1].1;
        }
        let ((x0, y0), (x1, y1)) = (k[i - 1], k[i]);
        y0 + (y1 - y0) * (p - x0) / (x1 - x0).max(1e-9)
    }

    /// Number of knots (0: the identity).
    pub fn len(&self) -> usize {
        self.knots.len()
    }

    /// True for the identity map.
    pub fn is_empty(&self) -> bool {
        self.knots.is_empty()
    }
}

/// The blend's probability of the top department and whether it is the gold one, per row.
pub fn top_choices(blend: &Blend, rows: &[EvidenceRow]) -> Vec<(f32, bool)> {
    rows.iter()
        .filter(|r| r.gold < r.x.len())
        .map(|r| {
            let z: Vec<f32> = r.x.iter().map(|x| blend.logit(x)).collect();
            let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = z.iter().map(|v| (v - m).exp()).sum();
            let best = (0..z.len()).max_by(|&a, &b| z[a].total_cmp(&z[b])).unwrap_or(0);
            (1.0 / sum, best == r.gold)
        })
        .collect()
}

/// Penalised log-likelihood, its gradient and Hessian at `w`.
type Vector = [f64; EVIDENCE];
type Matrix = [[f64; EVIDENCE]; EVIDENCE];

fn objective(rows: &[&EvidenceRow], w: &Vector, prior: &Vector, lambda: f64) -> (f64, Vector, Matrix) {
    const K: usize = EVIDENCE;
    let mut ll = 0.0;
    let mut g = [0.0; K];
    let mut h = [[0.0; K]; K];
    let mut s = Vec::new();
    for r in rows {
        s.clear();
        s.extend(r.x.iter().map(|x| (0..K).map(|i| w[i] * x[i] as f64).sum::<f64>()));
        let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = s.iter().map(|v| (v - m).exp()).sum();
        ll += s[r.gold] - m - z.ln();
        let mut mu = [0.0; K];
        let mut second = [[0.0; K]; K];
        for (x, sv) in r.x.iter().zip(&s) {
            let p = (sv - m).exp() / z;
            for i in 0..K {
                mu[i] += p * x[i] as f64;
                for j in 0..K {
                    second[i][j] += p * x[i] as f64 * x[j] as f64;
                }
            }
        }
        for i in 0..K {
            g[i] += r.x[r.gold][i] as f64 - mu[i];
            for j in 0..K {
                h[i][j] -= second[i][j] - mu[i] * mu[j];
            }
        }
    }
    for i in 0..K {
        let d = w[i] - prior[i];
        ll -= 0.5 * lambda * d * d;
        g[i] -= lambda * d;
        h[i][i] -= lambda;
    }
    (ll, g, h)
}

/// Solves a small linear system by Gaussian elimination with partial pivoting; `None` if singular.
fn solve(mut a: Matrix, mut b: Vector) -> Option<Vector> {
    const K: usize = EVIDENCE;
    for c in 0..K {
        let p = (c..K).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..K {
            let f = a[r][c] / a[c][c];
            let pivot = a[c];
            for (v, p) in a[r].iter_mut().zip(pivot).skip(c) {
                *v -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; K];
    for c in (0..K).rev() {
        let s: f64 = (c + 1..K).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index drawn with probability softmax(`logits`).
    fn draw(rng: &mut crate::rng::Rng, logits: &[f64]) -> usize {
        let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = logits.iter().map(|v| (v - m).exp()).collect();
        let mut u = rng.next_f64() * w.iter().sum::<f64>();
        w.iter()
            .position(|v| {
                u -= v;
                u <= 0.0
            })
            .unwrap_or(w.len() - 1)
    }

    /// Evidence drawn from a known blend: the fit finds weights close to it.
    #[test]
    fn recovers_the_weights_that_made_the_labels() {
        let truth = Blend { model: 0.6, rules: 1.4, topics: 2.0, meaning: 3.0 };
        let mut rng = crate::rng::Rng::new(11);
        let rows: Vec<EvidenceRow> = (0..4000)
            .map(|_| {
                let x: Vec<[f32; EVIDENCE]> = (0..6)
                    .map(|_| {
                        let p = rng.next_f64() as f32;
                        [
                            (p + PROB_FLOOR).ln(),
                            (rng.next_f64() < 0.2) as u8 as f32,
                            rng.next_f64() as f32,
                            rng.next_f64() as f32 - 0.5,
                        ]
                    })
                    .collect();
                let logits: Vec<f64> = x.iter().map(|v| truth.logit(v) as f64).collect();
                let gold = draw(&mut rng, &logits);
                EvidenceRow { x, gold }
            })
            .collect();
        let p = BlendParams {
            ridge: 0.0,
            prior: Blend { model: 1.0, rules: 1.0, topics: 1.0, meaning: 1.0 },
            max_steps: 50,
        };
        let b = p.fit(&rows).unwrap();
        assert!((b.model - 0.6).abs() < 0.1, "{b:?}");
        assert!((b.rules - 1.4).abs() < 0.2, "{b:?}");
        assert!((b.topics - 2.0).abs() < 0.3, "{b:?}");
        assert!((b.meaning - 3.0).abs() < 0.4, "{b:?}");
    }

    /// Labels drawn from softmax(0.5 × logits): the scale found is near 0.5.
    #[test]
    fn the_scale_of_overconfident_logits_is_found() {
        let blend = Blend { model: 1.0, rules: 1.0, topics: 1.0, meaning: 1.0 };
        let mut rng = crate::rng::Rng::new(5);
        let rows: Vec<EvidenceRow> = (0..4000)
            .map(|_| {
                let x: Vec<[f32; EVIDENCE]> = (0..5).map(|_| [0.0, 0.0, 0.0, (rng.next_f64() * 8.0) as f32]).collect();
                let logits: Vec<f64> = x.iter().map(|v| 0.5 * v[3] as f64).collect();
                let gold = draw(&mut rng, &logits);
                EvidenceRow { x, gold }
            })
            .collect();
        let s = fit_scale(&blend, &rows);
        assert!((s - 0.5).abs() < 0.06, "{s}");
        assert_eq!(fit_scale(&blend, &[]), 1.0);
    }

    /// Suggestions shown at 0.95 but right 80% of the time are shown near 0.8; the map
    /// never decreases, and fitted on too little it is the identity.
    #[test]
    fn calibration_lowers_overconfident_suggestions_and_keeps_order() {
        let mut rng = crate::rng::Rng::new(3);
        let pairs: Vec<(f32, bool)> = (0..2000)
            .map(|_| {
                let p = 0.5 + 0.5 * rng.next_f64() as f32;
                (p, rng.next_f64() < (p as f64 - 0.15).max(0.3))
            })
            .collect();
        let c = Calibration::fit(&pairs);
        assert!(!c.is_empty());
        assert!((c.apply(0.95) - 0.80).abs() < 0.06, "{}", c.apply(0.95));
        let ys: Vec<f32> = (0..=100).map(|i| c.apply(i as f32 / 100.0)).collect();
        assert!(ys.windows(2).all(|w| w[1] >= w[0] - 1e-6), "{ys:?}");
        assert!(ys.iter().all(|y| (0.0..=1.0).contains(y)));
        assert!(Calibration::fit(&pairs[..10]).is_empty());
        assert_eq!(Calibration::default().apply(0.7), 0.7);
    }

    #[test]
    fn no_evidence_keeps_the_prior_and_bad_parameters_are_refused() {
        let prior = Blend { model: 1.0, rules: 0.8, topics: 0.8, meaning: 2.0 };
        assert_eq!(BlendParams { ridge: 0.1, prior, max_steps: 10 }.fit(&[]).unwrap(), prior);
        assert!(BlendParams { ridge: f64::NAN, prior, max_steps: 10 }.fit(&[]).is_err());
        assert!(BlendParams { ridge: 0.1, prior, max_steps: 0 }.fit(&[]).is_err());
    }
}
