//! WSDL 1.1: the operation table (operation, SOAP action, input/output elements, SOAP 1.1/1.2,
//! style) and typed async clients for document/literal bindings.
//!
//! rpc-style or encoded operations get a row in the table marked unsupported with the reason;
//! they never make the reader fail. `wsdl:import` of a local file is followed; an import from a
//! remote host (a registry's internal address) is recorded as a note and the table is built from
//! what is present.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use roxmltree::Node;

use crate::error::{Error, Result};
use crate::scratch::{Scratch, ScratchModule};
use crate::xsd::model::{Loc, QName, XS};
use crate::xsd::{parse, SchemaSet};
use crate::{EmitOptions, Generated};

mod client;

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";

/// A binding's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Soap11,
    Soap12,
    /// `http:binding` (GET/POST without SOAP): listed, no client.
    Http,
}

/// One row of the operation table.
#[derive(Debug, Clone)]
pub struct Operation {
    pub binding: String,
    pub name: String,
    pub soap_action: String,
    pub protocol: Protocol,
    /// `document` or `rpc`.
    pub style: String,
    /// `literal` or `encoded`.
    pub body_use: String,
    /// The input/output element (document/literal); `None` when the message is typed by parts.
    /// A supported operation without output is one-way: its client method sends the request
    /// and expects no response body.
    pub input: Option<QName>,
    pub output: Option<QName>,
    /// The elements of the input's `soap:header`s (document/literal), in binding order: the
    /// client method takes one argument per header and sends them in the envelope's Header.
    pub input_headers: Vec<QName>,
    pub address: Option<String>,
    /// Why no typed client method exists for it, if none does.
    pub unsupported: Option<String>,
}

/// A read WSDL.
#[derive(Debug)]
pub struct Wsdl {
    pub path: PathBuf,
    pub target_ns: String,
    pub operations: Vec<Operation>,
    pub schemas: SchemaSet,
    pub notes: Vec<String>,
}

/// A message part or port-type operation: (name, element or input, type or output).
type Triple = (String, Option<QName>, Option<QName>);

#[derive(Debug, Default)]
struct Raw {
    target_ns: String,
    /// message → parts (name, element, type)
    messages: Vec<(QName, Vec<Triple>)>,
    /// portType → operations (name, input message, output message)
    port_types: Vec<(QName, Vec<Triple>)>,
    bindings: Vec<RawBinding>,
    /// (binding, address)
    ports: Vec<(QName, String)>,
}

#[derive(Debug)]
struct RawBinding {
    name: QName,
    port_type: QName,
    protocol: Protocol,
    style: String,
    operations: Vec<RawBindingOperation>,
}

#[derive(Debug)]
struct RawBindingOperation {
    name: String,
    action: String,
    style: Option<String>,
    body_use: String,
    /// Per direction (input, output): `soap:body parts` (`None`: every part not in a header)
    /// and the `soap:header`s as (message, part).
    input: RawBody,
    output: RawBody,
}

#[derive(Debug, Default)]
struct RawBody {
    parts: Option<Vec<String>>,
    headers: Vec<(QName, String)>,
}

fn qname(node: Node<'_, '_>, value: &str) -> QName {
    let (prefix, local) = match value.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, value),
    };
    QName::new(
        crate::xsd::model::lookup_prefix(node, prefix).unwrap_or(""),
        local,
    )
}

fn children<'a, 'i>(
    n: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name
    })
}

fn read_into(
    path: &Path,
    raw: &mut Raw,
    schemas: &mut SchemaSet,
    seen: &mut BTreeSet<PathBuf>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let text = std::fs::read(path).map_err(|source| Error::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let text = regway_xml_runtime::decode(&text).map_err(|e| Error::Xml {
        file: path.to_path_buf(),
        line: 1,
        message: e.to_string(),
    })?;
    let doc = parse::document(path, &text)?;
    let root = doc.root_element();
    let file = Arc::new(path.to_path_buf());
    let dir = path.parent().unwrap_or(Path::new("."));
    let loc = |n: Node<'_, '_>| Loc {
        file: file.clone(),
        line: doc.text_pos_at(n.range().start).row,
    };
    if root.tag_name().namespace() == Some(XS) && root.tag_name().name() == "schema" {
        // `wsdl:import` of a schema file.
        return schemas.add_file(path, seen);
    }
    if root.tag_name().namespace() != Some(WSDL) || root.tag_name().name() != "definitions" {
        return Err(Error::Invalid {
            loc: loc(root),
            message: "root element is not wsdl:definitions".into(),
        });
    }
    let tns = root.attribute("targetNamespace").unwrap_or("").to_string();
    if raw.target_ns.is_empty() {
        raw.target_ns = tns.clone();
    }
    for imp in children(root, WSDL, "import") {
        let Some(location) = imp.attribute("location") else {
            continue;
        };
        match crate::xsd::load::resolve_location(dir, location) {
            Some(p) => {
                let key = p.canonicalize().unwrap_or_else(|_| p.clone());
                if seen.insert(key) || p.extension().is_some_and(|e| e == "xsd") {
                    read_into(&p, raw, schemas, seen, notes)?;
                }
            }
            None => match sibling_by_namespace(dir, imp.attribute("namespace"), path) {
                // A service reference saved by svcutil/wsimport keeps a remote import beside a
                // downloaded copy of it: take the local WSDL that defines that namespace.
                Some(p) => {
                    notes.push(format!(
                        "{}: wsdl:import {location:?} is remote; read {} instead (same namespace)",
                        loc(imp),
                        p.display()
                    ));
                    let key = p.canonicalize().unwrap_or_else(|_| p.clone());
                    if seen.insert(key) {
                        read_into(&p, raw, schemas, seen, notes)?;
                    }
                }
                None => notes.push(format!(
                    "{}: wsdl:import {location:?} is not available here; its definitions are missing",
                    loc(imp)
                )),
            },
        }
    }
    for types in children(root, WSDL, "types") {
        for s in types.children().filter(|c| {
            c.is_element()
                && c.tag_name().namespace() == Some(XS)
                && c.tag_name().name() == "schema"
        }) {
            let d = parse::schema(&file, s)?;
            schemas.add_doc(d, dir, seen)?;
        }
    }
    for m in children(root, WSDL, "message") {
        let parts = children(m, WSDL, "part")
            .map(|p| {
                (
                    p.attribute("name").unwrap_or("").to_string(),
                    p.attribute("element").map(|v| qname(p, v)),
                    p.attribute("type").map(|v| qname(p, v)),
                )
            })
            .collect();
        raw.messages
            .push((QName::new(&tns, m.attribute("name").unwrap_or("")), parts));
    }
    for pt in children(root, WSDL, "portType") {
        let ops = children(pt, WSDL, "operation")
            .map(|o| {
                let msg = |dir: &str| {
                    children(o, WSDL, dir)
                        .next()
                        .and_then(|n| n.attribute("message").map(|v| qname(n, v)))
                };
                (
                    o.attribute("name").unwrap_or("").to_string(),
                    msg("input"),
                    msg("output"),
                )
            })
            .collect();
        raw.port_types
            .push((QName::new(&tns, pt.attribute("name").unwrap_or("")), ops));
    }
    for b in children(root, WSDL, "binding") {
        let (protocol, soap_ns) = if let Some(sb) = children(b, SOAP11, "binding").next() {
            (Protocol::Soap11, Some((SOAP11, sb)))
        } else if let Some(sb) = children(b, SOAP12, "binding").next() {
            (Protocol::Soap12, Some((SOAP12, sb)))
        } else {
            (Protocol::Http, None)
        };
        let style = soap_ns
            .and_then(|(_, sb)| sb.attribute("style"))
            .unwrap_or("document")
            .to_string();
        let mut operations = vec![];
        for o in children(b, WSDL, "operation") {
            let body_of = |dir: &str| -> RawBody {
                let Some((ns, _)) = soap_ns else {
                    return RawBody::default();
                };
                let Some(d) = children(o, WSDL, dir).next() else {
                    return RawBody::default();
                };
                RawBody {
                    parts: children(d, ns, "body")
                        .next()
                        .and_then(|b| b.attribute("parts"))
                        .map(|p| p.split_whitespace().map(str::to_string).collect()),
                    headers: children(d, ns, "header")
                        .filter_map(|h| {
                            Some((
                                qname(h, h.attribute("message")?),
                                h.attribute("part")?.to_string(),
                            ))
                        })
                        .collect(),
                }
            };
            let (input_body, output_body) = (body_of("input"), body_of("output"));
            let (action, ostyle, body_use) = match soap_ns {
                Some((ns, _)) => {
                    let so = children(o, ns, "operation").next();
                    let body = children(o, WSDL, "input")
                        .next()
                        .and_then(|i| children(i, ns, "body").next());
                    (
                        so.and_then(|s| s.attribute("soapAction"))
                            .unwrap_or("")
                            .to_string(),
                        so.and_then(|s| s.attribute("style")).map(str::to_string),
                        body.and_then(|b| b.attribute("use"))
                            .unwrap_or("literal")
                            .to_string(),
                    )
                }
                None => (String::new(), None, "literal".to_string()),
            };
            operations.push(RawBindingOperation {
                name: o.attribute("name").unwrap_or("").to_string(),
                action,
                style: ostyle,
                body_use,
                input: input_body,
                output: output_body,
            });
        }
        raw.bindings.push(RawBinding {
            name: QName::new(&tns, b.attribute("name").unwrap_or("")),
            port_type: b
                .attribute("type")
                .map(|t| qname(b, t))
                .unwrap_or_else(|| QName::new("", "")),
            protocol,
            style,
            operations,
        });
    }
    for s in children(root, WSDL, "service") {
        for p in children(s, WSDL, "port") {
            let address = p
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == "address")
                .and_then(|a| a.attribute("location"));
            if let (Some(b), Some(a)) = (p.attribute("binding"), address) {
                raw.ports.push((qname(p, b), a.to_string()));
            }
        }
    }
    Ok(())
}

/// The WSDL in `dir`, other than `this`, whose `targetNamespace` is `namespace`.
fn sibling_by_namespace(dir: &Path, namespace: Option<&str>, this: &Path) -> Option<PathBuf> {
    let namespace = namespace.filter(|n| !n.is_empty())?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wsdl"))
                && p != this
        })
        .collect();
    candidates.sort();
    candidates.into_iter().find(|p| {
        let Ok(bytes) = std::fs::read(p) else {
            return false;
        };
        let Ok(text) = regway_xml_runtime::decode(&bytes) else {
            return false;
        };
        parse::document(p, &text).is_ok_and(|d| {
            let root = d.root_element();
            root.tag_name().namespace() == Some(WSDL)
                && root.attribute("targetNamespace") == Some(namespace)
        })
    })
}

/// Reads a WSDL (and its local imports) into its operation table and schemas.
pub fn read(path: &Path) -> Result<Wsdl> {
    let mut raw = Raw::default();
    let mut schemas = SchemaSet::default();
    let mut seen = BTreeSet::new();
    let mut notes = vec![];
    if let Ok(c) = path.canonicalize() {
        seen.insert(c.clone());
        // The WSDL's own schemas are its documents; what they import, its components.
        schemas.given.insert(c);
    }
    read_into(path, &mut raw, &mut schemas, &mut seen, &mut notes)?;
    let mut operations = vec![];
    for b in &raw.bindings {
        let port_type = raw.port_types.iter().find(|(n, _)| *n == b.port_type);
        for op in &b.operations {
            let RawBindingOperation {
                name,
                action,
                style: ostyle,
                body_use,
                ..
            } = op;
            let style = ostyle.clone().unwrap_or_else(|| b.style.clone());
            let pt_op = port_type.and_then(|(_, ops)| ops.iter().find(|(n, _, _)| n == name));
            let message = |msg: &QName| {
                raw.messages
                    .iter()
                    .find(|(n, _)| n == msg)
                    .map(|(_, parts)| parts)
                    .ok_or_else(|| format!("message {msg} is not defined"))
            };
            // The body's element: the part `soap:body parts` names, or the one part of the
            // message that no `soap:header` of the same message takes.
            let element =
                |msg: Option<&QName>, body: &RawBody| -> std::result::Result<QName, String> {
                    let msg = msg.ok_or("no message")?;
                    let parts: Vec<&Triple> = message(msg)?
                        .iter()
                        .filter(|(p, _, _)| match &body.parts {
                            Some(named) => named.contains(p),
                            None => !body.headers.iter().any(|(m, h)| m == msg && h == p),
                        })
                        .collect();
                    match parts.as_slice() {
                        [(_, Some(e), _)] => Ok(e.clone()),
                        [(_, None, Some(t))] => Err(format!("part typed by {t}, not an element")),
                        [] => Err(format!("message {msg} has no body part")),
                        _ => Err(format!("message {msg} has {} body parts", parts.len())),
                    }
                };
            let headers: std::result::Result<Vec<QName>, String> = op
                .input
                .headers
                .iter()
                .map(
                    |(msg, part)| match message(msg)?.iter().find(|(p, _, _)| p == part) {
                        Some((_, Some(e), _)) => Ok(e.clone()),
                        Some(_) => Err(format!("header part {part} of {msg} is not an element")),
                        None => Err(format!("message {msg} has no part {part} for a header")),
                    },
                )
                .collect();
            let (input, output) = match pt_op {
                Some((_, i, o)) => (
                    match i {
                        Some(_) => element(i.as_ref(), &op.input),
                        None => Err("notification (output only): no request to send".to_string()),
                    },
                    // No output: a one-way operation, sent without a response body.
                    match o {
                        Some(_) => element(o.as_ref(), &op.output).map(Some),
                        None => Ok(None),
                    },
                ),
                None => {
                    let why = format!("portType {} is not available", b.port_type);
                    (Err(why.clone()), Err(why))
                }
            };
            let unsupported = if b.protocol == Protocol::Http {
                Some("HTTP binding, not SOAP".to_string())
            } else if style == "rpc" || body_use == "encoded" {
                Some(format!(
                    "{style}/{body_use} is not supported: only document/literal"
                ))
            } else {
                input
                    .as_ref()
                    .err()
                    .or(output.as_ref().err())
                    .or(headers.as_ref().err())
                    .cloned()
            };
            operations.push(Operation {
                binding: b.name.name.clone(),
                name: name.clone(),
                soap_action: action.clone(),
                protocol: b.protocol,
                style,
                body_use: body_use.clone(),
                input: input.ok(),
                output: output.ok().flatten(),
                input_headers: headers.unwrap_or_default(),
                address: raw
                    .ports
                    .iter()
                    .find(|(n, _)| *n == b.name)
                    .map(|(_, a)| a.clone()),
                unsupported,
            });
        }
    }
    notes.extend(schemas.duplicates.iter().cloned());
    Ok(Wsdl {
        path: path.to_path_buf(),
        target_ns: raw.target_ns,
        operations,
        schemas,
        notes,
    })
}

impl Wsdl {
    /// The operation table as text.
    pub fn table(&self) -> String {
        let mut s = String::new();
        for o in &self.operations {
            let el = |q: &Option<QName>| q.as_ref().map_or("-".to_string(), |q| q.to_string());
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{:?}\t{}/{}\t{}\t{}\t{}",
                o.binding,
                o.name,
                o.soap_action,
                o.protocol,
                o.style,
                o.body_use,
                el(&o.input),
                el(&o.output),
                o.unsupported.as_deref().unwrap_or("client")
            );
        }
        s
    }

    /// Whether any operation gets a typed client method.
    pub fn has_client(&self) -> bool {
        self.operations.iter().any(|o| o.unsupported.is_none())
    }
}

/// Types and client for a WSDL.
pub fn generate_wsdl(path: &Path, opts: &EmitOptions) -> Result<Generated> {
    let w = read(path)?;
    generate(&w, opts)
}

fn generate(w: &Wsdl, opts: &EmitOptions) -> Result<Generated> {
    let module = crate::rust::lower::lower(&w.schemas)?;
    let tables = crate::fields::tables(&module);
    let mut source = crate::rust::emit::emit(&module, &tables, opts);
    source.push_str(&client::emit(w, &module));
    let mut notes = w.notes.clone();
    notes.extend(module.notes);
    Ok(Generated { source, notes })
}

/// One WSDL: its path, what was read (or why not), whether its client compiled (`None`: no
/// client to compile).
pub type Row = (
    PathBuf,
    std::result::Result<Wsdl, String>,
    Option<std::result::Result<(), String>>,
);

/// Result of reading (and compiling) WSDLs.
#[derive(Debug, Default)]
pub struct Report {
    /// (wsdl, operations or error, client compiled?)
    pub rows: Vec<Row>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|(_, w, c)| w.is_err() || matches!(c, Some(Err(_))))
            .count()
    }

    pub fn table(&self) -> String {
        let mut s = String::new();
        for (p, w, c) in &self.rows {
            match w {
                Ok(w) => {
                    let _ = writeln!(
                        s,
                        "== {} ({} operations; client: {})",
                        p.display(),
                        w.operations.len(),
                        match c {
                            Some(Ok(())) => "compiles".to_string(),
                            Some(Err(e)) => format!("FAILED {e}"),
                            None => "none (no document/literal operation)".to_string(),
                        }
                    );
                    s.push_str(&w.table());
                }
                Err(e) => {
                    let _ = writeln!(s, "== {} FAILED: {e}", p.display());
                }
            }
        }
        s
    }

    pub fn summary(&self) -> String {
        let no_client = self
            .rows
            .iter()
            .filter(|(_, w, _)| w.as_ref().is_ok_and(|w| !w.has_client()))
            .count();
        format!(
            "{} passed, {} failed, {no_client} skipped (no document/literal SOAP operation to make a client for)",
            self.rows.len() - self.failed() - no_client,
            self.failed()
        )
    }
}

/// Reads every WSDL; with a scratch crate, compiles the clients of those with document/literal
/// operations (all in one crate).
pub fn check_wsdls(paths: &[PathBuf], scratch: Option<&Scratch>) -> Result<Report> {
    let mut report = Report::default();
    let mut modules = vec![];
    let mut names = crate::names::Scope::default();
    let mut generated: Vec<(String, Generated)> = vec![];
    for p in paths {
        match read(p) {
            Ok(w) => {
                let client = if w.has_client() && scratch.is_some() {
                    match generate(&w, &EmitOptions::default()) {
                        Ok(g) => {
                            let stem = p
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            let parent = p
                                .parent()
                                .and_then(|d| d.parent())
                                .and_then(|d| d.file_name())
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            let name =
                                names.unique(crate::names::field_name(&format!("{parent} {stem}")));
                            modules.push((report.rows.len(), name.clone()));
                            report.rows.push((p.clone(), Ok(w), Some(Ok(()))));
                            generated.push((name, g));
                            continue;
                        }
                        Err(e) => Some(Err(e.to_string())),
                    }
                } else {
                    None
                };
                report_module(&mut report, p, w, client);
            }
            Err(e) => report.rows.push((p.clone(), Err(e.to_string()), None)),
        }
    }
    if let Some(scratch) = scratch {
        let sm: Vec<ScratchModule> = generated
            .into_iter()
            .map(|(name, g)| ScratchModule {
                name,
                files: vec![("mod.rs".into(), g.source)],
            })
            .collect();
        scratch.write(&sm, true, None)?;
        let build = scratch.build()?;
        for (row, name) in &modules {
            let verdict = match build.errors.get(name) {
                Some(e) => Err(e.join("\n")),
                None if !build.success => Err(format!(
                    "the scratch crate does not build:\n{}",
                    build.output
                )),
                None => Ok(()),
            };
            if let Some(r) = report.rows.get_mut(*row) {
                r.2 = Some(verdict);
            }
        }
    }
    Ok(report)
}

fn report_module(
    report: &mut Report,
    p: &Path,
    w: Wsdl,
    client: Option<std::result::Result<(), String>>,
) {
    report.rows.push((p.to_path_buf(), Ok(w), client));
}
