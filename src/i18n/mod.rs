//! What a person reads in the terminal, in Vietnamese (the default) or English, from one
//! catalogue: `messages.toml` beside this file, compiled into the binary so that even the
//! errors raised before models/ is found are translated.
//!
//! A message is named by a key and filled by name: `t!("input.no-sheet", sheet = s, sheets = list)`.
//! The language is chosen once at start-up ([`set_lang`], from `--lang` or the locale).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// The catalogue's text, as shipped.
pub const CATALOGUE: &str = include_str!("messages.toml");

/// A language of the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Tiếng Việt (the default).
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The language a locale string names ("en_US.UTF-8" → English); None when it names neither.
    pub fn from_locale(s: &str) -> Option<Lang> {
        let code = s.split(['_', '.', '-', '@']).next().unwrap_or("").to_ascii_lowercase();
        match code.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// The language of the environment: the first of LC_ALL, LC_MESSAGES and LANG that is
    /// set decides; English only when it names English, Vietnamese otherwise.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return Lang::from_locale(&v).unwrap_or(Lang::Vi);
                }
            }
        }
        Lang::Vi
    }
}

static LANG: AtomicU8 = AtomicU8::new(0);

/// Chooses the language of every message from now on.
pub fn set_lang(lang: Lang) {
    LANG.store(lang as u8, Ordering::Relaxed);
}

/// The language messages are given in.
pub fn lang() -> Lang {
    if LANG.load(Ordering::Relaxed) == Lang::En as u8 {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// One message in both languages.
struct Entry {
    vi: String,
    en: String,
}

/// The parsed catalogue (parsed once; a malformed one is caught by the tests).
fn catalogue() -> &'static HashMap<String, Entry> {
    static CAT: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    CAT.get_or_init(|| parse(CATALOGUE).unwrap_or_default())
}

/// Parses a catalogue into `(key, vi, en)` sorted by key: TOML tables by area whose leaves
/// are `{ vi = "...", en = "..." }`, the key being the dotted path (`input.empty-sheet`).
pub fn parse_keys(text: &str) -> Result<Vec<(String, String, String)>, String> {
    let map = parse(text)?;
    let mut v: Vec<_> = map.into_iter().map(|(k, e)| (k, e.vi, e.en)).collect();
    v.sort();
    Ok(v)
}

fn parse(text: &str) -> Result<HashMap<String, Entry>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    walk(&table, "", &mut out)?;
    Ok(out)
}

fn walk(table: &toml::Table, prefix: &str, out: &mut HashMap<String, Entry>) -> Result<(), String> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        let toml::Value::Table(t) = value else {
            return Err(format!("{key}: expected a table"));
        };
        match (t.get("vi"), t.get("en")) {
            (Some(toml::Value::String(vi)), Some(toml::Value::String(en))) if t.len() == 2 => {
                out.insert(key, Entry { vi: vi.clone(), en: en.clone() });
            }
            (None, None) => walk(t, &key, out)?,
            _ => return Err(format!("{key}: a message has exactly the strings vi and en")),
        }
    }
    Ok(())
}

/// The message `key` in the current language, unfilled (the key itself when unknown).
pub fn text(key: &str) -> &str {
    match catalogue().get(key) {
        Some(e) if lang() == Lang::En => &e.en,
        Some(e) => &e.vi,
        None => key,
    }
}

/// The message `key` with each `{name}` replaced by its value; `{{` and `}}` are braces.
pub fn fill(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    render(text(key), args)
}

/// Replaces each `{name}` of `template` by its value in `args`; an unknown name stays as written.
pub fn render(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            let name = &tail[1..end];
            match args.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    let _ = write!(out, "{v}");
                }
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The names of the `{placeholders}` of a template, in order of first use.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(stripped) = tail.strip_prefix("{{") {
            rest = stripped;
            continue;
        }
        match tail.find('}') {
            Some(end) => {
                if !names.contains(&&tail[1..end]) {
                    names.push(&tail[1..end]);
                }
                rest = &tail[end + 1..];
            }
            None => break,
        }
    }
    names
}

/// A message of the catalogue in the current language: `t!("key")` or
/// `t!("key", name = value, ...)`, each value shown with `Display`.
#[macro_export]
macro_rules! t {
    ($key:literal) => {
        $crate::i18n::text($key).to_string()
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::fill($key, &[$((stringify!($name), &$value as &dyn std::fmt::Display)),+])
    };
}
