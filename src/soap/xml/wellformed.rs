//! The rules of well-formed XML that quick-xml leaves to its user, in one place, so that the
//! request reader ([`super::parse`]) and the field filter on adapter answers
//! (`policy/filter.rs`) refuse exactly the same documents: characters XML allows, names,
//! the XML declaration, comments, processing instructions, namespace bindings, attributes
//! (their limit, separation, uniqueness and values) and references.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute as QuickAttribute;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart};
use quick_xml::name::PrefixDeclaration;

use super::{utf8, Limits, XmlError, XMLNS_NS, XML_NS};

pub(super) fn malformed(why: impl Into<String>) -> XmlError {
    XmlError::Malformed(why.into())
}

/// XML's white space (`S`): space, tab, CR and LF, not every Unicode space.
pub(crate) fn is_xml_space(text: &[u8]) -> bool {
    text.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

pub(super) fn is_name_start_char(c: char) -> bool {
    matches!(c, 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

pub(super) fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// An XML name without colons (Namespaces in XML's `NCName`).
pub(super) fn is_xml_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// An element or attribute name must be a `QName`: `NCName` or `NCName:NCName`.
pub(crate) fn check_name(raw: &[u8]) -> Result<(), XmlError> {
    let name = utf8(raw)?;
    let ok = match name.split_once(':') {
        Some((prefix, local)) => is_xml_ncname(prefix) && is_xml_ncname(local),
        None => is_xml_ncname(name),
    };
    if ok {
        Ok(())
    } else {
        Err(malformed(format!("'{name}' is not an XML name")))
    }
}

/// The XML declaration may only open the document.
pub(crate) fn check_declaration_first(at_start: bool) -> Result<(), XmlError> {
    if at_start {
        Ok(())
    } else {
        Err(malformed("the XML declaration is not at the start"))
    }
}

/// The XML declaration's content (after `<?xml`, before `?>`) is `version`, then optionally
/// `encoding` and `standalone`, each ` name="value"` with a value of its grammar.
pub(crate) fn check_xml_declaration(content: &[u8]) -> Result<(), XmlError> {
    let bad = || malformed("the XML declaration is malformed");
    let trim = |b: &'_ [u8]| -> usize { b.iter().take_while(|c| is_xml_space(&[**c])).count() };
    let mut rest = content.strip_prefix(b"xml").ok_or_else(bad)?;
    let mut expected: &[&[u8]] = &[b"version", b"encoding", b"standalone"];
    let mut seen = 0;
    loop {
        let space = trim(rest);
        rest = &rest[space..];
        if rest.is_empty() {
            break;
        }
        if space == 0 {
            return Err(bad());
        }
        let name_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let name = &rest[..name_len];
        let at = expected.iter().position(|n| *n == name).ok_or_else(bad)?;
        if seen == 0 && name != b"version" {
            return Err(bad());
        }
        expected = &expected[at + 1..];
        seen += 1;
        rest = &rest[name_len..];
        rest = &rest[trim(rest)..];
        rest = rest.strip_prefix(b"=").ok_or_else(bad)?;
        rest = &rest[trim(rest)..];
        let quote = *rest.first().ok_or_else(bad)?;
        if quote != b'"' && quote != b'\'' {
            return Err(bad());
        }
        let len = rest[1..].iter().position(|&c| c == quote).ok_or_else(bad)?;
        let value = &rest[1..1 + len];
        let valid = match name {
            b"version" => {
                value.len() > 2
                    && value.starts_with(b"1.")
                    && value[2..].iter().all(u8::is_ascii_digit)
            }
            b"encoding" => {
                value.first().is_some_and(u8::is_ascii_alphabetic)
                    && value
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            }
            _ => value == b"yes" || value == b"no",
        };
        if !valid {
            return Err(bad());
        }
        rest = &rest[2 + len..];
    }
    if seen == 0 {
        Err(bad())
    } else {
        Ok(())
    }
}

/// In a start tag, white space must follow every attribute value but the last
/// (`a="1"b="2"` is not XML). Quotes only occur around values once names are checked.
pub(crate) fn check_attribute_separation(tag: &[u8]) -> Result<(), XmlError> {
    let mut quote = None;
    for (i, &c) in tag.iter().enumerate() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                if tag.get(i + 1).is_some_and(|next| !is_xml_space(&[*next])) {
                    return Err(malformed("attributes are not separated by white space"));
                }
            }
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None => {}
        }
    }
    Ok(())
}

/// The encoding a declaration names, if any, must be UTF-8.
pub(crate) fn check_declared_encoding(d: &BytesDecl<'_>) -> Result<(), XmlError> {
    if let Some(enc) = d.encoding() {
        let enc = enc.map_err(|e| XmlError::Malformed(e.to_string()))?;
        let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
        if enc != "utf-8" && enc != "utf8" {
            return Err(XmlError::Encoding);
        }
    }
    Ok(())
}

/// Character data may not hold `]]>`.
pub(crate) fn check_text(raw: &[u8]) -> Result<(), XmlError> {
    if raw.windows(3).any(|w| w == b"]]>") {
        Err(malformed("']]>' in text"))
    } else {
        Ok(())
    }
}

/// A comment may not hold `--` nor end with `-`.
pub(crate) fn check_comment(content: &[u8]) -> Result<(), XmlError> {
    if content.windows(2).any(|w| w == b"--") || content.ends_with(b"-") {
        Err(malformed("'--' in a comment"))
    } else {
        Ok(())
    }
}

/// A processing instruction's target is a name, and not `xml` in any case.
pub(crate) fn check_pi_target(target: &[u8]) -> Result<(), XmlError> {
    if target.eq_ignore_ascii_case(b"xml") {
        return Err(malformed("the XML declaration is not at the start"));
    }
    let name = utf8(target)?;
    if is_xml_ncname(name) {
        Ok(())
    } else {
        Err(malformed(format!(
            "'{name}' is not a processing instruction target"
        )))
    }
}

/// A namespace declaration may not bind a prefix to no namespace (XML 1.0), bind `xmlns`, bind
/// `xml` to anything but its namespace, nor bind anything else to those two namespaces.
pub(crate) fn check_binding(binding: PrefixDeclaration<'_>, uri: &str) -> Result<(), XmlError> {
    let prefix = match binding {
        PrefixDeclaration::Default => "",
        PrefixDeclaration::Named(p) => utf8(p)?,
    };
    if !prefix.is_empty() && uri.is_empty() {
        return Err(malformed(format!(
            "prefix '{prefix}' is bound to an empty namespace"
        )));
    }
    let reserved = match prefix {
        "xmlns" => true,
        "xml" => uri != XML_NS,
        "" => uri == XML_NS || uri == XMLNS_NS,
        p => !is_xml_ncname(p) || uri == XML_NS || uri == XMLNS_NS,
    };
    if reserved {
        Err(malformed(format!(
            "prefix '{prefix}' may not be bound to '{uri}'"
        )))
    } else {
        Ok(())
    }
}

/// No two attributes of an element may have the same namespace and local name.
pub(crate) fn check_unique_attributes<T>(
    attributes: &[T],
    name: impl Fn(&T) -> (&[u8], &[u8]),
) -> Result<(), XmlError> {
    for (i, attribute) in attributes.iter().enumerate() {
        let (ns, local) = name(attribute);
        if attributes[..i]
            .iter()
            .any(|other| name(other) == (ns, local))
        {
            return Err(malformed(format!(
                "attribute {{{}}}{} is written twice",
                String::from_utf8_lossy(ns),
                String::from_utf8_lossy(local)
            )));
        }
    }
    Ok(())
}

/// XML's end-of-line handling: CR LF and a lone CR read as LF.
pub(super) fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether XML 1.0 allows the character (its `Char` production).
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Refuse a character XML does not allow, written raw. UTF-8 holds no surrogates, so what is
/// left to find is a C0 control other than tab, LF and CR, and U+FFFE or U+FFFF (`EF BF BE`,
/// `EF BF BF`); one pass over the bytes.
pub(crate) fn check_chars(text: &str) -> Result<(), XmlError> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
            return Err(XmlError::InvalidChar(u32::from(b)));
        }
        if b == 0xEF && bytes.get(i + 1) == Some(&0xBF) {
            match bytes.get(i + 2) {
                Some(0xBE) => return Err(XmlError::InvalidChar(0xFFFE)),
                Some(0xBF) => return Err(XmlError::InvalidChar(0xFFFF)),
                _ => {}
            }
        }
    }
    Ok(())
}

/// The character a reference in text stands for: a character reference to a character XML
/// allows, or one of the five predefined entities.
pub(crate) fn resolve_reference(r: &BytesRef<'_>) -> Result<char, XmlError> {
    match r
        .resolve_char_ref()
        .map_err(|e| XmlError::Malformed(e.to_string()))?
    {
        Some(c) if is_xml_char(c) => Ok(c),
        Some(c) => Err(XmlError::InvalidChar(c as u32)),
        None => {
            let name = r.decode().map_err(|e| XmlError::Malformed(e.to_string()))?;
            predefined_entity(&name).ok_or_else(|| XmlError::UndefinedEntity(name.into_owned()))
        }
    }
}

/// The attributes of a start tag, namespace declarations included, read under the attribute
/// limit: the limit is checked as each attribute is read, so quick-xml's duplicate check
/// (linear in the attributes before it) costs at most `max_attributes`² per element.
pub(crate) fn read_attributes<'a>(
    start: &'a BytesStart<'_>,
    limits: Limits,
) -> Result<Vec<QuickAttribute<'a>>, XmlError> {
    let mut out = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
        if out.len() == limits.max_attributes {
            return Err(XmlError::TooManyAttributes(limits.max_attributes));
        }
        out.push(attr);
    }
    Ok(out)
}

/// An attribute's value as a conformant reader gives it: references resolved (only
/// predefined entities and characters XML allows), white space written as such (tab, CR, LF,
/// CR LF) read as one space each, and `<` refused.
pub(crate) fn attribute_value<'a>(attr: &'a QuickAttribute<'_>) -> Result<Cow<'a, str>, XmlError> {
    let raw = utf8(&attr.value)?;
    let special = |c: char| matches!(c, '&' | '<' | '\t' | '\n' | '\r');
    if !raw.contains(special) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(special) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        rest = match rest.as_bytes()[i] {
            b'<' => return Err(malformed("'<' in an attribute value")),
            b'&' => {
                let end = after
                    .find(';')
                    .ok_or_else(|| malformed("a reference without ';' in an attribute value"))?;
                out.push(reference(&after[..end])?);
                &after[end + 1..]
            }
            b'\r' => {
                out.push(' ');
                after.strip_prefix('\n').unwrap_or(after)
            }
            _ => {
                out.push(' ');
                after
            }
        };
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// The character `&name;` stands for in an attribute value.
pub(super) fn reference(name: &str) -> Result<char, XmlError> {
    let Some(number) = name.strip_prefix('#') else {
        return predefined_entity(name).ok_or_else(|| XmlError::UndefinedEntity(name.to_string()));
    };
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(malformed(format!(
            "'&{name};' is not a character reference"
        )));
    }
    let code = u32::from_str_radix(digits, radix)
        .ok()
        .filter(|&c| c <= 0x10FFFF)
        .ok_or_else(|| malformed(format!("'&{name};' is not a character")))?;
    match char::from_u32(code) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err(XmlError::InvalidChar(code)),
    }
}

pub(super) fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}
