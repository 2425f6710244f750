//! How well places are recognised: precision and recall against a labelled sample of
//! locality strings and texts (`corpus/places.csv`: `input`, `kind` column or text,
//! `expected`: a unit's code, `ambiguous`, or empty for none).

use std::path::Path;

use crate::error::{Error, Result};
use crate::places::{Gazetteer, Recognised};

/// Scores for one kind of input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceScore {
    /// Rows.
    pub rows: usize,
    /// Rows naming one unit.
    pub labelled: usize,
    /// Units found (one unit recognised).
    pub found: usize,
    /// Of them, the labelled one.
    pub right: usize,
    /// Rows labelled ambiguous.
    pub ambiguous: usize,
    /// Of them, reported ambiguous.
    pub ambiguous_reported: usize,
    /// The wrong ones: (input, expected, got).
    pub misses: Vec<(String, String, String)>,
}

impl PlaceScore {
    /// Right over found.
    pub fn precision(&self) -> f64 {
        self.right as f64 / self.found.max(1) as f64
    }
    /// Right over labelled.
    pub fn recall(&self) -> f64 {
        self.right as f64 / self.labelled.max(1) as f64
    }
}

fn got(r: &Recognised) -> String {
    match r {
        Recognised::Found { place } => place.code.clone(),
        Recognised::Ambiguous { .. } => "ambiguous".into(),
        Recognised::Unknown => String::new(),
    }
}

/// Scores the sample in `path`: (column strings, texts).
pub fn score(g: &Gazetteer, path: &Path) -> Result<(PlaceScore, PlaceScore)> {
    let mut r = csv::Reader::from_path(path).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    let (mut col, mut txt) = (PlaceScore::default(), PlaceScore::default());
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::Param(format!("{}: record {}: {e}", path.display(), i + 1)))?;
        let (input, kind, expected) = (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""), rec.get(2).unwrap_or(""));
        let (s, r) = match kind {
            "column" => (&mut col, g.recognise(input)),
            "text" => (&mut txt, g.in_text(input)),
            other => return Err(Error::Param(format!("{}: record {}: kind '{other}'", path.display(), i + 1))),
        };
        let g = got(&r);
        s.rows += 1;
        match expected {
            "ambiguous" => {
                s.ambiguous += 1;
                s.ambiguous_reported += (g == "ambiguous") as usize;
            }
            "" => {}
            _ => s.labelled += 1,
        }
        if !g.is_empty() && g != "ambiguous" {
            s.found += 1;
            s.right += (g == expected) as usize;
        }
        if g != expected {
            s.misses.push((input.to_string(), expected.to_string(), g));
        }
    }
    Ok((col, txt))
}

/// The scores as lines a person reads.
pub fn render(col: &PlaceScore, txt: &PlaceScore) -> String {
    let mut s = String::from("places recognised (precision / recall; ambiguous names reported)\n");
    for (name, p) in [("locality column", col), ("text", txt)] {
        s.push_str(&format!(
            "  {name}: {} rows, precision {:.3} ({} of {} found), recall {:.3} (of {} labelled), ambiguous reported {} of {}\n",
            p.rows,
            p.precision(),
            p.right,
            p.found,
            p.recall(),
            p.labelled,
            p.ambiguous_reported,
            p.ambiguous
        ));
        for (input, want, got) in &p.misses {
            s.push_str(&format!("    «{input}»: expected {}, got {}\n", or_none(want), or_none(got)));
        }
    }
    s
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}
