//! Plain text: one submission per line (ending in LF, CRLF or a lone CR); empty lines are
//! counted and passed over.

use std::path::Path;

use super::decode::{lines, read_text, undecodable_line};
use super::Sink;
use crate::error::{Location, Result};

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let (text, bad, enc) = read_text(path, sink.skip_bad, sink.encoding)?;
    if enc != super::Encoding::Utf8 {
        sink.note(crate::t!("input.note-encoding", encoding = enc.name()));
    }
    // Excel's "Unicode text" export is a table: tabs between cells, a header first.
    if looks_tabular(&text) {
        sink.note(crate::t!("input.note-tab-table"));
        return super::delimited::parse(
            path,
            sink,
            text.as_bytes(),
            b'\t',
            &bad,
            super::delimited::crlf(text.as_bytes()),
        );
    }
    for (i, line) in lines(&text).enumerate() {
        let n = i as u64 + 1;
        if bad.binary_search(&n).is_ok() {
            sink.count += 1;
            sink.bad(Location::Line(n), undecodable_line(n), line.to_string())?;
            continue;
        }
        if line.trim().is_empty() {
            sink.out.blank += 1;
            continue;
        }
        // No id column: the id names the line (`<file stem>-<line>`), and the submission's
        // identity for the index is its text.
        let column = sink.builder.text_column.clone();
        sink.record([(column.as_str(), line)], Location::Line(i as u64 + 1), || line.to_string(), Some(i as u64 + 1))?;
    }
    Ok(())
}

/// Whether text is a tab-separated table: its first line has a tab, and nearly all (nine
/// in ten) of the next fifty non-empty lines have as many.
fn looks_tabular(text: &str) -> bool {
    let mut lines = lines(text).filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else { return false };
    let tabs = first.matches('\t').count();
    if tabs == 0 {
        return false;
    }
    let next: Vec<usize> = lines.take(50).map(|l| l.matches('\t').count()).collect();
    !next.is_empty() && next.iter().filter(|&&n| n == tabs).count() * 10 >= next.len() * 9
}
