//! Small XML helpers adapters share: reading argument fields (and the identifiers in them), and
//! writing escaped response elements. The gateway has already refused DTDs, undefined entities
//! and excessive nesting before an argument reaches an adapter; these helpers stay strict anyway.

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

/// Writes a standalone XML element, such as an adapter's response, into a string.
///
/// Names are written as given (`nbd:FirstName`); the prefixes they use are declared on the root
/// by [`ElementWriter::new`]. Text and attribute values are escaped here, so callers cannot forget
/// to. An element that gets no content is closed as `<X/>`, which keeps "no such record" responses
/// (a bare root) short.
#[derive(Debug)]
pub struct ElementWriter {
    out: String,
    open: Vec<&'static str>,
    /// The innermost start tag is not terminated yet: attributes may still follow.
    in_start_tag: bool,
}

impl ElementWriter {
    /// Starts the root element and declares `namespaces` on it as `(prefix, uri)` pairs; the
    /// empty prefix declares the default namespace.
    pub fn new(root: &'static str, namespaces: &[(&str, &str)]) -> Self {
        let mut writer = ElementWriter {
            out: String::with_capacity(1024),
            open: Vec::new(),
            in_start_tag: false,
        };
        writer.start(root);
        for (prefix, uri) in namespaces {
            if prefix.is_empty() {
                writer.attr("xmlns", uri);
            } else {
                writer.attr(&format!("xmlns:{prefix}"), uri);
            }
        }
        writer
    }

    /// Opens a child of the innermost open element.
    pub fn start(&mut self, name: &'static str) -> &mut Self {
        self.terminate_start_tag();
        self.out.push('<');
        self.out.push_str(name);
        self.open.push(name);
        self.in_start_tag = true;
        self
    }

    /// Adds an attribute to the element just opened; ignored once it has content.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        debug_assert!(self.in_start_tag, "attribute {name} written after content");
        if self.in_start_tag {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(&escape(value));
            self.out.push('"');
        }
        self
    }

    /// Appends escaped text to the innermost open element.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.terminate_start_tag();
        self.out.push_str(&escape(text));
        self
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            if self.in_start_tag {
                self.out.push_str("/>");
                self.in_start_tag = false;
            } else {
                self.out.push_str("</");
                self.out.push_str(name);
                self.out.push('>');
            }
        }
        self
    }

    /// Writes `<name>text</name>`.
    pub fn leaf(&mut self, name: &'static str, text: &str) -> &mut Self {
        self.start(name).text(text).end()
    }

    /// Closes every element still open and returns the XML.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out
    }

    fn terminate_start_tag(&mut self) {
        if self.in_start_tag {
            self.out.push('>');
            self.in_start_tag = false;
        }
    }
}

/// An element with no content that declares its own namespace: how a registry answers a query
/// that matched nothing (`<PersonDataResponse xmlns="…"/>`).
pub fn empty_element(name: QName) -> String {
    ElementWriter::new(name.local, &[("", name.ns)]).finish()
}

/// The identifier in the required child `child` of the root (`EGN`, `UIC`): trimmed, and made
/// of ASCII digits only, as many as one of `lengths`.
///
/// Errors name the field but never echo the value: they travel back to the consumer and into
/// logs, and identifiers of people must not.
pub fn required_digits(
    xml: &str,
    root: QName,
    child: QName,
    lengths: &[usize],
) -> Result<String, AdapterError> {
    let value = child_text(xml, root, child)?
        .ok_or_else(|| AdapterError::BadArgument(format!("{child} is required")))?;
    digits(child.local, &value, lengths)
}

/// Checks that `value` (already trimmed) of field `name` is all ASCII digits with one of the
/// `lengths`. The value is not echoed in the error: it may be a personal identifier.
pub fn digits(name: &str, value: &str, lengths: &[usize]) -> Result<String, AdapterError> {
    if !lengths.contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
        let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
        return Err(AdapterError::BadArgument(format!(
            "{} must be {} digits (got {} characters)",
            name,
            lengths.join(" or "),
            value.chars().count()
        )));
    }
    Ok(value.to_string())
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

    #[test]
    fn writer_declares_namespaces_nests_and_self_closes_empty_elements() {
        let mut w = ElementWriter::new("Resp", &[("", "urn:r"), ("c", "urn:c")]);
        w.start("c:Names").leaf("c:First", "Ана").end();
        w.start("Empty").end();
        w.start("c:Typed").attr("t", "x").text("1");
        let xml = w.finish();
        assert_eq!(
            xml,
            r#"<Resp xmlns="urn:r" xmlns:c="urn:c"><c:Names><c:First>Ана</c:First></c:Names><Empty/><c:Typed t="x">1</c:Typed></Resp>"#
        );
    }

    #[test]
    fn writer_escapes_text_and_attributes() {
        let mut w = ElementWriter::new("Req", &[("", "urn:r")]);
        w.start("EGN").attr("a", "\"<&").text("4 < 5 & \"x\"").end();
        let xml = w.finish();
        assert!(xml.contains(r#"a="&quot;&lt;&amp;""#), "{xml}");
        assert!(!xml.contains("4 < 5"), "{xml}");
        // What was written reads back as the original text.
        assert_eq!(
            child_text(&xml, ROOT, EGN).unwrap().as_deref(),
            Some("4 < 5 & \"x\"")
        );
    }

    #[test]
    fn empty_element_is_a_bare_root_with_its_namespace() {
        assert_eq!(empty_element(ROOT), r#"<Req xmlns="urn:r"/>"#);
        assert_eq!(child_text(&empty_element(ROOT), ROOT, EGN).unwrap(), None);
    }

    #[test]
    fn required_digits_checks_presence_and_shape_without_echoing() {
        let read = |xml: &str| required_digits(xml, ROOT, EGN, &[9, 13]);
        let ok = r#"<Req xmlns="urn:r"><EGN> 123456789 </EGN></Req>"#;
        assert_eq!(read(ok).unwrap(), "123456789");
        let branch = r#"<Req xmlns="urn:r"><EGN>1234567890123</EGN></Req>"#;
        assert_eq!(read(branch).unwrap(), "1234567890123");
        for (xml, expected) in [
            (r#"<Req xmlns="urn:r"/>"#, "{urn:r}EGN is required"),
            (
                r#"<Req xmlns="urn:r"><EGN/></Req>"#,
                "{urn:r}EGN is required",
            ),
            (
                r#"<Req xmlns="urn:r"><EGN>1234567890</EGN></Req>"#,
                "EGN must be 9 or 13 digits (got 10 characters)",
            ),
            (
                r#"<Req xmlns="urn:r"><EGN>12345678٩</EGN></Req>"#,
                "EGN must be 9 or 13 digits (got 9 characters)",
            ),
        ] {
            match read(xml) {
                Err(AdapterError::BadArgument(message)) => assert_eq!(message, expected),
                other => panic!("{xml}: {other:?}"),
            }
        }
    }
}
