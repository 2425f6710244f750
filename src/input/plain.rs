//! Plain text: one submission per line; empty lines are counted and passed over.

use std::path::Path;

use super::{decode::read_text, Sink};
use crate::error::{Location, Result};

pub(super) fn read(path: &Path, sink: &mut Sink<'_>) -> Result<()> {
    let text = read_text(path)?;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            sink.out.blank += 1;
            continue;
        }
        let fields = vec![(sink.builder.text_column.clone(), line.to_string()), ("id".to_string(), format!("{}-{}", sink.stem, i + 1))];
        sink.record(fields, Location::Line(i as u64 + 1), || line.to_string())?;
    }
    Ok(())
}
