//! JSON Lines: one object per line; strings, numbers and booleans become fields.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::{decode, Sink};
use crate::error::{Error, Location, Result};

/// Reads a JSON Lines file. UTF-8 is read a line at a time, each line checked as it
/// comes; UTF-16 is decoded whole first.
pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let mut file = match decode::open_text(path, sink.skip_bad, sink.encoding)? {
        decode::Opened::Whole(text, bad, enc) => {
            sink.note(crate::t!("input.note-encoding", encoding = enc.name()));
            for (i, l) in decode::lines(&text).enumerate() {
                let n = i as u64 + 1;
                if bad.binary_search(&n).is_ok() {
                    sink.count += 1;
                    sink.bad(Location::Line(n), decode::undecodable_line(n), l.to_string())?;
                    continue;
                }
                line(sink, Location::Line(n), l)?;
            }
            return Ok(());
        }
        decode::Opened::Utf8(file) => file,
    };
    let io = |e| Error::io(path, e);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if file.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            return Ok(());
        }
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        // A lone CR inside ends a line too (old Mac exports).
        for part in body.split(|&b| b == b'\r') {
            n += 1;
            match std::str::from_utf8(part) {
                Ok(text) => line(sink, Location::Line(n), text)?,
                Err(e) => {
                    let at = e.valid_up_to();
                    let msg = decode::not_utf8_message(&crate::t!(
                        "input.byte-at-column",
                        byte = format!("{:#04x}", part[at]),
                        column = at + 1
                    ));
                    sink.count += 1;
                    sink.bad(Location::Line(n), msg, String::from_utf8_lossy(part).into_owned())?;
                }
            }
        }
    }
}

/// One line: a record, a blank line, or a bad record.
fn line(sink: &mut Sink<'_, '_>, loc: Location, line: &str) -> Result<()> {
    if line.trim().is_empty() {
        sink.out.blank += 1;
        return Ok(());
    }
    let obj = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(m)) => m,
        Ok(other) => {
            sink.count += 1;
            return sink.bad(loc, crate::t!("input.json-not-object", found = kind(&other)), line.to_string());
        }
        Err(e) => {
            sink.count += 1;
            return sink.bad(loc, crate::t!("input.json-invalid", column = e.column(), what = e), line.to_string());
        }
    };
    let mut fields = Vec::with_capacity(obj.len());
    let mut problem = None;
    for (k, v) in obj {
        // Keys are read as table headers are: "noi_dung" or "Ý kiến" is the text; a second
        // key for a role already read is kept under its own name.
        let mut key = sink.key_of(&k).into_owned();
        if fields.iter().any(|(f, _): &(String, String)| *f == key) {
            key = k;
        }
        let k = key;
        let s = match v {
            Value::String(s) => s,
            other if k == "text" => {
                problem = Some(crate::t!("input.json-not-string", field = k, found = kind(&other)));
                break;
            }
            Value::Number(n) => n.to_string(),
            Value::Bool(x) => x.to_string(),
            Value::Null => String::new(),
            other if k == "id" => {
                problem = Some(crate::t!("input.json-not-string", field = k, found = kind(&other)));
                break;
            }
            other => other.to_string(),
        };
        fields.push((k, s));
    }
    if let Some(msg) = problem {
        sink.count += 1;
        return sink.bad(loc, msg, line.to_string());
    }
    sink.record(fields, loc, || line.to_string(), None)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
