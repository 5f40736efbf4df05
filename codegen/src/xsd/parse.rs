//! Reading one `xs:schema` element (a file, or a schema inside a WSDL) into the [model].
//!
//! [model]: super::model

use std::path::PathBuf;
use std::sync::Arc;

use roxmltree::Node;

use super::model::*;
use crate::error::{Error, Result};

/// Reads a schema or WSDL file's XML text, tolerating a byte-order mark (many corpus files have
/// one) and a DOCTYPE whose internal subset declares entities, within the bounds of
/// [`super::dtd`]; nothing external is fetched.
pub fn document<'t>(path: &std::path::Path, text: &'t str) -> Result<roxmltree::Document<'t>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    super::dtd::check(text).map_err(|r| Error::Xml {
        file: path.to_path_buf(),
        line: r.line,
        message: format!("DOCTYPE refused: {}", r.message),
    })?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| Error::Xml {
        file: path.to_path_buf(),
        line: e.pos().row,
        message: e.to_string(),
    })
}

/// Reads the `xs:schema` element `node` of a document read from `file`.
pub fn schema(file: &Arc<PathBuf>, node: Node<'_, '_>) -> Result<SchemaDoc> {
    schema_in(file, node, None)
}

/// Reads the `xs:schema` element `node`; with `chameleon`, a schema without `targetNamespace`
/// included into that namespace: its definitions are in it, and so are its references to names
/// in no namespace.
pub fn schema_in(
    file: &Arc<PathBuf>,
    node: Node<'_, '_>,
    chameleon: Option<&str>,
) -> Result<SchemaDoc> {
    let chameleon = chameleon.filter(|_| node.attribute("targetNamespace").is_none());
    let p = Parser {
        file: file.clone(),
        target_ns: chameleon
            .or(node.attribute("targetNamespace"))
            .unwrap_or("")
            .to_string(),
        chameleon: chameleon.is_some(),
        element_qualified: node.attribute("elementFormDefault") == Some("qualified"),
        attribute_qualified: node.attribute("attributeFormDefault") == Some("qualified"),
    };
    let mut doc = SchemaDoc {
        loc: p.loc(node),
        target_ns: p.target_ns.clone(),
        elements: vec![],
        types: vec![],
        groups: vec![],
        attribute_groups: vec![],
        attributes: vec![],
        imports: vec![],
        redefines: vec![],
    };
    for child in xs_children(node) {
        match child.tag_name().name() {
            "import" | "include" => doc.imports.push(Import {
                include: child.tag_name().name() == "include",
                namespace: child.attribute("namespace").map(str::to_string),
                location: child.attribute("schemaLocation").map(str::to_string),
                loc: p.loc(child),
            }),
            "element" => doc.elements.push(p.element(child, true)?),
            "complexType" | "simpleType" => doc.types.push(p.type_def(child, true)?),
            "group" => {
                let name = p.global_name(child)?;
                let particle = xs_children(child)
                    .find(|c| matches!(c.tag_name().name(), "sequence" | "choice" | "all"))
                    .ok_or_else(|| p.invalid(child, "group without sequence, choice or all"))
                    .and_then(|c| p.particle(c))?;
                doc.groups.push((name, particle, p.loc(child)));
            }
            "attributeGroup" => {
                let name = p.global_name(child)?;
                doc.attribute_groups
                    .push((name, p.attributes(child)?, p.loc(child)));
            }
            "attribute" => {
                if let AttrItem::Attr(a) = p.attribute(child, true)? {
                    doc.attributes.push(a);
                }
            }
            "redefine" => {
                let location = child
                    .attribute("schemaLocation")
                    .ok_or_else(|| p.invalid(child, "xs:redefine without schemaLocation"))?;
                let mut r = Redefine {
                    location: location.to_string(),
                    loc: p.loc(child),
                    types: vec![],
                    groups: vec![],
                    attribute_groups: vec![],
                };
                for c in xs_children(child) {
                    match c.tag_name().name() {
                        "complexType" | "simpleType" => r.types.push(p.type_def(c, true)?),
                        "group" => {
                            let name = p.global_name(c)?;
                            let particle = xs_children(c)
                                .find(|g| {
                                    matches!(g.tag_name().name(), "sequence" | "choice" | "all")
                                })
                                .ok_or_else(|| {
                                    p.invalid(c, "group without sequence, choice or all")
                                })
                                .and_then(|g| p.particle(g))?;
                            r.groups.push((name, particle, p.loc(c)));
                        }
                        "attributeGroup" => {
                            let name = p.global_name(c)?;
                            r.attribute_groups.push((name, p.attributes(c)?, p.loc(c)));
                        }
                        _ => {}
                    }
                }
                doc.redefines.push(r);
            }
            "override" => {
                return Err(Error::Unsupported {
                    loc: p.loc(child),
                    what: format!("xs:{}", child.tag_name().name()),
                    why: "XSD 1.1 only; xs:redefine is supported".into(),
                })
            }
            _ => {}
        }
    }
    Ok(doc)
}

/// The element children of `node` in the XML Schema namespace, annotations skipped.
fn xs_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(XS))
        .filter(|c| c.tag_name().name() != "annotation")
}

fn documentation(node: Node<'_, '_>) -> Option<String> {
    let ann = node
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "annotation")?;
    let doc = ann
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "documentation")?;
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

struct Parser {
    file: Arc<PathBuf>,
    target_ns: String,
    /// A chameleon include: references to names in no namespace are in `target_ns`.
    chameleon: bool,
    element_qualified: bool,
    attribute_qualified: bool,
}

impl Parser {
    fn loc(&self, node: Node<'_, '_>) -> Loc {
        Loc {
            file: self.file.clone(),
            line: node.document().text_pos_at(node.range().start).row,
        }
    }

    fn invalid(&self, node: Node<'_, '_>, message: &str) -> Error {
        Error::Invalid {
            loc: self.loc(node),
            message: message.to_string(),
        }
    }

    fn global_name(&self, node: Node<'_, '_>) -> Result<QName> {
        let name = node
            .attribute("name")
            .ok_or_else(|| self.invalid(node, "global definition without a name"))?;
        Ok(QName::new(&self.target_ns, name))
    }

    /// Resolves a QName-valued attribute (`type="tns:Foo"`) through the namespace declarations
    /// in scope at `node`.
    fn qname(&self, node: Node<'_, '_>, value: &str) -> Result<QName> {
        let value = value.trim();
        let (prefix, local) = match value.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, value),
        };
        let ns = match lookup_prefix(node, prefix) {
            Some(ns) => ns,
            None if prefix.is_none() => "",
            None => {
                return Err(self.invalid(node, &format!("undeclared namespace prefix in {value:?}")))
            }
        };
        let ns = if ns.is_empty() && self.chameleon {
            self.target_ns.as_str()
        } else {
            ns
        };
        Ok(QName::new(ns, local))
    }

    fn occurs(&self, node: Node<'_, '_>) -> Result<Occurs> {
        let min = match node.attribute("minOccurs") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| self.invalid(node, &format!("bad minOccurs {v:?}")))?,
            None => 1,
        };
        let max = match node.attribute("maxOccurs").map(str::trim) {
            Some("unbounded") => None,
            Some(v) => Some(
                v.parse()
                    .map_err(|_| self.invalid(node, &format!("bad maxOccurs {v:?}")))?,
            ),
            None => Some(1),
        };
        Ok(Occurs { min, max })
    }

    fn type_ref(&self, node: Node<'_, '_>) -> Result<Option<TypeRef>> {
        if let Some(t) = node.attribute("type") {
            return Ok(Some(TypeRef::Named(self.qname(node, t)?, self.loc(node))));
        }
        match xs_children(node)
            .find(|c| matches!(c.tag_name().name(), "complexType" | "simpleType"))
        {
            Some(c) => Ok(Some(TypeRef::Inline(Box::new(self.type_def(c, false)?)))),
            None => Ok(None),
        }
    }

    fn element(&self, node: Node<'_, '_>, global: bool) -> Result<ElementDecl> {
        let name = node
            .attribute("name")
            .ok_or_else(|| self.invalid(node, "element without name or ref"))?;
        let qualified = match node.attribute("form") {
            Some(f) => f == "qualified",
            None => global || self.element_qualified,
        };
        let ns = if qualified {
            self.target_ns.as_str()
        } else {
            ""
        };
        Ok(ElementDecl {
            name: QName::new(ns, name),
            ty: self.type_ref(node)?,
            occurs: if global {
                Occurs::ONE
            } else {
                self.occurs(node)?
            },
            nillable: node.attribute("nillable") == Some("true"),
            doc: documentation(node),
            loc: self.loc(node),
            substitution_group: match node.attribute("substitutionGroup").filter(|_| global) {
                // XSD 1.1 allows a list; the first head is used.
                Some(v) => Some(Box::new(
                    self.qname(node, v.split_whitespace().next().unwrap_or(""))?,
                )),
                None => None,
            },
            is_abstract: node.attribute("abstract") == Some("true"),
        })
    }

    fn particle(&self, node: Node<'_, '_>) -> Result<Particle> {
        let occurs = self.occurs(node)?;
        let loc = self.loc(node);
        Ok(match node.tag_name().name() {
            "element" => match node.attribute("ref") {
                Some(r) => Particle::ElementRef(self.qname(node, r)?, occurs, loc),
                None => Particle::Element(self.element(node, false)?),
            },
            "group" => {
                let r = node
                    .attribute("ref")
                    .ok_or_else(|| self.invalid(node, "local group without ref"))?;
                Particle::GroupRef(self.qname(node, r)?, occurs, loc)
            }
            "any" => Particle::Any {
                occurs,
                namespace: node.attribute("namespace").unwrap_or("##any").to_string(),
                loc,
            },
            kind @ ("sequence" | "choice" | "all") => Particle::Group {
                compositor: match kind {
                    "sequence" => Compositor::Sequence,
                    "choice" => Compositor::Choice,
                    _ => Compositor::All,
                },
                occurs,
                items: xs_children(node)
                    .map(|c| self.particle(c))
                    .collect::<Result<_>>()?,
                loc,
            },
            other => {
                return Err(self.invalid(node, &format!("unexpected xs:{other} in a model group")))
            }
        })
    }

    fn attribute(&self, node: Node<'_, '_>, global: bool) -> Result<AttrItem> {
        let required = node.attribute("use") == Some("required");
        if let Some(r) = node.attribute("ref") {
            return Ok(AttrItem::Ref {
                name: self.qname(node, r)?,
                required,
                prohibited: node.attribute("use") == Some("prohibited"),
                loc: self.loc(node),
            });
        }
        let name = node
            .attribute("name")
            .ok_or_else(|| self.invalid(node, "attribute without name or ref"))?;
        let qualified = match node.attribute("form") {
            Some(f) => f == "qualified",
            None => global || self.attribute_qualified,
        };
        let ns = if qualified {
            self.target_ns.as_str()
        } else {
            ""
        };
        Ok(AttrItem::Attr(AttrDecl {
            name: QName::new(ns, name),
            ty: self.type_ref(node)?,
            required,
            prohibited: node.attribute("use") == Some("prohibited"),
            loc: self.loc(node),
        }))
    }

    /// The attribute uses among the children of `node`.
    fn attributes(&self, node: Node<'_, '_>) -> Result<Vec<AttrItem>> {
        let mut out = vec![];
        for c in xs_children(node) {
            match c.tag_name().name() {
                "attribute" => out.push(self.attribute(c, false)?),
                "attributeGroup" => {
                    let r = c
                        .attribute("ref")
                        .ok_or_else(|| self.invalid(c, "local attributeGroup without ref"))?;
                    out.push(AttrItem::GroupRef(self.qname(c, r)?, self.loc(c)));
                }
                "anyAttribute" => out.push(AttrItem::AnyAttribute),
                _ => {}
            }
        }
        Ok(out)
    }

    fn type_def(&self, node: Node<'_, '_>, global: bool) -> Result<TypeDef> {
        let name = if global {
            Some(self.global_name(node)?)
        } else {
            None
        };
        let kind = if node.tag_name().name() == "simpleType" {
            TypeKind::Simple(self.simple(node)?)
        } else {
            TypeKind::Complex(self.complex(node)?)
        };
        Ok(TypeDef {
            name,
            kind,
            doc: documentation(node),
            loc: self.loc(node),
        })
    }

    fn simple(&self, node: Node<'_, '_>) -> Result<SimpleDef> {
        let Some(d) = xs_children(node).next() else {
            return Err(self.invalid(node, "simpleType without restriction, union or list"));
        };
        Ok(match d.tag_name().name() {
            "restriction" => SimpleDef::Restriction {
                base: self.base(d)?,
                enumeration: xs_children(d)
                    .filter(|f| f.tag_name().name() == "enumeration")
                    .map(|f| f.attribute("value").unwrap_or("").to_string())
                    .collect(),
            },
            "union" => SimpleDef::Union,
            "list" => SimpleDef::List,
            other => return Err(self.invalid(d, &format!("unexpected xs:{other} in simpleType"))),
        })
    }

    /// The `base` of a restriction or extension: the attribute, or an inline simpleType.
    fn base(&self, node: Node<'_, '_>) -> Result<TypeRef> {
        if let Some(b) = node.attribute("base") {
            return Ok(TypeRef::Named(self.qname(node, b)?, self.loc(node)));
        }
        match xs_children(node).find(|c| c.tag_name().name() == "simpleType") {
            Some(c) => Ok(TypeRef::Inline(Box::new(self.type_def(c, false)?))),
            None => Err(self.invalid(node, "restriction without base")),
        }
    }

    fn complex(&self, node: Node<'_, '_>) -> Result<ComplexDef> {
        let is_abstract = node.attribute("abstract") == Some("true");
        let mut mixed = node.attribute("mixed") == Some("true");
        let model = |n: Node<'_, '_>| -> Result<Option<Particle>> {
            xs_children(n)
                .find(|c| matches!(c.tag_name().name(), "sequence" | "choice" | "all" | "group"))
                .map(|c| self.particle(c))
                .transpose()
        };
        if let Some(cc) = xs_children(node)
            .find(|c| matches!(c.tag_name().name(), "simpleContent" | "complexContent"))
        {
            let Some(d) = xs_children(cc).next() else {
                return Err(self.invalid(cc, "content without extension or restriction"));
            };
            let derivation = match d.tag_name().name() {
                "extension" => Derivation::Extension,
                "restriction" => Derivation::Restriction,
                other => return Err(self.invalid(d, &format!("unexpected xs:{other}"))),
            };
            if cc.attribute("mixed") == Some("true") {
                mixed = true;
            }
            let content = if cc.tag_name().name() == "simpleContent" {
                Content::Simple {
                    base: self.base(d)?,
                    derivation,
                }
            } else {
                let b = d
                    .attribute("base")
                    .ok_or_else(|| self.invalid(d, "complexContent derivation without base"))?;
                Content::Elements {
                    base: Some((self.qname(d, b)?, derivation, self.loc(d))),
                    particle: model(d)?,
                }
            };
            return Ok(ComplexDef {
                is_abstract,
                mixed,
                content,
                attributes: self.attributes(d)?,
            });
        }
        Ok(ComplexDef {
            is_abstract,
            mixed,
            content: Content::Elements {
                base: None,
                particle: model(node)?,
            },
            attributes: self.attributes(node)?,
        })
    }
}
