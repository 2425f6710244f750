//! Vietnamese text typed with the legacy fonts offices still use: TCVN3 (ABC, the .VnTime
//! fonts) and VNI Windows (VNI-Times). Read without its font, such text shows as Latin-1
//! letters ("B¶o Th¾ng", "Baûo Thaéng"); the tables in models/encodings/ turn it back into
//! Unicode. A file's encoding is told from the letters' telltale patterns.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

/// A legacy font encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// TCVN 5712:1993 (ABC, .VnTime): one character a letter.
    Tcvn3,
    /// VNI Windows (VNI-Times): a base letter and a mark character.
    Vni,
}

struct Tables {
    tcvn3: FxHashMap<char, char>,
    vni_pairs: FxHashMap<(char, char), char>,
    vni_single: FxHashMap<char, char>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let rows = |text: &'static str| {
            text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|l| l.split_once('\t'))
        };
        let mut tcvn3 = FxHashMap::default();
        for (hex, letter) in rows(include_str!("../../models/encodings/tcvn3.tsv")) {
            if let (Ok(b), Some(c)) = (u8::from_str_radix(hex, 16), letter.chars().next()) {
                tcvn3.insert(char::from(b), c);
            }
        }
        let (mut vni_pairs, mut vni_single) = (FxHashMap::default(), FxHashMap::default());
        for (typed, letter) in rows(include_str!("../../models/encodings/vni.tsv")) {
            let t: Vec<char> = typed.chars().collect();
            let Some(c) = letter.chars().next() else { continue };
            match t[..] {
                [a, b] => {
                    vni_pairs.insert((a, b), c);
                }
                [a] => {
                    vni_single.insert(a, c);
                }
                _ => {}
            }
        }
        Tables { tcvn3, vni_pairs, vni_single }
    })
}

/// Letters only Unicode Vietnamese has (ă, đ, ơ, ư and the letters with tones of
/// U+1EA0-U+1EF9): text holding them is not legacy text.
fn unicode_vietnamese(c: char) -> bool {
    matches!(
        c as u32,
        0x1EA0..=0x1EF9 | 0x102 | 0x103 | 0x110 | 0x111 | 0x128 | 0x129 | 0x168 | 0x169 | 0x1A0 | 0x1A1 | 0x1AF | 0x1B0
    )
}

/// VNI mark characters that are no Vietnamese letter in Unicode (the others, such as á,
/// also end words like "quá" and tell nothing).
fn vni_telltale(c: char) -> bool {
    matches!(c, 'ø' | 'û' | 'ï' | 'å' | 'ä' | 'ë' | 'ü' | 'Ø' | 'Û' | 'Ï' | 'Å' | 'Ä' | 'Ë' | 'Ü')
}

/// The legacy encoding `texts` were typed in, if they were: TCVN3 when several characters
/// of U+00A1-U+00BF (where it keeps its lowercase letters, and Unicode Vietnamese keeps
/// none) stand among letters; VNI when several vowels are followed by a mark character
/// that is no Vietnamese letter. Text with letters only Unicode has is never legacy.
pub fn detect<'t>(texts: impl IntoIterator<Item = &'t str>) -> Option<Legacy> {
    let (mut tcvn, mut vni, mut letters) = (0usize, 0usize, 0usize);
    for t in texts {
        let mut prev = ' ';
        for c in t.chars() {
            if unicode_vietnamese(c) {
                return None;
            }
            if c.is_alphabetic() {
                letters += 1;
            }
            if ('\u{A1}'..='\u{BF}').contains(&c) && tables().tcvn3.contains_key(&c) {
                tcvn += 1;
            }
            if vni_telltale(c) && "aeiouyAEIOUYôöÔÖ".contains(prev) {
                vni += 1;
            }
            prev = c;
        }
    }
    let enough = |n: usize| n >= 3 && n * 50 >= letters;
    if enough(tcvn) && tcvn >= vni {
        Some(Legacy::Tcvn3)
    } else if enough(vni) {
        Some(Legacy::Vni)
    } else {
        None
    }
}

/// `text` in Unicode (NFC), read as `legacy`.
pub fn convert(legacy: Legacy, text: &str) -> String {
    let t = tables();
    let out: String = match legacy {
        Legacy::Tcvn3 => text.chars().map(|c| t.tcvn3.get(&c).copied().unwrap_or(c)).collect(),
        Legacy::Vni => {
            let chars: Vec<char> = text.chars().collect();
            let mut out = String::with_capacity(text.len());
            let mut i = 0;
            while i < chars.len() {
                if let Some(&c) = chars.get(i + 1).and_then(|&b| t.vni_pairs.get(&(chars[i], b))) {
                    out.push(c);
                    i += 2;
                } else {
                    out.push(t.vni_single.get(&chars[i]).copied().unwrap_or(chars[i]));
                    i += 1;
                }
            }
            out
        }
    };
    out.nfc().collect()
}

impl Legacy {
    /// Its name as people know it.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC, phông .VnTime)",
            Legacy::Vni => "VNI Windows (phông VNI-Times)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_places_typed_in_tcvn3_and_vni_read_as_unicode() {
        assert_eq!(convert(Legacy::Tcvn3, "B¶o Th¾ng, M\u{AD}êng Kh\u{AD}¬ng"), "Bảo Thắng, Mường Khương");
        assert_eq!(detect(["B¶o Th¾ng, M\u{AD}êng Kh\u{AD}¬ng, B¸t X¸t"]), Some(Legacy::Tcvn3));
        assert_eq!(convert(Legacy::Vni, "Xin chaøo caùc baïn, ñeà nghò"), "Xin chào các bạn, đề nghị");
        assert_eq!(detect(["Xin chaøo caùc baïn, ñeà nghò tænh hoã trôï"]), Some(Legacy::Vni));
        // Unicode Vietnamese, with its Latin-1 letters (quá, hoà), is left alone.
        assert_eq!(detect(["Em thấy học phí quá cao, mong tỉnh hỗ trợ"]), None);
        assert_eq!(detect(["hoà thuận, quá tốt"]), None);
        assert_eq!(detect(["Cafe latte"]), None);
    }
}
