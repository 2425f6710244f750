//! Suggesting the department that should answer a submission, from a routing profile.
//!
//! A profile (models/routing/NAME.toml) lists the departments with what they answer
//! for, their topic areas and keywords, plus successor rules that map older labels
//! (2024 codes) onto its own. The score of a department combines three readable parts:
//!
//! logit(d) = w_model · ln P_model(d) + w_rules · keyword hits(d) + w_topics · Σ P(topic) over d's topics
//!
//! P_model comes from a linear SVM (a softmax over its margins) over the classifier keys
//! (words, bigrams, syllables and syllable pairs), learned from the profile's labelled
//! data and from the profile's own knowledge: each department's remit sentence and
//! keywords are labelled texts too. The weights w are fitted out of fold ([`blend`]), so
//! the confidence (the softmax of the logits) is calibrated and the profile's rules weigh
//! as much as the data says they should. The reasons name the words and rules behind it.

pub mod blend;
pub mod parts;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::classify::{softmax, Labelled, LinearClassifier, LinearSvmParams, TrainingSpec};
use crate::error::{Error, Result};
use crate::features::Terms;
use crate::keywords::Keywords;
use crate::text::analyzer::{bigram_key, is_bigram};
use crate::text::{normalize, Analysis, Analyzer};
use crate::topics::{TopicModel, TopicScores};
use crate::traits::Fit;
use blend::{Blend, BlendParams, Calibration, EvidenceRow, EVIDENCE, MAX_HITS, PROB_FLOOR};

#[derive(Deserialize)]
struct ProfileFile {
    name: String,
    description: String,
    /// The date (YYYY-MM-DD) from which the structure it describes is in force.
    applies_from: Option<String>,
    fallback: String,
    rule_weight: f32,
    topic_weight: f32,
    /// Weight of the word vectors' evidence before any is fitted.
    #[serde(default = "default_meaning_weight")]
    meaning_weight: f32,
    two_bodies_min: f32,
    /// Days a body has to answer a forwarded submission, unless the body says otherwise.
    #[serde(default = "default_due_days")]
    due_days: u32,
    training: Option<TrainingSpec>,
    #[serde(default)]
    successor: Vec<Successor>,
    department: Vec<Department>,
    #[serde(default)]
    notice: Issuer,
    places: Option<PlacesSpec>,
}

/// Which gazetteer of models/places/ a profile's province has, and which structure its
/// tables count places by.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PlacesSpec {
    /// The file's name without ".toml" ("lang-son").
    pub gazetteer: String,
    /// "2024" or "2025".
    pub structure: crate::places::Structure,
}

/// Who issues the conclusion notice, as its header names them (Decree 30/2020/NĐ-CP).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Issuer {
    /// The issuing body's name in capitals, one line each ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN").
    pub body: Vec<String>,
    /// The place before the date ("Lạng Sơn").
    pub place: String,
    /// The notice's number symbol after "Số: …/" ("TB-UBND").
    pub symbol: String,
    /// Who concluded the dialogue ("Chủ tịch Ủy ban nhân dân tỉnh").
    pub chair: String,
    /// Who signs ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", …), one line each.
    pub signer: Vec<String>,
    /// The recipients ("Nơi nhận"), one line each.
    pub recipients: Vec<String>,
}

impl Default for Issuer {
    fn default() -> Self {
        Issuer {
            body: vec!["ỦY BAN NHÂN DÂN".into(), "TỈNH ……".into()],
            place: "……".into(),
            symbol: "TB-UBND".into(),
            chair: "Chủ tịch Ủy ban nhân dân tỉnh".into(),
            signer: vec!["TL. CHỦ TỊCH".into()],
            recipients: vec!["Lưu: VT.".into()],
        }
    }
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
    /// Days it has to answer a forwarded submission, when not the profile's.
    #[serde(default)]
    pub due_days: Option<u32>,
}

fn default_due_days() -> u32 {
    15
}

fn default_meaning_weight() -> f32 {
    4.0
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
    /// The date from which the structure it describes is in force (year, month, day).
    pub applies_from: Option<(u32, u32, u32)>,
    /// Days a body has to answer, unless it says otherwise.
    pub due_days: u32,
    /// Who issues the conclusion notice.
    pub issuer: Issuer,
    /// The province's gazetteer and the structure places are counted by.
    pub places: Option<PlacesSpec>,
    rule_weight: f32,
    topic_weight: f32,
    meaning_weight: f32,
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
        let applies_from = match &f.applies_from {
            None => None,
            Some(d) => Some(
                crate::report::parse_date(d)
                    .ok_or_else(|| Error::model(&path, format!("applies_from '{d}' is not a date (YYYY-MM-DD)")))?,
            ),
        };
        Ok(Profile {
            name: f.name,
            description: f.description,
            departments: f.department,
            fallback,
            applies_from,
            due_days: f.due_days,
            issuer: f.notice,
            places: f.places,
            rule_weight: f.rule_weight,
            topic_weight: f.topic_weight,
            meaning_weight: f.meaning_weight,
            two_bodies_min: f.two_bodies_min,
            successors: f.successor,
            training: f.training,
            path,
        })
    }

    /// The models directory the profile was loaded from (models/routing/<name>.toml's grandparent).
    pub fn models_dir(&self) -> PathBuf {
        self.path.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
    }

    /// Days department `code` has to answer a forwarded submission.
    pub fn due_days(&self, code: &str) -> u32 {
        self.index(code).and_then(|i| self.departments[i].due_days).unwrap_or(self.due_days)
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

/// A date as (year, month, day).
pub type Ymd = (u32, u32, u32);

/// The profile in force on a date: of the profiles in `models/routing/` that say from
/// when they apply, the one with the latest such date on or before `date`. Returns its
/// name and the date it applies from; `None` when no profile applies by then.
pub fn profile_in_force(models: &Path, date: Ymd) -> Result<Option<(String, Ymd)>> {
    let dir = models.join("routing");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    let mut best: Option<(String, Ymd)> = None;
    for name in names {
        let p = Profile::load(models, &name)?;
        if let Some(from) = p.applies_from {
            if from <= date && best.as_ref().is_none_or(|(_, b)| from > *b) {
                best = Some((name, from));
            }
        }
    }
    Ok(best)
}

/// How the reason naming a second body the text also concerns begins.
pub const REASON_ALSO: &str = "cũng liên quan đến ";

/// How the reason saying why a close runner-up lost begins.
pub const REASON_RUNNER_UP: &str = "phương án hai ";

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
    /// How many departments the profile's keywords point to in the text: two or more, and
    /// the text may ask two bodies two things.
    #[serde(skip)]
    pub bodies_hit: u8,
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
    /// How the learned model, the keywords and the topic areas weigh in a department's logit.
    pub blend: Blend,
    /// The departments' topic areas as indices into the taxonomy last met, found once.
    topic_index: std::sync::OnceLock<DepartmentTopics>,
    /// Word vectors and each department's vector, when models/ has vectors.
    meaning: Option<Meaning>,
    /// The confidence shown for the blend's probability of a suggestion.
    pub calibration: Calibration,
}

/// What the router compares a text's word vector with: per department, the mean of the
/// vectors of its remit and keywords. Only the profile's knowledge: the examples' vectors
/// were measured as well and made the evidence follow the learned model (benches/RESULTS.md).
struct Meaning {
    vectors: std::sync::Arc<crate::vectors::WordVectors>,
    /// Per department, a unit vector (zero when nothing describes it).
    centroids: Vec<Vec<f32>>,
}

impl Meaning {
    /// Departments' vectors from the profile's knowledge: (department index, analysis) pairs.
    fn new<'a>(
        vectors: std::sync::Arc<crate::vectors::WordVectors>,
        n: usize,
        known: impl Iterator<Item = (usize, &'a Analysis)>,
    ) -> Self {
        let dim = vectors.dim();
        let mut centroids = vec![vec![0f32; dim]; n];
        let mut v = vec![0f32; dim];
        for (d, a) in known {
            if d < n && vectors.embed(a, &mut v) {
                centroids[d].iter_mut().zip(&v).for_each(|(s, x)| *s += x);
            }
        }
        centroids.iter_mut().for_each(|c| {
            crate::vectors::normalise(c);
        });
        Meaning { vectors, centroids }
    }

    /// Per department, the cosine of the text's vector with its vector (zeros when the
    /// text has no known word).
    fn cosines(&self, a: &Analysis) -> Vec<f32> {
        let mut v = vec![0f32; self.vectors.dim()];
        if !self.vectors.embed(a, &mut v) {
            return vec![0.0; self.centroids.len()];
        }
        self.centroids.iter().map(|c| crate::vectors::dot(&v, c)).collect()
    }

    /// The words of two syllables or more of a text (as written, lowercased) nearest in meaning to
    /// department `d`, at most `k`, each at a cosine of at least [`NEAR_IN_MEANING`];
    /// nearest first. (A lone syllable, "học", says little to a reviewer.)
    fn nearest_words(&self, a: &Analysis, text: &str, d: usize, k: usize) -> Vec<String> {
        let Some(c) = self.centroids.get(d) else { return Vec::new() };
        let mut found: Vec<(f32, String)> = Vec::new();
        for w in a.words.iter().filter(|w| w.is_content() && w.syllables > 1) {
            let Some(cos) = self.vectors.cosine_to(w.key, c) else { continue };
            let surface = text.get(w.start as usize..w.end as usize).unwrap_or("").to_lowercase();
            if cos >= NEAR_IN_MEANING && !surface.is_empty() && !found.iter().any(|f| f.1 == surface) {
                found.push((cos, surface));
            }
        }
        found.sort_by(|x, y| y.0.total_cmp(&x.0));
        found.into_iter().take(k).map(|f| f.1).collect()
    }
}

/// Cosine of a word with a department's vector at which the word is shown as a reason.
const NEAR_IN_MEANING: f32 = 0.35;

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

impl Learned {
    fn new(classifier: LinearClassifier, p: &Profile) -> Self {
        let class_department = classifier.classes.iter().map(|name| p.index(name)).collect();
        let department_class = p.departments.iter().map(|d| classifier.class_index(&d.code)).collect();
        Learned { classifier, class_department, department_class }
    }
}

/// A text the router learns from, with its department in the profile's codes.
#[derive(Debug, Clone)]
pub struct TrainingText {
    /// The text.
    pub text: String,
    /// Its department (a code of the profile).
    pub department: String,
    /// Its topic area, when known: the blend holds out one topic area at a time.
    pub topic: Option<String>,
}

/// Trains the router's classifier on the training rows a predicate keeps (and the profile's knowledge).
type TrainOn<'a> = dyn Fn(&dyn Fn(usize) -> bool) -> Result<LinearClassifier> + Sync + 'a;

/// Folds of the out-of-fold evidence drawn at random (a hash of the text).
const FOLDS: usize = 5;

/// Ridge of the blend fit towards the profile's weights, per text.
const BLEND_RIDGE: f64 = 0.001;

/// What the profile itself says each department answers: its remit sentence and each of
/// its keywords, as labelled texts the learned model reads beside the training data (so
/// a phrase of the remit weighs even where the training data never used it).
fn knowledge_texts(p: &Profile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in &p.departments {
        if !d.answers.trim().is_empty() {
            out.push((d.code.to_string(), d.answers.clone()));
        }
        out.extend(d.keywords.iter().map(|k| (d.code.to_string(), k.clone())));
    }
    out
}

impl Router {
    /// Builds the router: compiles the profile's keywords and learns from its training data.
    pub fn new(profile: Profile, analyzer: &Analyzer, topics: &TopicModel) -> Result<Self> {
        Self::with_examples(profile, analyzer, topics, &[])
    }

    /// Builds the router learning from the profile's training data and from `examples`
    /// (text, department code): decisions reviewers made. A code the profile does not
    /// know is mapped by its successor rules, else it is an error.
    pub fn with_examples(
        profile: Profile,
        analyzer: &Analyzer,
        topics: &TopicModel,
        examples: &[(&str, &str)],
    ) -> Result<Self> {
        let mut rows = Vec::new();
        if let Some(spec) = profile.training.clone() {
            let base = profile.path.parent().unwrap_or(Path::new(".")).to_path_buf();
            for row in spec.load(&base)? {
                let gold = row.field(&spec.label_column).unwrap_or_default();
                let code = profile.map_code(gold, row.field("topic")).ok_or_else(|| {
                    Error::model(
                        &base.join(&spec.file),
                        format!(
                            "record {}: department '{gold}' is not in profile {} and has no successor",
                            row.id, profile.name
                        ),
                    )
                })?;
                let code = code.to_string();
                let topic = row.field("topic").map(String::from);
                rows.push(TrainingText { text: row.text, department: code, topic });
            }
        }
        for (text, gold) in examples {
            let code = profile.map_code(gold, None).ok_or_else(|| {
                Error::Param(format!(
                    "reviewed department '{gold}' is not in profile {} and has no successor",
                    profile.name
                ))
            })?;
            rows.push(TrainingText { text: text.to_string(), department: code.to_string(), topic: None });
        }
        Self::from_texts(profile, analyzer, topics, &rows)
    }

    /// Builds the router learning from `rows` (texts with their department in this
    /// profile's codes) and the profile's own knowledge; the blend of the evidence is
    /// fitted out of fold on the rows (see [`blend`]).
    pub fn from_texts(
        profile: Profile,
        analyzer: &Analyzer,
        topics: &TopicModel,
        rows: &[TrainingText],
    ) -> Result<Self> {
        let keywords = Keywords::new(
            analyzer,
            profile.departments.iter().enumerate().flat_map(|(i, d)| d.keywords.iter().map(move |k| (i, k.as_str()))),
        );
        let prior = Blend {
            model: 1.0,
            rules: profile.rule_weight,
            topics: profile.topic_weight,
            meaning: profile.meaning_weight,
        };
        // The profile's remit and keywords, analysed once: the bodies' vectors and the
        // classifier's extra training texts.
        let known: Vec<(String, Analysis)> =
            knowledge_texts(&profile).into_iter().map(|(d, t)| (d, analyzer.analyze(&t))).collect();
        let meaning = crate::vectors::WordVectors::load_models(&profile.models_dir())?.map(|v| {
            let of_body = known.iter().filter_map(|(d, a)| Some((profile.index(d)?, a)));
            Meaning::new(std::sync::Arc::new(v), profile.departments.len(), of_body)
        });
        let mut r = Router {
            profile,
            keywords,
            model: None,
            blend: prior,
            topic_index: std::sync::OnceLock::new(),
            meaning,
            calibration: Calibration::default(),
        };
        if rows.is_empty() {
            r.blend = Blend { model: 0.0, ..prior };
            return Ok(r);
        }
        // Each text analysed once: the classifier's keys here, the topic areas' and the
        // keyword hits out of fold.
        let keys_of = |a: &Analysis| {
            let mut v = Vec::new();
            Analyzer::classifier_keys(a, &mut v);
            v
        };
        let analyses: Vec<Analysis> = rows.iter().map(|t| analyzer.analyze(&t.text)).collect();
        let docs: Vec<Vec<u64>> = analyses.iter().map(keys_of).collect();
        let labels: Vec<String> = rows.iter().map(|t| t.department.clone()).collect();
        let (kdocs, klabels): (Vec<Vec<u64>>, Vec<String>) = known.iter().map(|(d, a)| (keys_of(a), d.clone())).unzip();
        let train = |take: &dyn Fn(usize) -> bool| -> Result<LinearClassifier> {
            let mut d: Vec<Vec<u64>> = kdocs.clone();
            let mut l: Vec<String> = klabels.clone();
            for i in (0..rows.len()).filter(|&i| take(i)) {
                d.push(docs[i].clone());
                l.push(labels[i].clone());
            }
            // Class weights balanced: the bundled history is mostly Education and Labour, the
            // texts others write need not be (benches/RESULTS.md, session 7).
            LinearSvmParams { balanced: true, ..Default::default() }.fit(&Labelled { docs: &d, labels: &l })
        };
        let classifier = train(&|_| true)?;
        r.model = Some(Learned::new(classifier, &r.profile));
        let (by_hash, by_kind) = r.out_of_fold(topics, rows, &analyses, &docs, &train)?;
        let blend = BlendParams { ridge: BLEND_RIDGE, prior, max_steps: 50 }.fit(&by_hash)?;
        // The weights say how the evidence compares; one scale of them, fitted on text of
        // known and of unseen kinds alike, says how sure to be.
        let both: Vec<EvidenceRow> = by_hash.into_iter().chain(by_kind).collect();
        r.blend = blend.scaled(blend::fit_scale(&blend, &both));
        r.calibration = Calibration::fit(&blend::top_choices(&r.blend, &both));
        Ok(r)
    }

    /// Evidence for every row from models (router and topic areas) that did not learn from
    /// it, twice: from [`FOLDS`] folds by a hash of the text (what the weights are fitted
    /// on), and from folds each holding out one topic area whole (text of a kind the models
    /// never saw, as much of what others write is: the confidence is scaled on both).
    fn out_of_fold(
        &self,
        topics: &TopicModel,
        rows: &[TrainingText],
        analyses: &[Analysis],
        docs: &[Vec<u64>],
        train: &TrainOn<'_>,
    ) -> Result<(Vec<EvidenceRow>, Vec<EvidenceRow>)> {
        let mut folds: Vec<(bool, Vec<bool>)> = (0..FOLDS)
            .map(|f| {
                let held = rows
                    .iter()
                    .map(|t| crate::search::stable_hash([t.text.as_bytes()]) % FOLDS as u64 == f as u64)
                    .collect();
                (false, held)
            })
            .collect();
        let mut areas: Vec<&str> = rows.iter().filter_map(|t| t.topic.as_deref()).collect();
        areas.sort_unstable();
        areas.dedup();
        for area in areas {
            folds.push((true, rows.iter().map(|t| t.topic.as_deref() == Some(area)).collect()));
        }
        let topic_docs: Vec<Vec<u64>> = analyses
            .iter()
            .map(|a| {
                let mut v = Vec::new();
                Analyzer::feature_keys(a, &mut v);
                v.sort_unstable();
                v
            })
            .collect();
        let dept_topics = DepartmentTopics::new(&self.profile, topics);
        use rayon::prelude::*;
        let per_fold: Vec<(bool, Vec<EvidenceRow>)> = folds
            .par_iter()
            .map(|(kind, held)| -> Result<(bool, Vec<EvidenceRow>)> {
                if !held.iter().any(|&h| h) || held.iter().all(|&h| h) {
                    return Ok((*kind, Vec::new()));
                }
                let learned = Learned::new(train(&|i| !held[i])?, &self.profile);
                let (td, tl): (Vec<Vec<u64>>, Vec<String>) = (0..rows.len())
                    .filter(|&i| !held[i])
                    .filter_map(|i| Some((topic_docs[i].clone(), rows[i].topic.clone()?)))
                    .unzip();
                let fold_topics = if td.is_empty() { None } else { Some(topics.refit(&td, &tl)?) };
                let fold_topics = fold_topics.as_ref().unwrap_or(topics);
                let mut out = Vec::new();
                for i in (0..rows.len()).filter(|&i| held[i]) {
                    let Some(gold) = self.profile.index(&rows[i].department) else { continue };
                    let pr = learned.classifier.predict_proba(&docs[i]);
                    let ts = fold_topics.score(&analyses[i], &topic_docs[i]);
                    let hits = self.keywords.find(&analyses[i]);
                    let cos = self.meaning.as_ref().map(|m| m.cosines(&analyses[i]));
                    let x = self.evidence(Some((&learned, &pr)), &hits, &ts, &dept_topics.of, cos.as_deref());
                    out.push(EvidenceRow { x, gold });
                }
                Ok((*kind, out))
            })
            .collect::<Result<_>>()?;
        let (mut by_hash, mut by_kind) = (Vec::new(), Vec::new());
        for (kind, rows) in per_fold {
            if kind {
                by_kind.extend(rows)
            } else {
                by_hash.extend(rows)
            }
        }
        Ok((by_hash, by_kind))
    }

    /// Per department, its evidence: ln P_model (0 without a model), keyword hits (capped),
    /// the topic probability on its topic areas and the cosine of the word vectors (0 without).
    fn evidence(
        &self,
        model: Option<(&Learned, &[f32])>,
        hits: &[&crate::keywords::Phrase],
        topic: &TopicScores,
        dept_topics: &[Vec<usize>],
        cosines: Option<&[f32]>,
    ) -> Vec<[f32; EVIDENCE]> {
        let n = self.profile.departments.len();
        let mut x = vec![[0.0f32; EVIDENCE]; n];
        if let Some((m, pr)) = model {
            x.iter_mut().for_each(|v| v[0] = PROB_FLOOR.ln());
            for (ci, d) in m.class_department.iter().enumerate() {
                if let Some(d) = *d {
                    x[d][0] = (pr[ci] + PROB_FLOOR).ln();
                }
            }
        }
        for h in hits {
            x[h.label][1] = (x[h.label][1] + 1.0).min(MAX_HITS);
        }
        for (d, ts) in dept_topics.iter().enumerate() {
            x[d][2] = ts.iter().map(|&t| topic.probs[t]).sum();
        }
        for (v, &c) in x.iter_mut().zip(cosines.unwrap_or(&[])) {
            v[3] = c;
        }
        x
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
        let found = self.topic_index.get_or_init(|| DepartmentTopics::new(p, topics));
        let computed;
        let dept_topics = if found.of_taxonomy(topics) {
            &found.of
        } else {
            computed = DepartmentTopics::new(p, topics);
            &computed.of
        };
        let mut model_row = None;
        if let Some((m, t)) = learned {
            let c = &m.classifier;
            let mut pr = vec![0.0; c.classes.len()];
            c.logits_into(&t.cols, &t.values, &mut pr);
            softmax(&mut pr);
            model_row = Some((m, t, pr));
        }
        let hits = self.keywords.find(a);
        let cosines = self.meaning.as_ref().map(|m| m.cosines(a));
        let x = self.evidence(
            model_row.as_ref().map(|(m, _, pr)| (*m, pr.as_slice())),
            &hits,
            topic,
            dept_topics,
            cosines.as_deref(),
        );
        let mut logits: Vec<f32> = x.iter().map(|v| self.blend.logit(v)).collect();
        if model_row.is_none() {
            logits[p.fallback] += 0.3;
        }
        softmax(&mut logits);
        let (best, second) = best_two(&logits);
        // The calibrated confidence for the suggestion; the rest of the probability shared
        // among the others as the blend shares it, none above the suggestion.
        let raw = logits[best];
        let sure = self.calibration.apply(raw);
        if raw < 1.0 && sure != raw {
            let rest = (1.0 - sure) / (1.0 - raw);
            logits.iter_mut().for_each(|v| *v = (*v * rest).min(sure));
            logits[best] = sure;
        }
        let why = Why {
            text,
            a,
            hits: &hits,
            model_row: model_row.as_ref(),
            topic,
            topics,
            dept_topics,
            cosines: cosines.as_deref(),
        };
        let mut reasons = self.reasons(&why, best);
        // Two bodies: the profile's rules point at both, each through phrases of its own
        // (an uncertain suggestion is shown by its confidence and runner-up instead).
        let own = |d: usize, other: usize| {
            hits.iter().any(|h| h.label == d && !hits.iter().any(|g| g.label == other && g.text == h.text))
        };
        let concerns_two = own(best, second) && own(second, best) && logits[second] >= p.two_bodies_min;
        if concerns_two {
            let mut r = format!("{REASON_ALSO}{}: ", p.departments[second].name);
            quote_into(&mut r, hits.iter().filter(|h| h.label == second).map(|h| h.text.as_str()));
            reasons.push(shared_reason(&r));
        }
        // A runner-up within reach (at least half the suggestion's confidence): why it lost.
        if !concerns_two && logits[second] >= 0.5 * logits[best] {
            let mut r = format!("{REASON_RUNNER_UP}{} (", p.departments[second].name);
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
            bodies_hit: {
                let mut seen: Vec<usize> = hits.iter().map(|h| h.label).collect();
                seen.sort_unstable();
                seen.dedup();
                seen.len().min(255) as u8
            },
        }
    }

    /// Why `best` was suggested, in words a reviewer can check: the profile's rule words,
    /// the learned model's strongest terms, the topic area; each written into one buffer,
    /// then shared (most recur word for word).
    fn reasons(&self, why: &Why<'_>, best: usize) -> Vec<std::sync::Arc<str>> {
        let Why { text, a, hits, model_row, topic, topics, dept_topics, cosines } = *why;
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
            // The text's meaning is nearest this body's: the words that carry it.
            if let (Some(m), Some(cos)) = (&self.meaning, cosines) {
                let top = (0..cos.len()).max_by(|&x, &y| cos[x].total_cmp(&cos[y]));
                let near = if top == Some(best) { m.nearest_words(a, text, best, 3) } else { Vec::new() };
                if !near.is_empty() {
                    buf.clear();
                    buf.push_str("nghĩa gần với phạm vi của đơn vị: ");
                    quote_into(buf, near.iter().map(String::as_str));
                    reasons.push(shared_reason(buf));
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
    cosines: Option<&'a [f32]>,
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
