//! Unicode NFC, one tone-mark placement, diacritic folding, and offsets back to the original text.
//!
//! Vietnamese has two conventions for where the tone mark sits in the open syllables
//! `oa`, `oe`, `uy` ("hòa"/"hoà", "thúy"/"thuý", "khỏe"/"khoẻ"). ykien writes every syllable
//! in the classic style (mark on the first vowel of those pairs, as most keyboards do), so
//! both spellings meet. Text typed in NFD (base letter + combining marks) is composed first.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks as combining characters, by tone number 1..=5.
const TONE_MARKS: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];
/// Vowel letters with their shape (breve, circumflex, horn) but no tone.
const VOWELS: &str = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";

struct Tables {
    /// Precomposed vowel -> (toneless vowel, tone 0..=5).
    split: FxHashMap<char, (char, u8)>,
    /// (toneless vowel, tone) -> precomposed vowel.
    join: FxHashMap<(char, u8), char>,
    /// Folded (diacritic-free) form of every char below U+2000 that folds to ASCII.
    fold: Vec<char>,
    /// Whether each char below U+2000 is alphabetic, one bit each.
    letters: Vec<u64>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut split = FxHashMap::default();
        let mut join = FxHashMap::default();
        for v in VOWELS.chars() {
            split.insert(v, (v, 0));
            join.insert((v, 0), v);
            for (i, mark) in TONE_MARKS.iter().enumerate() {
                let composed: String = [v, *mark].iter().collect::<String>().nfc().collect();
                let mut it = composed.chars();
                if let (Some(c), None) = (it.next(), it.next()) {
                    split.insert(c, (v, i as u8 + 1));
                    join.insert((v, i as u8 + 1), c);
                }
            }
        }
        let fold = (0u32..0x2000)
            .map(|u| {
                let c = char::from_u32(u).unwrap_or('\0');
                match c {
                    'đ' => 'd',
                    'Đ' => 'D',
                    _ if c.is_ascii() => c,
                    _ => match c.nfd().next() {
                        Some(b) if b.is_ascii_alphabetic() => b,
                        _ => c,
                    },
                }
            })
            .collect();
        let mut letters = vec![0u64; 0x2000 / 64];
        for u in 0u32..0x2000 {
            if char::from_u32(u).is_some_and(char::is_alphabetic) {
                letters[(u / 64) as usize] |= 1 << (u % 64);
            }
        }
        Tables { split, join, fold, letters }
    })
}

/// The diacritic-free form of one character: tone and shape marks removed, `đ` to `d`.
#[inline]
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    tables().fold.get(c as usize).copied().unwrap_or(c)
}

/// `char::is_alphabetic`, answered from a table for the Latin and Vietnamese range (the hot path).
#[inline]
pub fn is_letter(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        c.is_ascii_alphabetic()
    } else if u < 0x2000 {
        tables().letters[(u / 64) as usize] >> (u % 64) & 1 == 1
    } else {
        c.is_alphabetic()
    }
}

/// True for a Vietnamese letter that carries any diacritic (tone, shape, or đ).
#[inline]
pub fn has_diacritic(c: char) -> bool {
    !c.is_ascii() && fold_char(c) != c
}

/// True when some character of `s` carries a diacritic (ASCII text is told at once).
pub fn has_diacritics(s: &str) -> bool {
    !s.is_ascii() && s.chars().any(has_diacritic)
}

/// Appends `s` lowercased character by character to `out` (ASCII text copied and lowered in place).
pub fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let at = out.len();
        out.push_str(s);
        out[at..].make_ascii_lowercase();
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// Appends the folded, lowercased form of `s` to `out`.
pub fn fold_lower_into(s: &str, out: &mut String) {
    for c in s.chars() {
        for l in c.to_lowercase() {
            out.push(fold_char(l));
        }
    }
}

/// The folded, lowercased form of `s` ("Việc Làm" -> "viec lam").
pub fn fold_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_lower_into(s, &mut out);
    out
}

/// Maps byte offsets in normalised text back to byte offsets in the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// (normalised offset, original offset) at each point where the two drift apart.
    points: Vec<(u32, u32)>,
}

impl OffsetMap {
    /// The original offset of normalised offset `pos` (exact at syllable boundaries).
    pub fn to_original(&self, pos: usize) -> usize {
        let pos = pos as u32;
        let i = self.points.partition_point(|&(n, _)| n <= pos);
        if i == 0 {
            return pos as usize;
        }
        let (n, o) = self.points[i - 1];
        (o + (pos - n)) as usize
    }
    /// True when normalised and original offsets are the same everywhere.
    pub fn is_identity(&self) -> bool {
        self.points.is_empty()
    }
}

/// Text after NFC and tone placement, with the way back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text (case kept).
    pub text: String,
    /// Offsets back to the original text.
    pub map: OffsetMap,
}

/// Normalises `text` into a reusable buffer: NFC, classic tone placement, case kept.
pub fn normalize_into(text: &str, out: &mut Normalized, scratch: &mut Vec<char>) {
    out.text.clear();
    out.map.points.clear();
    out.text.reserve(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let b = bytes[i];
        // Runs that need no work: ASCII that does not start a letter run, copied as is.
        if b < 0x80 && !(b as char).is_ascii_alphabetic() {
            out.text.push(b as char);
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
        if !(is_letter(c) || is_combining(c)) {
            out.text.push(c);
            i += c.len_utf8();
            continue;
        }
        // A letter run: letters of alphabetic scripts and combining marks. A letter of
        // another script (a CJK ideograph, kana, Thai) is a run of its own: word breaking
        // may cut between two of them, and the offset map is exact only at run ends.
        let start = i;
        let mut end = i;
        let mut plain_ascii = true;
        for ch in text[i..].chars() {
            let alphabetic = is_combining(ch) || (is_letter(ch) && in_alphabetic_script(ch));
            if alphabetic || (end == start && is_letter(ch)) {
                end += ch.len_utf8();
                plain_ascii &= ch.is_ascii();
                if !alphabetic {
                    break;
                }
            } else {
                break;
            }
        }
        let run = &text[start..end];
        let out_start = out.text.len();
        if plain_ascii {
            out.text.push_str(run);
        } else {
            normalize_run(run, scratch, &mut out.text);
        }
        let drift_before = out_start as i64 - start as i64;
        let drift_after = out.text.len() as i64 - end as i64;
        if drift_after != drift_before {
            // Keep offsets exact from the start of the next run on.
            out.map.points.push((out.text.len() as u32, end as u32));
        }
        i = end;
    }
}

/// Appends one letter run (letters and combining marks), in NFC with its tone placed, to `out`.
fn normalize_run(run: &str, scratch: &mut Vec<char>, out: &mut String) {
    super::memo::normalized_run(run, out, |run| {
        scratch.clear();
        scratch.extend(run.chars().nfc());
        place_tone(scratch);
        scratch.iter().collect()
    })
}

/// Normalises `text`: NFC, classic tone placement, case kept.
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    let mut scratch = Vec::new();
    normalize_into(text, &mut out, &mut scratch);
    out
}

/// Whether `c` belongs to a script whose words are runs of letters (Latin with Vietnamese,
/// Greek, Cyrillic, Armenian): word breaking keeps such a run whole.
#[inline]
fn in_alphabetic_script(c: char) -> bool {
    matches!(c as u32, 0..=0x058F | 0x1D00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFB00..=0xFB06)
}

#[inline]
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F)
}

fn is_vowel_base(c: char) -> bool {
    VOWELS.contains(c)
}

/// Moves the single tone mark of a Vietnamese syllable (NFC chars) to its classic position.
/// Letter runs that are not one well-formed Vietnamese syllable are left as they are.
fn place_tone(chars: &mut [char]) {
    let t = tables();
    let mut tone = 0u8;
    let mut tone_at = usize::MAX;
    for (k, c) in chars.iter().enumerate() {
        if let Some(&(_, tn)) = t.split.get(c) {
            if tn != 0 {
                if tone != 0 {
                    return; // two tone marks: not one syllable
                }
                tone = tn;
                tone_at = k;
            }
        }
    }
    if tone == 0 {
        return;
    }
    let base = |c: char| t.split.get(&c).map(|&(b, _)| b).unwrap_or(c);
    let lower = |c: char| base(c).to_lowercase().next().unwrap_or(c);
    // Find the vowel cluster; it must be contiguous.
    let first = match chars.iter().position(|&c| is_vowel_base(base(c))) {
        Some(p) => p,
        None => return,
    };
    let mut last = first;
    while last + 1 < chars.len() && is_vowel_base(base(chars[last + 1])) {
        last += 1;
    }
    if chars[last + 1..].iter().any(|&c| is_vowel_base(base(c))) {
        return;
    }
    let mut nucleus_start = first;
    // "qu" and "gi" onsets: that u / i belongs to the consonant.
    if first > 0 && last > first {
        let onset_last = lower(chars[first - 1]);
        let v = lower(chars[first]);
        if (onset_last == 'q' && v == 'u') || (onset_last == 'g' && v == 'i' && first == 1) {
            nucleus_start = first + 1;
        }
    }
    let has_coda = last + 1 < chars.len();
    let nucleus: Vec<char> = chars[nucleus_start..=last].iter().map(|&c| lower(c)).collect();
    let shaped = nucleus.iter().rposition(|c| "ăâêôơư".contains(*c));
    let target = match shaped {
        Some(p) => nucleus_start + p,
        None => match (nucleus.len(), has_coda) {
            (1, _) => nucleus_start,
            (_, true) => last,
            (3, false) => nucleus_start + 1,
            _ => nucleus_start,
        },
    };
    if target == tone_at || target > last {
        return;
    }
    let moved_from = base(chars[tone_at]);
    let moved_to = base(chars[target]);
    if let (Some(&a), Some(&b)) = (t.join.get(&(moved_from, 0)), t.join.get(&(moved_to, tone))) {
        chars[tone_at] = a;
        chars[target] = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_placement_variants_meet() {
        for (a, b) in [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình")] {
            assert_eq!(normalize(a).text, normalize(b).text, "{a} vs {b}");
        }
        assert_eq!(normalize("hoà").text, "hòa");
        // With a final consonant the mark stays on the last vowel.
        assert_eq!(normalize("hoàng").text, "hoàng");
        assert_eq!(normalize("ngoài").text, "ngoài");
        assert_eq!(normalize("người").text, "người");
        assert_eq!(normalize("quý").text, "quý");
        assert_eq!(normalize("giá").text, "giá");
    }

    #[test]
    fn nfd_is_composed_and_offsets_map_back() {
        let nfd: String = "Việc làm cho thanh niên".nfd().collect();
        let n = normalize(&nfd);
        assert_eq!(n.text, "Việc làm cho thanh niên");
        let pos = n.text.find("thanh").unwrap();
        let orig = n.map.to_original(pos);
        assert_eq!(&nfd[orig..orig + 5], "thanh");
        assert!(normalize("viec lam").map.is_identity());
    }

    #[test]
    fn folding_removes_every_vietnamese_diacritic() {
        assert_eq!(fold_lower("Đường Ưu Đãi Vốn Tuyển Ngữ Ỹ"), "duong uu dai von tuyen ngu y");
        assert!(has_diacritic('ư') && has_diacritic('đ') && !has_diacritic('u'));
        for c in ['a', 'Z', 'ư', 'Ế', 'ỹ', 'ß', 'Ω', '中', '1', ' ', '%', '\u{301}', '😀'] {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
    }
}
