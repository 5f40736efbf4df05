//! Issue 16: XSD and WSDL features of real e-government contracts beyond RegiX, each with its
//! minimal reproduction (small inline schemas), plus the public W3C and OASIS sets in
//! `../shared/schemas` where they show the class.

use std::path::{Path, PathBuf};

use regway_codegen::{generate_xsd, EmitOptions, Generated};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/schemas");

/// Writes `files` (name, text) into the folder `s` of a temporary folder (so the generated
/// source, which names the folder, does not depend on the temporary name) and generates the
/// first one.
fn generate(files: &[(&str, &str)]) -> (tempfile::TempDir, regway_codegen::Result<Generated>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join("s").join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    let first: PathBuf = dir.path().join("s").join(files[0].0);
    let g = generate_xsd(&[first], &EmitOptions::default());
    (dir, g)
}

fn ok(files: &[(&str, &str)]) -> String {
    match generate(files) {
        (_, Ok(g)) => g.source,
        (_, Err(e)) => panic!("must generate: {e}"),
    }
}

fn shared(rel: &str) -> PathBuf {
    Path::new(SCHEMAS).join(rel)
}

const XML_XSD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:language"/>
  <xs:attributeGroup name="specialAttrs"><xs:attribute ref="xml:lang"/></xs:attributeGroup>
</xs:schema>"#;

// 1. The `xml` prefix is always bound (Namespaces in XML §3).
#[test]
fn xml_prefix_is_always_bound_in_qname_values() {
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>
  <xs:element name="Note">
    <xs:complexType>
      <xs:simpleContent>
        <xs:extension base="xs:string"><xs:attribute ref="xml:lang"/></xs:extension>
      </xs:simpleContent>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="Special"><xs:attributeGroup ref="xml:specialAttrs"/></xs:complexType>
</xs:schema>"#;
    let src = ok(&[("main.xsd", main), ("xml.xsd", XML_XSD)]);
    assert!(
        src.contains("http://www.w3.org/XML/1998/namespace"),
        "{src}"
    );
    // Declared explicitly (allowed with exactly this URI): the same result.
    let explicit = main.replace(
        "xmlns:t=\"urn:t\"",
        "xmlns:t=\"urn:t\" xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"",
    );
    let xml_explicit = XML_XSD.replace(
        "xmlns:xs=",
        "xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xmlns:xs=",
    );
    assert_eq!(
        ok(&[("main.xsd", &explicit), ("xml.xsd", &xml_explicit)]),
        src
    );
}

#[test]
fn w3c_xml_xsd_generates() {
    generate_xsd(&[shared("w3c/xml.xsd")], &EmitOptions::default()).expect("xml.xsd");
}

// 2. A schema file that begins with a DOCTYPE with an internal subset.
#[test]
fn doctype_internal_entities_are_read_and_bounded() {
    let main = r#"<?xml version="1.0"?>
<!DOCTYPE schema PUBLIC "-//W3C//DTD XMLSchema 200102//EN" "http://www.w3.org/2001/XMLSchema.dtd" [
  <!ATTLIST schema xmlns:t CDATA #FIXED "urn:t">
  <!ENTITY t 'urn:t'>
  <!ENTITY % p ''>
]>
<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:t="&t;" targetNamespace="&t;" elementFormDefault="qualified">
  <element name="E" type="t:T"/>
  <complexType name="T"><sequence><element name="A" type="string"/></sequence></complexType>
</schema>"#;
    let src = ok(&[("main.xsd", main)]);
    assert!(
        src.contains("rt::ElementDef::new(\"urn:t\", \"E\""),
        "{src}"
    );
    // Nothing external is fetched: an external entity the document uses is an error naming it.
    let external = main.replace(
        "<!ENTITY t 'urn:t'>",
        "<!ENTITY t SYSTEM \"http://example.org/t\">",
    );
    let (_dir, g) = generate(&[("main.xsd", &external)]);
    let msg = g.expect_err("external entity").to_string();
    assert!(
        msg.contains("main.xsd:7") && msg.contains("\"t\" is not fetched"),
        "{msg}"
    );
    // Bounded expansion: a billion laughs is refused before it is expanded.
    let mut laughs = String::from("<!DOCTYPE schema [\n<!ENTITY l0 'lol'>\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            "<!ENTITY l{i} '{}'>\n",
            format!("&l{};", i - 1).repeat(10)
        ));
    }
    laughs.push_str("]>\n<schema xmlns=\"http://www.w3.org/2001/XMLSchema\"><annotation><documentation>&l9;</documentation></annotation></schema>");
    let (_dir, g) = generate(&[("laughs.xsd", &laughs)]);
    let msg = g.expect_err("billion laughs").to_string();
    assert!(
        msg.contains("laughs.xsd:13") && msg.contains("more than"),
        "{msg}"
    );
}

#[test]
fn w3c_xmldsig_core_schema_generates() {
    let g = generate_xsd(
        &[shared("w3c/xmldsig-core-schema.xsd")],
        &EmitOptions::default(),
    )
    .expect("xmldsig-core-schema.xsd");
    assert!(g.source.contains("http://www.w3.org/2000/09/xmldsig#"));
}

// 4. Only a real cycle in the base-type chain is a derivation cycle.
#[test]
fn a_base_whose_content_holds_its_own_extension_is_not_a_cycle() {
    // As WS-Policy is written: Operator's content refers to All, whose anonymous type extends
    // Operator; and a named type extending its container.
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:complexType name="Operator">
    <xs:sequence>
      <xs:element ref="t:All" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="Nested" type="t:Derived" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="Id" type="xs:ID"/>
  </xs:complexType>
  <xs:element name="All">
    <xs:complexType>
      <xs:complexContent>
        <xs:extension base="t:Operator"><xs:attribute name="Extra" type="xs:string"/></xs:extension>
      </xs:complexContent>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="Derived">
    <xs:complexContent>
      <xs:extension base="t:Operator">
        <xs:sequence><xs:element name="Tail" type="xs:string"/></xs:sequence>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
  <xs:element name="Policy" type="t:Operator"/>
</xs:schema>"#;
    let src = ok(&[("main.xsd", main)]);
    // All has Operator's members and attributes plus its own; Derived has the base's first.
    let all = src
        .split("pub struct All {")
        .nth(1)
        .expect("All")
        .split('}')
        .next()
        .unwrap();
    assert!(
        all.contains("pub all: Vec<All>")
            && all.contains("pub nested:")
            && all.contains("pub extra:"),
        "{all}"
    );
    let derived = src
        .split("pub struct Derived {")
        .nth(1)
        .expect("Derived")
        .split('}')
        .next()
        .unwrap();
    assert!(
        derived.contains("pub nested:") && derived.contains("pub tail: String"),
        "{derived}"
    );
    // A real cycle (through two types) is still one.
    let real = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t">
  <xs:complexType name="A"><xs:complexContent><xs:extension base="t:B"/></xs:complexContent></xs:complexType>
  <xs:complexType name="B"><xs:complexContent><xs:extension base="t:A"/></xs:complexContent></xs:complexType>
</xs:schema>"#;
    let (_dir, g) = generate(&[("real.xsd", real)]);
    let msg = g.expect_err("real cycle").to_string();
    assert!(
        msg.contains("real.xsd:") && msg.contains("derives from itself"),
        "{msg}"
    );
}

/// The fields of the generated struct `name` (the text between its braces).
fn struct_body<'s>(src: &'s str, name: &str) -> &'s str {
    src.split(&format!("pub struct {name} {{"))
        .nth(1)
        .unwrap_or_else(|| panic!("no struct {name} in {src}"))
        .split("\n}")
        .next()
        .unwrap()
}

// 5. A restriction restating an inherited attribute: one field, written once.
#[test]
fn a_restated_inherited_attribute_is_one_field() {
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:attribute name="Code" type="xs:string"/>
  <xs:attributeGroup name="Ids"><xs:attribute name="Id" type="xs:string" use="required"/></xs:attributeGroup>
  <xs:complexType name="Base">
    <xs:sequence><xs:element name="A" type="xs:string" minOccurs="0"/></xs:sequence>
    <xs:attribute name="Id" type="xs:string"/>
    <xs:attribute ref="t:Code"/>
    <xs:attribute name="Gone" type="xs:string"/>
  </xs:complexType>
  <xs:complexType name="Restricted">
    <xs:complexContent>
      <xs:restriction base="t:Base">
        <xs:sequence><xs:element name="A" type="xs:string"/></xs:sequence>
        <xs:attributeGroup ref="t:Ids"/>
        <xs:attribute ref="t:Code" use="required"/>
        <xs:attribute name="Gone" use="prohibited"/>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
  <xs:complexType name="Text">
    <xs:simpleContent><xs:extension base="xs:string"><xs:attribute name="Id" type="xs:string"/></xs:extension></xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="TextRestricted">
    <xs:simpleContent><xs:restriction base="t:Text"><xs:attribute name="Id" type="xs:string" use="required"/></xs:restriction></xs:simpleContent>
  </xs:complexType>
  <xs:element name="R" type="t:Restricted"/>
  <xs:element name="T" type="t:TextRestricted"/>
</xs:schema>"#;
    let src = ok(&[("main.xsd", main)]);
    let r = struct_body(&src, "Restricted");
    assert_eq!(r.matches("pub id: String").count(), 1, "{r}");
    assert_eq!(r.matches("pub code: String").count(), 1, "{r}");
    assert!(
        !r.contains("id_2") && !r.contains("code_2") && !r.contains("gone"),
        "{r}"
    );
    let t = struct_body(&src, "TextRestricted");
    assert_eq!(t.matches("pub id").count(), 1, "{t}");
    // Four structs with an Id, each writing it once.
    let writes = src
        .lines()
        .filter(|l| l.contains("w.attr") && l.contains("\"Id\""))
        .count();
    assert_eq!(writes, 4, "{src}");
}

// 9. `xs:import` of an absolute URL reads the local copy beside the importing file.
#[test]
fn absolute_url_imports_read_the_local_copy() {
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" xmlns:u="urn:u" xmlns:v="urn:v" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:import namespace="urn:u" schemaLocation="https://example.org/schemas/2024/U.xsd"/>
  <xs:import namespace="urn:v" schemaLocation="http://registry.example/get?schema=v"/>
  <xs:element name="E">
    <xs:complexType><xs:sequence><xs:element name="A" type="u:A"/><xs:element name="B" type="v:B"/></xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>"#;
    let u = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:u">
  <xs:simpleType name="A"><xs:restriction base="xs:int"/></xs:simpleType>
</xs:schema>"#;
    let v = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:v">
  <xs:simpleType name="B"><xs:restriction base="xs:date"/></xs:simpleType>
</xs:schema>"#;
    let (_dir, g) = generate(&[("main.xsd", main), ("u.xsd", u), ("saved-v.xsd", v)]);
    let g = g.expect("generates");
    assert!(g.source.contains("pub type A = i32;"), "{}", g.source);
    assert!(g.source.contains("pub type B = rt::Date;"), "{}", g.source);
    assert!(
        g.notes
            .iter()
            .any(|n| n.contains("is remote; read") && n.contains("saved-v.xsd")),
        "{:?}",
        g.notes
    );
    // With no local copy the import is left to the set, as before: the type is unknown where
    // it is used.
    let (_dir, g) = generate(&[("main.xsd", main), ("u.xsd", u)]);
    let msg = g.expect_err("no copy of urn:v").to_string();
    assert!(msg.contains("unknown type {urn:v}B"), "{msg}");
}

// 10. Chameleon includes, and an include whose namespace contradicts the includer's.
#[test]
fn chameleon_includes_take_the_includers_namespace() {
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:include schemaLocation="common.xsd"/>
  <xs:element name="Person" type="t:Person"/>
</xs:schema>"#;
    let common = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:simpleType name="Name"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:complexType name="Person">
    <xs:sequence><xs:element name="Name" type="Name"/><xs:element ref="Age"/></xs:sequence>
  </xs:complexType>
  <xs:element name="Age" type="xs:int"/>
</xs:schema>"#;
    let src = ok(&[("main.xsd", main), ("common.xsd", common)]);
    // The included definitions, their references and local elements are all in urn:t.
    assert!(src.contains("Generated from `{urn:t}Person`"), "{src}");
    assert!(src.contains("\"urn:t\", \"Name\""), "{src}");
    assert!(src.contains("\"urn:t\", \"Age\""), "{src}");

    let other = common.replace(
        "elementFormDefault",
        "targetNamespace=\"urn:other\" elementFormDefault",
    );
    let (_dir, g) = generate(&[("main.xsd", main), ("common.xsd", &other)]);
    let msg = g.expect_err("namespace contradicts").to_string();
    assert!(
        msg.contains("main.xsd:3")
            && msg.contains("xs:include of")
            && msg.contains("common.xsd")
            && msg.contains("\"urn:other\""),
        "{msg}"
    );
}

// 11. `roundtrip` compares an element of element-only content with only whitespace in it (no
// optional child present) equal to the empty element the generated writer writes.
#[test]
fn roundtrip_ignores_whitespace_in_an_empty_element_only_element() {
    use regway_codegen::c14n::equivalent;
    let original = "<t:E xmlns:t=\"urn:t\">\n  <t:Options>\n    \n  </t:Options>\n</t:E>";
    let written = r#"<E xmlns="urn:t"><Options/></E>"#;
    assert_eq!(equivalent(original, written), Ok(()));
    // Text that is not only whitespace still counts.
    assert!(equivalent("<E><Options> x </Options></E>", "<E><Options/></E>").is_err());
}

const WSDL_HEAD: &str = r#"<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <wsdl:types>
    <xs:schema targetNamespace="urn:svc" elementFormDefault="qualified">
      <xs:element name="Notify"><xs:complexType><xs:sequence><xs:element name="Text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Ask"><xs:complexType><xs:sequence><xs:element name="Q" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Answer"><xs:complexType><xs:sequence><xs:element name="A" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Routing"><xs:complexType><xs:sequence><xs:element name="To" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Trace" type="xs:string"/>
    </xs:schema>
  </wsdl:types>
"#;

/// Reads the WSDL `text` and compiles its typed client in a scratch crate of its own (sharing
/// the scratch target directory with the other codegen tests).
fn wsdl_client(name: &str, text: &str) -> (regway_codegen::wsdl::Wsdl, String) {
    use regway_codegen::{scratch::Scratch, wsdl};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.wsdl"));
    std::fs::write(&path, text).unwrap();
    let w = wsdl::read(&path).expect("reads");
    let source = wsdl::generate_wsdl(&path, &EmitOptions::default())
        .expect("generates")
        .source;
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch");
    let scratch = Scratch {
        dir: base.join(format!("foreign-{name}")),
        target_dir: base.join("target"),
    };
    let report = wsdl::check_wsdls(&[path], Some(&scratch)).expect("check runs");
    assert_eq!(report.failed(), 0, "{}", report.table());
    (w, source)
}

// 8. One-way operations (input only) get a client method that sends and expects no body.
#[test]
fn one_way_operations_get_a_client_method() {
    let text = format!(
        r#"{WSDL_HEAD}
  <wsdl:message name="NotifyIn"><wsdl:part name="p" element="tns:Notify"/></wsdl:message>
  <wsdl:message name="AskIn"><wsdl:part name="p" element="tns:Ask"/></wsdl:message>
  <wsdl:message name="AskOut"><wsdl:part name="p" element="tns:Answer"/></wsdl:message>
  <wsdl:portType name="Port">
    <wsdl:operation name="Notify"><wsdl:input message="tns:NotifyIn"/></wsdl:operation>
    <wsdl:operation name="Ask"><wsdl:input message="tns:AskIn"/><wsdl:output message="tns:AskOut"/></wsdl:operation>
    <wsdl:operation name="Push"><wsdl:output message="tns:AskOut"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="Binding" type="tns:Port">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="Notify"><soap:operation soapAction="urn:svc/Notify"/><wsdl:input><soap:body use="literal"/></wsdl:input></wsdl:operation>
    <wsdl:operation name="Ask"><soap:operation soapAction="urn:svc/Ask"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
    <wsdl:operation name="Push"><soap:operation soapAction="urn:svc/Push"/><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>"#
    );
    let (w, source) = wsdl_client("oneway", &text);
    let notify = w.operations.iter().find(|o| o.name == "Notify").unwrap();
    assert_eq!(notify.unsupported, None, "{}", w.table());
    assert_eq!(notify.output, None);
    assert!(
        source.contains(
            "pub async fn notify(&self, request: &Notify) -> Result<(), rt::soap::Error>"
        ),
        "{source}"
    );
    assert!(
        source.contains(".send(rt::soap::Version::V11, \"urn:svc/Notify\""),
        "{source}"
    );
    let push = w.operations.iter().find(|o| o.name == "Push").unwrap();
    assert!(
        push.unsupported
            .as_deref()
            .unwrap_or("")
            .contains("output only"),
        "{}",
        w.table()
    );
}

// 7. SOAP headers in the same message as the body (`soap:body parts` beside `soap:header`).
#[test]
fn soap_headers_beside_the_body_get_a_client_method() {
    let text = format!(
        r#"{WSDL_HEAD}
  <wsdl:message name="SendIn">
    <wsdl:part name="routing" element="tns:Routing"/>
    <wsdl:part name="body" element="tns:Ask"/>
  </wsdl:message>
  <wsdl:message name="TraceHeader"><wsdl:part name="trace" element="tns:Trace"/></wsdl:message>
  <wsdl:message name="SendOut"><wsdl:part name="body" element="tns:Answer"/></wsdl:message>
  <wsdl:message name="PostIn">
    <wsdl:part name="body" element="tns:Notify"/>
    <wsdl:part name="routing" element="tns:Routing"/>
  </wsdl:message>
  <wsdl:portType name="Port">
    <wsdl:operation name="Send"><wsdl:input message="tns:SendIn"/><wsdl:output message="tns:SendOut"/></wsdl:operation>
    <wsdl:operation name="Post"><wsdl:input message="tns:PostIn"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="Binding" type="tns:Port">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="Send">
      <soap:operation soapAction="urn:svc/Send"/>
      <wsdl:input>
        <soap:header message="tns:SendIn" part="routing" use="literal"/>
        <soap:header message="tns:TraceHeader" part="trace" use="literal"/>
        <soap:body parts="body" use="literal"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="Post">
      <soap:operation soapAction="urn:svc/Post"/>
      <wsdl:input><soap:body use="literal"/><soap:header message="tns:PostIn" part="routing" use="literal"/></wsdl:input>
    </wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>"#
    );
    let (w, source) = wsdl_client("headers", &text);
    let send = w.operations.iter().find(|o| o.name == "Send").unwrap();
    assert_eq!(send.unsupported, None, "{}", w.table());
    assert_eq!(send.input.as_ref().map(|q| q.name.as_str()), Some("Ask"));
    let headers: Vec<&str> = send.input_headers.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(headers, ["Routing", "Trace"]);
    assert!(
        source.contains("pub async fn send(&self, routing: &Routing, trace: &String, request: &Ask) -> Result<Answer, rt::soap::Error>"),
        "{source}"
    );
    assert!(
        source.contains("&[elements::ROUTING.to_xml(routing), elements::TRACE.to_xml(trace)], &elements::ASK, request, &elements::ANSWER)"),
        "{source}"
    );
    // Without `parts`, the body is the part no header takes; one-way with a header too.
    let post = w.operations.iter().find(|o| o.name == "Post").unwrap();
    assert_eq!(post.unsupported, None, "{}", w.table());
    assert_eq!(post.input.as_ref().map(|q| q.name.as_str()), Some("Notify"));
    assert!(
        source.contains("pub async fn post(&self, routing: &Routing, request: &Notify) -> Result<(), rt::soap::Error>"),
        "{source}"
    );
}

// 6. `xs:redefine`: the redefinitions replace the originals everywhere, and refer to them.
#[test]
fn redefine_replaces_definitions_that_extend_the_originals() {
    let base = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:complexType name="Person">
    <xs:sequence><xs:element name="Name" type="xs:string"/></xs:sequence>
  </xs:complexType>
  <xs:group name="Contact"><xs:sequence><xs:element name="Phone" type="xs:string"/></xs:sequence></xs:group>
  <xs:attributeGroup name="Common"><xs:attribute name="Id" type="xs:string"/></xs:attributeGroup>
  <xs:simpleType name="Code"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:element name="Person" type="t:Person"/>
  <xs:element name="Card">
    <xs:complexType><xs:sequence><xs:group ref="t:Contact"/><xs:element name="Code" type="t:Code"/></xs:sequence><xs:attributeGroup ref="t:Common"/></xs:complexType>
  </xs:element>
</xs:schema>"#;
    let main = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:redefine schemaLocation="base.xsd">
    <xs:complexType name="Person">
      <xs:complexContent>
        <xs:extension base="t:Person"><xs:sequence><xs:element name="Age" type="xs:int"/></xs:sequence></xs:extension>
      </xs:complexContent>
    </xs:complexType>
    <xs:group name="Contact"><xs:sequence><xs:group ref="t:Contact"/><xs:element name="Email" type="xs:string"/></xs:sequence></xs:group>
    <xs:attributeGroup name="Common"><xs:attributeGroup ref="t:Common"/><xs:attribute name="Lang" type="xs:language"/></xs:attributeGroup>
    <xs:simpleType name="Code"><xs:restriction base="t:Code"><xs:enumeration value="A"/><xs:enumeration value="B"/></xs:restriction></xs:simpleType>
  </xs:redefine>
</xs:schema>"#;
    let src = ok(&[("main.xsd", main), ("base.xsd", base)]);
    let person = struct_body(&src, "Person");
    assert!(
        person.contains("pub name: String") && person.contains("pub age: i32"),
        "{person}"
    );
    let card = struct_body(&src, "Card");
    for f in [
        "pub phone: String",
        "pub email: String",
        "pub code: Code",
        "pub id:",
        "pub lang:",
    ] {
        assert!(card.contains(f), "{f}: {card}");
    }
    assert!(src.contains("pub enum Code"), "{src}");
    assert!(
        src.contains("rt::ElementDef<Person> =")
            || src.contains("ElementDef::new(\"urn:t\", \"Person\", rt::read_complex::<Person>"),
        "{src}"
    );
    // Redefining what the schema does not define is an error at the redefinition.
    let wrong = main.replace(
        "name=\"Contact\"><xs:sequence><xs:group",
        "name=\"Other\"><xs:sequence><xs:group",
    );
    let (_dir, g) = generate(&[("main.xsd", &wrong), ("base.xsd", base)]);
    let msg = g.expect_err("nothing to redefine").to_string();
    assert!(
        msg.contains("main.xsd:9") && msg.contains("xs:redefine of group {urn:t}Other"),
        "{msg}"
    );
}

/// The rows of the field table `konst` in generated source (an alias counts as its target's).
fn field_rows(src: &str, konst: &str) -> Vec<String> {
    let head = format!("pub const {konst}: &[rt::Field] = ");
    let at = src
        .find(&head)
        .unwrap_or_else(|| panic!("no table {konst}"));
    let rest = &src[at + head.len()..];
    if !rest.starts_with("&[") {
        let target = rest.split(';').next().unwrap();
        return field_rows(src, target);
    }
    rest.lines()
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("];"))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A chain of `depth` types, each with two elements of the next type, and `roots` global
/// elements of the first.
fn chain(depth: usize, roots: usize) -> String {
    let mut s = String::from(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:t=\"urn:t\" targetNamespace=\"urn:t\" elementFormDefault=\"qualified\">\n",
    );
    for i in 0..depth {
        s.push_str(&format!(
            "  <xs:complexType name=\"T{i}\"><xs:sequence><xs:element name=\"A\" type=\"t:T{n}\" minOccurs=\"0\"/><xs:element name=\"B\" type=\"t:T{n}\" minOccurs=\"0\" maxOccurs=\"unbounded\"/></xs:sequence><xs:attribute name=\"at\" type=\"xs:int\"/></xs:complexType>\n",
            n = i + 1
        ));
    }
    s.push_str(&format!(
        "  <xs:simpleType name=\"T{depth}\"><xs:restriction base=\"xs:string\"/></xs:simpleType>\n"
    ));
    for r in 0..roots {
        s.push_str(&format!("  <xs:element name=\"E{r}\" type=\"t:T0\"/>\n"));
    }
    s.push_str("</xs:schema>\n");
    s
}

// 3. The field-path table grows with types and elements, not paths.
#[test]
fn field_tables_fold_instead_of_growing_with_paths() {
    // The issue's chain of 20 types with two elements of the next each: 2^21 paths in full.
    let src = ok(&[("chain.xsd", &chain(20, 1))]);
    assert!(src.len() < 200_000, "{} bytes", src.len());
    let rows = field_rows(&src, "E0");
    // Folded: each type's members below its first (shallowest) occurrence only.
    assert!(rows.len() <= 3 * 21, "{} rows", rows.len());
    assert!(rows[0].contains("path: \"at\""), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.contains("path: \"A.A.A\",")),
        "{rows:?}"
    );
    // B has the type A has at the same depth: listed, granted as a subtree (`A.B.*`).
    assert!(
        rows.iter()
            .any(|r| r.contains("path: \"A.B\", repeated: true")),
        "{rows:?}"
    );
    assert!(
        !rows.iter().any(|r| r.contains("path: \"B.A\"")),
        "{rows:?}"
    );

    // A small graph keeps its full table, as RegiX's do: every path.
    let src = ok(&[("small.xsd", &chain(3, 1))]);
    let rows = field_rows(&src, "E0");
    assert_eq!(rows.len(), 1 + 2 * 2 + 4 * 2 + 8, "{rows:?}");
    assert!(
        rows.iter().any(|r| r.contains("path: \"B.B.B\"")),
        "{rows:?}"
    );

    // Many roots with full tables of ~3,000 rows: the module is over its budget; roots of one
    // type share one table.
    let src = ok(&[("many.xsd", &chain(10, 22))]);
    assert!(src.len() < 2_000_000, "{} bytes", src.len());
    assert!(
        src.contains("pub const E21: &[rt::Field] = E0;"),
        "shared table"
    );
    assert_eq!(field_rows(&src, "E0").len(), 1023 + 2046);
}

#[test]
fn field_tables_of_components_are_cut_to_one_level_in_a_large_module() {
    // Documents (given) over components (imported, referenced by ref): when the module's tables
    // together pass the budget, a component lists its own level and is granted as a subtree.
    let components = chain(10, 0).replace(
        "</xs:schema>",
        "  <xs:element name=\"Part\" type=\"t:T0\"/>\n  <xs:element name=\"Other\" type=\"t:T0\"/>\n</xs:schema>",
    );
    let mut main = String::from("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:t=\"urn:t\" xmlns:d=\"urn:d\" targetNamespace=\"urn:d\" elementFormDefault=\"qualified\">\n  <xs:import namespace=\"urn:t\" schemaLocation=\"components.xsd\"/>\n");
    for i in 0..22 {
        main.push_str(&format!(
            "  <xs:element name=\"Doc{i}\"><xs:complexType><xs:sequence><xs:element ref=\"t:Part\"/></xs:sequence></xs:complexType></xs:element>\n"
        ));
    }
    main.push_str("</xs:schema>\n");
    let src = ok(&[("main.xsd", &main), ("components.xsd", &components)]);
    let part = field_rows(&src, "PART");
    assert_eq!(part.len(), 3, "{part:?}");
    let other = field_rows(&src, "OTHER");
    assert_eq!(other.len(), 3, "imported: a component too: {other:?}");
    let doc = field_rows(&src, "DOC0");
    assert_eq!(doc.len(), 1 + 1023 + 2046);
    assert!(
        doc.iter().any(|r| r.contains("path: \"Part.A.B.A\"")),
        "{doc:?}"
    );
    assert!(src.len() < 3_000_000, "{} bytes", src.len());
}

#[test]
fn ubl_21_invoice_and_credit_note_generate_within_bounds() {
    let files = [
        shared("oasis-ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"),
        shared("oasis-ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"),
    ];
    let g = generate_xsd(&files, &EmitOptions::default()).expect("UBL 2.1 generates");
    assert!(g.source.len() < 16_000_000, "{} bytes", g.source.len());
    let invoice = field_rows(&g.source, "INVOICE");
    assert!(invoice.len() < 10_000, "{}", invoice.len());
    assert!(
        invoice
            .iter()
            .any(|r| r.contains("path: \"AccountingSupplierParty.Party\",")),
        "a folded party is listed, to be granted with its subtree"
    );
}

/// Writes `xsd` files and `samples` into a temporary folder pair, and round-trips the samples
/// with the generated types (compiled in a scratch crate of its own).
fn round_trip(name: &str, xsd: &[(&str, &str)], samples: &[(&str, &str)]) -> Vec<String> {
    use regway_codegen::roundtrip::{self, Outcome};
    let dir = tempfile::tempdir().unwrap();
    let (x, s) = (dir.path().join(name), dir.path().join("samples"));
    std::fs::create_dir_all(&x).unwrap();
    std::fs::create_dir_all(&s).unwrap();
    for (n, t) in xsd {
        std::fs::write(x.join(n), t).unwrap();
    }
    for (n, t) in samples {
        std::fs::write(s.join(n), t).unwrap();
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch");
    let scratch = regway_codegen::scratch::Scratch {
        dir: base.join(format!("foreign-{name}")),
        target_dir: base.join("target"),
    };
    let report = roundtrip::roundtrip(&[(x, s)], &scratch).expect("roundtrip runs");
    report
        .rows
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Passed))
        .map(|r| format!("{}: {:?}", r.sample.display(), r.outcome))
        .collect()
}

// 12. Substitution groups: a reference to the head reads and writes any member.
#[test]
fn substitution_group_members_stand_for_their_head() {
    let zoo = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:complexType name="AnimalType"><xs:sequence><xs:element name="Name" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:complexType name="DogType">
    <xs:complexContent><xs:extension base="t:AnimalType"><xs:sequence><xs:element name="Breed" type="xs:string"/></xs:sequence></xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:element name="Animal" type="t:AnimalType" abstract="true"/>
  <xs:element name="Dog" type="t:DogType" substitutionGroup="t:Animal"/>
  <xs:element name="Cat" type="t:AnimalType" substitutionGroup="t:Animal"/>
  <xs:element name="Puppy" type="t:DogType" substitutionGroup="t:Dog"/>
  <xs:element name="Zoo">
    <xs:complexType><xs:sequence><xs:element ref="t:Animal" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>"#;
    let src = ok(&[("zoo.xsd", zoo)]);
    let choice = src
        .split("pub enum ZooChoice {")
        .nth(1)
        .expect("a choice for the head")
        .split("\n}")
        .next()
        .unwrap();
    for v in ["Dog(", "Cat(", "Puppy("] {
        assert!(choice.contains(v), "{v}: {choice}");
    }
    assert!(!choice.contains("Animal("), "abstract head: {choice}");
    let sample = r#"<Zoo xmlns="urn:t"><Dog><Name>Rex</Name><Breed>Puli</Breed></Dog><Cat><Name>Tom</Name></Cat><Puppy><Name>Bo</Name><Breed>Mudi</Breed></Puppy></Zoo>"#;
    let failed = round_trip("zoo", &[("zoo.xsd", zoo)], &[("zoo.xml", sample)]);
    assert!(failed.is_empty(), "{failed:?}");
}

// 12. Mixed content is kept whole as raw XML: nothing valid refused, no text lost.
#[test]
fn mixed_content_is_kept_as_raw_xml() {
    let doc = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:complexType name="Para" mixed="true">
    <xs:choice minOccurs="0" maxOccurs="unbounded"><xs:element name="b" type="xs:string"/><xs:element name="i" type="xs:string"/></xs:choice>
    <xs:attribute name="lang" type="xs:string"/>
  </xs:complexType>
  <xs:element name="Doc">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Title" type="xs:string"/>
        <xs:element name="P" type="t:Para" maxOccurs="unbounded"/>
        <xs:element name="Note"><xs:complexType mixed="true"><xs:sequence><xs:element name="ref" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>"#;
    let (_dir, g) = generate(&[("doc.xsd", doc)]);
    let g = g.expect("generates");
    let d = struct_body(&g.source, "Doc");
    assert!(
        d.contains("pub p: Vec<rt::Element>") && d.contains("pub note: rt::Element"),
        "{d}"
    );
    assert!(
        g.notes.iter().any(|n| n.contains("kept as raw XML")),
        "{:?}",
        g.notes
    );
    let sample = r#"<Doc xmlns="urn:t"><Title>T</Title><P lang="en">Hello <b>bold</b> and <i>it</i>.</P><P/><Note>see <ref>x</ref> there</Note></Doc>"#;
    let failed = round_trip("mixed", &[("doc.xsd", doc)], &[("doc.xml", sample)]);
    assert!(failed.is_empty(), "{failed:?}");
}

// 12. xsi:type polymorphism: an element whose declared type has derived types in the set is an
// `rt::Typed`; an instance naming a derived type (extension or restriction, also as the root) is
// kept whole and written back as is.
#[test]
fn xsi_type_derived_instances_are_kept_as_raw_xml() {
    let doc = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:complexType name="AddressType">
    <xs:sequence><xs:element name="Street" type="xs:string"/><xs:element name="Note" type="xs:string" minOccurs="0"/></xs:sequence>
  </xs:complexType>
  <xs:complexType name="PostalAddressType">
    <xs:complexContent><xs:extension base="t:AddressType">
      <xs:sequence><xs:element name="PostCode" type="xs:string"/></xs:sequence>
      <xs:attribute name="kind" type="xs:string"/>
    </xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:complexType name="BoxAddressType">
    <xs:complexContent><xs:extension base="t:PostalAddressType">
      <xs:sequence><xs:element name="Box" type="xs:int"/></xs:sequence>
    </xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:complexType name="ShortAddressType">
    <xs:complexContent><xs:restriction base="t:AddressType">
      <xs:sequence><xs:element name="Street" type="xs:string"/></xs:sequence>
    </xs:restriction></xs:complexContent>
  </xs:complexType>
  <xs:complexType name="NameType"><xs:sequence><xs:element name="Given" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:element name="Address" type="t:AddressType"/>
  <xs:element name="Person">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Name" type="t:NameType"/>
        <xs:element name="Home" type="t:AddressType"/>
        <xs:element name="Other" type="t:AddressType" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>"#;
    let (_dir, g) = generate(&[("person.xsd", doc)]);
    let g = g.expect("generates");
    let p = struct_body(&g.source, "Person");
    // Only types with derived types change: NameType has none and stays as it was.
    assert!(
        p.contains("pub name: NameType,")
            && p.contains("pub home: rt::Typed<AddressType>,")
            && p.contains("pub other: Vec<rt::Typed<AddressType>>,"),
        "{p}"
    );
    assert!(
        g.source.contains(r#"rt::read_typed::<AddressType>(e, "AddressType", &[("urn:t", "BoxAddressType"), ("urn:t", "PostalAddressType"), ("urn:t", "ShortAddressType")])"#),
        "{}",
        g.source
    );
    assert!(
        g.source.contains("rt::ElementDef<rt::Typed<AddressType>>"),
        "{}",
        g.source
    );
    let person = r#"<Person xmlns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:p="urn:t"><Name><Given>A</Given></Name><Home xsi:type="p:PostalAddressType" kind="home"><Street>S 1</Street><Note>n</Note><PostCode>1000</PostCode></Home><Other><Street>plain</Street></Other><Other xsi:type="p:AddressType"><Street>declared</Street></Other><Other xsi:type="p:BoxAddressType"><Street>S 2</Street><PostCode>2000</PostCode><Box>7</Box></Other><Other xsi:type="p:ShortAddressType"><Street>short</Street></Other></Person>"#;
    let root = r#"<Address xmlns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="PostalAddressType"><Street>S</Street><PostCode>3000</PostCode></Address>"#;
    let failed = round_trip(
        "xsitype",
        &[("person.xsd", doc)],
        &[("person.xml", person), ("address.xml", root)],
    );
    assert!(failed.is_empty(), "{failed:?}");
}

// 12. The same on a real schema: RegiX AVTR's `FieldsSchema.xsd` declares `ForeignAuthority`
// and `Person` with base types that `ForeignCompanyBaseData` (adding `CompanyName`) and
// `SubjectType` extend; the corpus has no such instance, so these are written here.
#[test]
fn xsi_type_extension_instances_of_a_regix_schema_round_trip() {
    use regway_codegen::roundtrip::{self, Outcome};
    let xsd =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/regix/xsd/RegiX.AVTRAdapter");
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("samples");
    std::fs::create_dir_all(&s).unwrap();
    let f = "http://www.registryagency.bg/schemas/deedv2/Fields";
    let xsi = "http://www.w3.org/2001/XMLSchema-instance";
    std::fs::write(
        s.join("foreign.xml"),
        format!(r#"<ForeignAuthority xmlns="{f}" xmlns:xsi="{xsi}" xmlns:f="{f}" xsi:type="f:ForeignCompanyBaseData"><CompetentAuthorityForRegistration>Registre</CompetentAuthorityForRegistration><RegistrationNumber>B 1</RegistrationNumber><CompanyName>Société X</CompanyName></ForeignAuthority>"#),
    )
    .unwrap();
    std::fs::write(
        s.join("person.xml"),
        format!(r#"<Person xmlns="{f}" xmlns:xsi="{xsi}" xsi:type="SubjectType" RegistrationNumber="7"><Indent>1</Indent><Name>N</Name><IndentType>EGN</IndentType><CountryID xsi:nil="true"/><CountryName>BG</CountryName></Person>"#),
    )
    .unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch");
    let scratch = regway_codegen::scratch::Scratch {
        dir: base.join("foreign-avtr-xsitype"),
        target_dir: base.join("target"),
    };
    let report = roundtrip::roundtrip(&[(xsd, s)], &scratch).expect("roundtrip runs");
    let rows: Vec<String> = report
        .rows
        .iter()
        .map(|r| format!("{}: {:?}", r.sample.display(), r.outcome))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        report
            .rows
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Passed)),
        "{rows:?}"
    );
}
