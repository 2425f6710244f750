//! Stage 2a: near-duplicate groups (one request sent several times) and each submission's
//! family (a text, its word-for-word copies and its near-duplicates).

use rayon::prelude::*;

use super::{counts, DuplicateGroup, RecordResult};
use crate::dedup::DedupParams;
use crate::input::Submission;

/// The near-duplicate groups, largest first, and each submission's family.
pub(super) struct Duplicates {
    /// The groups, as the report shows them.
    pub groups: Vec<DuplicateGroup>,
    /// For every submission, the first submission of its family.
    pub family: Vec<u32>,
}

/// Groups `subs` by their shingles (copies join their originals' groups).
pub(super) fn duplicates(
    subs: &[Submission],
    records: &[RecordResult],
    shingles: Vec<Vec<u32>>,
    copy_of: &[Option<u32>],
) -> Duplicates {
    let groups = DedupParams::default().groups_with_copies(shingles, copy_of);
    let family = families(&groups, copy_of);
    let mut shown: Vec<DuplicateGroup> = groups
        .into_par_iter()
        .map(|g| {
            let localities = counts(g.iter().map(|&i| subs[i].locality_or_unknown()));
            DuplicateGroup {
                ids: g.iter().map(|&i| subs[i].id.clone()).collect(),
                count: g.len(),
                text: subs[g[0]].text.clone(),
                topic: records[g[0]].routed.topic.to_string(),
                localities,
            }
        })
        .collect();
    shown.sort_by(|a, b| b.count.cmp(&a.count).then(a.ids.cmp(&b.ids)));
    Duplicates { groups: shown, family }
}

/// For every submission, the first submission of its family: the texts it repeats word
/// for word (`copy_of`) and the near-duplicate groups it belongs to (`groups`, ascending).
fn families(groups: &[Vec<usize>], copy_of: &[Option<u32>]) -> Vec<u32> {
    let mut family: Vec<u32> = (0..copy_of.len() as u32).collect();
    for g in groups {
        for &m in g {
            family[m] = g[0] as u32;
        }
    }
    // A copy joins its original's family (originals come first: theirs is already known).
    for (i, o) in copy_of.iter().enumerate() {
        if let &Some(o) = o {
            family[i] = family[o as usize];
        }
    }
    family
}
