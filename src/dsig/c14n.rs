//! Exclusive XML Canonicalization 1.0 (without comments) of the small documents regway signs:
//! `Data`, the XAdES signed properties and `SignedInfo`, each written by regway.
//!
//! Why not only the engine's: measured, the engine's general C14N (a DOM, node sets, XPath
//! machinery) was more than half of the cost of a signed response. This one walks the tree of
//! the gateway's own XML reader once. It takes only what it can render exactly; anything else
//! (comments, CDATA, processing instructions, a carriage return, a tab or newline inside an
//! attribute value — whose normalisation the reader does not perform) makes it decline, and
//! the engine canonicalises instead. A test compares it with the engine on every RegiX sample.

use crate::soap::xml::{self, Element, Limits, Node};

/// The exclusive canonical form of `document`, or `None` when it holds a construct this
/// canonicaliser leaves to the engine (or is not well-formed: the engine then says why).
pub fn exclusive(document: &str) -> Option<Vec<u8>> {
    if !plain(document) {
        return None;
    }
    let root = xml::parse(document.as_bytes(), Limits::default()).ok()?;
    let mut out = String::with_capacity(document.len() + document.len() / 8);
    let mut rendered: Vec<(&str, &str)> = Vec::new();
    render(&root, &mut rendered, &mut out);
    Some(out.into_bytes())
}

/// No comment, CDATA section, processing instruction or declaration, no carriage return, and
/// no tab or newline inside an attribute value.
fn plain(document: &str) -> bool {
    if document.contains("<!") || document.contains("<?") || document.contains('\r') {
        return false;
    }
    let (mut in_tag, mut quote) = (false, None::<char>);
    for c in document.chars() {
        match (in_tag, quote, c) {
            (false, _, '<') => in_tag = true,
            (true, None, '>') => in_tag = false,
            (true, None, '"' | '\'') => quote = Some(c),
            (true, Some(q), c) if c == q => quote = None,
            (true, Some(_), '\t' | '\n') => return false,
            _ => {}
        }
    }
    true
}

fn prefix_of(raw_name: &str) -> &str {
    raw_name.split_once(':').map_or("", |(p, _)| p)
}

/// The namespace an output ancestor rendered for `prefix` (the nearest one wins).
fn in_output<'a>(rendered: &[(&str, &'a str)], prefix: &str) -> Option<&'a str> {
    rendered
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| *uri)
}

fn render<'a>(e: &'a Element, rendered: &mut Vec<(&'a str, &'a str)>, out: &mut String) {
    // The namespaces visibly utilised: the element's own and its prefixed attributes' (the
    // `xml` prefix is never declared).
    let mut used: Vec<(&str, &str)> = vec![(prefix_of(&e.raw_name), e.ns.as_str())];
    for a in &e.attributes {
        let p = prefix_of(&a.raw_name);
        if !p.is_empty() && p != "xml" && !used.iter().any(|(u, _)| *u == p) {
            used.push((p, a.ns.as_str()));
        }
    }
    let mut decls: Vec<(&str, &str)> = used
        .into_iter()
        .filter(|&(p, uri)| match in_output(rendered, p) {
            Some(r) => r != uri,
            // An empty default namespace is rendered only to undo a rendered one.
            None => !(p.is_empty() && uri.is_empty()),
        })
        .collect();
    decls.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut attributes: Vec<&xml::Attribute> = e.attributes.iter().collect();
    attributes.sort_unstable_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));

    out.push('<');
    out.push_str(&e.raw_name);
    for (p, uri) in &decls {
        out.push_str(if p.is_empty() { " xmlns" } else { " xmlns:" });
        out.push_str(p);
        out.push_str("=\"");
        escape_attribute(out, uri);
        out.push('"');
    }
    for a in attributes {
        out.push(' ');
        out.push_str(&a.raw_name);
        out.push_str("=\"");
        escape_attribute(out, &a.value);
        out.push('"');
    }
    out.push('>');
    let mark = rendered.len();
    rendered.extend(decls);
    for child in &e.children {
        match child {
            Node::Element(c) => render(c, rendered, out),
            Node::Text(t) => escape_text(out, t),
        }
    }
    rendered.truncate(mark);
    out.push_str("</");
    out.push_str(&e.raw_name);
    out.push('>');
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsig::engine::{Bergshamra, C14n, XmlDsig};

    fn engine(doc: &str) -> String {
        String::from_utf8(Bergshamra.canonicalize(doc, C14n::Exclusive).unwrap()).unwrap()
    }

    fn ours(doc: &str) -> String {
        String::from_utf8(exclusive(doc).expect("handled")).unwrap()
    }

    #[test]
    fn renders_what_the_engine_renders() {
        for doc in [
            r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" xmlns:unused="urn:u" z="1" b:y="2" a:w="&quot;&lt;&amp;>"><a:y/><b:z xmlns:a="urn:a">t &amp; &lt; &gt;</b:z></a:x>"#,
            r#"<x xmlns="urn:d"><y xmlns=""><z xmlns="urn:d"/></y><w xml:lang="bg" id="1"/></x>"#,
            r#"<Data xmlns="http://egov.bg/RegiX/SignedData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="data"><Matrix xsi:nil="true"/></Data>"#,
            "<x a=\"1\"   b='2'>\n  text\n  <y/>\n</x>",
            r#"<x><y xmlns:p="urn:p"><p:z/><p:w/></y></x>"#,
        ] {
            assert_eq!(ours(doc), engine(doc), "{doc}");
        }
    }

    #[test]
    fn declines_what_the_reader_does_not_render_exactly() {
        for doc in [
            "<x><!-- c --></x>",
            "<x><![CDATA[a]]></x>",
            "<x><?pi?></x>",
            "<x>a\r\nb</x>",
            "<x a=\"1\n2\"/>",
            "<x a='1\t2'/>",
        ] {
            assert_eq!(exclusive(doc), None, "{doc}");
        }
        // A newline between attributes is markup, not a value: handled.
        assert!(exclusive("<x\n a=\"1\"/>").is_some());
    }

    /// Every official RegiX sample the fast path takes (its XML declaration removed)
    /// canonicalises exactly as the engine does.
    #[test]
    fn agrees_with_the_engine_on_the_regix_samples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/regix/samples");
        let mut compared = 0;
        let mut files = Vec::new();
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).expect("../shared/regix/samples") {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "xml") {
                    files.push(path);
                }
            }
        }
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            // Line ends as any XML reader normalises them before canonicalisation.
            let text = text.replace("\r\n", "\n");
            let text = text.trim_start_matches('\u{feff}');
            let body = match text.strip_prefix("<?xml") {
                Some(rest) => rest.split_once("?>").map_or("", |(_, b)| b).trim_start(),
                None => text,
            };
            let Some(fast) = exclusive(body) else {
                continue;
            };
            let slow = Bergshamra
                .canonicalize(body, C14n::Exclusive)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(compared > 200, "only {compared} samples compared");
    }
}
