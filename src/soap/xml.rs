//! A small, strict XML reader for request envelopes.
//!
//! Requests are bounded by the HTTP body limit, so the envelope is read into a compact tree:
//! the contract parser then looks children up by namespace and name in any order, the way
//! .NET `XmlSerializer` did for RegiX clients. The reader is the only place that sees raw
//! request bytes, so it is also where hostile input stops:
//!
//! * a DTD (and with it every entity declaration) is refused, never processed;
//! * a reference to anything but the five predefined entities or a character is refused;
//! * nesting deeper than the configured limit is refused before it is built, and so is a
//!   document with more elements and attributes than the node limit (a tree costs far more
//!   memory than its text, so the body limit alone would let a small request claim a lot);
//! * the document must be UTF-8, every prefix must be declared, and every character must be
//!   one XML allows (no NUL or other C0 controls, no U+FFFE/U+FFFF, raw or as a reference);
//! * it must be well-formed as XML 1.0 and Namespaces in XML define it, as a conformant reader
//!   sees it: names are XML names, only white space stands outside the root, the XML
//!   declaration comes first if at all, no `]]>` in text, `<` in an attribute value or `--` in a
//!   comment, no attribute twice by namespace and local name, `xml`/`xmlns` bound only as
//!   reserved; and it is read as such a reader reads it: line ends normalised to LF, white
//!   space in attribute values to spaces (so what a signature covers is what regway reads);
//! * an element may carry at most `max_attributes` attributes and namespace declarations, and
//!   at most `max_namespaces` declarations may be in scope at once.
//!
//! Work and memory grow linearly with the input: namespace scopes are a chain shared by
//! descendants (an element that declares something adds one link, never a copy of what is in
//! scope), an element's or attribute's namespace name is shared with the declaration it
//! resolves to (a copy per element would let one long URI, declared once, claim its length
//! again for every element in it), and the attribute limit is enforced while a start tag is
//! read, before quick-xml's duplicate-attribute check (linear per attribute) can turn
//! quadratic.

use std::sync::{Arc, OnceLock};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

mod wellformed;

use wellformed::*;
pub(crate) use wellformed::{
    attribute_value, check_attribute_separation, check_binding, check_chars, check_comment,
    check_declaration_first, check_declared_encoding, check_name, check_pi_target, check_text,
    check_unique_attributes, check_xml_declaration, is_xml_space, read_attributes,
    resolve_reference,
};

/// The namespace of `xml:` attributes.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations, which nothing may be bound to.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Why a request body is not acceptable XML. Each variant is a stable, documented refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The bytes are not well-formed XML.
    #[error("The request is not well-formed XML: {0}")]
    Malformed(String),
    /// The document carries a document type declaration.
    #[error("DTDs and entity declarations are not accepted")]
    Dtd,
    /// An entity reference other than the predefined ones.
    #[error("Reference to an undeclared entity '&{0};'")]
    UndefinedEntity(String),
    /// Elements nest deeper than the configured limit.
    #[error("Elements are nested deeper than the limit of {0}")]
    TooDeep(usize),
    /// More elements and attributes than the configured limit.
    #[error("The request has more than {0} elements and attributes")]
    TooManyNodes(usize),
    /// A prefix is used without a declaration in scope.
    #[error("Undeclared namespace prefix '{0}'")]
    UnboundPrefix(String),
    /// The document is not UTF-8.
    #[error("The request must be encoded in UTF-8")]
    Encoding,
    /// No root element.
    #[error("The request has no root element")]
    Empty,
    /// A character XML does not allow (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF),
    /// written raw or as a character reference.
    #[error("Character U+{0:04X} is not allowed in XML")]
    InvalidChar(u32),
    /// One element carries more attributes and namespace declarations than the limit.
    #[error("An element has more than {0} attributes and namespace declarations")]
    TooManyAttributes(usize),
    /// More namespace declarations in scope at one element than the limit.
    #[error("More than {0} namespace declarations are in scope at one element")]
    TooManyNamespaces(usize),
}

/// One namespace declaration: prefix (empty for the default namespace) → URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsDecl {
    pub prefix: String,
    pub uri: Namespace,
}

/// A namespace name (empty for no namespace). Every element and attribute in a namespace
/// shares the one copy its declaration made, so a name costs its length once per declaration,
/// not once per element. Compares with `&str` and reads as one (`Deref<Target = str>`).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(Option<Arc<str>>);

impl Namespace {
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }

    fn new(uri: &str) -> Namespace {
        Namespace((!uri.is_empty()).then(|| Arc::from(uri)))
    }

    /// The namespace of `xml:` attributes, allocated once per process.
    fn xml() -> Namespace {
        static XML: OnceLock<Namespace> = OnceLock::new();
        XML.get_or_init(|| Namespace::new(XML_NS)).clone()
    }
}

impl std::ops::Deref for Namespace {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Namespace {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Namespace {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Namespace {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Display for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Namespace {
    fn from(uri: &str) -> Namespace {
        Namespace::new(uri)
    }
}

/// The namespace bindings in scope at an element: the declarations of the nearest element
/// that declares any, linked to its parent's scope. Descendants that declare nothing share
/// it, so a document's scopes together hold each declaration once.
#[derive(Debug, Default)]
pub struct Scope {
    /// The declarations written on the element that made this link.
    decls: Vec<NsDecl>,
    parent: Option<Arc<Scope>>,
    /// Declarations in scope, this link's included (what the namespace limit counts).
    in_scope: usize,
}

impl Scope {
    fn lookup(&self, prefix: &str) -> Option<&Namespace> {
        let mut link = Some(self);
        while let Some(scope) = link {
            if let Some(d) = scope.decls.iter().rev().find(|d| d.prefix == prefix) {
                return Some(&d.uri);
            }
            link = scope.parent.as_deref();
        }
        None
    }
}

/// An attribute with its namespace resolved. Namespace declarations are not attributes here.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The attribute name as written (`xsi:nil`).
    pub raw_name: String,
    /// Its namespace (empty for unprefixed attributes).
    pub ns: Namespace,
    pub local: String,
    pub value: String,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element with its name resolved against the namespaces in scope.
#[derive(Debug, Clone)]
pub struct Element {
    /// The element name as written (`s:Envelope`).
    pub raw_name: String,
    /// The namespace URI (empty for no namespace).
    pub ns: Namespace,
    pub local: String,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
    /// Every binding in scope at this element (shared with its parent when it declares nothing).
    pub scope: Arc<Scope>,
    /// Whether `scope` is this element's own link, holding the declarations written on it.
    declares: bool,
}

/// Limits applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The deepest element nesting accepted (the root element is depth 1).
    pub max_depth: usize,
    /// The most elements plus attributes accepted in one document.
    pub max_nodes: usize,
    /// The most attributes plus namespace declarations on one element.
    pub max_attributes: usize,
    /// The most namespace declarations in scope at one element.
    pub max_namespaces: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_nodes: 100_000,
            max_attributes: 128,
            max_namespaces: 256,
        }
    }
}

impl Element {
    /// The namespace declarations written on this element.
    pub fn decls(&self) -> &[NsDecl] {
        if self.declares {
            &self.scope.decls
        } else {
            &[]
        }
    }

    /// Whether the element is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Child elements in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The last child `{ns}local` (a repeated element overrides an earlier one, as with
    /// `XmlSerializer`).
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().filter(|e| e.is(ns, local)).last()
    }

    /// The first child element, whatever its name.
    pub fn first_element(&self) -> Option<&Element> {
        self.elements().next()
    }

    /// The concatenated text content of the element's own text children.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// An attribute value by namespace and local name.
    pub fn attribute(&self, ns: &str, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Whether the element carries `xsi:nil="true"`.
    pub fn is_nil(&self) -> bool {
        matches!(
            self.attribute("http://www.w3.org/2001/XMLSchema-instance", "nil")
                .map(str::trim),
            Some("true") | Some("1")
        )
    }

    /// Serialise the element as a standalone fragment: the bindings it uses from its
    /// ancestors are declared on it, so the text can be embedded anywhere or parsed alone.
    pub fn to_standalone_xml(&self) -> String {
        let mut out = String::new();
        let inherited = self.inherited_decls();
        self.write(&mut out, &inherited);
        out
    }

    /// Bindings used in the subtree but declared above it.
    fn inherited_decls(&self) -> Vec<NsDecl> {
        let mut used = Prefixes::default();
        self.collect_prefixes(&mut used);
        let used = used.in_order;
        let mut out: Vec<NsDecl> = Vec::new();
        for prefix in used {
            if self.decls().iter().any(|d| d.prefix == prefix) {
                continue;
            }
            if let Some(uri) = self.scope.lookup(&prefix) {
                out.push(NsDecl {
                    prefix,
                    uri: uri.clone(),
                });
            } else if prefix.is_empty() {
                // Unprefixed names in no namespace: say so explicitly, so embedding the
                // fragment under a default namespace cannot capture them.
                out.push(NsDecl {
                    prefix,
                    uri: Namespace::default(),
                });
            }
        }
        out
    }

    /// Prefixes used by names in the subtree, and by QName-like attribute values
    /// (`xsi:type="xsd:string"`), each once.
    fn collect_prefixes(&self, used: &mut Prefixes) {
        used.add(prefix_of(&self.raw_name));
        for a in &self.attributes {
            if let Some((p, _)) = a.raw_name.split_once(':') {
                used.add(p);
            }
            if let Some((p, rest)) = a.value.split_once(':') {
                if is_ncname(p) && is_ncname(rest) {
                    used.add(p);
                }
            }
        }
        for e in self.elements() {
            e.collect_prefixes(used);
        }
    }

    fn write(&self, out: &mut String, extra: &[NsDecl]) {
        out.push('<');
        out.push_str(&self.raw_name);
        for d in extra.iter().chain(self.decls()) {
            if d.prefix.is_empty() {
                out.push_str(" xmlns=\"");
            } else {
                out.push_str(" xmlns:");
                out.push_str(&d.prefix);
                out.push_str("=\"");
            }
            push_escaped_attribute(out, &d.uri);
            out.push('"');
        }
        for a in &self.attributes {
            out.push(' ');
            out.push_str(&a.raw_name);
            out.push_str("=\"");
            push_escaped_attribute(out, &a.value);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for n in &self.children {
            match n {
                Node::Element(e) => e.write(out, &[]),
                Node::Text(t) => push_escaped(out, t),
            }
        }
        out.push_str("</");
        out.push_str(&self.raw_name);
        out.push('>');
    }
}

/// Distinct prefixes in first-use order (a set beside the list keeps adding linear: a subtree
/// may use as many prefixes as it has attributes).
#[derive(Default)]
struct Prefixes {
    in_order: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Prefixes {
    fn add(&mut self, prefix: &str) {
        if prefix != "xml" && !self.seen.contains(prefix) {
            self.seen.insert(prefix.to_string());
            self.in_order.push(prefix.to_string());
        }
    }
}

fn prefix_of(raw: &str) -> &str {
    raw.split_once(':').map(|(p, _)| p).unwrap_or("")
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Escape text for element content and double-quoted attribute values.
pub fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Escape a double-quoted attribute value: as [`push_escaped`], and tab and LF as references
/// too, which a reader would otherwise read as spaces.
pub fn push_escaped_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            c => push_escaped(out, c.encode_utf8(&mut [0u8; 4])),
        }
    }
}

/// Escape text into a new string.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Read a whole document into a tree, enforcing the rules in the module documentation.
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Element, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| XmlError::Encoding)?;
    check_chars(text)?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let root_scope = Arc::new(Scope::default());
    let mut nodes = 0usize;
    let mut first = true;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        let at_start = std::mem::replace(&mut first, false);
        match event {
            Event::Decl(d) => {
                check_declaration_first(at_start)?;
                check_xml_declaration(&d)?;
                check_declared_encoding(&d)?;
            }
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(XmlError::Malformed(
                        "content after the root element".to_string(),
                    ));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let parent = stack.last().map(|p| &p.scope).unwrap_or(&root_scope);
                let el = open_element(start, parent, limits)?;
                nodes += 1 + el.attributes.len() + el.decls().len();
                if nodes > limits.max_nodes {
                    return Err(XmlError::TooManyNodes(limits.max_nodes));
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".to_string()))?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                check_text(&t)?;
                let text = t.decode().map_err(|e| XmlError::Malformed(e.to_string()))?;
                push_text(&mut stack, &normalize_line_ends(&text))?;
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| XmlError::Malformed(e.to_string()))?;
                push_text(&mut stack, &normalize_line_ends(&text))?;
            }
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r)?;
                push_text(&mut stack, c.encode_utf8(&mut [0u8; 4]))?;
            }
            Event::Comment(c) => check_comment(&c)?,
            Event::PI(pi) => check_pi_target(pi.target())?,
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(
            "unexpected end of document".to_string(),
        ));
    }
    root.ok_or(XmlError::Empty)
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(el) => {
            if let Some(Node::Text(prev)) = el.children.last_mut() {
                prev.push_str(text);
            } else {
                el.children.push(Node::Text(text.to_string()));
            }
            Ok(())
        }
        None if is_xml_space(text.as_bytes()) => Ok(()),
        None => Err(XmlError::Malformed(
            "text outside the root element".to_string(),
        )),
    }
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn open_element(
    start: &BytesStart<'_>,
    parent: &Arc<Scope>,
    limits: Limits,
) -> Result<Element, XmlError> {
    check_name(start.name().as_ref())?;
    check_attribute_separation(start)?;
    let raw_name = utf8(start.name().as_ref())?.to_string();
    let mut decls = Vec::new();
    let mut raw_attrs = Vec::new();
    for attr in read_attributes(start, limits)? {
        check_name(attr.key.as_ref())?;
        let key = utf8(attr.key.as_ref())?.to_string();
        let value = attribute_value(&attr)?.into_owned();
        if let Some(binding) = attr.key.as_namespace_binding() {
            check_binding(binding, &value)?;
        }
        if key == "xmlns" {
            decls.push(NsDecl {
                prefix: String::new(),
                uri: Namespace::new(&value),
            });
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            decls.push(NsDecl {
                prefix: prefix.to_string(),
                uri: Namespace::new(&value),
            });
        } else {
            raw_attrs.push((key, value));
        }
    }
    let declares = !decls.is_empty();
    let scope = if !declares {
        Arc::clone(parent)
    } else {
        let in_scope = parent.in_scope + decls.len();
        if in_scope > limits.max_namespaces {
            return Err(XmlError::TooManyNamespaces(limits.max_namespaces));
        }
        Arc::new(Scope {
            decls,
            parent: Some(Arc::clone(parent)),
            in_scope,
        })
    };
    let (ns, local) = resolve(&scope, &raw_name, true)?;
    let mut attributes = Vec::with_capacity(raw_attrs.len());
    for (raw, value) in raw_attrs {
        let (ans, alocal) = resolve(&scope, &raw, false)?;
        attributes.push(Attribute {
            raw_name: raw,
            ns: ans,
            local: alocal,
            value,
        });
    }
    check_unique_attributes(&attributes, |a| (a.ns.as_bytes(), a.local.as_bytes()))?;
    Ok(Element {
        raw_name,
        ns,
        local,
        attributes,
        children: Vec::new(),
        scope,
        declares,
    })
}

/// Resolve a name. Unprefixed attributes are in no namespace; unprefixed elements take the
/// default namespace.
fn resolve(scope: &Scope, raw: &str, is_element: bool) -> Result<(Namespace, String), XmlError> {
    match raw.split_once(':') {
        Some(("xml", local)) => Ok((Namespace::xml(), local.to_string())),
        Some((prefix, local)) => match scope.lookup(prefix) {
            Some(ns) => Ok((ns.clone(), local.to_string())),
            None => Err(XmlError::UnboundPrefix(prefix.to_string())),
        },
        None if is_element => Ok((
            scope.lookup("").cloned().unwrap_or_default(),
            raw.to_string(),
        )),
        None => Ok((Namespace::default(), raw.to_string())),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(bytes).map_err(|_| XmlError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Element, XmlError> {
        parse(s.as_bytes(), Limits::default())
    }

    #[test]
    fn resolves_namespaces_and_reads_text() {
        let root =
            p(r#"<a:R xmlns:a="urn:a" xmlns="urn:d"><C x="1">t&amp;&#65;<![CDATA[<]]></C></a:R>"#)
                .unwrap();
        assert!(root.is("urn:a", "R"));
        let c = root.child("urn:d", "C").unwrap();
        assert_eq!(c.text(), "t&A<");
        assert_eq!(c.attribute("", "x"), Some("1"));
    }

    #[test]
    fn refuses_dtd_and_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r>&b;</r>"#;
        assert_eq!(p(bomb).unwrap_err(), XmlError::Dtd);
        assert_eq!(
            p("<r>&ext;</r>").unwrap_err(),
            XmlError::UndefinedEntity("ext".into())
        );
        assert_eq!(
            p(r#"<r a="&ext;"/>"#).unwrap_err(),
            XmlError::UndefinedEntity("ext".into())
        );
    }

    #[test]
    fn refuses_more_nodes_than_the_limit() {
        let limits = Limits {
            max_depth: 8,
            max_nodes: 4,
            ..Limits::default()
        };
        assert!(parse(br#"<a x="1"><b/><c/></a>"#, limits).is_ok());
        assert_eq!(
            parse(br#"<a x="1" y="2"><b/><c/></a>"#, limits).unwrap_err(),
            XmlError::TooManyNodes(4)
        );
    }

    #[test]
    fn refuses_characters_xml_does_not_allow_raw_or_referenced() {
        for (doc, c) in [
            ("<a>\u{0}</a>", 0),
            ("<a>\u{1}</a>", 1),
            ("<a b=\"\u{1f}\"/>", 0x1f),
            ("<a>\u{fffe}</a>", 0xfffe),
            ("<a>\u{ffff}</a>", 0xffff),
            ("<a>&#1;</a>", 1),
            ("<a>&#x1;</a>", 1),
            ("<a>&#xFFFE;</a>", 0xfffe),
            ("<a b=\"&#1;\"/>", 1),
            ("<a b=\"x&#xFFFF;\"/>", 0xffff),
        ] {
            assert_eq!(p(doc).unwrap_err(), XmlError::InvalidChar(c), "{doc:?}");
        }
        let ok = p("<a b=\"&#9;&#xA;&#xD;\u{fffd}\u{10000}\">\t\n\r&#xD7FF;&#xE000;\u{feff}</a>")
            .unwrap();
        assert_eq!(ok.attribute("", "b"), Some("\t\n\r\u{fffd}\u{10000}"));
    }

    #[test]
    fn refuses_more_attributes_than_the_limit_on_one_element() {
        let limits = Limits {
            max_attributes: 3,
            ..Limits::default()
        };
        assert!(parse(br#"<a x="1" y="2" xmlns:p="urn:p"/>"#, limits).is_ok());
        assert_eq!(
            parse(br#"<a x="1" y="2" z="3" xmlns:p="urn:p"/>"#, limits).unwrap_err(),
            XmlError::TooManyAttributes(3)
        );
        // Found before quick-xml's duplicate check would read the rest.
        let many: String = (0..100_000).map(|i| format!(" a{i}=\"\"")).collect();
        assert_eq!(
            parse(format!("<a{many}/>").as_bytes(), Limits::default()).unwrap_err(),
            XmlError::TooManyAttributes(128)
        );
    }

    #[test]
    fn namespace_scopes_are_shared_and_bounded() {
        let limits = Limits {
            max_namespaces: 4,
            ..Limits::default()
        };
        // Four in scope at once, however many in the document.
        let siblings: String = (0..50)
            .map(|i| format!(r#"<p{i}:c xmlns:p{i}="urn:{i}"/>"#))
            .collect();
        let doc = format!(r#"<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c">{siblings}</r>"#);
        let root = parse(doc.as_bytes(), limits).unwrap();
        assert!(root.elements().nth(49).unwrap().is("urn:49", "c"));
        assert_eq!(
            parse(
                br#"<r xmlns:a="urn:a" xmlns:b="urn:b"><c xmlns:c="urn:c"><d xmlns:d="urn:d" xmlns:e="urn:e"/></c></r>"#,
                limits
            )
            .unwrap_err(),
            XmlError::TooManyNamespaces(4)
        );
        // A redeclaration shadows the outer binding; the outer one is back after it.
        let root = p(r#"<r xmlns:a="urn:1"><a:x xmlns:a="urn:2"><a:y/></a:x><a:z/></r>"#).unwrap();
        let x = root.first_element().unwrap();
        assert!(x.is("urn:2", "x") && x.first_element().unwrap().is("urn:2", "y"));
        assert!(root.elements().nth(1).unwrap().is("urn:1", "z"));
        assert_eq!(
            x.first_element().unwrap().to_standalone_xml(),
            r#"<a:y xmlns:a="urn:2"/>"#
        );
    }

    /// Found by the fuzz oracle's memory bound (fuzz/regressions/xml/long-namespace-uri.xml):
    /// each element used to copy its namespace name, so one long URI declared once cost its
    /// length again per element (180 KB of input held 2 GB).
    #[test]
    fn elements_and_attributes_share_their_namespace_name() {
        let uri = "u".repeat(10_000);
        let doc = format!(
            r#"<r xmlns="{uri}" xmlns:p="{uri}">{}</r>"#,
            r#"<a p:b=""/>"#.repeat(1_000)
        );
        let root = p(&doc).unwrap();
        let shared = root.ns.0.as_ref().unwrap();
        for a in root.elements() {
            assert!(Arc::ptr_eq(a.ns.0.as_ref().unwrap(), shared));
            assert_eq!(a.attributes[0].ns, uri);
        }
        assert_eq!(root.elements().count(), 1_000);
        assert_eq!(p("<r/>").unwrap().ns, "");
        assert_eq!(p(r#"<r xml:lang="bg"/>"#).unwrap().attributes[0].ns, XML_NS);
    }

    /// Found by the fuzz oracle's comparison with a conformant reader (roxmltree): inputs it
    /// refuses were accepted, and line ends and attribute white space were read otherwise than
    /// it (and a signature verifier) reads them.
    #[test]
    fn is_as_strict_as_xml_and_reads_white_space_as_it_does() {
        for doc in [
            "\u{a0}<r/>",
            "<r/>\u{3000}",
            "<1r/>",
            "<r$/>",
            "<a:b:c xmlns:a=\"u\"/>",
            "<r xmlns:p=\"urn:p\"><p:/></r>",
            "<r 1a=\"\"/>",
            "<r><?xml version=\"1.0\"?></r>",
            " <?xml version=\"1.0\"?><r/>",
            // Found by the fuzzer (fuzz/regressions/xml/crash-bb7c18e8…): a declaration that
            // is not one.
            "<?xml versi)n=\"1.0\"?><r/>",
            "<?xml?><r/>",
            "<?xml encoding=\"utf-8\"?><r/>",
            "<?xml version=\"1.0\" standalone=\"maybe\"?><r/>",
            "<?xml version=\"1.0\"encoding=\"utf-8\"?><r/>",
            "<?xml version=\"1.0\" standalone=\"yes\" encoding=\"utf-8\"?><r/>",
            "<?xml version=\"1.0\" x=\"y\"?><r/>",
            // Found by the fuzzer (crash-c2074b89…): attributes run together.
            "<r a=\"1\"b=\"2\"/>",
            "<r xmlns:p='urn:p'p:a=\"2\"></r>",
            "<?XML x?><r/>",
            "<r/><!-- a -- b -->",
            "<r>]]></r>",
            "<r a=\"<\"/>",
            "<r xmlns:xml=\"urn:x\"/>",
            "<r xmlns:xmlns=\"urn:x\"/>",
            "<r xmlns=\"http://www.w3.org/XML/1998/namespace\"/>",
            "<r xmlns:p=\"http://www.w3.org/2000/xmlns/\"/>",
            "<p:r xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:a=\"1\" q:a=\"2\"/>",
            "<r a=\"&#x+41;\"/>",
        ] {
            assert!(
                matches!(p(doc), Err(XmlError::Malformed(_))),
                "{doc:?}: {:?}",
                p(doc)
            );
        }
        let root =
            p("<r a=\"x\r\ny\tz\nw&#10;&#9;\"\r\n>a\r\nb\rc&#xD;<![CDATA[\r\n]]></r>").unwrap();
        assert_eq!(root.attribute("", "a"), Some("x y z w\n\t"));
        // Written standalone, the referenced white space stays what it was.
        let again = p(&root.to_standalone_xml()).unwrap();
        assert_eq!(again.attribute("", "a"), Some("x y z w\n\t"));
        assert_eq!(root.text(), "a\nb\nc\r\n");
        assert!(p(r#"<?xml version="1.0"?><r xml:lang="bg" xmlns:xml="http://www.w3.org/XML/1998/namespace"/>"#).is_ok());
        assert!(p("<?xml version='1.0' encoding = \"UTF-8\" standalone='no' ?>\n<r/>").is_ok());
    }

    #[test]
    fn refuses_deep_nesting_at_the_limit() {
        let limits = Limits {
            max_depth: 3,
            max_nodes: 100,
            ..Limits::default()
        };
        assert!(parse(b"<a><b><c/></b></a>", limits).is_ok());
        assert_eq!(
            parse(b"<a><b><c><d/></c></b></a>", limits).unwrap_err(),
            XmlError::TooDeep(3)
        );
    }

    #[test]
    fn refuses_malformed_unbound_and_non_utf8() {
        assert!(matches!(p("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(p("<a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(p("<a/><b/>"), Err(XmlError::Malformed(_))));
        assert_eq!(
            p("<x:a/>").unwrap_err(),
            XmlError::UnboundPrefix("x".into())
        );
        assert_eq!(p("").unwrap_err(), XmlError::Empty);
        assert_eq!(
            p(r#"<?xml version="1.0" encoding="utf-16"?><a/>"#).unwrap_err(),
            XmlError::Encoding
        );
        assert_eq!(
            parse(b"<a>\xff</a>", Limits::default()).unwrap_err(),
            XmlError::Encoding
        );
    }

    #[test]
    fn standalone_fragment_declares_inherited_namespaces() {
        let doc = r#"<s:E xmlns:s="urn:s" xmlns:n="urn:n" xmlns:xsd="urn:xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:default"><s:B><n:Req><n:EGN xsi:type="xsd:string">1&lt;2</n:EGN><Plain/></n:Req></s:B></s:E>"#;
        let root = p(doc).unwrap();
        let req = root.child("urn:s", "B").unwrap().first_element().unwrap();
        let xml = req.to_standalone_xml();
        assert_eq!(
            xml,
            r#"<n:Req xmlns:n="urn:n" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="urn:xsd" xmlns="urn:default"><n:EGN xsi:type="xsd:string">1&lt;2</n:EGN><Plain/></n:Req>"#
        );
        // The fragment parses on its own to the same names.
        let again = p(&xml).unwrap();
        assert!(again.is("urn:n", "Req"));
        assert!(again.elements().nth(1).unwrap().is("urn:default", "Plain"));
    }

    #[test]
    fn unprefixed_no_namespace_fragment_gets_explicit_empty_default() {
        let root = p(r#"<s:E xmlns:s="urn:s"><R><C/></R></s:E>"#).unwrap();
        let r = root.first_element().unwrap();
        assert_eq!(r.to_standalone_xml(), r#"<R xmlns=""><C/></R>"#);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// What an element means, independent of how it was written.
        #[derive(Debug, PartialEq)]
        enum Shape {
            Element {
                ns: String,
                local: String,
                attributes: Vec<(String, String, String)>,
                children: Vec<Shape>,
            },
            Text(String),
        }

        fn shape(e: &Element) -> Shape {
            let mut attributes: Vec<_> = e
                .attributes
                .iter()
                .map(|a| (a.ns.to_string(), a.local.clone(), a.value.clone()))
                .collect();
            attributes.sort();
            Shape::Element {
                ns: e.ns.to_string(),
                local: e.local.clone(),
                attributes,
                children: e
                    .children
                    .iter()
                    .map(|n| match n {
                        Node::Element(c) => shape(c),
                        Node::Text(t) => Shape::Text(t.clone()),
                    })
                    .collect(),
            }
        }

        fn each<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
            out.push(e);
            for c in e.elements() {
                each(c, out);
            }
        }

        /// Random documents: prefixes p0..p2 declared on the root, redeclared or rebound to
        /// the default namespace anywhere below, prefixed attributes and escaped text.
        fn element(depth: u32) -> BoxedStrategy<String> {
            let name = (
                prop_oneof![Just(""), Just("p0:"), Just("p1:"), Just("p2:")],
                "[a-z]{1,3}",
            );
            let decl = prop_oneof![
                Just(String::new()),
                (0..3u8).prop_map(|n| format!(" xmlns=\"urn:d{n}\"")),
                (0..3u8, 0..3u8).prop_map(|(p, n)| format!(" xmlns:p{p}=\"urn:r{n}\"")),
            ];
            let attr = prop_oneof![
                Just(String::new()),
                "[a-z<>&\"' ]{0,6}".prop_map(|v| format!(" a=\"{}\"", escape(&v))),
                "[a-z]{0,4}".prop_map(|v| format!(" p1:b=\"p2:{v}\"")),
            ];
            let text = "[a-zа-я<>&'\" ]{0,8}".prop_map(|t| escape(&t));
            let leaf = (name.clone(), decl.clone(), attr.clone(), text.clone())
                .prop_map(|((p, l), d, a, t)| format!("<{p}{l}{d}{a}>{t}</{p}{l}>"))
                .boxed();
            if depth == 0 {
                return leaf;
            }
            let inner = prop::collection::vec(element(depth - 1), 0..4);
            prop_oneof![
                leaf,
                (name, decl, attr, inner, text).prop_map(|((p, l), d, a, kids, t)| {
                    format!("<{p}{l}{d}{a}>{}{t}</{p}{l}>", kids.concat())
                })
            ]
            .boxed()
        }

        fn document() -> impl Strategy<Value = String> {
            element(3).prop_map(|body| {
                format!(r#"<r xmlns:p0="urn:a" xmlns:p1="urn:b" xmlns:p2="urn:c">{body}</r>"#)
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any subtree, written standalone, means the same alone and embedded under a
            /// foreign default namespace and foreign prefix bindings.
            #[test]
            fn standalone_fragments_keep_their_meaning(doc in document()) {
                let root = parse(doc.as_bytes(), Limits::default()).unwrap();
                let mut all = Vec::new();
                each(&root, &mut all);
                for e in all {
                    let fragment = e.to_standalone_xml();
                    let alone = parse(fragment.as_bytes(), Limits::default()).unwrap();
                    prop_assert_eq!(shape(&alone), shape(e));
                    let wrapped = format!(r#"<w xmlns="urn:wrap" xmlns:p0="urn:x" xmlns:p1="urn:y">{fragment}</w>"#);
                    let embedded = parse(wrapped.as_bytes(), Limits::default()).unwrap();
                    prop_assert_eq!(shape(embedded.first_element().unwrap()), shape(e));
                }
            }

            /// Arbitrary bytes never panic the reader.
            #[test]
            fn arbitrary_bytes_are_refused_or_read(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
                let _ = parse(&bytes, Limits { max_depth: 8, max_nodes: 64, ..Limits::default() });
            }
        }
    }
}
