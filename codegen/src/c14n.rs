//! The comparison `roundtrip` uses: two documents are equal when their canonical forms are.
//!
//! Not W3C C14N byte output but the same equivalence, stated here because it decides what a
//! pass means:
//! * names compare by namespace URI and local name (prefixes and where namespaces are declared
//!   do not matter);
//! * attributes compare as a set (order does not matter); `xsi:type`, `xsi:schemaLocation` and
//!   `xsi:noNamespaceSchemaLocation` are ignored: .NET writes `xsi:type="xsd:string"` on
//!   elements whose type the schema already fixes, and generated types do not keep it;
//! * text that is only whitespace between child elements is ignored (element-only content), and
//!   so is whitespace-only text in an element the other document has empty (`<A>\n  </A>` and
//!   `<A/>`): an element of element-only content with none of its optional children. The
//!   comparison does not know the schema, but the generated writer writes the text of a simple
//!   value whenever it is not empty, so it never empties a whitespace-only string this way;
//!   all other text compares exactly, so decimal and date lexical forms must survive unchanged;
//! * comments, processing instructions and the XML declaration are ignored.

use roxmltree::{Document, Node};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn attrs(n: Node<'_, '_>) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = n
        .attributes()
        .filter(|a| {
            !(a.namespace() == Some(XSI)
                && matches!(
                    a.name(),
                    "type" | "schemaLocation" | "noNamespaceSchemaLocation"
                ))
        })
        .map(|a| {
            (
                a.namespace().unwrap_or("").to_string(),
                a.name().to_string(),
                a.value().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

enum Child<'a, 'i> {
    Element(Node<'a, 'i>),
    Text(String),
}

fn children<'a, 'i>(n: Node<'a, 'i>) -> Vec<Child<'a, 'i>> {
    let has_elements = n.children().any(|c| c.is_element());
    let mut out: Vec<Child<'a, 'i>> = vec![];
    for c in n.children() {
        if c.is_element() {
            out.push(Child::Element(c));
        } else if c.is_text() {
            let t = c.text().unwrap_or("");
            if has_elements && t.trim().is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(Child::Text(prev)) => prev.push_str(t),
                _ => out.push(Child::Text(t.to_string())),
            }
        }
    }
    out
}

fn name(n: Node<'_, '_>) -> String {
    format!(
        "{{{}}}{}",
        n.tag_name().namespace().unwrap_or(""),
        n.tag_name().name()
    )
}

fn compare(a: Node<'_, '_>, b: Node<'_, '_>, path: &str) -> Result<(), String> {
    let path = format!("{path}/{}", a.tag_name().name());
    if name(a) != name(b) {
        return Err(format!("{path}: element {} became {}", name(a), name(b)));
    }
    let (aa, ba) = (attrs(a), attrs(b));
    if aa != ba {
        return Err(format!("{path}: attributes {aa:?} became {ba:?}"));
    }
    let (mut ac, mut bc) = (children(a), children(b));
    let blank = |c: &[Child<'_, '_>]| matches!(c, [Child::Text(t)] if t.trim().is_empty());
    if ac.is_empty() && blank(&bc) || bc.is_empty() && blank(&ac) {
        ac.clear();
        bc.clear();
    }
    for (i, pair) in ac.iter().zip(bc.iter()).enumerate() {
        match pair {
            (Child::Element(x), Child::Element(y)) => compare(*x, *y, &path)?,
            (Child::Text(x), Child::Text(y)) if x == y => {}
            (Child::Text(x), Child::Text(y)) => {
                return Err(format!("{path}: text {x:?} became {y:?}"))
            }
            (Child::Element(x), Child::Text(t)) => {
                return Err(format!(
                    "{path}: child {i} element {} became text {t:?}",
                    name(*x)
                ))
            }
            (Child::Text(t), Child::Element(y)) => {
                return Err(format!(
                    "{path}: child {i} text {t:?} became element {}",
                    name(*y)
                ))
            }
        }
    }
    match ac.len().cmp(&bc.len()) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(format!(
            "{path}: {} children became {} (first lost: {})",
            ac.len(),
            bc.len(),
            match &ac[bc.len()] {
                Child::Element(e) => name(*e),
                Child::Text(t) => format!("text {t:?}"),
            }
        )),
        std::cmp::Ordering::Less => {
            Err(format!("{path}: {} children became {}", ac.len(), bc.len()))
        }
    }
}

/// `Ok` when `original` and `written` are equivalent; otherwise the first difference.
pub fn equivalent(original: &str, written: &str) -> Result<(), String> {
    let strip = |s: &str| s.strip_prefix('\u{feff}').unwrap_or(s).to_string();
    let (o, w) = (strip(original), strip(written));
    let a = Document::parse(&o).map_err(|e| format!("original: {e}"))?;
    let b = Document::parse(&w).map_err(|e| format!("written: {e}"))?;
    compare(a.root_element(), b.root_element(), "")
}

#[cfg(test)]
mod tests {
    use super::equivalent;

    #[test]
    fn prefixes_attribute_order_and_formatting_whitespace_do_not_matter() {
        let a = r#"<p:A xmlns:p="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" b="1" c="2">
            <p:B xsi:type="xsd:string">x</p:B>
        </p:A>"#;
        let b = r#"<A xmlns="urn:x" c="2" b="1"><B>x</B></A>"#;
        assert_eq!(equivalent(a, b), Ok(()));
    }

    #[test]
    fn lexical_forms_and_namespaces_do() {
        assert!(equivalent(
            r#"<A xmlns="urn:x"><B>1.50</B></A>"#,
            r#"<A xmlns="urn:x"><B>1.5</B></A>"#
        )
        .is_err());
        assert!(equivalent(
            r#"<A xmlns="urn:x"><B/></A>"#,
            r#"<A xmlns="urn:x"><B xmlns=""/></A>"#
        )
        .is_err());
        assert!(equivalent(r#"<A><B/><C/></A>"#, r#"<A><B/></A>"#).is_err());
        assert!(equivalent(r#"<A><B> </B></A>"#, r#"<A><B>x</B></A>"#).is_err());
        assert!(equivalent(r#"<A><B> </B></A>"#, r#"<A><B>  </B></A>"#).is_err());
    }

    #[test]
    fn whitespace_in_an_element_written_empty_does_not_matter() {
        // An element of element-only content whose optional children are all absent.
        let a = "<A xmlns=\"urn:x\">\n  <Empty>\n  </Empty>\n  <B>1</B>\n</A>";
        let b = r#"<A xmlns="urn:x"><Empty/><B>1</B></A>"#;
        assert_eq!(equivalent(a, b), Ok(()));
        assert_eq!(equivalent(b, a), Ok(()));
    }
}
