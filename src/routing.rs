//! Suggesting the department that should answer a submission, from a routing profile.
//!
//! A profile (models/routing/NAME.toml) lists the departments with what they answer
//! for, their topic areas and keywords, plus successor rules that map older labels
//! (2024 codes) onto its own. The score of a department combines three readable parts:
//!
//! logit(d) = ln P_model(d) + rule_weight · keyword hits(d) + topic_weight · Σ P(topic) over d's topics
//!
//! P_model comes from a linear SVM learned from the profile's labelled data (a softmax
//! over its margins), over the classifier keys: words, bigrams, syllables and syllable pairs.
//! Confidence is the softmax of the logits; the reasons name the words and rules behind them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::classify::{softmax, Labelled, LinearClassifier, LinearSvmParams, TrainingSpec};
use crate::error::{Error, Result};
use crate::features::Terms;
use crate::keywords::Keywords;
use crate::text::analyzer::{bigram_key, is_bigram};
use crate::text::{normalize, Analysis, Analyzer};
use crate::topics::{classifier_features, TopicModel, TopicScores};
use crate::traits::Fit;

#[derive(Deserialize)]
struct ProfileFile {
    name: String,
    description: String,
    fallback: String,
    rule_weight: f32,
    topic_weight: f32,
    two_bodies_min: f32,
    training: Option<TrainingSpec>,
    #[serde(default)]
    successor: Vec<Successor>,
    department: Vec<Department>,
}

/// One department of a profile.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Department {
    /// Short code ("nhcsxh"), shared by every suggestion of it.
    pub code: std::sync::Arc<str>,
    /// Full Vietnamese name, shared likewise.
    pub name: std::sync::Arc<str>,
    /// What it answers for.
    pub answers: String,
    /// Topic areas it usually answers.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Phrases that point to it.
    #[serde(default, skip_serializing)]
    pub keywords: Vec<String>,
}

/// Maps an older department code to this profile's code.
#[derive(Debug, Clone, Deserialize)]
pub struct Successor {
    /// The older code.
    pub from: String,
    /// The code in this profile.
    pub to: String,
    /// Only for submissions in these topics (any topic when empty).
    #[serde(default)]
    pub topics: Vec<String>,
}

/// A routing profile.
pub struct Profile {
    /// Profile name ("lang-son-2024").
    pub name: String,
    /// What it describes.
    pub description: String,
    /// The departments.
    pub departments: Vec<Department>,
    /// Department used when nothing points anywhere.
    pub fallback: usize,
    rule_weight: f32,
    topic_weight: f32,
    two_bodies_min: f32,
    successors: Vec<Successor>,
    training: Option<TrainingSpec>,
    path: PathBuf,
}

impl Profile {
    /// Loads `models/routing/<name>.toml`.
    pub fn load(models: &Path, name: &str) -> Result<Self> {
        let dir = models.join("routing");
        let path = dir.join(format!("{name}.toml"));
        if !path.exists() {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| Error::io(&dir, e))?
                .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
                .collect();
            names.sort();
            return Err(Error::model(&path, crate::t!("model.no-profile", name = name, available = names.join(", "))));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let f: ProfileFile = toml::from_str(&text).map_err(|e| Error::model(&path, e.to_string()))?;
        let fallback = f
            .department
            .iter()
            .position(|d| *d.code == *f.fallback)
            .ok_or_else(|| Error::model(&path, format!("fallback '{}' is not a department", f.fallback)))?;
        for s in &f.successor {
            if !f.department.iter().any(|d| *d.code == *s.to) {
                return Err(Error::model(
                    &path,
                    format!("successor of '{}' is '{}', which is not a department", s.from, s.to),
                ));
            }
        }
        Ok(Profile {
            name: f.name,
            description: f.description,
            departments: f.department,
            fallback,
            rule_weight: f.rule_weight,
            topic_weight: f.topic_weight,
            two_bodies_min: f.two_bodies_min,
            successors: f.successor,
            training: f.training,
            path,
        })
    }

    /// Index of a department code.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.departments.iter().position(|d| &*d.code == code)
    }

    /// This profile's code for a (possibly older) department code, given the topic.
    pub fn map_code<'a>(&'a self, code: &'a str, topic: Option<&str>) -> Option<&'a str> {
        for s in &self.successors {
            if s.from == code && (s.topics.is_empty() || topic.is_some_and(|t| s.topics.iter().any(|x| x == t))) {
                return Some(&s.to);
            }
        }
        self.index(code).map(|_| code)
    }
}

/// A suggested department with its confidence and reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// Department code.
    pub department: std::sync::Arc<str>,
    /// Its full name.
    pub department_name: std::sync::Arc<str>,
    /// Probability of the suggestion, in [0, 1].
    pub confidence: f32,
    /// The second choice.
    pub runner_up: std::sync::Arc<str>,
    /// Its probability.
    pub runner_up_confidence: f32,
    /// Set when the submission concerns two bodies: the second one.
    pub also: Option<std::sync::Arc<str>>,
    /// Why, in words a reviewer can check (shared by the suggestions that give the same reason).
    pub reasons: Vec<std::sync::Arc<str>>,
}

/// Reasons a thread remembers at once: most recur word for word from submission to
/// submission (the same topic, rule words and confidence), so a million suggestions hold
/// a few thousand strings.
const SHARED_REASONS: usize = 1 << 16;

/// `reason` as a shared string: one this thread made before if equal, else a new one.
fn shared_reason(reason: &str) -> std::sync::Arc<str> {
    thread_local! {
        static SEEN: std::cell::RefCell<crate::intern::Interner> = std::cell::RefCell::new(crate::intern::Interner::new(SHARED_REASONS));
    }
    SEEN.with(|seen| seen.borrow_mut().share(reason))
}

/// Suggests departments under one profile.
pub struct Router {
    /// The profile.
    pub profile: Profile,
    keywords: Keywords,
    model: Option<Learned>,
    /// The departments' topic areas as indices into the taxonomy last met, found once.
    topic_index: std::sync::OnceLock<DepartmentTopics>,
}

/// Per department, the indices of its topic areas in one taxonomy (whose codes are kept,
/// as shared strings, to tell that taxonomy from another).
struct DepartmentTopics {
    codes: Vec<std::sync::Arc<str>>,
    of: Vec<Vec<usize>>,
}

impl DepartmentTopics {
    fn new(p: &Profile, topics: &TopicModel) -> Self {
        let codes = topics.topics.iter().map(|t| t.code.clone()).collect();
        let of = p.departments.iter().map(|d| d.topics.iter().filter_map(|t| topics.index(t)).collect()).collect();
        DepartmentTopics { codes, of }
    }

    /// Whether these are the indices of `topics` (the same shared codes, in order).
    fn of_taxonomy(&self, topics: &TopicModel) -> bool {
        self.codes.len() == topics.topics.len()
            && self.codes.iter().zip(&topics.topics).all(|(c, t)| std::sync::Arc::ptr_eq(c, &t.code))
    }
}

/// The router's classifier with its classes and the profile's departments matched once.
struct Learned {
    classifier: LinearClassifier,
    /// Per classifier class, its department's index in the profile.
    class_department: Vec<Option<usize>>,
    /// Per department, its class in the classifier.
    department_class: Vec<Option<usize>>,
}

impl Router {
    /// Builds the router: compiles the profile's keywords and learns from its training data.
    pub fn new(profile: Profile, analyzer: &Analyzer) -> Result<Self> {
        Self::with_examples(profile, analyzer, &[])
    }

    /// Builds the router learning from the profile's training data and from `examples`
    /// (text, department code): decisions reviewers made. A code the profile does not
    /// know is mapped by its successor rules, else it is an error.
    pub fn with_examples(profile: Profile, analyzer: &Analyzer, examples: &[(&str, &str)]) -> Result<Self> {
        let keywords = Keywords::new(
            analyzer,
            profile.departments.iter().enumerate().flat_map(|(i, d)| d.keywords.iter().map(move |k| (i, k.as_str()))),
        );
        let mut r = Router { profile, keywords, model: None, topic_index: std::sync::OnceLock::new() };
        let mut docs = Vec::new();
        let mut labels = Vec::new();
        if let Some(spec) = r.profile.training.clone() {
            let base = r.profile.path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let rows = spec.load(&base)?;
            for row in &rows {
                let gold = row.field(&spec.label_column).unwrap_or_default();
                let code = r.profile.map_code(gold, row.field("topic")).ok_or_else(|| {
                    Error::model(
                        &base.join(&spec.file),
                        format!(
                            "record {}: department '{gold}' is not in profile {} and has no successor",
                            row.id, r.profile.name
                        ),
                    )
                })?;
                labels.push(code.to_string());
                docs.push(classifier_features(analyzer, &row.text));
            }
        }
        for (text, gold) in examples {
            let code = r.profile.map_code(gold, None).ok_or_else(|| {
                Error::Param(format!(
                    "reviewed department '{gold}' is not in profile {} and has no successor",
                    r.profile.name
                ))
            })?;
            labels.push(code.to_string());
            docs.push(classifier_features(analyzer, text));
        }
        if !docs.is_empty() {
            let classifier = LinearSvmParams::default().fit(&Labelled { docs: &docs, labels: &labels })?;
            let class_department = classifier.classes.iter().map(|name| r.profile.index(name)).collect();
            let department_class = r.profile.departments.iter().map(|d| classifier.class_index(&d.code)).collect();
            r.model = Some(Learned { classifier, class_department, department_class });
        }
        Ok(r)
    }

    /// Suggests a department for one analysed submission; `keys` are its classifier keys
    /// ([`Analyzer::classifier_keys`]) in one or two runs (feature keys, then the extras).
    pub fn suggest(
        &self,
        text: &str,
        a: &Analysis,
        keys: &[&[u64]],
        topic: &TopicScores,
        topics: &TopicModel,
    ) -> Suggestion {
        match &self.model {
            Some(m) => {
                m.classifier.with_terms(keys, |terms| self.suggest_with(text, a, Some((m, terms)), topic, topics))
            }
            None => self.suggest_with(text, a, None, topic, topics),
        }
    }

    /// [`Router::suggest`] given the learned model, if there is one, with the text's terms in its vocabulary.
    fn suggest_with(
        &self,
        text: &str,
        a: &Analysis,
        learned: Option<(&Learned, &Terms)>,
        topic: &TopicScores,
        topics: &TopicModel,
    ) -> Suggestion {
        let p = &self.profile;
        let n = p.departments.len();
        let found = self.topic_index.get_or_init(|| DepartmentTopics::new(p, topics));
        let computed;
        let dept_topics = if found.of_taxonomy(topics) {
            &found.of
        } else {
            computed = DepartmentTopics::new(p, topics);
            &computed.of
        };
        let mut logits = vec![0.0f32; n];
        let mut model_row = None;
        match learned {
            Some((m @ Learned { classifier: c, class_department, .. }, t)) => {
                let mut pr = vec![0.0; c.classes.len()];
                c.logits_into(&t.cols, &t.values, &mut pr);
                softmax(&mut pr);
                logits.iter_mut().for_each(|l| *l = (1e-4f32).ln());
                for (ci, d) in class_department.iter().enumerate() {
                    if let Some(d) = *d {
                        logits[d] = (pr[ci] + 1e-4).ln();
                    }
                }
                model_row = Some((m, t, pr));
            }
            None => logits[p.fallback] += 0.3,
        }
        let hits = self.keywords.find(a);
        for h in &hits {
            logits[h.label] += p.rule_weight;
        }
        for (d, ts) in dept_topics.iter().enumerate() {
            let share: f32 = ts.iter().map(|&t| topic.probs[t]).sum();
            logits[d] += p.topic_weight * share;
        }
        softmax(&mut logits);
        let (best, second) = best_two(&logits);
        let why = Why { text, a, hits: &hits, model_row: model_row.as_ref(), topic, topics, dept_topics };
        let mut reasons = self.reasons(&why, best);
        // Two bodies: the profile's rules point at both, each through phrases of its own
        // (an uncertain suggestion is shown by its confidence and runner-up instead).
        let own = |d: usize, other: usize| {
            hits.iter().any(|h| h.label == d && !hits.iter().any(|g| g.label == other && g.text == h.text))
        };
        let concerns_two = own(best, second) && own(second, best) && logits[second] >= p.two_bodies_min;
        if concerns_two {
            let mut r = format!("cũng liên quan đến {}: ", p.departments[second].name);
            quote_into(&mut r, hits.iter().filter(|h| h.label == second).map(|h| h.text.as_str()));
            reasons.push(shared_reason(&r));
        }
        // A runner-up within reach (at least half the suggestion's confidence): why it lost.
        if !concerns_two && logits[second] >= 0.5 * logits[best] {
            let mut r = format!("phương án hai {} (", p.departments[second].name);
            push_percent(&mut r, logits[second]);
            let theirs: Vec<&str> = hits.iter().filter(|h| h.label == second).map(|h| h.text.as_str()).collect();
            if theirs.is_empty() {
                r.push_str(") xếp sau: văn bản không có từ khóa riêng của đơn vị này");
            } else {
                r.push_str(") cũng có dấu hiệu: ");
                quote_into(&mut r, theirs.into_iter());
                r.push_str("; xếp sau vì tổng dấu hiệu của đơn vị được đề xuất mạnh hơn");
            }
            reasons.push(shared_reason(&r));
        }
        // Kept for the whole run, one set per distinct text: the list at its size.
        reasons.shrink_to_fit();
        Suggestion {
            department: p.departments[best].code.clone(),
            department_name: p.departments[best].name.clone(),
            confidence: logits[best],
            runner_up: p.departments[second].code.clone(),
            runner_up_confidence: logits[second],
            also: concerns_two.then(|| p.departments[second].code.clone()),
            reasons,
        }
    }

    /// Why `best` was suggested, in words a reviewer can check: the profile's rule words,
    /// the learned model's strongest terms, the topic area; each written into one buffer,
    /// then shared (most recur word for word).
    fn reasons(&self, why: &Why<'_>, best: usize) -> Vec<std::sync::Arc<str>> {
        let Why { text, a, hits, model_row, topic, topics, dept_topics } = *why;
        let p = &self.profile;
        let mut reasons: Vec<std::sync::Arc<str>> = Vec::with_capacity(4);
        REASON.with(|buf| {
            let buf = &mut *buf.borrow_mut();
            let mut words = hits.iter().filter(|h| h.label == best).map(|h| h.text.as_str()).peekable();
            if words.peek().is_some() {
                buf.clear();
                buf.push_str("từ khóa của hồ sơ ");
                buf.push_str(&p.name);
                buf.push_str(": ");
                quote_into(buf, words);
                reasons.push(shared_reason(buf));
            }
            if let Some((Learned { classifier: c, department_class, .. }, row, pr)) = model_row {
                if let Some(ci) = department_class[best] {
                    buf.clear();
                    buf.push_str("mô hình học từ ý kiến đã phân loại (");
                    push_percent(buf, pr[ci]);
                    buf.push_str("): ");
                    let at = buf.len();
                    let mut shown = 0;
                    // Whole words and phrases of two syllables or more: a lone syllable
                    // ("trường", "nghề") says little to a reviewer.
                    for (j, _) in c.contributions(&row.cols, &row.values, ci, 10) {
                        if shown == 3 {
                            break;
                        }
                        let mark = buf.len();
                        if mark > at {
                            buf.push_str(", ");
                        }
                        buf.push('«');
                        let start = buf.len();
                        if surface_into(a, text, c.tfidf.keys[j as usize], buf)
                            && buf[start..].contains(' ')
                            && !quoted_in(&buf[at..start], &buf[start..])
                        {
                            buf.push('»');
                            shown += 1;
                        } else {
                            buf.truncate(mark);
                        }
                    }
                    if buf.len() > at {
                        reasons.push(shared_reason(buf));
                    }
                }
            }
            let (t, tp) = topic.best();
            if dept_topics[best].contains(&t) {
                buf.clear();
                buf.push_str("chủ đề «");
                buf.push_str(&topics.topics[t].name);
                buf.push_str("» (");
                push_percent(buf, tp);
                buf.push_str(") thuộc phạm vi của đơn vị");
                reasons.push(shared_reason(buf));
            }
            if reasons.is_empty() {
                reasons.push(shared_reason("không có dấu hiệu rõ ràng; đề xuất theo đơn vị mặc định của hồ sơ"));
            }
            // What the body answers for, from the profile: the reviewer checks the text against it.
            let answers = p.departments[best].answers.trim();
            if !answers.is_empty() {
                buf.clear();
                buf.push_str("phạm vi của đơn vị: ");
                buf.push_str(answers);
                reasons.push(shared_reason(buf));
            }
        });
        reasons
    }
}

/// True when `phrase` is already quoted in `said` (a phrase and a word inside it both scored).
fn quoted_in(said: &str, phrase: &str) -> bool {
    said.split('«')
        .skip(1)
        .filter_map(|q| q.split('»').next())
        .any(|q| !q.is_empty() && (q.contains(phrase) || phrase.contains(q)))
}

/// What a suggestion's reasons are written from.
#[derive(Clone, Copy)]
struct Why<'a> {
    text: &'a str,
    a: &'a Analysis,
    hits: &'a [&'a crate::keywords::Phrase],
    model_row: Option<&'a (&'a Learned, &'a Terms, Vec<f32>)>,
    topic: &'a TopicScores,
    topics: &'a TopicModel,
    dept_topics: &'a [Vec<usize>],
}

/// The best and the second-best index of `scores` (the best twice when there is one).
fn best_two(scores: &[f32]) -> (usize, usize) {
    let (mut best, mut second) = (0, usize::MAX);
    for d in 1..scores.len() {
        if scores[d] > scores[best] {
            (best, second) = (d, best);
        } else if second == usize::MAX || scores[d] > scores[second] {
            second = d;
        }
    }
    if second == usize::MAX {
        second = best;
    }
    (best, second)
}

thread_local! {
    /// The reason being written, on this thread.
    static REASON: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Appends probability `p` as a whole percentage ("97%"): what `{:.0}%` of `p * 100.0`
/// writes (halves to even), the rounded value written as an integer ([`push_uint`](crate::output::push_uint)).
fn push_percent(out: &mut String, p: f32) {
    use std::fmt::Write;
    let v = p * 100.0;
    if v.is_finite() && v.abs() < 1e9 {
        if v.is_sign_negative() {
            out.push('-');
        }
        crate::output::push_uint(out, v.abs().round_ties_even() as u64);
    } else {
        let _ = write!(out, "{v:.0}");
    }
    out.push('%');
}

/// Appends the words to `out`, each in «», separated by ", ".
fn quote_into<'w>(out: &mut String, words: impl Iterator<Item = &'w str>) {
    for (i, w) in words.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('«');
        out.push_str(w);
        out.push('»');
    }
}

/// Appends how a feature key was written in `text` (lowercased) to `out`; false (and
/// nothing appended) when the key does not occur there.
fn surface_into(a: &Analysis, text: &str, key: u64, out: &mut String) -> bool {
    // ASCII is its own normal form.
    let push = |s: &str, out: &mut String| {
        if s.is_ascii() {
            out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
        } else {
            out.push_str(&normalize(s).text.to_lowercase());
        }
    };
    let mut prev: Option<&crate::text::Word> = None;
    for (w, joined) in a.content_words() {
        if !is_bigram(key) && w.key == key {
            push(w.surface(text), out);
            return true;
        }
        if let (true, Some(pw)) = (joined, prev) {
            if is_bigram(key) && bigram_key(pw.key, w.key) == key {
                push(pw.surface(text), out);
                out.push(' ');
                push(w.surface(text), out);
                return true;
            }
        }
        prev = Some(w);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::push_percent;

    #[test]
    fn percentages_read_as_float_formatting_writes_them() {
        let mut rng = crate::rng::Rng::new(3);
        // Halves (12.5, 0.5: to even), values either side of them, the ends, and random ones.
        let mut ps: Vec<f32> = (0..=200).map(|i| i as f32 / 200.0).collect();
        ps.extend((0..=1000).map(|i| i as f32 / 1000.0));
        ps.extend([
            0.0,
            -0.0,
            1.0,
            0.005,
            0.015,
            0.125,
            0.135,
            0.994_999_9,
            0.995,
            1e-7,
            3.4e7,
            f32::NAN,
            f32::INFINITY,
            -0.3,
        ]);
        // Either side of the digit-by-digit range (999% and 1000%).
        ps.extend([0.095, 0.1, 0.995_1, 9.99, 9.994, 9.995, 9.996, 10.0, 10.005, -9.99, -10.0]);
        ps.extend((0..20_000).map(|_| rng.next_f64() as f32));
        for p in ps {
            let mut got = String::new();
            push_percent(&mut got, p);
            assert_eq!(got, format!("{:.0}%", p * 100.0), "p = {p:e}");
        }
    }
}
