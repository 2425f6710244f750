//! How the three kinds of evidence for a department become one calibrated probability.
//!
//! Per department d of a submission, the evidence is x(d) = (ln P_model(d), keyword hits
//! of d (at most [`MAX_HITS`]), the share of the topic probability on d's topic areas), and
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
}

impl Blend {
    /// The logit of one department's evidence.
    pub fn logit(&self, x: &[f32; 3]) -> f32 {
        self.model * x[0] + self.rules * x[1] + self.topics * x[2]
    }
}

/// One text's evidence: per department (profile order) its three values, and the gold department.
#[derive(Debug, Clone)]
pub struct EvidenceRow {
    /// Per department: ln P_model, hits (capped), topic share.
    pub x: Vec<[f32; 3]>,
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
        let prior = [self.prior.model as f64, self.prior.rules as f64, self.prior.topics as f64];
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
            let Some(step) = solve3(neg_h, g) else { break };
            let mut t = 1.0;
            let mut moved = false;
            while t > 1e-6 {
                let cand = [w[0] + t * step[0], w[1] + t * step[1], w[2] + t * step[2]].map(|v| v.max(0.0));
                let v = objective(&rows, &cand, &prior, lambda).0;
                if v > value + 1e-12 {
                    moved = (0..3).any(|i| (cand[i] - w[i]).abs() > 1e-7);
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
        Ok(Blend { model: w[0] as f32, rules: w[1] as f32, topics: w[2] as f32 })
    }
}

/// Penalised log-likelihood, its gradient and Hessian at `w`.
fn objective(rows: &[&EvidenceRow], w: &[f64; 3], prior: &[f64; 3], lambda: f64) -> (f64, [f64; 3], [[f64; 3]; 3]) {
    let mut ll = 0.0;
    let mut g = [0.0; 3];
    let mut h = [[0.0; 3]; 3];
    let mut s = Vec::new();
    for r in rows {
        s.clear();
        s.extend(r.x.iter().map(|x| w[0] * x[0] as f64 + w[1] * x[1] as f64 + w[2] * x[2] as f64));
        let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = s.iter().map(|v| (v - m).exp()).sum();
        ll += s[r.gold] - m - z.ln();
        let mut mu = [0.0; 3];
        let mut second = [[0.0; 3]; 3];
        for (x, sv) in r.x.iter().zip(&s) {
            let p = (sv - m).exp() / z;
            for i in 0..3 {
                mu[i] += p * x[i] as f64;
                for j in 0..3 {
                    second[i][j] += p * x[i] as f64 * x[j] as f64;
                }
            }
        }
        for i in 0..3 {
            g[i] += r.x[r.gold][i] as f64 - mu[i];
            for j in 0..3 {
                h[i][j] -= second[i][j] - mu[i] * mu[j];
            }
        }
    }
    for i in 0..3 {
        let d = w[i] - prior[i];
        ll -= 0.5 * lambda * d * d;
        g[i] -= lambda * d;
        h[i][i] -= lambda;
    }
    (ll, g, h)
}

/// Solves a 3×3 system by Gaussian elimination with partial pivoting; `None` if singular.
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for c in 0..3 {
        let p = (c..3).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..3 {
            let f = a[r][c] / a[c][c];
            let pivot = a[c];
            for (v, p) in a[r].iter_mut().zip(pivot).skip(c) {
                *v -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 3];
    for c in (0..3).rev() {
        let s: f64 = (c + 1..3).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evidence drawn from a known blend: the fit finds weights close to it.
    #[test]
    fn recovers_the_weights_that_made_the_labels() {
        let truth = Blend { model: 0.6, rules: 1.4, topics: 2.0 };
        let mut rng = crate::rng::Rng::new(11);
        let rows: Vec<EvidenceRow> = (0..4000)
            .map(|_| {
                let x: Vec<[f32; 3]> = (0..6)
                    .map(|_| {
                        let p = rng.next_f64() as f32;
                        [(p + PROB_FLOOR).ln(), (rng.next_f64() < 0.2) as u8 as f32, rng.next_f64() as f32]
                    })
                    .collect();
                let mut s: Vec<f64> = x.iter().map(|v| truth.logit(v) as f64).collect();
                let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                s.iter_mut().for_each(|v| *v = (*v - m).exp());
                let z: f64 = s.iter().sum();
                let mut u = rng.next_f64() * z;
                let gold = s.iter().position(|v| {
                    u -= v;
                    u <= 0.0
                });
                EvidenceRow { x, gold: gold.unwrap_or(5) }
            })
            .collect();
        let p = BlendParams { ridge: 0.0, prior: Blend { model: 1.0, rules: 1.0, topics: 1.0 }, max_steps: 50 };
        let b = p.fit(&rows).unwrap();
        assert!((b.model - 0.6).abs() < 0.1, "{b:?}");
        assert!((b.rules - 1.4).abs() < 0.2, "{b:?}");
        assert!((b.topics - 2.0).abs() < 0.3, "{b:?}");
    }

    #[test]
    fn no_evidence_keeps_the_prior_and_bad_parameters_are_refused() {
        let prior = Blend { model: 1.0, rules: 0.8, topics: 0.8 };
        assert_eq!(BlendParams { ridge: 0.1, prior, max_steps: 10 }.fit(&[]).unwrap(), prior);
        assert!(BlendParams { ridge: f64::NAN, prior, max_steps: 10 }.fit(&[]).is_err());
        assert!(BlendParams { ridge: 0.1, prior, max_steps: 0 }.fit(&[]).is_err());
    }
}
