//! The internal DTD subset of a schema file, read only to bound it before roxmltree expands it.
//!
//! Schema files are trusted build inputs, not request bodies (the request path in
//! `src/soap/xml.rs` keeps refusing every DTD). W3C's `xmldsig-core-schema.xsd`, which most
//! signing schema sets import, begins with a DOCTYPE declaring internal entities, so a schema's
//! internal subset is read: its general entities are expanded (by roxmltree), within bounds on
//! their number and on how much text their references add to the document. Nothing external is
//! ever fetched: an external entity (`SYSTEM`/`PUBLIC`) that the document refers to is an error
//! naming it, and the external DTD subset is never read.

use std::collections::BTreeMap;

/// At most this many entity declarations (general and parameter) in an internal subset.
pub const MAX_ENTITIES: usize = 256;
/// At most this many bytes of text added to the document by entity references, in all.
pub const MAX_EXPANSION: usize = 1 << 20;

/// Why a schema's DTD is refused: the message and the 1-based line it is about.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub line: u32,
    pub message: String,
}

enum Def<'t> {
    Internal(&'t str),
    External,
}

/// Checks the internal subset of the DOCTYPE in `text` (if any) against the bounds above. `Ok`
/// when there is no DOCTYPE, or when roxmltree may expand it.
pub fn check(text: &str) -> Result<(), Refused> {
    let Some(start) = doctype_start(text) else {
        return Ok(());
    };
    let line = |pos: usize| text[..pos].bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let refuse = |pos: usize, message: String| Refused {
        line: line(pos),
        message,
    };
    let b = text.as_bytes();
    // From `<!DOCTYPE` to `[` (the internal subset) or `>` (none), skipping quoted literals.
    let mut i = start + "<!DOCTYPE".len();
    let subset = loop {
        match b.get(i) {
            None => return Ok(()), // roxmltree reports the unclosed DOCTYPE
            Some(b'[') => break i + 1,
            Some(b'>') => return Ok(()),
            Some(&q @ (b'"' | b'\'')) => i = skip_past(b, i + 1, &[q]),
            Some(_) => i += 1,
        }
    };
    let mut general: BTreeMap<&str, Def<'_>> = BTreeMap::new();
    let mut declared = 0usize;
    let mut i = subset;
    let end = loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = &text[i.min(text.len())..];
        if rest.is_empty() {
            return Ok(());
        } else if rest.starts_with(']') {
            break i;
        } else if rest.starts_with("<!--") {
            i = find_past(text, i + 4, "-->");
        } else if rest.starts_with("<?") {
            i = find_past(text, i + 2, "?>");
        } else if rest.starts_with("<!ENTITY") {
            declared += 1;
            if declared > MAX_ENTITIES {
                return Err(refuse(
                    i,
                    format!("more than {MAX_ENTITIES} entity declarations in the DOCTYPE"),
                ));
            }
            let at = i;
            i += "<!ENTITY".len();
            i = skip_ws(b, i);
            let parameter = b.get(i) == Some(&b'%');
            if parameter {
                i = skip_ws(b, i + 1);
            }
            let name_end = i + text[i..]
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(text.len() - i);
            let name = &text[i..name_end];
            i = skip_ws(b, name_end);
            let def = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let close = skip_past(b, i + 1, &[q]);
                    let value = &text[i + 1..close.saturating_sub(1).max(i + 1)];
                    i = close;
                    Def::Internal(value)
                }
                _ => Def::External,
            };
            i = skip_past(b, i, b">");
            // The first declaration of a name binds (XML 1.0 §4.2).
            if !parameter && !general.contains_key(name) {
                if let Def::Internal(v) = &def {
                    if v.len() > MAX_EXPANSION {
                        return Err(refuse(
                            at,
                            format!("entity {name:?} is longer than {MAX_EXPANSION} bytes"),
                        ));
                    }
                }
                general.insert(name, def);
            }
        } else if rest.starts_with("<!") {
            // ELEMENT, ATTLIST, NOTATION: skipped, quoted literals and all.
            i = skip_past(b, i + 2, b">");
        } else if rest.starts_with('%') {
            i = skip_past(b, i + 1, b";");
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    };
    // What the references in the document add, each entity's expansion computed once.
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0usize;
    let body = &text[end..];
    for (pos, name) in references(body) {
        let at = end + pos;
        match general.get(name) {
            None => {} // predefined or undeclared: roxmltree decides
            Some(Def::External) => {
                return Err(refuse(
                    at,
                    format!(
                        "external entity {name:?} is not fetched: schema files are read offline"
                    ),
                ))
            }
            Some(Def::Internal(_)) => {
                let size =
                    expanded(name, &general, &mut sizes, &mut vec![]).map_err(|m| refuse(at, m))?;
                total = total.saturating_add(size);
                if total > MAX_EXPANSION {
                    return Err(refuse(
                        at,
                        format!("entity references expand to more than {MAX_EXPANSION} bytes"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The expanded length of the internal entity `name`.
fn expanded<'t>(
    name: &'t str,
    general: &BTreeMap<&'t str, Def<'t>>,
    sizes: &mut BTreeMap<&'t str, usize>,
    stack: &mut Vec<&'t str>,
) -> Result<usize, String> {
    if let Some(&n) = sizes.get(name) {
        return Ok(n);
    }
    if stack.contains(&name) {
        return Err(format!("entity {name:?} refers to itself"));
    }
    let value = match general.get(name) {
        Some(Def::Internal(v)) => *v,
        Some(Def::External) => {
            return Err(format!(
                "external entity {name:?} is not fetched: schema files are read offline"
            ))
        }
        None => return Ok(0),
    };
    stack.push(name);
    let mut size = value.len();
    for (_, inner) in references(value) {
        size = size.saturating_add(expanded(inner, general, sizes, stack)?);
        if size > MAX_EXPANSION {
            stack.pop();
            return Err(format!(
                "entity {name:?} expands to more than {MAX_EXPANSION} bytes"
            ));
        }
    }
    stack.pop();
    sizes.insert(name, size);
    Ok(size)
}

/// The general entity references (`&name;`, not character references) in `s`, with their
/// byte offsets.
fn references(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.match_indices('&').filter_map(move |(pos, _)| {
        let rest = &s[pos + 1..];
        if rest.starts_with('#') {
            return None;
        }
        let end = rest.find(';')?;
        let name = &rest[..end];
        (!name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '&' || c == '<'))
            .then_some((pos, name))
    })
}

/// Where a DOCTYPE declaration begins in the prolog (before the root element), if any.
fn doctype_start(text: &str) -> Option<usize> {
    let mut i = 0;
    let b = text.as_bytes();
    loop {
        i = skip_ws(b, i);
        let rest = &text[i.min(text.len())..];
        if rest.starts_with("<!DOCTYPE") {
            return Some(i);
        } else if rest.starts_with("<?") {
            i = find_past(text, i + 2, "?>");
        } else if rest.starts_with("<!--") {
            i = find_past(text, i + 4, "-->");
        } else {
            return None;
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The position after the next of the bytes `until` from `i`, skipping quoted literals unless
/// a quote is what is looked for; the end of the text when there is none.
fn skip_past(b: &[u8], mut i: usize, until: &[u8]) -> usize {
    while let Some(&c) = b.get(i) {
        if until.contains(&c) {
            return i + 1;
        }
        if c == b'"' || c == b'\'' {
            i = skip_past(b, i + 1, &[c]);
            continue;
        }
        i += 1;
    }
    b.len()
}

fn find_past(text: &str, from: usize, needle: &str) -> usize {
    text.get(from..)
        .and_then(|r| r.find(needle))
        .map_or(text.len(), |p| from + p + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_doctype_or_no_subset_is_fine() {
        assert_eq!(check("<a/>"), Ok(()));
        assert_eq!(
            check("<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"a.dtd\"><a/>"),
            Ok(())
        );
    }

    #[test]
    fn billion_laughs_is_refused_by_size() {
        let mut dtd = String::from("<!DOCTYPE a [\n<!ENTITY l0 \"lol\">\n");
        for i in 1..10 {
            let p = i - 1;
            dtd.push_str(&format!(
                "<!ENTITY l{i} \"{}\">\n",
                format!("&l{p};").repeat(10)
            ));
        }
        dtd.push_str("]>\n<a>&l9;</a>");
        let e = check(&dtd).unwrap_err();
        assert_eq!(e.line, 13, "{e:?}");
        assert!(e.message.contains("expands to more than"), "{e:?}");
    }

    #[test]
    fn too_many_declarations_and_loops_are_refused() {
        let mut dtd = String::from("<!DOCTYPE a [");
        for i in 0..=MAX_ENTITIES {
            dtd.push_str(&format!("<!ENTITY e{i} \"x\">"));
        }
        dtd.push_str("]><a/>");
        assert!(check(&dtd).unwrap_err().message.contains("more than 256"));
        let e =
            check("<!DOCTYPE a [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><a>&a;</a>").unwrap_err();
        assert!(e.message.contains("refers to itself"), "{e:?}");
    }

    #[test]
    fn external_entities_are_never_fetched() {
        let e = check("<!DOCTYPE a [\n<!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n<a>&x;</a>")
            .unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("\"x\" is not fetched"), "{e:?}");
        // Declared but not used: nothing to fetch, nothing refused.
        assert_eq!(
            check("<!DOCTYPE a [<!ENTITY x SYSTEM \"http://example.org/x\">]><a/>"),
            Ok(())
        );
    }
}
