//! JSON Lines: one object per line; strings, numbers and booleans become fields.

use std::path::Path;

use serde_json::Value;

use super::{decode::read_text, Sink};
use crate::error::{Location, Result};

pub(super) fn read(path: &Path, sink: &mut Sink<'_, '_>) -> Result<()> {
    let text = read_text(path)?;
    for (i, line) in text.lines().enumerate() {
        let loc = Location::Line(i as u64 + 1);
        if line.trim().is_empty() {
            sink.out.blank += 1;
            continue;
        }
        let obj = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(m)) => m,
            Ok(other) => {
                sink.count += 1;
                sink.bad(loc, format!("expected a JSON object, found {}", kind(&other)), line.to_string())?;
                continue;
            }
            Err(e) => {
                sink.count += 1;
                sink.bad(loc, format!("invalid JSON at column {}: {e}", e.column()), line.to_string())?;
                continue;
            }
        };
        let mut fields = Vec::with_capacity(obj.len());
        let mut problem = None;
        for (k, v) in obj {
            let s = match v {
                Value::String(s) => s,
                other if k == sink.builder.text_column => {
                    problem = Some(format!("field '{k}' must be a string, found {}", kind(&other)));
                    break;
                }
                Value::Number(n) => n.to_string(),
                Value::Bool(x) => x.to_string(),
                Value::Null => String::new(),
                other if k == "id" => {
                    problem = Some(format!("field '{k}' must be a string, found {}", kind(&other)));
                    break;
                }
                other => other.to_string(),
            };
            fields.push((k, s));
        }
        if let Some(msg) = problem {
            sink.count += 1;
            sink.bad(loc, msg, line.to_string())?;
            continue;
        }
        sink.record(fields, loc, || line.to_string(), None)?;
    }
    Ok(())
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
