//! Web pages with tables: what many offices' systems export under an .xls name ("Xuất
//! Excel" writing an HTML table that Excel opens), and .htm/.html pages saved from a browser
//! or Word. The tables are read like a Word document's (see [`super::sheet::read_tables`]):
//! a cell spanning rows (`rowspan`) gives its text to every row it spans, one spanning
//! columns (`colspan`) is padded with empty cells; a `<br>` or a paragraph inside a cell is
//! a line break of its text.

use std::path::Path;

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

use super::Sink;
use crate::error::{Error, Location, Result};

use super::sheet::{MAX_BYTES, MAX_CELLS, MAX_COLUMNS};

/// A table's rows of cell texts.
type Grid = Vec<Vec<String>>;

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_BYTES {
        return Err(Error::input(path, Location::File, crate::t!("input.table-file-too-large", mb = MAX_BYTES >> 20)));
    }
    let (text, _, _) = super::decode::read_text(path, false, sink.encoding)?;
    let grids = tables(&text).map_err(|m| Error::input(path, Location::File, m))?;
    if grids.is_empty() {
        return Err(Error::input(path, Location::File, crate::t!("input.html-no-table")));
    }
    super::sheet::read_tables(path, sink, grids)
}

/// A cell as written: its text (line breaks marked), and the columns and rows it spans.
struct RawCell {
    text: String,
    across: usize,
    down: u32,
}

/// The tables of a page as its tags say, read in one pass over the tokens (tag soup: a
/// `<td>` ends the cell before it, a `<tr>` the row before it, as browsers read them).
#[derive(Default)]
struct Collector {
    /// Tables closed or open, outermost only: rows of cells.
    tables: Vec<Vec<Vec<RawCell>>>,
    /// How deep inside tables the tokens are (0: outside every table).
    depth: usize,
    /// Whether the outermost table has an open row, and an open cell.
    row_open: bool,
    cell_open: bool,
}

impl Collector {
    fn cell(&mut self) -> Option<&mut String> {
        if !self.cell_open {
            return None;
        }
        self.tables.last_mut()?.last_mut()?.last_mut().map(|c| &mut c.text)
    }

    fn line_break(&mut self) {
        if let Some(t) = self.cell() {
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
        }
    }

    fn space(&mut self) {
        if let Some(t) = self.cell() {
            if !t.is_empty() && !t.ends_with(['\n', ' ']) {
                t.push(' ');
            }
        }
    }

    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let start = tag.kind == TagKind::StartTag;
        match (name, start, self.depth) {
            ("table", true, 0) => {
                self.tables.push(Vec::new());
                self.depth = 1;
            }
            ("table", true, _) => {
                self.space();
                self.depth += 1;
            }
            ("table", false, 0) => {}
            ("table", false, d) => {
                self.depth = d - 1;
                if self.depth == 0 {
                    (self.row_open, self.cell_open) = (false, false);
                } else {
                    self.space();
                }
            }
            ("tr", true, 1) => {
                if let Some(t) = self.tables.last_mut() {
                    t.push(Vec::new());
                }
                (self.row_open, self.cell_open) = (true, false);
            }
            ("tr", false, 1) => (self.row_open, self.cell_open) = (false, false),
            ("td" | "th", true, 1) => {
                let span = |attr: &str, max: u32| {
                    tag.attrs
                        .iter()
                        .find(|a| &*a.name.local == attr)
                        .and_then(|a| a.value.trim().parse::<u32>().ok())
                        .map_or(1, |v| v.clamp(1, max))
                };
                let cell = RawCell {
                    text: String::new(),
                    across: span("colspan", 1000) as usize,
                    down: span("rowspan", 65_534),
                };
                if let Some(t) = self.tables.last_mut() {
                    if !self.row_open {
                        t.push(Vec::new());
                        self.row_open = true;
                    }
                    if let Some(r) = t.last_mut() {
                        r.push(cell);
                    }
                }
                self.cell_open = true;
            }
            ("td" | "th", false, 1) => self.cell_open = false,
            ("tr", _, _) => self.line_break(),
            ("td" | "th", true, _) => self.space(),
            ("br", _, _) => {
                if let Some(t) = self.cell() {
                    t.push('\n');
                }
            }
            ("p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6", _, _) => self.line_break(),
            _ => {}
        }
        if start {
            match name {
                "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                    return TokenSinkResult::RawData(RawKind::Rawtext)
                }
                "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                _ => {}
            }
        }
        TokenSinkResult::Continue
    }
}

/// The tokenizer's consumer: a [`Collector`] behind the `&self` the tokenizer calls with.
struct Tokens(RefCell<Collector>);

impl TokenSink for Tokens {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut c = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => return c.tag(&tag),
            Token::CharacterTokens(t) => {
                if let Some(cell) = c.cell() {
                    // Line ends in the page's source are spaces; only `<br>` and blocks break lines.
                    cell.extend(t.chars().map(|ch| if ch.is_whitespace() { ' ' } else { ch }));
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The page's outermost tables as grids of cell texts; `Err` when a table is too large.
fn tables(text: &str) -> std::result::Result<Vec<Grid>, String> {
    let tokenizer = Tokenizer::new(Tokens(RefCell::new(Collector::default())), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let collected = std::mem::take(&mut *tokenizer.sink.0.borrow_mut());
    let mut cells = 0usize;
    collected.tables.into_iter().map(|t| grid(t, &mut cells)).collect()
}

/// A table's rows with spans resolved: a cell spanning rows copied down, one spanning
/// columns padded with empty cells.
fn grid(table: Vec<Vec<RawCell>>, cells: &mut usize) -> std::result::Result<Grid, String> {
    let mut rows: Grid = Vec::with_capacity(table.len());
    // Per column: rows still to be covered by a cell above, and its text.
    let mut carry: Vec<(u32, String)> = Vec::new();
    for raw in table {
        let mut row: Vec<String> = Vec::new();
        let mut tds = raw.into_iter();
        loop {
            while row.len() < carry.len() && carry[row.len()].0 > 0 {
                let c = &mut carry[row.len()];
                c.0 -= 1;
                row.push(c.1.clone());
            }
            let Some(td) = tds.next() else { break };
            let text = collapse(&td.text);
            for k in 0..td.across {
                let here = row.len();
                if here >= MAX_COLUMNS {
                    return Err(crate::t!("input.table-too-wide", max = MAX_COLUMNS));
                }
                let t = if k == 0 { text.clone() } else { String::new() };
                if td.down > 1 {
                    if carry.len() <= here {
                        carry.resize(here + 1, (0, String::new()));
                    }
                    carry[here] = (td.down - 1, t.clone());
                }
                row.push(t);
            }
        }
        // Columns covered from above beyond the row's last cell.
        if carry[row.len().min(carry.len())..].iter().any(|c| c.0 > 0) {
            while row.len() < carry.len() {
                let c = &mut carry[row.len()];
                row.push(if c.0 > 0 {
                    c.0 -= 1;
                    c.1.clone()
                } else {
                    String::new()
                });
            }
        }
        *cells += row.len().max(1);
        if *cells > MAX_CELLS {
            return Err(crate::t!("input.table-too-many-cells", max = MAX_CELLS));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// A cell's text as a browser shows it: spaces collapsed, each line trimmed, empty lines gone.
fn collapse(raw: &str) -> String {
    let lines: Vec<String> = raw
        .split('\n')
        .map(|l| l.split(char::is_whitespace).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_resolved_and_text_collapsed() {
        let page = "<style>td { content: '<td>' }</style><table><tr><th>STT</th><th>Huyện</th><th>Ý kiến</th></tr>\
            <tr><td>1</td><td rowspan=2>Văn&nbsp;Lãng</td><td>Xin hỏi   về\n vay vốn<br>tạo việc làm</td></tr>\
            <tr><td>2<td>Học bổng <b>cho</b> học sinh</tr>\
            <tr><td colspan=2>Cộng</td><td><table><tr><td>a</td><td>b</td></tr></table></td></tr></table>";
        let g = tables(page).unwrap();
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(
            g[0],
            [
                vec!["STT", "Huyện", "Ý kiến"],
                vec!["1", "Văn Lãng", "Xin hỏi về vay vốn\ntạo việc làm"],
                vec!["2", "Văn Lãng", "Học bổng cho học sinh"],
                vec!["Cộng", "", "a b"],
            ]
        );
    }
}
