//! A whole document read into an owned element tree with quick-xml.
//!
//! Generated readers work on this tree rather than on the event stream: schema particles
//! (optional elements, choices, `xs:all`) need look-ahead, and RegiX messages are small (the
//! gateway caps them), so one allocation-light pass into a tree is simpler and not slower in
//! practice than a hand-rolled pull parser per type.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::Error;

/// An element: namespace URI ("" for none), local name, attributes and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

/// An attribute, resolved like element names. Namespace declarations are not attributes here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub ns: String,
    pub name: String,
    pub value: String,
}

/// A child of an element. Comments and processing instructions are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The child elements, in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The concatenated character content (text of this element only).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// The value of attribute `ns`/`name`.
    pub fn attribute(&self, ns: &str, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.ns == ns && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Whether the element carries `xsi:nil="true"`.
    pub fn is_nil(&self) -> bool {
        matches!(
            self.attribute(crate::XSI, "nil").map(str::trim),
            Some("true" | "1")
        )
    }
}

fn resolved_ns(r: ResolveResult<'_>) -> Result<String, Error> {
    match r {
        ResolveResult::Bound(ns) => Ok(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(p) => Err(Error::Syntax(format!(
            "undeclared namespace prefix '{}'",
            String::from_utf8_lossy(&p)
        ))),
    }
}

fn start(reader: &NsReader<&[u8]>, e: &BytesStart<'_>) -> Result<Element, Error> {
    let (r, local) = reader.resolve_element(e.name());
    let mut el = Element {
        ns: resolved_ns(r)?,
        name: String::from_utf8_lossy(local.as_ref()).into_owned(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| Error::Syntax(e.to_string()))?;
        let key = a.key;
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let (r, local) = reader.resolve_attribute(key);
        let value = a
            .decode_and_unescape_value(reader.decoder())
            .map_err(|e| Error::Syntax(e.to_string()))?;
        el.attributes.push(Attribute {
            ns: resolved_ns(r)?,
            name: String::from_utf8_lossy(local.as_ref()).into_owned(),
            value: value.into_owned(),
        });
    }
    Ok(el)
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(t)) = top.children.last_mut() {
            t.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_string()));
        }
    }
}

fn reference(name: &str) -> Result<char, Error> {
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#');
            num.and_then(|n| match n.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            })
            .and_then(char::from_u32)
        }
    };
    c.ok_or_else(|| Error::Syntax(format!("undefined entity &{name};")))
}

/// The text of a document read as bytes: UTF-8 (with or without a byte-order mark) or UTF-16
/// with a byte-order mark, as .NET writes some RegiX samples.
pub fn decode(bytes: &[u8]) -> Result<String, Error> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|e| Error::Syntax(e.to_string()))
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|e| Error::Syntax(e.to_string()))
        }
        _ => String::from_utf8(bytes.to_vec()).map_err(|e| Error::Syntax(e.to_string())),
    }
}

/// Parses a document into its root element. DTDs are refused.
pub fn parse(xml: &str) -> Result<Element, Error> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| Error::Syntax(format!("{e} at byte {}", reader.buffer_position())))?;
        match ev {
            Event::Start(e) => {
                let el = start(&reader, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = start(&reader, &e)?;
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(el)),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(Error::Syntax("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(el)),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| Error::Syntax(e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| Error::Syntax(e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| Error::Syntax(e.to_string()))?;
                let c = reference(&name)?;
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
            }
            Event::DocType(_) => return Err(Error::Syntax("DTDs are not accepted".into())),
            Event::Eof => return Err(Error::Syntax("no root element".into())),
            _ => {}
        }
    }
}
