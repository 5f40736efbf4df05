//! The schema model: what the generator needs from XSD, owned and independent of the XML tree it
//! was read from. Every definition keeps its source location for error messages.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The XML Schema namespace.
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// The namespace of the `xml` prefix, bound in every document without a declaration
/// (Namespaces in XML §3).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The namespace URI of `prefix` at `node`: its declaration in scope, except that `xml` is always
/// bound (an explicit `xmlns:xml` may only repeat the same URI).
pub fn lookup_prefix<'a>(node: roxmltree::Node<'a, '_>, prefix: Option<&str>) -> Option<&'a str> {
    if prefix == Some("xml") {
        return Some(XML_NS);
    }
    node.lookup_namespace_uri(prefix)
}

/// A namespace-qualified name. `ns` is the URI ("" for no namespace), `name` the local name
/// exactly as written in the schema (trailing spaces and look-alike letters included).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    pub ns: String,
    pub name: String,
}

impl QName {
    pub fn new(ns: &str, name: &str) -> Self {
        QName {
            ns: ns.to_string(),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.name)
    }
}

/// Where a definition is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<PathBuf>,
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// `minOccurs`/`maxOccurs`; `max: None` is `unbounded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurs {
    pub min: u32,
    pub max: Option<u32>,
}

impl Occurs {
    pub const ONE: Occurs = Occurs {
        min: 1,
        max: Some(1),
    };
    /// More than one occurrence is allowed.
    pub fn repeats(self) -> bool {
        self.max != Some(1) && self.max != Some(0)
    }
    /// The combined cardinality of a particle inside a repeated/optional group.
    pub fn times(self, outer: Occurs) -> Occurs {
        Occurs {
            min: self.min.saturating_mul(outer.min),
            max: match (self.max, outer.max) {
                (Some(a), Some(b)) => Some(a.saturating_mul(b)),
                _ => None,
            },
        }
    }
}

/// A reference to a type: by name, or an anonymous definition in place.
#[derive(Debug, Clone)]
pub enum TypeRef {
    Named(QName, Loc),
    Inline(Box<TypeDef>),
}

/// An element declaration (global or local).
#[derive(Debug, Clone)]
pub struct ElementDecl {
    /// The name on the wire.
    pub name: QName,
    /// `None`: no `type` and no inline type, which XSD defines as `xs:anyType`.
    pub ty: Option<TypeRef>,
    pub occurs: Occurs,
    pub nillable: bool,
    pub doc: Option<String>,
    pub loc: Loc,
    /// A global element's `substitutionGroup` head: it may stand wherever the head may.
    pub substitution_group: Option<Box<QName>>,
    /// `abstract="true"`: only members of its substitution group appear in documents.
    pub is_abstract: bool,
}

/// A simple or complex type definition.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// `None` for an anonymous type.
    pub name: Option<QName>,
    pub kind: TypeKind,
    pub doc: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Simple(SimpleDef),
    Complex(ComplexDef),
}

#[derive(Debug, Clone)]
pub enum SimpleDef {
    /// A restriction; `enumeration` lists the allowed values (empty: no enumeration facet).
    Restriction {
        base: TypeRef,
        enumeration: Vec<String>,
    },
    /// Unions and lists keep their lexical form (a string).
    Union,
    List,
}

#[derive(Debug, Clone)]
pub struct ComplexDef {
    pub is_abstract: bool,
    pub mixed: bool,
    pub content: Content,
    pub attributes: Vec<AttrItem>,
}

/// How a complex type relates to a base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    Extension,
    Restriction,
}

#[derive(Debug, Clone)]
pub enum Content {
    /// Element-only (or empty) content, possibly derived from a complex base.
    Elements {
        base: Option<(QName, Derivation, Loc)>,
        particle: Option<Particle>,
    },
    /// Simple content: text of type `base` (a simple type, or a complex type with simple
    /// content whose attributes are inherited).
    Simple {
        base: TypeRef,
        derivation: Derivation,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositor {
    Sequence,
    Choice,
    All,
}

#[derive(Debug, Clone)]
pub enum Particle {
    Element(ElementDecl),
    ElementRef(QName, Occurs, Loc),
    Group {
        compositor: Compositor,
        occurs: Occurs,
        items: Vec<Particle>,
        loc: Loc,
    },
    GroupRef(QName, Occurs, Loc),
    /// `xs:any`; `namespace` is the attribute as written (`##any`, `##other`, URIs).
    Any {
        occurs: Occurs,
        namespace: String,
        loc: Loc,
    },
}

impl Particle {
    pub fn occurs(&self) -> Occurs {
        match self {
            Particle::Element(e) => e.occurs,
            Particle::ElementRef(_, o, _)
            | Particle::GroupRef(_, o, _)
            | Particle::Group { occurs: o, .. }
            | Particle::Any { occurs: o, .. } => *o,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AttrDecl {
    pub name: QName,
    pub ty: Option<TypeRef>,
    pub required: bool,
    pub prohibited: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum AttrItem {
    Attr(AttrDecl),
    Ref {
        name: QName,
        required: bool,
        prohibited: bool,
        loc: Loc,
    },
    GroupRef(QName, Loc),
    AnyAttribute,
}

/// An `xs:import` or `xs:include`.
#[derive(Debug, Clone)]
pub struct Import {
    /// `xs:include`: the included schema is in the includer's namespace (a schema without
    /// `targetNamespace` takes it: a chameleon include).
    pub include: bool,
    pub namespace: Option<String>,
    pub location: Option<String>,
    pub loc: Loc,
}

/// An `xs:redefine`: the schema at `location` is included, and these definitions replace its
/// definitions of the same names; a reference to its own name inside one (the base of a
/// redefined type, a group or attribute group referring to itself) is to the original.
#[derive(Debug, Clone)]
pub struct Redefine {
    pub location: String,
    pub loc: Loc,
    pub types: Vec<TypeDef>,
    pub groups: Vec<(QName, Particle, Loc)>,
    pub attribute_groups: Vec<(QName, Vec<AttrItem>, Loc)>,
}

/// One `xs:schema` element: a file, or a schema inside a WSDL's `types`.
#[derive(Debug, Clone)]
pub struct SchemaDoc {
    pub loc: Loc,
    pub target_ns: String,
    pub elements: Vec<ElementDecl>,
    pub types: Vec<TypeDef>,
    pub groups: Vec<(QName, Particle, Loc)>,
    pub attribute_groups: Vec<(QName, Vec<AttrItem>, Loc)>,
    pub attributes: Vec<AttrDecl>,
    pub imports: Vec<Import>,
    pub redefines: Vec<Redefine>,
}
