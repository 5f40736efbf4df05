//! Rust identifiers for XML names.
//!
//! The XML name on the wire is never changed (it is emitted as a string literal next to the
//! identifier). The identifier is made from it: surrounding spaces dropped, Cyrillic letters that
//! look like Latin ones in a Latin word (`BirthDatе` with a Cyrillic "е") mapped to their Latin
//! twin, remaining Cyrillic transliterated (Bulgarian streamlined system), anything else that is
//! not alphanumeric a word break; keywords get a trailing underscore.

use std::collections::BTreeSet;

/// The Latin letters of a Cyrillic letter: Bulgarian by the Transliteration Act, plus the few
/// Russian/Ukrainian letters that appear in schema names.
fn cyrillic(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    regway_xml_runtime::translit::bulgarian_latin(lower).or(match lower {
        'ѝ' => Some("i"),
        'ё' => Some("yo"),
        'ы' => Some("y"),
        'э' => Some("e"),
        'і' => Some("i"),
        'ї' => Some("yi"),
        'є' => Some("ye"),
        _ => None,
    })
}

/// Look-alikes: Cyrillic letters drawn like a Latin letter, used by mistake inside Latin names.
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'А' => 'A',
        'В' => 'B',
        'е' => 'e',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'о' => 'o',
        'О' => 'O',
        'р' => 'p',
        'Р' => 'P',
        'с' => 'c',
        'С' => 'C',
        'Т' => 'T',
        'у' => 'y',
        'х' => 'x',
        'Х' => 'X',
        'і' => 'i',
        'І' => 'I',
        _ => return None,
    })
}

/// Splits `name` into ASCII words at non-alphanumerics, lower→upper steps and acronym ends
/// (`EGNType` → `EGN`, `Type`).
fn words(name: &str) -> Vec<String> {
    let latin_context = name.chars().any(|c| c.is_ascii_alphabetic());
    let mut ascii = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            ascii.push(c);
        } else if let Some(h) = homoglyph(c).filter(|_| latin_context) {
            ascii.push(h);
        } else if let Some(t) = cyrillic(c) {
            if c.is_uppercase() {
                let mut cs = t.chars();
                if let Some(f) = cs.next() {
                    ascii.push(f.to_ascii_uppercase());
                    ascii.extend(cs);
                }
            } else {
                ascii.push_str(t);
            }
        } else {
            ascii.push(' ');
        }
    }
    let mut out = Vec::new();
    for chunk in ascii.split(' ').filter(|s| !s.is_empty()) {
        let cs: Vec<char> = chunk.chars().collect();
        let mut cur = String::new();
        for (i, &c) in cs.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| cs[j]);
            let next = cs.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if c.is_ascii_uppercase() => {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                }
                _ => false,
            };
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
];

fn finish(mut s: String, fallback: &str) -> String {
    if s.is_empty() {
        s = fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, fallback);
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `UpperCamelCase` for types and variants.
pub fn type_name(xml: &str) -> String {
    let s: String = words(xml)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect();
    finish(s, "V")
}

/// `snake_case` for fields and functions.
pub fn field_name(xml: &str) -> String {
    let s = words(xml)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    finish(s, "f")
}

/// `SCREAMING_SNAKE_CASE` for constants.
pub fn const_name(xml: &str) -> String {
    let s = words(xml)
        .iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_");
    finish(s, "C")
}

/// Hands out names unique within one scope, numbering repeats (`Name`, `Name2`, …).
#[derive(Debug, Default)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    pub fn with_reserved(names: &[&str]) -> Self {
        Scope {
            used: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let stem = base.trim_end_matches('_');
        (2..)
            .map(|i| format!("{stem}{i}"))
            .find(|n| self.used.insert(n.clone()))
            .unwrap_or(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_ascii_and_wire_quirks_vanish() {
        assert_eq!(field_name("DLCategоries "), "dl_categories");
        assert_eq!(field_name("BirthDatе"), "birth_date");
        assert_eq!(type_name("АuxType"), "AuxType");
        assert_eq!(type_name("EGNType"), "EgnType");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("Лице"), "Litse");
        assert_eq!(type_name("1"), "V1");
        assert_eq!(field_name(""), "f");
        let mut s = Scope::default();
        assert_eq!(s.unique("A".into()), "A");
        assert_eq!(s.unique("A".into()), "A2");
    }
}
