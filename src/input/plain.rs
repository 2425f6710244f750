//! Plain text: one submission per line (ending in LF, CRLF or a lone CR); empty lines are
//! counted and passed over.

use std::path::Path;

use super::decode::{lines, read_text, undecodable_line};
use super::Sink;
use crate::error::{Location, Result};

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let (text, bad) = read_text(path, sink.skip_bad)?;
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
