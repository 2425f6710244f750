//! Places as people write them: a province's administrative units before and after 1 July
//! 2025 (`models/places/<province>.toml`, data with its sources), and the recognition of a
//! locality column's value, or of a text, as one unit: with or without diacritics, any
//! prefix ("huyện", "H.", "TP", "xã", "X.", "P.") or case, one typo allowed in longer names,
//! a commune resolved within the district written beside it; a commune name found in two
//! districts is reported as ambiguous, never guessed.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::fold_lower;

/// The level of an administrative unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The province itself.
    Province,
    /// A district-level unit of 2024 (huyện, thành phố).
    District,
    /// A commune-level unit of 2024 (xã, phường, thị trấn).
    Commune,
    /// A commune-level unit from 1 July 2025.
    Unit2025,
}

/// A recognised unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Stable code: "2024:huu-lung", "2024:trang-dinh/tan-tien", "2025:tuan-son", "tinh".
    pub code: String,
    /// As a person reads it: "xã Tân Tiến (huyện Tràng Định)".
    pub name: String,
    /// Its level.
    pub level: Level,
    /// The 2024 district it lies in, for a 2024 unit ("" otherwise).
    pub district: String,
}

/// What a string or a text says of its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Recognised {
    /// One unit.
    Found {
        /// The unit.
        place: Place,
    },
    /// A name that several units bear, with nothing to choose between them.
    Ambiguous {
        /// The units it may be.
        candidates: Vec<Place>,
    },
    /// No unit named.
    Unknown,
}

#[derive(Deserialize)]
struct File {
    province: String,
    prefixes: std::collections::BTreeMap<String, Vec<String>>,
    district: Vec<DistrictFile>,
    unit2025: Vec<Unit2025>,
}

#[derive(Deserialize)]
struct DistrictFile {
    code: String,
    kind: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    units: Vec<CommuneFile>,
}

#[derive(Deserialize)]
struct CommuneFile {
    kind: String,
    name: String,
    to: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

/// A commune-level unit of 2025 and what it was formed from ("District / unit").
#[derive(Debug, Clone, Deserialize)]
pub struct Unit2025 {
    /// "2025:tuan-son".
    pub code: String,
    /// "xã" or "phường".
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The 2024 units it was formed from, as "District / unit".
    pub from: Vec<String>,
}

/// A 2024 district with its units.
#[derive(Debug, Clone)]
pub struct District {
    /// "2024:huu-lung".
    pub code: String,
    /// "huyện" or "thành phố".
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its communes, wards and towns: (kind, name, the 2025 units it went to).
    pub units: Vec<(String, String, Vec<String>)>,
}

/// Where a name points.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    District(usize),
    Commune(usize, usize),
    New(usize),
    Province,
}

/// A name's folded words and where it points.
struct Name {
    words: Vec<String>,
    written: Vec<String>,
    joined: String,
    target: Target,
}

/// A province's units, searchable.
pub struct Gazetteer {
    /// The province's name.
    pub province: String,
    /// The 2024 districts.
    pub districts: Vec<District>,
    /// The 2025 units.
    pub units2025: Vec<Unit2025>,
    prefixes: Vec<(String, Vec<String>)>,
    names: Vec<Name>,
    /// Names by their folded words joined with spaces.
    by_joined: rustc_hash::FxHashMap<String, Vec<usize>>,
    /// The first folded word of every name and prefix: a token that is none of them starts
    /// nothing.
    starts: rustc_hash::FxHashSet<String>,
    /// `commune_codes[d][u]`: the code of unit u of district d.
    commune_codes: Vec<Vec<String>>,
    /// Every unit by its code.
    by_code: rustc_hash::FxHashMap<String, Target>,
}

/// A 2024 unit's code: its district's code and its name's folded words, with its kind
/// too where the district has another unit of that name (Chi Lăng has a town and a
/// commune called Chi Lăng; Đình Lập likewise).
fn commune_code(district: &District, unit: usize) -> String {
    let (kind, name, _) = &district.units[unit];
    let twin = district.units.iter().enumerate().any(|(i, u)| i != unit && u.1 == *name);
    let slug = if twin { words(&format!("{kind} {name}")) } else { words(name) };
    format!("{}/{}", district.code, slug.join("-"))
}

fn words(s: &str) -> Vec<String> {
    fold_lower(s).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The words of `s` as written (NFC, one tone placement, lowercase), beside [`words`]'
/// folded ones: "Vạn Thủy" and "Vân Thủy" fold alike, and are told apart by these.
fn accented(s: &str) -> Vec<String> {
    crate::text::normalize(s)
        .text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Levenshtein distance of at most 1 (one insertion, deletion or substitution), or a swap
/// of two neighbouring letters.
fn within_one(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return true;
    }
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 1 {
        return false;
    }
    let mut i = 0;
    while i < n.min(m) && a[i] == b[i] {
        i += 1;
    }
    if n == m {
        // One substitution, or a swap.
        a[i + 1..] == b[i + 1..] || (i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..])
    } else if n > m {
        a[i + 1..] == b[i..]
    } else {
        a[i..] == b[i + 1..]
    }
}

/// Whether a name with a typo might start at token `i` (never in free text, where names
/// are matched exactly).
fn typo_start(toks: &[String], i: usize, free_text: bool) -> bool {
    !free_text && i + 1 < toks.len()
}

/// How much of a locality column's value is read.
pub const LOCALITY_MAX_CHARS: usize = 300;

/// The fewest letters a name has (spaces aside) for a typo to be forgiven in it.
const TYPO_MIN_LETTERS: usize = 7;

/// A name found in a string: where, which targets, and the level its prefix says.
#[derive(Debug)]
struct Mention {
    targets: Vec<Target>,
    prefix: Option<String>,
}

impl Gazetteer {
    /// Every unit's name as people write it with its kind ("huyện Hữu Lũng", "xã Tân
    /// Thành huyện Hữu Lũng"): accented text the accent restorer learns names from.
    pub fn unit_texts(&self) -> Vec<String> {
        let mut out = vec![format!("tỉnh {}", self.province)];
        for d in &self.districts {
            out.push(format!("{} {}", d.kind, d.name));
            for (kind, name, _) in &d.units {
                out.push(format!("{kind} {name} {} {} tỉnh {}", d.kind, d.name, self.province));
            }
        }
        out.extend(self.units2025.iter().map(|u| format!("{} {} tỉnh {}", u.kind, u.name, self.province)));
        out
    }

    /// Loads `models/places/<province>.toml`.
    pub fn load(models: &Path, province: &str) -> Result<Gazetteer> {
        let path = models.join("places").join(format!("{province}.toml"));
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let f: File = toml::from_str(&text).map_err(|e| Error::model(&path, e.to_string()))?;
        // Other written forms of a unit's name, as (district, unit) (unit None: the district).
        let mut aliases: Vec<(usize, Option<usize>, String)> = Vec::new();
        for (di, d) in f.district.iter().enumerate() {
            aliases.extend(d.aliases.iter().map(|a| (di, None, a.clone())));
            for (ui, u) in d.units.iter().enumerate() {
                aliases.extend(u.aliases.iter().map(|a| (di, Some(ui), a.clone())));
            }
        }
        let districts: Vec<District> = f
            .district
            .into_iter()
            .map(|d| District {
                code: d.code,
                kind: d.kind,
                name: d.name,
                units: d.units.into_iter().map(|u| (u.kind, u.name, u.to)).collect(),
            })
            .collect();
        let mut names = Vec::new();
        let mut add = |name: &str, target: Target| {
            let w = words(name);
            names.push(Name { joined: w.join(" "), written: accented(name), words: w, target });
        };
        add(&f.province, Target::Province);
        for (di, d) in districts.iter().enumerate() {
            add(&d.name, Target::District(di));
            for (ui, (_, name, _)) in d.units.iter().enumerate() {
                add(name, Target::Commune(di, ui));
            }
        }
        for (i, u) in f.unit2025.iter().enumerate() {
            add(&u.name, Target::New(i));
        }
        for (di, ui, a) in &aliases {
            add(a, ui.map_or(Target::District(*di), |u| Target::Commune(*di, u)));
        }
        let mut prefixes: Vec<(String, Vec<String>)> = f
            .prefixes
            .into_iter()
            .flat_map(|(level, forms)| forms.into_iter().map(move |p| (level.clone(), words(&p))))
            .collect();
        // Longest first: "thanh pho" before "t".
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.1.len()));
        let mut by_joined: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
        for (i, n) in names.iter().enumerate() {
            by_joined.entry(n.joined.clone()).or_default().push(i);
        }
        let starts = names
            .iter()
            .filter_map(|n| n.words.first())
            .chain(prefixes.iter().filter_map(|p| p.1.first()))
            .cloned()
            .collect();
        let commune_codes: Vec<Vec<String>> =
            districts.iter().map(|d| (0..d.units.len()).map(|u| commune_code(d, u)).collect()).collect();
        let mut by_code: rustc_hash::FxHashMap<String, Target> = Default::default();
        for (di, d) in districts.iter().enumerate() {
            by_code.insert(d.code.clone(), Target::District(di));
            for (ui, c) in commune_codes[di].iter().enumerate() {
                by_code.insert(c.clone(), Target::Commune(di, ui));
            }
        }
        for (i, u) in f.unit2025.iter().enumerate() {
            by_code.insert(u.code.clone(), Target::New(i));
        }
        Ok(Gazetteer {
            province: f.province,
            districts,
            units2025: f.unit2025,
            prefixes,
            names,
            by_joined,
            starts,
            commune_codes,
            by_code,
        })
    }

    fn place(&self, t: Target) -> Place {
        match t {
            Target::Province => Place {
                code: "tinh".into(),
                name: format!("tỉnh {}", self.province),
                level: Level::Province,
                district: String::new(),
            },
            Target::District(d) => {
                let d = &self.districts[d];
                Place {
                    code: d.code.clone(),
                    name: format!("{} {}", d.kind, d.name),
                    level: Level::District,
                    district: d.code.clone(),
                }
            }
            Target::Commune(di, ui) => {
                let d = &self.districts[di];
                let (kind, name, _) = &d.units[ui];
                Place {
                    code: self.commune_codes[di][ui].clone(),
                    name: format!("{kind} {name} ({} {})", d.kind, d.name),
                    level: Level::Commune,
                    district: d.code.clone(),
                }
            }
            Target::New(i) => {
                let u = &self.units2025[i];
                Place {
                    code: u.code.clone(),
                    name: format!("{} {} (từ 01/7/2025)", u.kind, u.name),
                    level: Level::Unit2025,
                    district: String::new(),
                }
            }
        }
    }

    /// The prefix at token `i`, if any: its level and how many tokens it takes.
    fn prefix_at(&self, toks: &[String], i: usize, free_text: bool) -> Option<(&str, usize)> {
        self.prefixes.iter().find_map(|(level, p)| {
            // In free text a one-letter prefix ("h", "x", "p") is too often something else.
            let short = p.len() == 1 && p[0].len() == 1;
            (!(free_text && short) && toks.len() >= i + p.len() && toks[i..i + p.len()] == p[..])
                .then_some((level.as_str(), p.len()))
        })
    }

    /// Names starting at token `i`: the longest exact match, else (outside free text) a
    /// name within one typo of 2 to 4 tokens.
    fn names_at(&self, toks: &[String], written: &[String], i: usize, typos: bool) -> Option<(Vec<Target>, usize)> {
        for len in (1..=4).rev() {
            if i + len > toks.len() {
                continue;
            }
            let joined = toks[i..i + len].join(" ");
            let found: Vec<&Name> =
                self.by_joined.get(&joined).map(|v| v.iter().map(|&k| &self.names[k]).collect()).unwrap_or_default();
            if !found.is_empty() {
                // Written with its diacritics, a name is the one so written where one is.
                let exact: Vec<Target> = match written.get(i..i + len) {
                    Some(w) => found.iter().filter(|n| n.written == w).map(|n| n.target).collect(),
                    None => Vec::new(),
                };
                let t = if exact.is_empty() { found.iter().map(|n| n.target).collect() } else { exact };
                return Some((t, len));
            }
        }
        if typos {
            for len in (2..=4).rev() {
                if i + len > toks.len() {
                    continue;
                }
                let joined = toks[i..i + len].join(" ");
                if joined.chars().filter(|c| !c.is_whitespace()).count() < TYPO_MIN_LETTERS {
                    continue;
                }
                let t: Vec<Target> = self
                    .names
                    .iter()
                    .filter(|n| n.words.len() == len && within_one(&n.joined, &joined))
                    .map(|n| n.target)
                    .collect();
                if !t.is_empty() {
                    return Some((t, len));
                }
            }
        }
        None
    }

    fn mentions(&self, s: &str, free_text: bool) -> Vec<Mention> {
        let toks = words(s);
        // The written words line up with the folded ones only when both split alike.
        let written = Some(accented(s)).filter(|w| w.len() == toks.len()).unwrap_or_default();
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if !self.starts.contains(&toks[i]) && !typo_start(&toks, i, free_text) {
                i += 1;
                continue;
            }
            let (prefix, skip) = match self.prefix_at(&toks, i, free_text) {
                Some((level, n)) => (Some(level.to_string()), n),
                None => (None, 0),
            };
            let mut found = self.names_at(&toks, &written, i + skip, !free_text);
            let (mut prefix, mut skip) = (prefix, skip);
            // A written form that begins with what is also a prefix ("TP.LS") is a name whole.
            if found.is_none() && skip > 0 {
                if let Some(whole) = self.names_at(&toks, &written, i, false) {
                    (found, prefix, skip) = (Some(whole), None, 0);
                }
            }
            if let Some((targets, n)) = found {
                // In free text a name counts only after a prefix, or when it names a district.
                let named_district = targets.iter().any(|t| matches!(t, Target::District(_)));
                if !free_text || prefix.is_some() || named_district {
                    out.push(Mention { targets, prefix });
                }
                i += skip + n;
            } else {
                i += 1;
            }
        }
        out
    }

    /// The targets of a mention its prefix allows.
    fn allowed(&self, m: &Mention) -> Vec<Target> {
        let kind_of = |t: &Target| -> &str {
            match *t {
                Target::Province => "tỉnh",
                Target::District(d) => &self.districts[d].kind,
                Target::Commune(d, u) => &self.districts[d].units[u].0,
                Target::New(i) => &self.units2025[i].kind,
            }
        };
        match &m.prefix {
            Some(p) => m.targets.iter().copied().filter(|t| kind_of(t) == p).collect(),
            // Bare: a district if it names one, else what it names.
            None => {
                let d: Vec<Target> =
                    m.targets.iter().copied().filter(|t| matches!(t, Target::District(_) | Target::Province)).collect();
                if d.is_empty() {
                    m.targets.clone()
                } else {
                    d
                }
            }
        }
    }

    /// A locality column's value as one unit (its first [`LOCALITY_MAX_CHARS`] characters:
    /// a place is written in a few words, and typos are looked for at every one).
    pub fn recognise(&self, s: &str) -> Recognised {
        let s = match s.char_indices().nth(LOCALITY_MAX_CHARS) {
            Some((at, _)) => &s[..at],
            None => s,
        };
        self.resolve(self.mentions(s, false))
    }

    /// The place a free text names, if it names one ("em ở xã Tân Tiến, huyện Tràng Định").
    pub fn in_text(&self, text: &str) -> Recognised {
        match self.resolve(self.mentions(text, true)) {
            // "tỉnh Lạng Sơn" in a text says nothing of where in it.
            Recognised::Found { place } if place.level == Level::Province => Recognised::Unknown,
            r => r,
        }
    }

    fn resolve(&self, mentions: Vec<Mention>) -> Recognised {
        let sets: Vec<Vec<Target>> = mentions.iter().map(|m| self.allowed(m)).filter(|t| !t.is_empty()).collect();
        let districts: Vec<usize> = sets
            .iter()
            .filter(|s| s.len() == 1)
            .filter_map(|s| if let Target::District(d) = s[0] { Some(d) } else { None })
            .collect();
        // The most local mention decides; a district beside it narrows a commune's name.
        let local = sets.iter().find(|s| s.iter().any(|t| matches!(t, Target::Commune(..) | Target::New(_))));
        if let Some(set) = local {
            let communes: Vec<Target> = set.iter().copied().filter(|t| matches!(t, Target::Commune(..))).collect();
            let news: Vec<Target> = set.iter().copied().filter(|t| matches!(t, Target::New(_))).collect();
            let narrowed: Vec<Target> = if districts.is_empty() {
                communes.clone()
            } else {
                communes
                    .iter()
                    .copied()
                    .filter(|t| matches!(t, Target::Commune(d, _) if districts.contains(d)))
                    .collect()
            };
            return match (narrowed.len(), communes.len(), news.len()) {
                (1, _, _) => Recognised::Found { place: self.place(narrowed[0]) },
                (0, 0, 1) => Recognised::Found { place: self.place(news[0]) },
                (0, _, 1) if !districts.is_empty() => Recognised::Found { place: self.place(news[0]) },
                (0, 0, 0) => Recognised::Unknown,
                (0, _, _) if !districts.is_empty() => {
                    Recognised::Found { place: self.place(Target::District(districts[0])) }
                }
                (n, ..) if n > 1 => {
                    Recognised::Ambiguous { candidates: narrowed.iter().map(|t| self.place(*t)).collect() }
                }
                _ => {
                    Recognised::Ambiguous { candidates: communes.iter().chain(&news).map(|t| self.place(*t)).collect() }
                }
            };
        }
        if let Some(&d) = districts.first() {
            return Recognised::Found { place: self.place(Target::District(d)) };
        }
        if sets.iter().any(|s| s.contains(&Target::Province)) {
            return Recognised::Found { place: self.place(Target::Province) };
        }
        Recognised::Unknown
    }

    /// The 2025 units a place lies in: one, or several for a 2024 unit split between them
    /// (or a district spread over many); empty for the province.
    pub fn to_2025(&self, place: &Place) -> Vec<&Unit2025> {
        let find = |name: &str| self.units2025.iter().find(|u| u.name == name);
        match place.level {
            Level::Unit2025 => self.units2025.iter().filter(|u| u.code == place.code).collect(),
            Level::Commune => match self.by_code.get(&place.code) {
                Some(&Target::Commune(d, u)) => self.districts[d].units[u].2.iter().filter_map(|n| find(n)).collect(),
                _ => Vec::new(),
            },
            Level::District => {
                let mut out: Vec<&Unit2025> = Vec::new();
                for d in self.districts.iter().filter(|d| d.code == place.code) {
                    for (_, _, to) in &d.units {
                        for u in to.iter().filter_map(|n| find(n)) {
                            if !out.iter().any(|x| x.code == u.code) {
                                out.push(u);
                            }
                        }
                    }
                }
                out
            }
            Level::Province => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::within_one;

    #[test]
    fn one_typo_is_one_edit_or_one_swap() {
        assert!(within_one("huu lung", "huu lungg"));
        assert!(within_one("trang dinh", "tranh dinh"));
        assert!(within_one("trang dinh", "trnag dinh"));
        assert!(within_one("loc binh", "loc bin"));
        assert!(!within_one("loc binh", "loc bi"));
        assert!(!within_one("van quan", "van lang"));
    }
}

/// Which structure places are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Structure {
    /// The 2024 districts alone, their communes counted in them.
    #[serde(rename = "district")]
    District,
    /// The 2024 districts and their communes.
    #[serde(rename = "2024")]
    Y2024,
    /// The units of 1 July 2025.
    #[serde(rename = "2025")]
    Y2025,
}

impl Structure {
    /// Parses "district", "2024" or "2025".
    pub fn parse(s: &str) -> Option<Structure> {
        match s {
            "district" => Some(Structure::District),
            "2024" => Some(Structure::Y2024),
            "2025" => Some(Structure::Y2025),
            _ => None,
        }
    }
}

/// One row of a table of places: where it sorts in the structure, and its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlaceRow {
    /// Sort key: the structure's order (districts, then communes within them; or the 2025
    /// units in the resolution's order), then what was not recognised.
    pub order: (u32, u32),
    /// What a person reads.
    pub label: String,
}

/// The row of unknown places (no locality, nothing recognised).
pub const UNKNOWN_ROW: &str = "(không rõ)";

impl Gazetteer {
    fn district_index(&self, code: &str) -> Option<usize> {
        self.districts.iter().position(|d| d.code == code)
    }

    /// The table row of a recognised place, in `structure`; `raw` is the string as written
    /// (an unrecognised one keeps its own row, so nothing is dropped).
    pub fn row(&self, r: &Recognised, raw: Option<&str>, structure: Structure) -> PlaceRow {
        let far = u32::MAX / 2;
        let raw = raw.map(str::trim).filter(|s| !s.is_empty());
        match r {
            Recognised::Unknown => match raw {
                Some(s) => PlaceRow { order: (far + 2, 0), label: s.to_string() },
                None => PlaceRow { order: (far + 3, 0), label: UNKNOWN_ROW.into() },
            },
            Recognised::Ambiguous { .. } => {
                PlaceRow { order: (far + 1, 0), label: format!("(tên trùng, chưa rõ nơi) {}", raw.unwrap_or("")) }
            }
            Recognised::Found { place } => match (structure, place.level) {
                (_, Level::Province) => {
                    PlaceRow { order: (0, 0), label: format!("tỉnh {} (cấp tỉnh)", self.province) }
                }
                (Structure::District, Level::District | Level::Commune) => {
                    let d = self.district_index(&place.district).unwrap_or(0);
                    let dist = &self.districts[d];
                    PlaceRow { order: (1 + d as u32, 0), label: format!("{} {}", dist.kind, dist.name) }
                }
                (Structure::Y2024, Level::District) => {
                    let d = self.district_index(&place.code).unwrap_or(0);
                    PlaceRow { order: (1 + d as u32, 0), label: place.name.clone() }
                }
                (Structure::Y2024, Level::Commune) => {
                    let Some(&Target::Commune(d, u)) = self.by_code.get(&place.code) else {
                        return PlaceRow { order: (far + 2, 0), label: place.name.clone() };
                    };
                    let dist = &self.districts[d];
                    let (kind, name, _) = &dist.units[u];
                    PlaceRow {
                        order: (1 + d as u32, 1 + u as u32),
                        label: format!("{} {} · {kind} {name}", dist.kind, dist.name),
                    }
                }
                (Structure::Y2024 | Structure::District, Level::Unit2025) | (Structure::Y2025, _) => {
                    let to = self.to_2025(place);
                    match (place.level, to.as_slice()) {
                        (_, [one]) => {
                            let i = self.units2025.iter().position(|u| u.code == one.code).unwrap_or(0);
                            PlaceRow { order: (100 + i as u32, 0), label: format!("{} {}", one.kind, one.name) }
                        }
                        (Level::District, _) => {
                            let d = self.district_index(&place.code).unwrap_or(0);
                            PlaceRow { order: (far, d as u32), label: format!("{} (cũ, chưa rõ xã)", place.name) }
                        }
                        (_, many) => PlaceRow {
                            order: (far, 100),
                            label: format!(
                                "{} cũ, nay chia cho {}",
                                place.name,
                                many.iter().map(|u| format!("{} {}", u.kind, u.name)).collect::<Vec<_>>().join(" và ")
                            ),
                        },
                    }
                }
            },
        }
    }

    /// Each submission's place: its locality column if that names one, else its text.
    pub fn recognise_all(&self, subs: &[crate::input::Submission]) -> Vec<Recognised> {
        use rayon::prelude::*;
        subs.par_iter()
            .map(|s| {
                let from_column = s.locality.as_deref().map(|l| self.recognise(l));
                match from_column {
                    // A district in the column, a commune of it in the text: the commune.
                    Some(Recognised::Found { place }) if place.level == Level::District => {
                        match self.in_text(&s.text) {
                            Recognised::Found { place: p } if p.level == Level::Commune && p.district == place.code => {
                                Recognised::Found { place: p }
                            }
                            _ => Recognised::Found { place },
                        }
                    }
                    Some(r @ (Recognised::Found { .. } | Recognised::Ambiguous { .. })) => r,
                    _ => self.in_text(&s.text),
                }
            })
            .collect()
    }
}
