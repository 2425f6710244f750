//! Plain text: one submission per line; empty lines are counted and passed over.

use std::path::Path;

use super::{decode::read_text, Sink};
use crate::error::{Location, Result};

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let text = read_text(path)?;
    for (i, line) in text.lines().enumerate() {
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
