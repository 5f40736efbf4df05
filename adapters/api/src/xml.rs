//! Small XML helpers adapters share: reading the text of argument fields and escaping the
//! values they write. The gateway has already refused DTDs, undefined entities and excessive
//! nesting before an argument reaches an adapter; these helpers stay strict anyway.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::{AdapterError, QName};

/// Escape text for use in element content or a double-quoted attribute value.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// The text of every direct child element of the root whose name is `ns`/`local`-qualified
/// like `child`, in document order. The root's own name is checked against `root`.
///
/// Leniency follows .NET `XmlSerializer`, which RegiX clients were written against: children in
/// other namespaces are ignored, and a child that is absent simply yields nothing.
pub fn child_texts(xml: &str, root: QName, child: QName) -> Result<Vec<String>, AdapterError> {
    let mut reader = NsReader::from_str(xml);
    let mut depth = 0usize;
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| AdapterError::BadArgument(e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let ns = match resolved {
                    ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
                    ResolveResult::Unbound => String::new(),
                    ResolveResult::Unknown(p) => {
                        return Err(AdapterError::BadArgument(format!(
                            "undeclared namespace prefix '{}'",
                            String::from_utf8_lossy(&p)
                        )))
                    }
                };
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if depth == 0 && (ns != root.ns || local != root.local) {
                    return Err(AdapterError::BadArgument(format!(
                        "expected root element {root}, found {{{ns}}}{local}"
                    )));
                }
                if depth == 1 && ns == child.ns && local == child.local {
                    if is_empty {
                        out.push(String::new());
                    } else {
                        current = Some(String::new());
                    }
                }
                if !is_empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    if let Some(text) = current.take() {
                        out.push(text);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(buf) = current.as_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| AdapterError::BadArgument(e.to_string()))?;
                    buf.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(buf) = current.as_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| AdapterError::BadArgument(e.to_string()))?;
                    buf.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(buf) = current.as_mut() {
                    let c = resolve_reference(&r)?;
                    buf.push(c);
                }
            }
            Event::DocType(_) => {
                return Err(AdapterError::BadArgument(
                    "DTDs are not accepted".to_string(),
                ))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The trimmed text of the first child `child` of the root, if present and non-empty.
pub fn child_text(xml: &str, root: QName, child: QName) -> Result<Option<String>, AdapterError> {
    Ok(child_texts(xml, root, child)?
        .into_iter()
        .map(|t| t.trim().to_string())
        .find(|t| !t.is_empty()))
}

fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<char, AdapterError> {
    if let Some(c) = r
        .resolve_char_ref()
        .map_err(|e| AdapterError::BadArgument(e.to_string()))?
    {
        return Ok(c);
    }
    let name = r
        .decode()
        .map_err(|e| AdapterError::BadArgument(e.to_string()))?;
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(AdapterError::BadArgument(format!(
            "reference to undefined entity '&{other};'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: QName = QName {
        ns: "urn:r",
        local: "Req",
    };
    const EGN: QName = QName {
        ns: "urn:r",
        local: "EGN",
    };

    #[test]
    fn reads_prefixed_and_default_namespaced_children() {
        let a = r#"<Req xmlns="urn:r"><EGN> 123 </EGN></Req>"#;
        assert_eq!(child_text(a, ROOT, EGN).unwrap().as_deref(), Some("123"));
        let b = r#"<p:Req xmlns:p="urn:r"><p:EGN>4&amp;5</p:EGN></p:Req>"#;
        assert_eq!(child_text(b, ROOT, EGN).unwrap().as_deref(), Some("4&5"));
    }

    #[test]
    fn ignores_children_in_other_namespaces_and_rejects_wrong_root() {
        let a = r#"<Req xmlns="urn:r"><EGN xmlns="urn:other">1</EGN></Req>"#;
        assert_eq!(child_text(a, ROOT, EGN).unwrap(), None);
        let b = r#"<Other xmlns="urn:r"><EGN>1</EGN></Other>"#;
        assert!(matches!(
            child_text(b, ROOT, EGN),
            Err(AdapterError::BadArgument(_))
        ));
    }

    #[test]
    fn rejects_undefined_entities() {
        let a = r#"<Req xmlns="urn:r"><EGN>&foo;</EGN></Req>"#;
        assert!(child_text(a, ROOT, EGN).is_err());
    }
}
