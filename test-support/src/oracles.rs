//! Property oracles for every place regway reads untrusted bytes. Each takes arbitrary bytes,
//! runs the code under test, and panics with a message naming the property when one is broken
//! (a refusal is never a failure: only what is accepted, and how, is judged). Each returns
//! whether the input was accepted, so that a test can tell a positive control from a refusal. The fuzz targets
//! in `fuzz/` call them, and `tests/fuzz_regressions.rs` replays the inputs they found.
//!
//! | oracle | reads | properties |
//! |---|---|---|
//! | [`xml`] | `soap::xml::parse` | heap ≤ [`XML_HEAP_PER_BYTE`] × input + [`XML_HEAP_CONSTANT`]; the tree stays within the limits; only characters XML allows; a conformant reader (roxmltree) accepts what regway accepts and reads the same meaning; standalone fragments mean the same alone and embedded |
//! | [`envelope`] | `Envelope::parse`, `contract::read_call` | an accepted envelope is an optional Header then one Body with one element at most, no text, no unknown mandatory header; reading the call is deterministic; an argument re-parses standalone to the same meaning |
//! | [`wssec`] | `dsig::wssec::RequestSignatures::check` | nothing is accepted whose processed Body or Timestamp differs from the signed fixture's, or whose token is not the signer's; an accepted message is refused as a replay the second time |
//! | [`filter`] | `policy::filter::filter` on adapter answers | acceptance does not depend on the grant and implies the strict reader accepts; the output re-parses; no element or attribute outside the grant; containers keep no text; `*` keeps the meaning; the output embeds (as is or re-serialised) without changing meaning |
//! | [`csr`] | `pki::csr::check` | an accepted CSR's self-signature verifies (checked apart from x509-parser's own check); its reported subject, common name and key are the ones in the bytes; the certificate the CA signs from it has exactly that subject and key |

use std::sync::OnceLock;

use regway::contract::{self, Call, Contract, ContractError};
use regway::dsig::wssec::{CallerPolicy, RequestPolicy, RequestSettings, RequestSignatures};
use regway::dsig::{AlgorithmPolicy, Bergshamra, SignatureError, SignedBy, WSSE_NS, WSU_NS};
use regway::pki::csr::{self, CheckedCsr};
use regway::pki::Ca;
use regway::policy::fields::{Access, FieldSet};
use regway::policy::Thumbprints;
use regway::soap::envelope::{SOAP11_NS, WSA_NS};
use regway::soap::xml::{self, Element, Limits, Node};
use regway::soap::{Envelope, SoapVersion};
use regway_adapter::{Field, OperationSpec};

use crate::alloc;

/// The limits the oracles read with: the gateway's defaults.
pub fn limits() -> Limits {
    Limits::default()
}

/// Heap the XML reader may hold at its peak per byte of input. The tree costs far more than
/// its text: every element or text node is a 144-byte `Node` in its parent's children, and a
/// vector that just doubled holds up to three slots per node while it grows (the allocator
/// counts the old and the new block of a `realloc`). The densest input, one-character texts
/// between empty elements (`x<a/>`: two nodes in 5 bytes), can so reach 3 × 144 / 2.5 ≈ 173
/// bytes per byte; measured: 114–142 depending on where the vectors stand in their doubling.
/// Empty elements (`<a/>`) take 79–94; the RegiX samples over 4 KB 1.6–24. The node limit caps
/// the total whatever the input's size. What must never pass is a cost per element that grows
/// with anything but the element's own text (a namespace name copied per element reached 2,278
/// bytes per byte, without bound).
pub const XML_HEAP_PER_BYTE: usize = 192;
/// Heap the XML reader may hold whatever the input: the open-element stack (up to the depth
/// limit), the first blocks of the tree, an error message.
pub const XML_HEAP_CONSTANT: usize = 64 * 1024;

/// The most heap [`xml`] accepts `soap::xml::parse` holding for an input of `len` bytes.
pub fn xml_heap_bound(len: usize) -> usize {
    XML_HEAP_PER_BYTE * len + XML_HEAP_CONSTANT
}

/// How many subtrees of a document [`xml`] serialises standalone (each is re-parsed, so all of
/// them would make the oracle quadratic in the depth).
const STANDALONE_SUBTREES: usize = 24;

// ---------------------------------------------------------------------------------------------
// What an element means

/// What an element means, independent of how it was written: names resolved to namespaces,
/// attributes as a sorted set, adjacent text merged, comments and PIs gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Element {
        ns: String,
        local: String,
        attributes: Vec<(String, String, String)>,
        children: Vec<Shape>,
    },
    Text(String),
}

/// Append `node` to `children`, merging text with text before it and dropping empty text.
fn push_shape(children: &mut Vec<Shape>, node: Shape) {
    match (children.last_mut(), node) {
        (_, Shape::Text(t)) if t.is_empty() => {}
        (Some(Shape::Text(prev)), Shape::Text(t)) => prev.push_str(&t),
        (_, node) => children.push(node),
    }
}

/// The meaning of an element as regway's reader gives it.
pub fn shape(e: &Element) -> Shape {
    let mut attributes: Vec<_> = e
        .attributes
        .iter()
        .map(|a| (a.ns.to_string(), a.local.clone(), a.value.clone()))
        .collect();
    attributes.sort();
    let mut children = Vec::new();
    for n in &e.children {
        match n {
            Node::Element(c) => push_shape(&mut children, shape(c)),
            Node::Text(t) => push_shape(&mut children, Shape::Text(t.clone())),
        }
    }
    Shape::Element {
        ns: e.ns.to_string(),
        local: e.local.clone(),
        attributes,
        children,
    }
}

/// The meaning of an element as roxmltree, a conformant reader, gives it.
fn roxml_shape(n: roxmltree::Node<'_, '_>) -> Shape {
    let mut attributes: Vec<_> = n
        .attributes()
        .map(|a| {
            (
                a.namespace().unwrap_or("").to_string(),
                a.name().to_string(),
                a.value().to_string(),
            )
        })
        .collect();
    attributes.sort();
    let mut children = Vec::new();
    for c in n.children() {
        if c.is_element() {
            push_shape(&mut children, roxml_shape(c));
        } else if c.is_text() {
            push_shape(
                &mut children,
                Shape::Text(c.text().unwrap_or("").to_string()),
            );
        }
    }
    Shape::Element {
        ns: n.tag_name().namespace().unwrap_or("").to_string(),
        local: n.tag_name().name().to_string(),
        attributes,
        children,
    }
}

/// Whether XML 1.0 allows the character (its `Char` production).
pub fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// XML's white space (`S`): space, tab, CR, LF — not every Unicode space.
pub fn is_xml_space(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn assert_xml_chars(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
        panic!("{what} holds U+{:04X}, which XML does not allow", c as u32);
    }
}

// ---------------------------------------------------------------------------------------------
// The XML reader

/// The strict XML reader: bounded memory, bounded trees, allowed characters only, the same
/// reading as a conformant parser, and standalone fragments that keep their meaning.
pub fn xml(bytes: &[u8]) -> bool {
    let limits = limits();
    let (parsed, peak) = alloc::peak_during(|| xml::parse(bytes, limits));
    if let Some(peak) = peak {
        let bound = xml_heap_bound(bytes.len());
        assert!(
            peak <= bound,
            "xml::parse held {peak} bytes of heap at its peak for {} bytes of input, over the bound of {bound} ({XML_HEAP_PER_BYTE} × input + {XML_HEAP_CONSTANT})",
            bytes.len()
        );
    }
    let Ok(root) = parsed else { return false };
    check_tree(&root, limits);
    agrees_with_roxmltree(bytes, &root);
    let mut subtrees = Vec::new();
    preorder(&root, &mut subtrees, STANDALONE_SUBTREES);
    let capture: Vec<&str> = root.decls().iter().map(|d| d.prefix.as_str()).collect();
    for e in subtrees {
        standalone_keeps_meaning(e, &capture, limits);
    }
    true
}

/// The tree is within every limit and holds only characters XML allows.
fn check_tree(root: &Element, limits: Limits) {
    fn walk(e: &Element, depth: usize, in_scope: usize, nodes: &mut usize, limits: Limits) {
        assert!(
            depth <= limits.max_depth,
            "an element at depth {depth}, over the limit of {}",
            limits.max_depth
        );
        let own = e.attributes.len() + e.decls().len();
        assert!(
            own <= limits.max_attributes,
            "an element with {own} attributes and declarations, over the limit of {}",
            limits.max_attributes
        );
        let in_scope = in_scope + e.decls().len();
        assert!(
            in_scope <= limits.max_namespaces,
            "{in_scope} declarations in scope, over the limit of {}",
            limits.max_namespaces
        );
        *nodes += 1 + own;
        assert_xml_chars("an element name", &e.raw_name);
        assert_xml_chars("a namespace", &e.ns);
        assert!(!e.local.is_empty(), "an element without a local name");
        for d in e.decls() {
            assert_xml_chars("a namespace declaration", &d.uri);
        }
        for a in &e.attributes {
            assert_xml_chars("an attribute name", &a.raw_name);
            assert_xml_chars("an attribute value", &a.value);
        }
        for n in &e.children {
            match n {
                Node::Element(c) => walk(c, depth + 1, in_scope, nodes, limits),
                Node::Text(t) => assert_xml_chars("text", t),
            }
        }
    }
    let mut nodes = 0;
    walk(root, 1, 0, &mut nodes, limits);
    assert!(
        nodes <= limits.max_nodes,
        "{nodes} elements and attributes, over the limit of {}",
        limits.max_nodes
    );
}

/// What regway accepts, a conformant reader accepts, and both read the same names,
/// attributes and text.
fn agrees_with_roxmltree(bytes: &[u8], root: &Element) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        panic!("xml::parse accepted bytes that are not UTF-8");
    };
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: u32::MAX,
    };
    let doc = match roxmltree::Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        // roxmltree binds `xml` for attributes only; Namespaces in XML binds it everywhere
        // (`<xml:a/>` is namespace-well-formed), as regway does.
        Err(roxmltree::Error::UnknownNamespace(prefix, _)) if prefix == "xml" => return,
        Err(e) => panic!("xml::parse accepted a document a conformant reader refuses: {e}"),
    };
    let mut theirs = roxml_shape(doc.root_element());
    let mut ours = shape(root);
    if bytes.contains(&b'\r') {
        // roxmltree keeps a literal CR that follows a reference (`&#xFBE;\r` reads "\u{FBE}\r"
        // where XML's end-of-line handling gives LF): compare such documents up to CR.
        theirs = without_cr(theirs);
        ours = without_cr(ours);
    }
    assert!(
        theirs == ours,
        "xml::parse reads a document otherwise than a conformant reader:\n regway:    {ours:?}\n roxmltree: {theirs:?}",
    );
}

/// A shape with CR read as LF in text and as a space in attribute values.
fn without_cr(shape: Shape) -> Shape {
    match shape {
        Shape::Text(t) => Shape::Text(t.replace('\r', "\n")),
        Shape::Element {
            ns,
            local,
            attributes,
            children,
        } => Shape::Element {
            ns,
            local,
            attributes: attributes
                .into_iter()
                .map(|(n, l, v)| (n, l, v.replace(['\r', '\n'], " ")))
                .collect(),
            children: children.into_iter().map(without_cr).collect(),
        },
    }
}

fn preorder<'a>(e: &'a Element, out: &mut Vec<&'a Element>, max: usize) {
    if out.len() >= max {
        return;
    }
    out.push(e);
    for c in e.elements() {
        preorder(c, out, max);
    }
}

/// Limits for re-reading a standalone fragment: its root declares what it inherited (at most
/// every binding in scope) besides its own attributes, and a wrapper adds a level and its own
/// declarations; the fragment is otherwise no bigger than the document it came from.
fn fragment_limits(limits: Limits) -> Limits {
    Limits {
        max_depth: limits.max_depth + 1,
        max_nodes: 2 * limits.max_nodes + 2,
        max_attributes: limits.max_attributes + limits.max_namespaces + 1,
        max_namespaces: 2 * limits.max_namespaces + 2,
    }
}

/// `to_standalone_xml` gives text that holds only characters XML allows and reads to the same
/// meaning alone, and embedded under a foreign default namespace and foreign bindings of the
/// document's prefixes.
fn standalone_keeps_meaning(e: &Element, capture: &[&str], limits: Limits) {
    let fragment = e.to_standalone_xml();
    assert_xml_chars("a standalone fragment", &fragment);
    let relaxed = fragment_limits(limits);
    let alone = match xml::parse(fragment.as_bytes(), relaxed) {
        Ok(alone) => alone,
        Err(err) => panic!("a standalone fragment does not re-parse ({err}): {fragment}"),
    };
    assert!(
        shape(&alone) == shape(e),
        "a standalone fragment means something else alone: {fragment}"
    );
    let mut wrapper = String::from(r#"<w xmlns="urn:fuzz:wrap""#);
    for p in capture.iter().filter(|p| !p.is_empty()) {
        wrapper.push_str(&format!(r#" xmlns:{p}="urn:fuzz:capture""#));
    }
    let wrapped = format!("{wrapper}>{fragment}</w>");
    let embedded = match xml::parse(wrapped.as_bytes(), relaxed) {
        Ok(w) => w,
        Err(err) => panic!("a standalone fragment does not embed ({err}): {fragment}"),
    };
    let inner = embedded.first_element().map(shape);
    assert!(
        inner.as_ref() == Some(&shape(e)),
        "a standalone fragment means something else embedded: {fragment}"
    );
}

// ---------------------------------------------------------------------------------------------
// Envelopes and the contract

/// The envelope and contract readers: accepted envelopes have SOAP's layout and no header
/// regway does not understand; the call reads the same twice; the argument handed to adapters
/// means what it meant in the request.
pub fn envelope(bytes: &[u8]) -> bool {
    let limits = limits();
    let mut accepted = false;
    for version in [SoapVersion::V11, SoapVersion::V12] {
        let Ok(env) = Envelope::parse(version.content_type(), bytes, limits) else {
            continue;
        };
        accepted = true;
        assert_eq!(env.version, version, "the envelope's version");
        let ns = version.envelope_ns();
        let root = env.root();
        assert!(root.is(ns, "Envelope"), "the root is not the Envelope");
        let children: Vec<&Element> = root.elements().collect();
        let body = match children.as_slice() {
            [b] if b.is(ns, "Body") => *b,
            [h, b] if h.is(ns, "Header") && b.is(ns, "Body") => *b,
            _ => panic!(
                "an accepted Envelope holds {:?}, not an optional Header and one Body",
                children
                    .iter()
                    .map(|e| (&e.ns, &e.local))
                    .collect::<Vec<_>>()
            ),
        };
        for (what, e) in [("Envelope", root), ("Body", body)] {
            for n in &e.children {
                if let Node::Text(t) = n {
                    assert!(is_xml_space(t), "the {what} holds text {t:?}");
                }
            }
        }
        let payloads: Vec<&Element> = body.elements().collect();
        assert!(
            payloads.len() <= 1,
            "the Body holds {} elements",
            payloads.len()
        );
        match (env.body_payload(), payloads.first()) {
            (Ok(p), Some(&first)) => assert!(
                std::ptr::eq(p, first),
                "the payload is not the Body's element"
            ),
            (Err(_), None) => {}
            (got, _) => panic!(
                "body_payload gives {got:?} for a Body holding {} elements",
                payloads.len()
            ),
        }
        if let [header, _] = children.as_slice() {
            for h in header.elements() {
                let must = matches!(
                    h.attribute(ns, "mustUnderstand").map(str::trim),
                    Some("1") | Some("true")
                );
                assert!(
                    !must || h.ns == WSA_NS || h.is(WSSE_NS, "Security"),
                    "a mandatory header {{{}}}{} regway does not understand was accepted",
                    h.ns,
                    h.local
                );
            }
        }
        assert_eq!(
            env.addressing(),
            env.addressing(),
            "addressing is not deterministic"
        );
        let Ok(payload) = env.body_payload() else {
            continue;
        };
        for contract in [Contract::V2, Contract::V1] {
            let first = call_summary(&contract::read_call(contract, payload));
            let second = call_summary(&contract::read_call(contract, payload));
            assert_eq!(first, second, "reading the call is not deterministic");
            if let Ok(Call::Execute(request)) = contract::read_call(contract, payload) {
                if let Some(argument) = &request.argument {
                    standalone_keeps_meaning(argument, &[], limits);
                }
            }
        }
    }
    accepted
}

/// A call's reading, comparable and small (the argument by its meaning).
fn call_summary(call: &Result<Call, ContractError>) -> String {
    match call {
        Err(e) => format!("refused: {e:?}"),
        Ok(Call::Execute(r)) => format!(
            "execute {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {}",
            r.operation,
            r.argument.as_ref().map(shape),
            r.eid_token,
            r.call_context,
            r.callback_url,
            r.employee_egn,
            r.citizen_egn,
            r.sign_result,
            r.return_access_matrix
        ),
        Ok(other) => format!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// WS-Security

/// A request signed once with the project's own helpers ([`crate::seeds::signed_request`]):
/// SOAP 1.1, a V2 `Execute` with a Body and a Timestamp signed by an ECDSA P-256 certificate.
/// Kept as a file so that inputs derived from it reproduce (a new signature would differ).
pub const SIGNED_REQUEST: &str = include_str!("../fixtures/wssec-signed-request.xml");

/// The signed fixture as the gateway reads it.
struct Signed {
    /// `Created` of its Timestamp (Unix seconds): the oracle's clock.
    now: i64,
    cert_der: Vec<u8>,
    body: Shape,
    timestamp: Shape,
}

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let env = Envelope::parse(
            SoapVersion::V11.content_type(),
            SIGNED_REQUEST.as_bytes(),
            limits(),
        )
        .expect("the signed fixture is an envelope");
        let (body, timestamp, token) =
            signed_parts(env.root(), SOAP11_NS).expect("the signed fixture has its parts");
        let cert_der = token_der(token).expect("the fixture's token is base64");
        let created = timestamp
            .child(WSU_NS, "Created")
            .map(|c| c.text())
            .expect("the fixture's Timestamp has Created");
        let now = time::OffsetDateTime::parse(
            created.trim(),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("the fixture's Created is a date")
        .unix_timestamp();
        Signed {
            now,
            cert_der,
            body: shape(body),
            timestamp: shape(timestamp),
        }
    })
}

/// The Body the gateway processes (the Envelope's Body child), and the Timestamp and token of
/// the one Security header, where a message has them.
fn signed_parts<'a>(
    root: &'a Element,
    env_ns: &str,
) -> Option<(&'a Element, &'a Element, &'a Element)> {
    let body = root.child(env_ns, "Body")?;
    let security = root.child(env_ns, "Header")?.child(WSSE_NS, "Security")?;
    let timestamp = security.child(WSU_NS, "Timestamp")?;
    let token = security.child(WSSE_NS, "BinarySecurityToken")?;
    Some((body, timestamp, token))
}

fn token_der(token: &Element) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let b64: String = token.text().split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn request_checker() -> RequestSignatures {
    RequestSignatures::new(
        std::sync::Arc::new(Bergshamra),
        RequestSettings {
            algorithms: AlgorithmPolicy::default(),
            max_age_s: 300,
            clock_skew_s: 60,
            replay_capacity: 16,
        },
    )
}

/// The request-signature check, on any bytes (mutations of [`SIGNED_REQUEST`] above all): it
/// never accepts a message whose processed Body or Timestamp means something else than the
/// signed one's, nor one whose token is not the signer's certificate; what it accepts once it
/// refuses as a replay.
pub fn wssec(bytes: &[u8]) -> bool {
    let signed = signed();
    let mut accepted = false;
    let signer = Thumbprints::of(&signed.cert_der);
    let lookup = |tp: &Thumbprints| -> Result<i64, String> {
        if *tp == signer {
            Ok(1)
        } else {
            Err("not the fixture's signer".into())
        }
    };
    for version in [SoapVersion::V11, SoapVersion::V12] {
        let Ok(env) = Envelope::parse(version.content_type(), bytes, limits()) else {
            continue;
        };
        let ns = version.envelope_ns();
        let checker = request_checker();
        let caller = CallerPolicy {
            policy: RequestPolicy::Required,
            consumer_id: 1,
            signer_of: &lookup,
            now: signed.now,
        };
        let verdict = checker.check(env.root(), ns, bytes, &caller);
        let Ok(verified) = verdict else { continue };
        let Some(SignedBy { certificate_sha256 }) = verified else {
            panic!("a message without a signature was accepted under the policy `required`");
        };
        assert_eq!(
            certificate_sha256, signer.sha256,
            "accepted with another certificate"
        );
        let Some((body, timestamp, token)) = signed_parts(env.root(), ns) else {
            panic!("a message was accepted without a Body, a Security header, a Timestamp or a token where the gateway reads them");
        };
        assert!(
            token_der(token).as_deref() == Some(signed.cert_der.as_slice()),
            "accepted with a token that is not the signer's certificate"
        );
        assert!(
            shape(body) == signed.body,
            "accepted a signature over a Body the gateway reads otherwise than the signed one:\n processed: {:?}\n signed:    {:?}",
            shape(body),
            signed.body
        );
        assert!(
            shape(timestamp) == signed.timestamp,
            "accepted a signature over a Timestamp read otherwise than the signed one:\n processed: {:?}\n signed:    {:?}",
            shape(timestamp),
            signed.timestamp
        );
        assert!(
            matches!(
                checker.check(env.root(), ns, bytes, &caller),
                Err(SignatureError::Replay)
            ),
            "an accepted message was not refused as a replay"
        );
        accepted = true;
    }
    accepted
}

// ---------------------------------------------------------------------------------------------
// The field filter

/// The demo operations whose field tables [`filter`] grants from.
pub fn demo_operations() -> Vec<&'static OperationSpec> {
    regway_demo_population::OPERATIONS
        .iter()
        .chain(regway_demo_company::OPERATIONS)
        .collect()
}

/// How [`filter`] reads its input: the first byte picks a demo operation, then two bits per
/// field of its table say how the field is granted (0 and 3: not, 1: exactly, 2: with its
/// subtree), and the rest is the adapter's answer.
pub fn filter_input(operation: usize, grants: &[u8], answer: &str) -> Vec<u8> {
    let mut out = vec![operation as u8];
    let table = demo_operations()[operation].fields;
    let mut packed = vec![0u8; table.len().div_ceil(4)];
    for (i, mode) in grants.iter().take(table.len()).enumerate() {
        packed[i / 4] |= (mode & 3) << (2 * (i % 4));
    }
    out.extend_from_slice(&packed);
    out.extend_from_slice(answer.as_bytes());
    out
}

/// The grant paths encoded in a [`filter`] input's header.
fn grant_paths(table: &[Field], packed: &[u8]) -> Vec<String> {
    table
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match (packed[i / 4] >> (2 * (i % 4))) & 3 {
            1 => Some(f.path.to_string()),
            2 => Some(format!("{}.*", f.path)),
            _ => None,
        })
        .collect()
}

/// Every element of a tree: its path of local names below the root, and the element.
fn paths(root: &Element) -> Vec<(String, &Element)> {
    fn walk<'a>(e: &'a Element, path: String, out: &mut Vec<(String, &'a Element)>) {
        for c in e.elements() {
            let child = if path.is_empty() {
                c.local.clone()
            } else {
                format!("{path}.{}", c.local)
            };
            walk(c, child, out);
        }
        out.push((path, e));
    }
    let mut out = Vec::new();
    walk(root, String::new(), &mut out);
    out
}

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The field filter on an adapter's answer (see [`filter_input`]): whether it accepts does not
/// depend on the grant, and what it accepts the strict reader accepts; the output is XML
/// holding nothing the grant does not release; `*` keeps the meaning; the output embeds in a
/// response (as is when it says it can, re-serialised otherwise) without changing meaning.
pub fn filter(bytes: &[u8]) -> bool {
    let operations = demo_operations();
    let Some((&op, rest)) = bytes.split_first() else {
        return false;
    };
    let spec = operations[op as usize % operations.len()];
    let header = spec.fields.len().div_ceil(4);
    if rest.len() < header {
        return false;
    }
    let (packed, answer) = rest.split_at(header);
    let Ok(answer) = std::str::from_utf8(answer) else {
        return false;
    };
    let paths_granted = grant_paths(spec.fields, packed);
    let fields = FieldSet::parse(&paths_granted, spec.fields)
        .unwrap_or_else(|e| panic!("the table's own paths are refused: {e}"));
    let limits = limits();
    let subset = regway::policy::filter::filter(answer, &fields, limits);
    let all = regway::policy::filter::filter(answer, &FieldSet::all(), limits);
    assert_eq!(
        subset.as_ref().err(),
        all.as_ref().err(),
        "whether an answer is accepted depends on the grant {paths_granted:?}"
    );
    let (Ok(subset), Ok(all)) = (subset, all) else {
        return false;
    };
    let original = match xml::parse(answer.as_bytes(), limits) {
        Ok(tree) => tree,
        Err(e) => panic!("the filter accepted an answer the strict reader refuses: {e}"),
    };
    assert_eq!(
        (subset.root_ns.as_str(), subset.root_local.as_str()),
        (original.ns.as_str(), original.local.as_str()),
        "the filter reports another root"
    );
    // Everything granted: the same meaning.
    let out = reparse(&all.xml, "with `*`");
    assert!(
        shape(&out) == shape(&original),
        "with `*` the filter changed the answer's meaning:\n in:  {answer}\n out: {}",
        all.xml
    );
    // A subset: nothing outside the grant.
    let out = reparse(&subset.xml, "for a grant");
    for (path, e) in paths(&out) {
        let access = fields.access(&path);
        assert!(
            access != Access::Denied,
            "the filter released {path}, which {paths_granted:?} does not grant: {}",
            subset.xml
        );
        if access == Access::Container {
            for n in &e.children {
                if let Node::Text(t) = n {
                    assert!(
                        is_xml_space(t),
                        "the filter released the text {t:?} of {path}, which {paths_granted:?} grants only as a container"
                    );
                }
            }
        }
        for a in &e.attributes {
            let attribute = if path.is_empty() {
                a.local.clone()
            } else {
                format!("{path}.{}", a.local)
            };
            assert!(
                a.ns == XSI_NS || fields.access(&attribute) == Access::Granted,
                "the filter released the attribute {attribute}, which {paths_granted:?} does not grant"
            );
        }
    }
    for filtered in [&subset, &all] {
        embeds_without_changing_meaning(filtered);
    }
    true
}

fn reparse(text: &str, what: &str) -> Element {
    match xml::parse(text.as_bytes(), limits()) {
        Ok(e) => e,
        Err(err) => panic!("the filter's output {what} does not re-parse ({err}): {text}"),
    }
}

/// What the pipeline embeds in a response (the output as it is when self-contained, else its
/// re-serialisation) means the same inside a foreign default namespace.
fn embeds_without_changing_meaning(filtered: &regway::policy::filter::Filtered) {
    let own = reparse(&filtered.xml, "");
    let embedded = if filtered.self_contained {
        filtered.xml.clone()
    } else {
        own.to_standalone_xml()
    };
    let wrapped = format!(r#"<w xmlns="urn:fuzz:wrap">{embedded}</w>"#);
    let tree = match xml::parse(wrapped.as_bytes(), fragment_limits(limits())) {
        Ok(t) => t,
        Err(e) => panic!("the filtered answer does not embed ({e}): {embedded}"),
    };
    assert!(
        tree.first_element().map(shape) == Some(shape(&own)),
        "the filtered answer (self_contained = {}) means something else embedded: {embedded}",
        filtered.self_contained
    );
}

// ---------------------------------------------------------------------------------------------
// CSRs

/// The organization [`csr`] checks requests against (the seeds' `O`).
pub const CSR_ORGANIZATION: &str = "regway fuzz";

fn csr_ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| Ca::generate("regway fuzz CA", "regway tests", 30).expect("a CA"))
}

/// The CSR reader: what it accepts is self-signed by the key it carries; the subject, common
/// name and key it reports are those in the bytes; the CA issues exactly them.
pub fn csr(bytes: &[u8]) -> bool {
    let Ok(checked) = csr::check(bytes, CSR_ORGANIZATION) else {
        return false;
    };
    let der = if bytes.trim_ascii_start().starts_with(b"-----") {
        use rustls_pki_types::pem::PemObject as _;
        rustls_pki_types::CertificateSigningRequestDer::from_pem_slice(bytes)
            .expect("an accepted PEM CSR decodes")
            .as_ref()
            .to_vec()
    } else {
        bytes.to_vec()
    };
    use x509_parser::prelude::FromDer as _;
    let (_, parsed) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .expect("an accepted CSR parses");
    let info = &parsed.certification_request_info;
    self_signature_verifies(&parsed);
    assert_eq!(
        checked.spki_der, info.subject_pki.raw,
        "the reported key is not the CSR's"
    );
    let in_bytes = name_entries(&info.subject);
    assert_eq!(
        reported_entries(&checked),
        in_bytes,
        "the reported subject is not the CSR's"
    );
    let cns: Vec<&(String, String)> = in_bytes
        .iter()
        .filter(|(oid, _)| oid == "2.5.4.3")
        .collect();
    assert!(
        cns.len() == 1 && cns[0].1 == checked.common_name,
        "the reported common name {:?} is not the CSR's one CN ({cns:?})",
        checked.common_name
    );
    let issued = csr_ca()
        .sign_client_csr(&checked, 1)
        .unwrap_or_else(|e| panic!("the CA cannot sign an accepted CSR: {e}"));
    let (_, cert) =
        x509_parser::parse_x509_certificate(&issued.der).expect("the CA's certificate parses");
    assert_eq!(
        cert.public_key().raw,
        info.subject_pki.raw,
        "the issued certificate's key is not the CSR's"
    );
    assert_eq!(
        name_entries(cert.subject()),
        in_bytes,
        "the issued certificate's subject is not the CSR's"
    );
    true
}

/// A name as its relative distinguished names, each one (type, value) — a multi-valued RDN
/// shows as several entries marked `+`.
fn name_entries(name: &x509_parser::x509::X509Name<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rdn in name.iter() {
        let many = rdn.iter().count() > 1;
        for attr in rdn.iter() {
            let oid = attr.attr_type().to_id_string();
            let value = attr
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|_| format!("{:?}", attr.attr_value().data));
            out.push((if many { format!("+{oid}") } else { oid }, value));
        }
    }
    out
}

/// The subject `check` reports, as (type, value) entries.
fn reported_entries(checked: &CheckedCsr) -> Vec<(String, String)> {
    use rcgen::{DnType, DnValue};
    checked
        .subject
        .iter()
        .map(|(t, v)| {
            let oid = match t {
                DnType::CountryName => "2.5.4.6".to_string(),
                DnType::StateOrProvinceName => "2.5.4.8".to_string(),
                DnType::LocalityName => "2.5.4.7".to_string(),
                DnType::OrganizationName => "2.5.4.10".to_string(),
                DnType::OrganizationalUnitName => "2.5.4.11".to_string(),
                DnType::CommonName => "2.5.4.3".to_string(),
                DnType::CustomDnType(arcs) => arcs
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
                other => format!("{other:?}"),
            };
            let value = match v {
                DnValue::Utf8String(s) => s.clone(),
                DnValue::PrintableString(s) => s.as_str().to_string(),
                DnValue::Ia5String(s) => s.as_str().to_string(),
                DnValue::TeletexString(s) => s.as_str().to_string(),
                other => format!("{other:?}"),
            };
            (oid, value)
        })
        .collect()
}

/// Verify a CSR's self-signature with aws-lc-rs directly, from the algorithm identifiers (not
/// through x509-parser's `verify_signature`, which `check` itself uses).
fn self_signature_verifies(req: &x509_parser::certification_request::X509CertificationRequest<'_>) {
    use aws_lc_rs::signature::{self as sig, VerificationAlgorithm};
    let info = &req.certification_request_info;
    let spki = &info.subject_pki;
    let signature_oid = req.signature_algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let p256 = curve.as_deref() == Some("1.2.840.10045.3.1.7");
    let p384 = curve.as_deref() == Some("1.3.132.0.34");
    let algorithm: &dyn VerificationAlgorithm = match signature_oid.as_str() {
        "1.2.840.10045.4.3.2" if p256 => &sig::ECDSA_P256_SHA256_ASN1,
        "1.2.840.10045.4.3.3" if p256 => &sig::ECDSA_P256_SHA384_ASN1,
        "1.2.840.10045.4.3.2" if p384 => &sig::ECDSA_P384_SHA256_ASN1,
        "1.2.840.10045.4.3.3" if p384 => &sig::ECDSA_P384_SHA384_ASN1,
        "1.2.840.113549.1.1.11" => &sig::RSA_PKCS1_2048_8192_SHA256,
        "1.2.840.113549.1.1.12" => &sig::RSA_PKCS1_2048_8192_SHA384,
        "1.2.840.113549.1.1.13" => &sig::RSA_PKCS1_2048_8192_SHA512,
        "1.2.840.113549.1.1.5" => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        other => panic!(
            "accepted a CSR signed with {other} (key curve {curve:?}), which this oracle cannot check"
        ),
    };
    let key = sig::UnparsedPublicKey::new(algorithm, &spki.subject_public_key.data);
    assert!(
        key.verify(info.raw, &req.signature_value.data).is_ok(),
        "accepted a CSR whose self-signature does not verify"
    );
}
