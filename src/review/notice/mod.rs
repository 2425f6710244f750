//! What concludes the dialogue (Youth Law 2020, art. 10.3): the draft conclusion notice
//! as Word ([`word`]) and `hoi-dap.html` to publish ([`page`]). Both read the submissions
//! grouped as the analysts left the clusters: each group of like questions with its count,
//! its localities, a question that stands for it and the answers the bodies gave.

pub mod page;
pub mod word;

pub use page::qa_page;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::db::{BodyAnswer, Db, Item};
use crate::error::{Error, Result};
use crate::routing::Profile;

/// What [`write_files`] wrote.
#[derive(Debug, Clone)]
pub struct NoticeFiles {
    /// The Word draft.
    pub docx: PathBuf,
    /// The page to publish.
    pub html: PathBuf,
    /// Answered submissions in the notice.
    pub answered: usize,
    /// Groups of answered ones.
    pub groups: usize,
    /// Groups not answered yet (the appendix).
    pub open: usize,
}

/// Writes the conclusion notice (`thong-bao-ket-luan.docx`) and the page to publish
/// (`hoi-dap.html`) into `dir`: the one way both the command line and the desk do it.
/// `year` defaults to the latest submission's, else this year's.
pub fn write_files(
    db: &Db,
    dir: &Path,
    profile: &Profile,
    topic_name: &dyn Fn(&str) -> String,
    title: &str,
    year: Option<i32>,
) -> Result<NoticeFiles> {
    let body_name = |c: &str| profile.index(c).map_or(c.to_string(), |i| profile.departments[i].name.to_string());
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let rows = db.all_with_answers()?;
    let year = year.unwrap_or_else(|| {
        rows.iter()
            .filter_map(|(it, _)| crate::report::parse_date(&it.submitted_at))
            .map(|d| d.0 as i32)
            .max()
            .unwrap_or(super::forward::today().0 as i32)
    });
    let (answered, open) = groups(&rows);
    let text = word::NoticeText { issuer: &profile.issuer, year, total: rows.len(), topic_name, body_name: &body_name };
    let docx = dir.join("thong-bao-ket-luan.docx");
    word::write_notice(&docx, &text, &answered, &open)?;
    let html = dir.join("hoi-dap.html");
    crate::output::write_atomic(&html, qa_page(db, title, topic_name, &body_name)?.as_bytes())?;
    Ok(NoticeFiles {
        docx,
        html,
        answered: rows.iter().filter(|(_, a)| !a.is_empty()).count(),
        groups: answered.len(),
        open: open.len(),
    })
}

/// The page's title unless told otherwise.
pub const DEFAULT_TITLE: &str = "Hỏi - đáp: ý kiến, kiến nghị của thanh niên và trả lời của các cơ quan";

/// Where the locality column was empty.
pub const NO_LOCALITY: &str = "(không rõ)";

/// One body's answer to some members of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupAnswer {
    /// The body's code.
    pub body: String,
    /// The answer's text.
    pub answer: String,
    /// How many members of the group it answers.
    pub count: usize,
}

/// A group of like questions: the members of one cluster within one topic area.
#[derive(Debug, Clone)]
pub struct Group {
    /// Topic area code.
    pub topic: String,
    /// The cluster's label ("" for submissions outside every cluster).
    pub label: String,
    /// Tracking codes (or ids, where no code was given) of the members.
    pub codes: Vec<String>,
    /// Localities with their counts, most first.
    pub localities: Vec<(String, usize)>,
    /// The member that stands for the group: the one whose words the others share most.
    pub example: String,
    /// The distinct answers given, most members first.
    pub answers: Vec<GroupAnswer>,
}

impl Group {
    /// How many submissions the group holds.
    pub fn count(&self) -> usize {
        self.codes.len()
    }

    /// "Hữu Lũng (3), Chi Lăng (2)", at most `n` names and "…" past them.
    pub fn localities_line(&self, n: usize) -> String {
        let mut parts: Vec<String> = self.localities.iter().take(n).map(|(l, c)| format!("{l} ({c})")).collect();
        if self.localities.len() > n {
            parts.push(format!("và {} nơi khác", self.localities.len() - n));
        }
        parts.join(", ")
    }
}

/// The groups of the submissions given (ordered by topic area, then cluster, as
/// [`super::Db::all_with_answers`] returns them): first the groups' answered members, then
/// their unanswered members (the notice's appendix), each list in input order.
pub fn groups(rows: &[(Item, Vec<BodyAnswer>)]) -> (Vec<Group>, Vec<Group>) {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut members: HashMap<GroupKey, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, (it, answers)) in rows.iter().enumerate() {
        let key = (it.topic.clone(), it.cluster, it.cluster_label.clone());
        let entry = members.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            (Vec::new(), Vec::new())
        });
        if answers.is_empty() {
            entry.1.push(i);
        } else {
            entry.0.push(i);
        }
    }
    let (mut answered, mut open) = (Vec::new(), Vec::new());
    for key in &order {
        let (a, u) = &members[key];
        if !a.is_empty() {
            answered.push(group(rows, key, a));
        }
        if !u.is_empty() {
            open.push(group(rows, key, u));
        }
    }
    (answered, open)
}

/// Topic area, cluster and label: what makes submissions one group.
type GroupKey = (String, Option<i64>, String);

fn group(rows: &[(Item, Vec<BodyAnswer>)], key: &GroupKey, idx: &[usize]) -> Group {
    let mut localities: Vec<(String, usize)> = Vec::new();
    let mut answers: Vec<GroupAnswer> = Vec::new();
    for &i in idx {
        let (it, given) = &rows[i];
        let place = if it.locality.trim().is_empty() { NO_LOCALITY } else { it.locality.trim() };
        match localities.iter_mut().find(|(l, _)| l == place) {
            Some(l) => l.1 += 1,
            None => localities.push((place.to_string(), 1)),
        }
        for (body, answer, _) in given {
            match answers.iter_mut().find(|a| &a.body == body && &a.answer == answer) {
                Some(a) => a.count += 1,
                None => answers.push(GroupAnswer { body: body.clone(), answer: answer.clone(), count: 1 }),
            }
        }
    }
    localities.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    answers.sort_by_key(|a| std::cmp::Reverse(a.count));
    Group {
        topic: key.0.clone(),
        label: key.2.clone(),
        codes: idx
            .iter()
            .map(|&i| if rows[i].0.code.is_empty() { &rows[i].0.id } else { &rows[i].0.code }.clone())
            .collect(),
        localities,
        example: example(idx.iter().map(|&i| rows[i].0.text.as_str())),
        answers,
    }
}

/// The text whose distinct words (diacritics and case folded) occur in the most other
/// texts of the group, on average; a text typed with its diacritics before one typed
/// without, and the shorter on a tie.
fn example<'a>(texts: impl Iterator<Item = &'a str> + Clone) -> String {
    let words = |t: &str| {
        let mut w: Vec<String> = crate::text::fold_lower(t)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let mut df: HashMap<String, usize> = HashMap::new();
    for t in texts.clone() {
        for w in words(t) {
            *df.entry(w).or_default() += 1;
        }
    }
    let mut best: Option<(f64, usize, &str)> = None;
    for t in texts {
        let w = words(t);
        if w.is_empty() {
            continue;
        }
        let accented = if crate::text::normalize::has_diacritics(t) { 1e6 } else { 0.0 };
        let score = accented + w.iter().map(|x| df[x] as f64).sum::<f64>() / w.len() as f64;
        let len = t.chars().count();
        if best.is_none_or(|(s, l, _)| score > s + 1e-9 || (score > s - 1e-9 && len < l)) {
            best = Some((score, len, t));
        }
    }
    best.map_or(String::new(), |(_, _, t)| t.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, text: &str, place: &str, cluster: i64) -> Item {
        Item {
            id: code.into(),
            code: code.into(),
            text: text.into(),
            locality: place.into(),
            topic: "viec-lam".into(),
            cluster: Some(cluster),
            cluster_label: format!("nhóm {cluster}"),
            ..Default::default()
        }
    }

    #[test]
    fn a_group_splits_into_its_answered_and_unanswered_members() {
        let ans = |a: &str| vec![("so-noivu".to_string(), a.to_string(), String::new())];
        let rows = vec![
            (item("A", "Xin hỗ trợ vay vốn giải quyết việc làm cho thanh niên", "Hữu Lũng", 1), ans("Vay tại NHCSXH")),
            (
                item("B", "Thanh niên muốn vay vốn giải quyết việc làm thì làm thủ tục gì", "Hữu Lũng", 1),
                ans("Vay tại NHCSXH"),
            ),
            (item("C", "Cho em hỏi về vay vốn", "", 1), vec![]),
            (item("D", "Tỉnh có hội chợ việc làm không ạ", "Chi Lăng", 2), vec![]),
        ];
        let (answered, open) = groups(&rows);
        assert_eq!(answered.len(), 1);
        assert_eq!(answered[0].codes, ["A", "B"]);
        assert_eq!(
            answered[0].answers,
            vec![GroupAnswer { body: "so-noivu".into(), answer: "Vay tại NHCSXH".into(), count: 2 }]
        );
        assert_eq!(answered[0].localities, vec![("Hữu Lũng".to_string(), 2)]);
        assert_eq!(open.iter().map(|g| g.codes.clone()).collect::<Vec<_>>(), vec![vec!["C"], vec!["D"]]);
        assert_eq!(open[0].localities, vec![(NO_LOCALITY.to_string(), 1)]);
    }

    #[test]
    fn the_example_is_the_text_sharing_most_words_with_the_others() {
        let texts = [
            "Em muốn hỏi về học bổng cho sinh viên nghèo",
            "Học bổng cho sinh viên nghèo vượt khó năm nay có không",
            "Tỉnh có chính sách học bổng cho sinh viên nghèo không ạ",
            "Cảm ơn",
        ];
        let e = example(texts.iter().copied());
        assert!(e.contains("học bổng") || e.contains("Học bổng"), "{e}");
        assert_ne!(e, "Cảm ơn");
        let bare =
            ["hoc bong cho sinh vien ngheo", "Học bổng cho sinh viên nghèo vượt khó", "hoc bong sinh vien ngheo"];
        assert_eq!(example(bare.iter().copied()), "Học bổng cho sinh viên nghèo vượt khó");
    }
}
