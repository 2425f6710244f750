//! A department's answers before it submits them (drafts, one per submission and body),
//! answering a group of like questions at once, and recording which answers were published.

use rusqlite::{params, OptionalExtension};

use super::db::{Db, Forwarded, Recorded};
use crate::error::{Error, Result};

/// The longest answer taken (characters): a page of text, many times over.
pub const MAX_ANSWER_CHARS: usize = 20_000;

/// A draft answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The answer's text so far.
    pub answer: String,
    /// The officer who answers.
    pub officer: String,
    /// Who saved it.
    pub user: String,
    /// When (UTC, "YYYY-MM-DDTHH:MM:SSZ").
    pub at: String,
}

/// What a department does with an answer it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerAction {
    /// Keep it as a draft.
    Draft,
    /// Submit it as the body's answer (a draft of it is dropped).
    Submit,
}

/// A submission forwarded to a body, with the body's current answer and draft.
#[derive(Debug, Clone)]
pub struct Answerable {
    /// The forward.
    pub forward: Forwarded,
    /// The body's current answer and officer, if it answered.
    pub answer: Option<(String, String)>,
    /// Its draft, if it saved one.
    pub draft: Option<Draft>,
}

fn check_answer(answer: &str) -> Result<()> {
    let n = answer.chars().count();
    if answer.trim().is_empty() {
        return Err(Error::Param(crate::t!("answers.empty")));
    }
    if n > MAX_ANSWER_CHARS {
        return Err(Error::Param(crate::t!("answers.too-long", n = n, max = MAX_ANSWER_CHARS)));
    }
    Ok(())
}

impl Db {
    /// Everything forwarded to `department`, with its answer and draft, by tracking code.
    pub fn answerable(&self, department: &str) -> Result<Vec<Answerable>> {
        let forwards = self.forwarded_to(department)?;
        let mut out = Vec::with_capacity(forwards.len());
        for f in forwards {
            let answer = self.answer(&f.item.id, department)?;
            let draft = self.draft(&f.item.id, department)?;
            out.push(Answerable { forward: f, answer, draft });
        }
        Ok(out)
    }

    /// The draft `department` saved for submission `id`.
    pub fn draft(&self, id: &str, department: &str) -> Result<Option<Draft>> {
        self.conn()
            .query_row(
                "SELECT answer, officer, user_name, at FROM answer_drafts WHERE submission_id = ?1 AND department = ?2",
                params![id, department],
                |r| Ok(Draft { answer: r.get(0)?, officer: r.get(1)?, user: r.get(2)?, at: r.get(3)? }),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// `department`'s answer to each of `ids`, all of which must have been forwarded to it:
    /// saved as a draft, or submitted (a new version where it changed, audited as `user`'s;
    /// the draft dropped). Returns how many submissions it applied to.
    pub fn answer_many(
        &mut self,
        ids: &[String],
        department: &str,
        answer: &str,
        officer: &str,
        action: AnswerAction,
        user: &str,
    ) -> Result<usize> {
        check_answer(answer)?;
        use unicode_normalization::UnicodeNormalization;
        let answer: String = answer.trim().nfc().collect();
        let officer: String = officer.trim().nfc().collect();
        for id in ids {
            if !self.forwarded_bodies(id)?.iter().any(|b| b == department) {
                return Err(Error::NotFound(crate::t!("answers.not-forwarded-id", id = id, body = department)));
            }
        }
        let mut n = 0;
        for id in ids {
            match action {
                AnswerAction::Draft => {
                    self.conn()
                        .execute(
                            "INSERT INTO answer_drafts (submission_id, department, answer, officer, user_name, at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT (submission_id, department) DO UPDATE SET answer = excluded.answer,
                             officer = excluded.officer, user_name = excluded.user_name, at = excluded.at",
                            params![
                                id,
                                department,
                                answer,
                                officer,
                                user,
                                super::auth::iso_time(super::auth::unix_now() as u64)
                            ],
                        )
                        .map_err(|e| self.error(e))?;
                }
                AnswerAction::Submit => {
                    let _: Recorded = self.record_answer(id, department, &answer, &officer, "desk", user)?;
                    self.conn()
                        .execute(
                            "DELETE FROM answer_drafts WHERE submission_id = ?1 AND department = ?2",
                            params![id, department],
                        )
                        .map_err(|e| self.error(e))?;
                }
            }
            n += 1;
        }
        Ok(n)
    }

    /// Records every body's current answer as published (audited as `user`'s), once per
    /// answer version. Returns how many were new.
    pub fn publish_answers(&mut self, user: &str) -> Result<usize> {
        let at = super::auth::iso_time(super::auth::unix_now() as u64);
        let mut st = self
            .conn()
            .prepare(
                "SELECT a.seq, a.submission_id, a.department FROM answers a
                 WHERE a.seq = (SELECT max(b.seq) FROM answers b WHERE b.submission_id = a.submission_id AND b.department = a.department)
                 AND NOT EXISTS (SELECT 1 FROM published p WHERE p.answer_seq = a.seq) ORDER BY a.seq",
            )
            .map_err(|e| self.error(e))?;
        let rows: Vec<(i64, String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.error(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))?;
        drop(st);
        let tx = self.conn().unchecked_transaction().map_err(|e| self.error(e))?;
        for (seq, id, dept) in &rows {
            tx.execute("INSERT INTO published (answer_seq, at, user_name) VALUES (?1, ?2, ?3)", params![seq, at, user])
                .map_err(|e| self.error(e))?;
            tx.execute(
                "INSERT INTO audit (submission_id, action, department, note, user_name, at, version)
                     SELECT ?1, 'publish', ?2, 'hoi-dap.html', ?3, ?4, version FROM submissions WHERE id = ?1",
                params![id, dept, user, at],
            )
            .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(rows.len())
    }

    /// How many current answers are not published yet.
    pub fn unpublished(&self) -> Result<i64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM answers a
                 WHERE a.seq = (SELECT max(b.seq) FROM answers b WHERE b.submission_id = a.submission_id AND b.department = a.department)
                 AND NOT EXISTS (SELECT 1 FROM published p WHERE p.answer_seq = a.seq)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Whether `department`'s current answer to `id` was published.
    pub fn is_published(&self, id: &str, department: &str) -> Result<bool> {
        self.conn()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM published p WHERE p.answer_seq =
                 (SELECT max(seq) FROM answers WHERE submission_id = ?1 AND department = ?2))",
                params![id, department],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }
}
