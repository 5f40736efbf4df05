//! The field filter: applies a [`FieldSet`] to an adapter's response, in the gateway, for
//! every adapter alike (RegiX left this to each adapter's mapper; NOTES §3.4).
//!
//! It streams: quick-xml events in, text out, with one [`Cursor`] per open element and no tree
//! of the response. Kept markup is copied as written (names, prefixes, attribute values, text
//! with its references and CDATA), so what a consumer sees of a field is byte for byte what the
//! adapter sent. Because an element is only kept when its parent is, every namespace
//! declaration a kept name relies on stays in the output: a standalone input gives a
//! standalone output.

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::fields::{Cursor, FieldSet};
use crate::soap::xml::{self, Limits, XmlError};

const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// A filtered response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    pub xml: String,
    /// The namespace and local name of the root element.
    pub root_ns: String,
    pub root_local: String,
    /// Whether the output can be embedded as it is: no unprefixed element relies on a default
    /// namespace it does not declare (it would take its embedder's). When false the caller
    /// re-serialises it (see [`crate::soap::xml::Element::to_standalone_xml`]).
    pub self_contained: bool,
}

/// Apply `fields` to `xml`, a standalone response element, in one pass that also checks it.
///
/// * The root is always kept, with its namespace declarations.
/// * An element is kept when its path is granted (with its own text; with everything below it
///   under a `P.*`), or when it is on the way to a granted path (as a container: children are
///   decided one by one, and its own text is dropped unless it is whitespace). Everything else
///   goes with its subtree. Repeated elements share a path, so each is decided alike.
/// * On a kept element, namespace declarations and `xsi:*` attributes always stay (they are
///   structure: without `xsi:type` or `xsi:nil` a kept element means something else); another
///   attribute stays only when `<element path>.<local name>` is granted.
/// * The XML declaration, comments and processing instructions are dropped.
///
/// The whole input is checked under the rules of [`crate::soap::xml::parse`], dropped parts
/// included: DTDs, undefined entities, unbound prefixes and documents over `limits` are refused.
/// So is a namespace name written with a reference or with a tab or line end
/// (`xmlns="urn:&#97;"`): quick-xml resolves names against the value as written, which would
/// then not be the namespace it means.
pub fn filter(xml: &str, fields: &FieldSet, limits: Limits) -> Result<Filtered, XmlError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    xml::check_chars(xml)?;
    let mut reader = NsReader::from_str(xml);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut out = Output {
        bytes: Vec::with_capacity(xml.len()),
        pending: false,
    };
    let mut open: Vec<Cursor> = Vec::with_capacity(16);
    let mut nodes = 0usize;
    let mut seen_root = false;
    let mut root = (String::new(), String::new());
    let mut self_contained = true;
    // Per open element: whether a default namespace declaration (even `xmlns=""`) is in scope,
    // and how many declarations are.
    let mut scopes: Vec<(bool, usize)> = Vec::with_capacity(16);
    let mut first = true;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        let at_start = std::mem::replace(&mut first, false);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if seen_root && open.is_empty() {
                    return Err(XmlError::Malformed(
                        "content after the root element".to_string(),
                    ));
                }
                if open.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                seen_root = true;
                xml::check_name(e.name().as_ref())?;
                xml::check_attribute_separation(e)?;
                // quick-xml resolves `xmlns:` on an element; Namespaces in XML does not.
                if e.name().as_ref().starts_with(b"xmlns:") {
                    return Err(unbound(b"xmlns"));
                }
                let cursor = match open.last() {
                    None => fields.root(),
                    Some(&parent) => fields.child(parent, e.local_name().as_ref(), false),
                };
                match reader.resolve_element(e.name()).0 {
                    ResolveResult::Unknown(p) => return Err(unbound(&p)),
                    ResolveResult::Bound(ns) if open.is_empty() => {
                        root.0 = String::from_utf8_lossy(ns.as_ref()).into_owned();
                    }
                    _ => {}
                }
                if open.is_empty() {
                    root.1 = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                }
                let attributes = xml::read_attributes(e, limits)?;
                let (parent_declared, parent_in_scope) = scopes.last().copied().unwrap_or_default();
                let declared =
                    parent_declared || attributes.iter().any(|a| a.key.as_ref() == b"xmlns");
                let in_scope = parent_in_scope
                    + attributes
                        .iter()
                        .filter(|a| a.key.as_namespace_binding().is_some())
                        .count();
                if in_scope > limits.max_namespaces {
                    return Err(XmlError::TooManyNamespaces(limits.max_namespaces));
                }
                if !declared && !e.name().as_ref().contains(&b':') {
                    self_contained = false;
                }
                nodes += 1;
                out.start(&reader, e, &attributes, fields, cursor, &mut nodes)?;
                if nodes > limits.max_nodes {
                    return Err(XmlError::TooManyNodes(limits.max_nodes));
                }
                if matches!(event, Event::Start(_)) {
                    open.push(cursor);
                    scopes.push((declared, in_scope));
                } else {
                    out.end(cursor, e.name().as_ref());
                }
            }
            Event::End(ref e) => {
                scopes.pop();
                let cursor = open
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".to_string()))?;
                out.end(cursor, e.name().as_ref());
            }
            Event::Text(ref t) => {
                xml::check_text(t)?;
                let whitespace = xml::is_xml_space(t);
                out.text(open.last(), whitespace, &[t])?;
            }
            Event::CData(ref t) => out.text(open.last(), false, &[b"<![CDATA[", t, b"]]>"])?,
            Event::GeneralRef(ref r) => {
                xml::resolve_reference(r)?;
                out.text(open.last(), false, &[b"&", r, b";"])?;
            }
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Decl(ref d) => {
                xml::check_declaration_first(at_start)?;
                xml::check_xml_declaration(d)?;
                xml::check_declared_encoding(d)?;
            }
            Event::Comment(ref c) => xml::check_comment(c)?,
            Event::PI(ref pi) => xml::check_pi_target(pi.target())?,
            Event::Eof => break,
        }
    }
    if !open.is_empty() {
        return Err(XmlError::Malformed(
            "unexpected end of document".to_string(),
        ));
    }
    if !seen_root {
        return Err(XmlError::Empty);
    }
    // Every byte was copied from the `&str` input at markup boundaries, so this holds.
    let xml = String::from_utf8(out.bytes).map_err(|_| XmlError::Encoding)?;
    Ok(Filtered {
        xml,
        root_ns: root.0,
        root_local: root.1,
        self_contained,
    })
}

/// The filtered text being written.
struct Output {
    bytes: Vec<u8>,
    /// The last kept start tag still lacks its `>`: if its element ends with nothing kept
    /// inside, it is closed as `<X/>`.
    pending: bool,
}

impl Output {
    /// Terminate a pending start tag before content.
    fn flush(&mut self) {
        if self.pending {
            self.bytes.push(b'>');
            self.pending = false;
        }
    }

    /// Check every attribute of a start tag (counting it as a node) and, if the element is
    /// kept, write the tag, its `>` left pending: as written when every attribute stays, else
    /// the name and the attributes that stay.
    fn start(
        &mut self,
        reader: &NsReader<&[u8]>,
        e: &BytesStart<'_>,
        attributes: &[Attribute<'_>],
        fields: &FieldSet,
        cursor: Cursor,
        nodes: &mut usize,
    ) -> Result<(), XmlError> {
        let keep = |key: quick_xml::name::QName<'_>| -> Result<bool, XmlError> {
            let raw = key.as_ref();
            if raw == b"xmlns" || raw.starts_with(b"xmlns:") {
                return Ok(true);
            }
            match reader.resolve_attribute(key) {
                (ResolveResult::Unknown(p), _) => Err(unbound(&p)),
                (ResolveResult::Bound(ns), _) if ns.as_ref() == XSI_NS => Ok(true),
                (_, local) => Ok(fields.child(cursor, local.as_ref(), true).keeps_text()),
            }
        };
        let mut all_kept = true;
        // Expanded names, borrowed from the reader's bindings and the tag.
        let mut names: Vec<(&[u8], &[u8])> = Vec::with_capacity(attributes.len());
        for attr in attributes {
            *nodes += 1;
            xml::check_name(attr.key.as_ref())?;
            // Only a value with a reference or a `<` can be refused; unescaping every value
            // would also re-check its UTF-8.
            if let Some(binding) = attr.key.as_namespace_binding() {
                if attr
                    .value
                    .iter()
                    .any(|b| matches!(b, b'&' | b'\t' | b'\r' | b'\n'))
                {
                    return Err(XmlError::Malformed(
                        "a namespace name is written with a reference, a tab or a line end"
                            .to_string(),
                    ));
                }
                xml::check_binding(binding, &xml::attribute_value(attr)?)?;
            } else {
                if attr.value.iter().any(|b| matches!(b, b'&' | b'<')) {
                    xml::attribute_value(attr)?;
                }
                let (ns, local) = reader.resolve_attribute(attr.key);
                let ns: &[u8] = match ns {
                    ResolveResult::Bound(ns) => ns.0,
                    ResolveResult::Unbound => b"",
                    ResolveResult::Unknown(p) => return Err(unbound(&p)),
                };
                names.push((ns, local.into_inner()));
            }
            all_kept &= keep(attr.key)?;
        }
        xml::check_unique_attributes(&names, |&name| name)?;
        if !cursor.kept() {
            return Ok(());
        }
        self.flush();
        let out = &mut self.bytes;
        out.push(b'<');
        self.pending = true;
        if all_kept {
            out.extend_from_slice(e);
            return Ok(());
        }
        out.extend_from_slice(e.name().as_ref());
        for attr in attributes {
            if keep(attr.key)? {
                // The raw value keeps its escapes; it was quoted with `'` if it holds a `"`.
                let quote = if attr.value.contains(&b'"') {
                    b'\''
                } else {
                    b'"'
                };
                out.push(b' ');
                out.extend_from_slice(attr.key.as_ref());
                out.extend_from_slice(&[b'=', quote]);
                out.extend_from_slice(&attr.value);
                out.push(quote);
            }
        }
        Ok(())
    }

    /// Close a kept element: `<X/>` if nothing was written inside it.
    fn end(&mut self, cursor: Cursor, name: &[u8]) {
        if !cursor.kept() {
            return;
        }
        if self.pending {
            self.bytes.extend_from_slice(b"/>");
            self.pending = false;
        } else {
            self.bytes.extend_from_slice(b"</");
            self.bytes.extend_from_slice(name);
            self.bytes.push(b'>');
        }
    }

    /// Character data (`parts`, as written) in the innermost open element: kept where that
    /// element keeps its text, and in a container only when it is whitespace. Outside the
    /// root only whitespace may stand.
    fn text(
        &mut self,
        open: Option<&Cursor>,
        whitespace: bool,
        parts: &[&[u8]],
    ) -> Result<(), XmlError> {
        match open {
            None if !whitespace => Err(outside_root()),
            Some(c) if c.keeps_text() || c.kept() && whitespace => {
                self.flush();
                for part in parts {
                    self.bytes.extend_from_slice(part);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn malformed(e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed(e.to_string())
}

fn unbound(prefix: &[u8]) -> XmlError {
    XmlError::UnboundPrefix(String::from_utf8_lossy(prefix).into_owned())
}

fn outside_root() -> XmlError {
    XmlError::Malformed("text outside the root element".to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use regway_adapter::{AdapterRequest, Field, OperationSpec};
    use regway_demo_company::{CompanyRegister, GET_VALID_UIC_INFO};
    use regway_demo_population::{PopulationRegister, PERSON_DATA_SEARCH, VALID_PERSON_SEARCH};

    use super::*;
    use crate::policy::fields::Access;
    use crate::soap::xml::{parse, Attribute, Element};

    const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

    fn population() -> &'static PopulationRegister {
        static REGISTER: OnceLock<PopulationRegister> = OnceLock::new();
        REGISTER.get_or_init(PopulationRegister::new)
    }

    fn companies() -> &'static CompanyRegister {
        static REGISTER: OnceLock<CompanyRegister> = OnceLock::new();
        REGISTER.get_or_init(CompanyRegister::new)
    }

    fn spec(operations: &'static [OperationSpec], name: &str) -> &'static OperationSpec {
        operations.iter().find(|s| s.name == name).unwrap()
    }

    fn person_spec() -> &'static OperationSpec {
        spec(regway_demo_population::OPERATIONS, PERSON_DATA_SEARCH)
    }

    /// The register's answer to `operation` for the identifier `id`, as the adapter sends it.
    fn answer(operation: &'static str, id: &str) -> String {
        let (root, ns, field) = match operation {
            PERSON_DATA_SEARCH => ("PersonDataRequest", "GRAO/NBD/PersonDataRequest", "EGN"),
            VALID_PERSON_SEARCH => ("ValidPersonRequest", "GRAO/NBD/ValidPersonRequest", "EGN"),
            _ => ("ValidUICRequest", "AV/TR/ValidUICRequest", "UIC"),
        };
        let argument = format!(
            r#"<{root} xmlns="http://egov.bg/RegiX/{ns}"><{field}>{id}</{field}></{root}>"#
        );
        let request = AdapterRequest {
            operation,
            argument: &argument,
            citizen_egn: None,
            employee_egn: None,
        };
        match operation {
            GET_VALID_UIC_INFO => companies().respond(&request),
            _ => population().respond(&request),
        }
        .unwrap()
    }

    fn person(egn: &str) -> String {
        answer(PERSON_DATA_SEARCH, egn)
    }

    fn run(xml: &str, paths: &[&str], table: &[Field]) -> String {
        let fields = FieldSet::parse(paths, table).unwrap();
        filter(xml, &fields, Limits::default()).unwrap().xml
    }

    /// Every element of a tree: its path below the root (local names), namespace, own text
    /// and attributes (namespace, local name, value; in order, as the filter keeps it).
    type Flat = Vec<(String, String, String, Vec<(String, String, String)>)>;

    fn flatten(root: &Element) -> Flat {
        fn walk(e: &Element, path: &str, out: &mut Flat) {
            let attribute = |a: &Attribute| (a.ns.to_string(), a.local.clone(), a.value.clone());
            let attributes = e.attributes.iter().map(attribute).collect();
            out.push((path.to_string(), e.ns.to_string(), e.text(), attributes));
            for c in e.elements() {
                let child = match path {
                    "" => c.local.clone(),
                    _ => format!("{path}.{}", c.local),
                };
                walk(c, &child, out);
            }
        }
        let mut out = Vec::new();
        walk(root, "", &mut out);
        out
    }

    fn tree(xml: &str) -> Element {
        parse(xml.as_bytes(), Limits::default()).unwrap()
    }

    /// The root start tag of a demo answer, without its `>`.
    fn root_tag(xml: &str) -> &str {
        &xml[..xml.find('>').unwrap()]
    }

    #[test]
    fn exact_leaf_keeps_its_text_and_xsi_type_and_its_containers() {
        let egn = population().living_egn();
        let xml = person(egn);
        let first = &population().person(egn).unwrap().first_name;
        assert_eq!(
            run(&xml, &["PersonNames.FirstName"], person_spec().fields),
            format!(
                r#"{}><PersonNames><nbd:FirstName xsi:type="xsd:string">{first}</nbd:FirstName></PersonNames></PersonDataResponse>"#,
                root_tag(&xml)
            )
        );
    }

    #[test]
    fn container_only_subtree_and_nothing() {
        let xml = person(population().living_egn());
        let table = person_spec().fields;
        let root = root_tag(&xml);
        assert_eq!(
            run(&xml, &["PersonNames"], table),
            format!("{root}><PersonNames/></PersonDataResponse>")
        );
        let gender = &xml[xml.find("<Gender>").unwrap()..xml.find("<EGN>").unwrap()];
        assert!(gender.ends_with("</Gender>"), "{gender}");
        assert_eq!(
            run(&xml, &["Gender.*"], table),
            format!("{root}>{gender}</PersonDataResponse>")
        );
        assert_eq!(
            run(&xml, &["Gender"], table),
            format!("{root}><Gender/></PersonDataResponse>")
        );
        // Nothing granted: only the empty root, with its declarations.
        assert_eq!(run(&xml, &[], table), format!("{root}/>"));
    }

    #[test]
    fn everything_granted_is_the_answer_unchanged() {
        for egn in population()
            .sample_egns(20)
            .iter()
            .map(String::as_str)
            .chain([population().living_egn(), population().deceased_egn()])
        {
            let xml = person(egn);
            assert_eq!(
                filter(&xml, &FieldSet::all(), Limits::default())
                    .unwrap()
                    .xml,
                xml
            );
            assert_eq!(run(&xml, &["*"], &[]), xml);
        }
    }

    #[test]
    fn a_deceased_persons_death_date_only_when_granted() {
        let register = population();
        let egn = register.deceased_egn();
        let death = register
            .person(egn)
            .unwrap()
            .death_date
            .unwrap()
            .to_string();
        let xml = person(egn);
        let table = person_spec().fields;
        let out = run(&xml, &["EGN", "DeathDate"], table);
        assert_eq!(
            out,
            format!(
                "{}><EGN>{egn}</EGN><DeathDate>{death}</DeathDate></PersonDataResponse>",
                root_tag(&xml)
            )
        );
        assert!(!run(&xml, &["EGN", "BirthDate"], table).contains("DeathDate"));
        // A granted field the record lacks is simply absent.
        let living = person(register.living_egn());
        assert!(!run(&living, &["DeathDate"], table).contains("DeathDate"));
    }

    #[test]
    fn company_register_fields() {
        let uic = &companies().sample_uics(1)[0];
        let company = companies().company(uic).unwrap();
        let xml = answer(GET_VALID_UIC_INFO, uic);
        let table = spec(regway_demo_company::OPERATIONS, GET_VALID_UIC_INFO).fields;
        assert_eq!(
            run(&xml, &["UIC", "LegalForm.LegalFormName"], table),
            format!(
                "{}><UIC>{uic}</UIC><LegalForm><tr:LegalFormName>{}</tr:LegalFormName></LegalForm></ValidUICResponse>",
                root_tag(&xml),
                company.legal_form.name
            )
        );
    }

    /// A response with what the demo registers never send: an XML declaration, comments and
    /// PIs, a repeated element with attributes, prefixes declared on the root and below, a
    /// default namespace declared, redeclared and undeclared below the root, `xsi:nil`, CDATA,
    /// references, and an attribute quoted with `'`.
    const ORDER: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!-- written by hand -->
<o:Order xmlns:o="urn:order" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" version="2" id="internal">
  <o:Customer><o:Name lang="bg" xsi:type="xsd:string">Иван &amp; Co</o:Name><?audit seen?></o:Customer>
  <Items xmlns="urn:items" xmlns:p="urn:price">
    <Item sku="A-1" note='say "hi"'><Title><![CDATA[<Widget>]]></Title><p:Price currency="BGN" tax="20">1&#46;50</p:Price></Item>
    <Item sku="B-2"><Title xmlns="urn:titles">Gadget</Title><p:Price currency="EUR">2.00</p:Price></Item>
  </Items>
  <o:Note xsi:nil="true"/>
  <o:Extra>stray text<Inner xmlns="">plain</Inner><!-- gone --></o:Extra>
</o:Order>
"#;

    const ORDER_FIELDS: &[Field] = &[
        Field::attribute("version"),
        Field::element("Customer"),
        Field::element("Customer.Name"),
        Field::attribute("Customer.Name.lang"),
        Field::element("Items"),
        Field::repeated("Items.Item"),
        Field::attribute("Items.Item.sku"),
        Field::attribute("Items.Item.note"),
        Field::repeated("Items.Item.Title"),
        Field::repeated("Items.Item.Price"),
        Field::attribute("Items.Item.Price.currency"),
        Field::element("Note"),
        Field::element("Extra"),
        Field::element("Extra.Inner"),
    ];

    const ORDER_ROOT: &str = r#"<o:Order xmlns:o="urn:order" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#;

    #[test]
    fn repeated_elements_are_decided_alike_with_their_attributes() {
        let out = run(ORDER, &["Items.Item.Title", "Items.Item.sku"], ORDER_FIELDS);
        assert_eq!(
            out,
            format!(
                r#"{ORDER_ROOT}>
  
  <Items xmlns="urn:items" xmlns:p="urn:price">
    <Item sku="A-1"><Title><![CDATA[<Widget>]]></Title></Item>
    <Item sku="B-2"><Title xmlns="urn:titles">Gadget</Title></Item>
  </Items>
  
  
</o:Order>"#
            )
        );
        // Namespaces, including the redeclared default, mean what they meant.
        let titles: Vec<_> = flatten(&tree(&out))
            .into_iter()
            .filter(|(path, ..)| path == "Items.Item.Title")
            .map(|(_, ns, text, _)| (ns, text))
            .collect();
        assert_eq!(
            titles,
            [
                ("urn:items".to_string(), "<Widget>".to_string()),
                ("urn:titles".to_string(), "Gadget".to_string())
            ]
        );
    }

    #[test]
    fn attributes_need_their_own_grant_but_xsi_and_declarations_stay() {
        let out = run(
            ORDER,
            &["Customer.Name", "Items.Item.note", "Items.Item.Price.*"],
            ORDER_FIELDS,
        );
        assert_eq!(
            out,
            format!(
                r#"{ORDER_ROOT}>
  <o:Customer><o:Name xsi:type="xsd:string">Иван &amp; Co</o:Name></o:Customer>
  <Items xmlns="urn:items" xmlns:p="urn:price">
    <Item note='say "hi"'><p:Price currency="BGN" tax="20">1&#46;50</p:Price></Item>
    <Item><p:Price currency="EUR">2.00</p:Price></Item>
  </Items>
  
  
</o:Order>"#
            )
        );
        let names = flatten(&tree(&out));
        assert_eq!(names[2].0, "Customer.Name");
        assert_eq!(names[2].2, "Иван & Co");
        assert_eq!(
            names[2].3,
            [(XSI.to_string(), "type".into(), "xsd:string".into())]
        );
        // A granted root attribute stays, in place, with the rest of the tag as written.
        let out = run(ORDER, &["version", "Customer.Name.lang"], ORDER_FIELDS);
        assert!(
            out.starts_with(&format!(r#"{ORDER_ROOT} version="2">"#)),
            "{out}"
        );
        assert!(
            out.contains(r#"<o:Customer><o:Name lang="bg" xsi:type="xsd:string"/></o:Customer>"#),
            "{out}"
        );
    }

    #[test]
    fn nil_stays_nil_and_containers_lose_their_text() {
        let out = run(ORDER, &["Note", "Extra.Inner"], ORDER_FIELDS);
        assert_eq!(
            out,
            format!(
                r#"{ORDER_ROOT}>
  
  
  <o:Note xsi:nil="true"/>
  <o:Extra><Inner xmlns="">plain</Inner></o:Extra>
</o:Order>"#
            )
        );
        let flat = flatten(&tree(&out));
        let inner = flat.iter().find(|(p, ..)| p == "Extra.Inner").unwrap();
        assert_eq!((inner.1.as_str(), inner.2.as_str()), ("", "plain"));
        assert!(tree(&out)
            .elements()
            .any(|e| e.local == "Note" && e.is_nil()));
        // Granted itself, `Extra` keeps its text too.
        let out = run(ORDER, &["Extra"], ORDER_FIELDS);
        assert!(out.contains("<o:Extra>stray text</o:Extra>"), "{out}");
    }

    #[test]
    fn everything_granted_drops_only_declaration_comments_and_pis() {
        let out = filter(ORDER, &FieldSet::all(), Limits::default())
            .unwrap()
            .xml;
        assert!(out.starts_with("<o:Order "), "{out}");
        assert!(!out.contains("<!--") && !out.contains("<?"), "{out}");
        assert_eq!(flatten(&tree(&out)), flatten(&tree(ORDER)));
        let out = run(ORDER, &["Extra.*"], ORDER_FIELDS);
        assert!(
            out.contains(r#"<o:Extra>stray text<Inner xmlns="">plain</Inner></o:Extra>"#),
            "{out}"
        );
    }

    #[test]
    fn refusals() {
        let ext = || XmlError::UndefinedEntity("ext".into());
        let cases = [
            ("<!DOCTYPE r><r/>", XmlError::Dtd),
            (
                r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>"#,
                XmlError::Dtd,
            ),
            // Undefined entities and unbound prefixes are refused in dropped parts too.
            ("<r><a>&ext;</a></r>", ext()),
            (r#"<r><a b="&ext;"/></r>"#, ext()),
            ("<r><x:a/></r>", XmlError::UnboundPrefix("x".into())),
            (
                r#"<r><a x:b="1"/></r>"#,
                XmlError::UnboundPrefix("x".into()),
            ),
            ("", XmlError::Empty),
            ("<!-- only -->", XmlError::Empty),
        ];
        // What the strict reader refuses as not XML, in dropped parts too (found by the fuzz
        // oracle that holds the filter to the reader).
        let not_xml = [
            "\u{a0}<r/>",
            "<r><1a/></r>",
            "<r><a b$=\"1\"/></r>",
            "<r><?xml version=\"1.0\"?></r>",
            "<r><!-- a -- b --></r>",
            "<r><a>]]></a></r>",
            "<r><a b=\"<\"/></r>",
            "<r><a xmlns:xml=\"urn:x\"/></r>",
            "<r xmlns:p=\"urn:p\" xmlns:q=\"urn:p\"><a p:b=\"1\" q:b=\"2\"/></r>",
        ];
        // Found by the filter oracle (fuzz/regressions/filter/crash-…): the namespace was
        // resolved as written, `&amp;urn:r` for `&urn:r`, `urn:\tr` for `urn: r`.
        for xml in [
            r#"<r xmlns="&amp;urn:r"/>"#,
            r#"<r><p:a xmlns:p="urn:&#97;"/></r>"#,
            "<r xmlns=\"urn:\tr\"/>",
            "<r xmlns=\"urn:\r\nr\"/>",
        ] {
            let refused = filter(xml, &FieldSet::all(), Limits::default());
            assert!(matches!(refused, Err(XmlError::Malformed(_))), "{xml}");
        }
        // Found by the filter oracle: an element with the prefix `xmlns` was accepted.
        assert_eq!(
            filter("<r><xmlns:a/></r>", &FieldSet::all(), Limits::default()),
            Err(XmlError::UnboundPrefix("xmlns".into()))
        );
        // Found by the filter oracle: a prefix bound to no namespace was accepted.
        assert!(matches!(
            filter(r#"<r xmlns:p=""/>"#, &FieldSet::all(), Limits::default()),
            Err(XmlError::Malformed(_))
        ));
        // Found by the filter oracle: a declared encoding other than UTF-8 was ignored.
        assert_eq!(
            filter(
                r#"<?xml version="1.0" encoding="utf-6"?><r/>"#,
                &FieldSet::all(),
                Limits::default()
            ),
            Err(XmlError::Encoding)
        );
        let malformed = [
            "<r>",
            "<r></s>",
            "<r/><r/>",
            "<r/>text",
            "&amp;<r/>",
            "<r><a></r>",
        ];
        let shallow = Limits {
            max_depth: 3,
            max_nodes: 100,
            ..Limits::default()
        };
        let few = Limits {
            max_depth: 8,
            max_nodes: 4,
            ..Limits::default()
        };
        for fields in [FieldSet::all(), FieldSet::none()] {
            let f = |xml: &str, limits| filter(xml, &fields, limits);
            for (xml, error) in &cases {
                assert_eq!(&f(xml, Limits::default()).unwrap_err(), error, "{xml}");
            }
            for xml in malformed.iter().chain(&not_xml) {
                let refused = f(xml, Limits::default());
                assert!(matches!(refused, Err(XmlError::Malformed(_))), "{xml}");
                assert!(parse(xml.as_bytes(), Limits::default()).is_err(), "{xml}");
            }
            assert!(f("<a><b><c/></b></a>", shallow).is_ok());
            let deep = f("<a><b><c><d/></c></b></a>", shallow);
            assert_eq!(deep.unwrap_err(), XmlError::TooDeep(3));
            assert!(f(r#"<a x="1"><b/><c/></a>"#, few).is_ok());
            let many = f(r#"<a x="1" y="2"><b/><c/></a>"#, few);
            assert_eq!(many.unwrap_err(), XmlError::TooManyNodes(4));
        }
        let all = FieldSet::all();
        let deep = format!("{}{}", "<a>".repeat(65), "</a>".repeat(65));
        assert_eq!(
            filter(&deep, &all, Limits::default()).unwrap_err(),
            XmlError::TooDeep(64)
        );
        // A byte order mark is not content.
        assert_eq!(
            filter("\u{feff}<r/>", &all, Limits::default()).unwrap().xml,
            "<r/>"
        );
    }

    #[test]
    fn reports_the_root_and_whether_the_output_embeds_as_is() {
        let all = FieldSet::all();
        let f = filter(
            r#"<p:R xmlns:p="urn:r"><p:A/></p:R>"#,
            &all,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            (f.root_ns.as_str(), f.root_local.as_str(), f.self_contained),
            ("urn:r", "R", true)
        );
        let f = filter(
            r#"<R xmlns="urn:r"><A xmlns=""/></R>"#,
            &all,
            Limits::default(),
        )
        .unwrap();
        assert!(f.self_contained);
        // An unprefixed element with no default namespace declared would take its embedder's.
        let f = filter(
            r#"<p:R xmlns:p="urn:r"><A/></p:R>"#,
            &all,
            Limits::default(),
        )
        .unwrap();
        assert!(!f.self_contained);
        let f = filter("<R/>", &all, Limits::default()).unwrap();
        assert_eq!((f.root_ns.as_str(), f.self_contained), ("", false));
    }

    /// Exceptions to "every table path occurs in the demo data", with the reason.
    const NEVER_PRODUCED: &[(&str, &str)] = &[
        ("Alias", "the generator gives nobody an alias"),
        (
            "ForeignNames",
            "every record is a Bulgarian citizen with Cyrillic names",
        ),
        ("ForeignNames.FirstName", "as ForeignNames"),
        ("ForeignNames.SurName", "as ForeignNames"),
        ("ForeignNames.FamilyName", "as ForeignNames"),
    ];

    /// The field tables describe the demo data: every element and (non-structural) attribute
    /// of a sampled answer is in its operation's table, and every table path occurs somewhere.
    #[test]
    fn demo_field_tables_match_the_data() {
        let people: Vec<&str> = population()
            .people()
            .iter()
            .map(|p| p.egn.as_str())
            .collect();
        let uics: Vec<&str> = companies()
            .companies()
            .iter()
            .map(|c| c.uic.as_str())
            .collect();
        let cases = [
            (
                regway_demo_population::OPERATIONS,
                PERSON_DATA_SEARCH,
                &people,
            ),
            (
                regway_demo_population::OPERATIONS,
                VALID_PERSON_SEARCH,
                &people,
            ),
            (regway_demo_company::OPERATIONS, GET_VALID_UIC_INFO, &uics),
        ];
        for (operations, name, ids) in cases {
            let spec = spec(operations, name);
            let mut seen = BTreeSet::new();
            for id in ids.iter().step_by(3) {
                for (path, _, _, attributes) in flatten(&tree(&answer(name, id))) {
                    for (ns, local, _) in attributes {
                        if ns != XSI {
                            seen.insert((format!("{path}.{local}"), true));
                        }
                    }
                    if !path.is_empty() {
                        seen.insert((path, false));
                    }
                }
            }
            for (path, attribute) in &seen {
                assert!(
                    spec.fields
                        .iter()
                        .any(|f| f.path == path && f.attribute == *attribute),
                    "{name}: {path} is not in the table"
                );
            }
            for field in spec.fields {
                let produced = seen.contains(&(field.path.to_string(), field.attribute));
                let excepted = NEVER_PRODUCED.iter().any(|(p, _)| *p == field.path)
                    && name == PERSON_DATA_SEARCH;
                assert!(
                    produced != excepted,
                    "{name}: {} is {}",
                    field.path,
                    if produced {
                        "produced: drop its exception"
                    } else {
                        "never produced"
                    }
                );
            }
        }
    }

    /// How each field of a table is granted in a random field set.
    fn grants(table: &'static [Field]) -> impl Strategy<Value = Vec<String>> {
        let modes = prop::collection::vec(0..4u8, table.len());
        modes.prop_map(move |modes| {
            table
                .iter()
                .zip(modes)
                .filter_map(|(f, mode)| match mode {
                    1 => Some(f.path.to_string()),
                    2 => Some(format!("{}.*", f.path)),
                    _ => None,
                })
                .collect()
        })
    }

    /// The paths of the elements of `flat` without child elements.
    fn leaf_paths(flat: &Flat) -> BTreeSet<String> {
        let mut leaves = BTreeSet::new();
        for (i, (path, ..)) in flat.iter().enumerate() {
            let prefix = format!("{path}.");
            if flat
                .get(i + 1)
                .is_none_or(|(next, ..)| !next.starts_with(&prefix))
            {
                leaves.insert(path.clone());
            }
        }
        leaves
    }

    /// The (path, text) of every element of `flat` at one of `leaves` that `fields` grants.
    fn granted(flat: &Flat, fields: &FieldSet, leaves: &BTreeSet<String>) -> Vec<(String, String)> {
        flat.iter()
            .filter(|(path, ..)| leaves.contains(path) && fields.access(path) == Access::Granted)
            .map(|(path, _, text, _)| (path.clone(), text.clone()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// For random grants and people: the output is XML, holds nothing outside the grant,
        /// and holds every granted leaf of the answer with its text.
        #[test]
        fn filtered_answers_hold_exactly_the_grant(
            paths in grants(person_spec().fields),
            index in 0..5_000usize,
        ) {
            let egn = &population().people()[index % population().len()].egn;
            let xml = person(egn);
            let fields = FieldSet::parse(&paths, person_spec().fields).unwrap();
            let out = filter(&xml, &fields, Limits::default()).unwrap().xml;
            let filtered = flatten(&parse(out.as_bytes(), Limits::default()).unwrap());
            for (path, _, _, attributes) in &filtered {
                prop_assert_ne!(fields.access(path), Access::Denied, "{} in {}", path, out);
                for (ns, local, _) in attributes {
                    let attribute = format!("{path}.{local}");
                    let released = fields.access(&attribute) == Access::Granted;
                    prop_assert!(ns == XSI || released, "{}", attribute);
                }
            }
            let original = flatten(&tree(&xml));
            let leaves = leaf_paths(&original);
            prop_assert_eq!(
                granted(&filtered, &fields, &leaves),
                granted(&original, &fields, &leaves)
            );
        }

        /// `*` leaves every path, namespace, text and attribute as it was.
        #[test]
        fn everything_granted_changes_nothing(index in 0..5_000usize) {
            let xml = person(&population().people()[index % population().len()].egn);
            let out = filter(&xml, &FieldSet::all(), Limits::default()).unwrap().xml;
            prop_assert_eq!(flatten(&tree(&out)), flatten(&tree(&xml)));
        }
    }
}
