//! Writing XML with namespaces by URI.
//!
//! Element namespaces are written as default-namespace declarations where the namespace changes
//! (`xmlns="…"`, or `xmlns=""` for an unqualified element inside a qualified one), so no prefix
//! is ever invented for elements and `elementFormDefault="unqualified"` schemas come out right.
//! Qualified attributes get a prefix declared on their own element.

use crate::{Element, Node, SimpleValue, XSI};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Builds one element as text.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    /// Open elements: the name as written and the default namespace in force inside it.
    open: Vec<(String, String)>,
    /// The innermost start tag is not terminated yet: attributes may still follow.
    in_start_tag: bool,
    /// Prefixes declared on the innermost start tag.
    prefixes: Vec<(String, String)>,
    /// Attributes (namespace, name) written on the innermost start tag: one is never written
    /// twice, so the output is well-formed whatever the caller does.
    attrs: Vec<(String, String)>,
    /// Prefixes declared on the root and used for every element and attribute in their
    /// namespace (see [`Writer::with_prefixes`]).
    fixed: Vec<(String, String)>,
}

fn escape_into(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Quotes are escaped in text too, as quick-xml does: equivalent XML, and the same
            // bytes as the hand-written writers regway had before.
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if attr => out.push_str("&#xA;"),
            '\t' if attr => out.push_str("&#x9;"),
            // Characters XML 1.0 cannot carry at all, not even as references: written as
            // U+FFFD so the output stays well-formed (a value read from XML never has them).
            '\u{0}'..='\u{8}'
            | '\u{b}'
            | '\u{c}'
            | '\u{e}'..='\u{1f}'
            | '\u{fffe}'
            | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    fn end_start_tag(&mut self) {
        if self.in_start_tag {
            self.out.push('>');
            self.in_start_tag = false;
        }
    }

    /// A writer that declares `prefixes` (`(prefix, uri)`) on the root element and writes every
    /// non-root element of those namespaces with its prefix. For consumers that expect the
    /// prefixes RegiX itself uses (`nbd:FirstName`); the root keeps the default namespace.
    pub fn with_prefixes(prefixes: &[(&str, &str)]) -> Self {
        Writer {
            fixed: prefixes
                .iter()
                .map(|(p, u)| (p.to_string(), u.to_string()))
                .collect(),
            ..Writer::default()
        }
    }

    /// Opens element `ns`/`name`; attributes may follow until content is written.
    pub fn open(&mut self, ns: &str, name: &str) {
        self.end_start_tag();
        let root = self.open.is_empty();
        let inherited = self.open.last().map_or("", |(_, d)| d.as_str()).to_string();
        let prefix = self
            .fixed
            .iter()
            .find(|(_, u)| !root && !ns.is_empty() && u == ns && ns != inherited)
            .map(|(p, _)| p.clone());
        let written = match &prefix {
            Some(p) => format!("{p}:{name}"),
            None => name.to_string(),
        };
        self.out.push('<');
        self.out.push_str(&written);
        let default = if prefix.is_some() {
            inherited.clone()
        } else {
            ns.to_string()
        };
        if prefix.is_none() && ns != inherited {
            self.out.push_str(" xmlns=\"");
            escape_into(&mut self.out, ns, true);
            self.out.push('"');
        }
        if root {
            for (p, u) in &self.fixed {
                self.out.push_str(" xmlns:");
                self.out.push_str(p);
                self.out.push_str("=\"");
                escape_into(&mut self.out, u, true);
                self.out.push('"');
            }
        }
        self.open.push((written, default));
        self.in_start_tag = true;
        self.prefixes.clear();
        self.attrs.clear();
    }

    /// Writes an attribute of the element just opened; an attribute already written on it is
    /// not written again (the first value stays).
    pub fn attr(&mut self, ns: &str, name: &str, value: &str) {
        if !self.in_start_tag || self.attrs.iter().any(|(n, l)| n == ns && l == name) {
            return;
        }
        self.attrs.push((ns.to_string(), name.to_string()));
        self.out.push(' ');
        if !ns.is_empty() {
            let prefix = if ns == XML_NS {
                "xml".to_string()
            } else if let Some((p, _)) = self.fixed.iter().find(|(_, u)| u == ns) {
                p.clone()
            } else if let Some((p, _)) = self.prefixes.iter().find(|(_, u)| u == ns) {
                p.clone()
            } else {
                let p = if ns == XSI {
                    "xsi".to_string()
                } else {
                    format!("a{}", self.prefixes.len())
                };
                self.out.push_str("xmlns:");
                self.out.push_str(&p);
                self.out.push_str("=\"");
                escape_into(&mut self.out, ns, true);
                self.out.push_str("\" ");
                self.prefixes.push((p.clone(), ns.to_string()));
                p
            };
            self.out.push_str(&prefix);
            self.out.push(':');
        }
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    /// Writes an attribute whose value is the QName `value_ns`/`value_local` (`xsi:type`),
    /// declaring a prefix for `value_ns` on the element just opened if none is in scope here.
    pub fn attr_qname(&mut self, ns: &str, name: &str, value_ns: &str, value_local: &str) {
        if !self.in_start_tag || self.attrs.iter().any(|(n, l)| n == ns && l == name) {
            return;
        }
        if value_ns.is_empty() {
            self.attr(ns, name, value_local);
            return;
        }
        let prefix = if value_ns == XML_NS {
            "xml".to_string()
        } else if let Some((p, _)) = self.fixed.iter().find(|(_, u)| u == value_ns) {
            p.clone()
        } else if let Some((p, _)) = self.prefixes.iter().find(|(_, u)| u == value_ns) {
            p.clone()
        } else {
            let p = format!("a{}", self.prefixes.len());
            self.out.push_str(" xmlns:");
            self.out.push_str(&p);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value_ns, true);
            self.out.push('"');
            self.prefixes.push((p.clone(), value_ns.to_string()));
            p
        };
        self.attr(ns, name, &format!("{prefix}:{value_local}"));
    }

    /// Writes a simple-typed attribute if present.
    pub fn attr_opt<T: SimpleValue>(&mut self, ns: &str, name: &str, value: Option<&T>) {
        if let Some(v) = value {
            self.attr(ns, name, &v.to_text());
        }
    }

    /// Writes character content.
    pub fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.end_start_tag();
        escape_into(&mut self.out, s, false);
    }

    /// Closes the innermost open element (`<x/>` when it got no content).
    pub fn close(&mut self) {
        let Some((name, _)) = self.open.pop() else {
            return;
        };
        if self.in_start_tag {
            self.out.push_str("/>");
            self.in_start_tag = false;
        } else {
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
    }

    /// Writes `xsi:nil="true"` on the element just opened.
    pub fn nil(&mut self) {
        self.attr(XSI, "nil", "true");
    }

    /// Writes a kept-as-is element (from `xs:any` or `xs:anyType`) with its own name.
    pub fn raw(&mut self, el: &Element) {
        self.open(&el.ns, &el.name);
        self.raw_content(el);
        self.close();
    }

    /// Writes the attributes and children of a kept-as-is element into the open element.
    pub fn raw_content(&mut self, el: &Element) {
        for a in &el.attributes {
            self.attr(&a.ns, &a.name, &a.value);
        }
        for n in &el.children {
            match n {
                Node::Element(e) => self.raw(e),
                Node::Text(t) => self.text(t),
            }
        }
    }

    /// The text written so far; closes any elements left open.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Writes `<name>value</name>` for a simple value.
pub fn write_simple_element<T: SimpleValue>(w: &mut Writer, ns: &str, name: &str, value: &T) {
    w.open(ns, name);
    w.text(&value.to_text());
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_by_uri_unqualified_children_and_fixed_prefixes() {
        let mut w = Writer::new();
        w.open("urn:a", "A");
        w.open("", "b");
        w.text("x & \"y\"");
        w.close();
        w.open("urn:a", "C");
        w.nil();
        w.close();
        assert_eq!(
            w.finish(),
            r#"<A xmlns="urn:a"><b xmlns="">x &amp; &quot;y&quot;</b><C xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/></A>"#
        );
        let mut w = Writer::with_prefixes(&[("n", "urn:n")]);
        w.open("urn:a", "A");
        w.open("urn:n", "B");
        w.close();
        assert_eq!(w.finish(), r#"<A xmlns="urn:a" xmlns:n="urn:n"><n:B/></A>"#);
    }

    #[test]
    fn characters_xml_cannot_carry_become_replacement_characters() {
        let mut w = Writer::new();
        w.open("", "A");
        w.attr("", "v", "a\u{0}b\u{ffff}\t");
        w.text("x\u{1}y\u{1f}\u{fffe}\n\u{7f}");
        assert_eq!(
            w.finish(),
            "<A v=\"a\u{fffd}b\u{fffd}&#x9;\">x\u{fffd}y\u{fffd}\u{fffd}\n\u{7f}</A>"
        );
    }

    #[test]
    fn an_attribute_is_never_written_twice_on_one_element() {
        let mut w = Writer::new();
        w.open("", "A");
        w.attr("", "id", "1");
        w.attr("", "id", "2");
        w.attr("urn:x", "id", "3");
        w.attr("urn:x", "id", "4");
        w.open("", "B");
        w.attr("", "id", "5");
        assert_eq!(
            w.finish(),
            r#"<A id="1" xmlns:a0="urn:x" a0:id="3"><B id="5"/></A>"#
        );
    }
}
