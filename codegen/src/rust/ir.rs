//! The generated module before it is text: items with wire names and Rust names decided.
//! [`crate::fields`] walks this too, so the field-path table and the types cannot disagree.

/// How many times a member occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    One,
    Opt,
    Many,
}

impl Card {
    pub fn from_occurs(o: crate::xsd::model::Occurs) -> Card {
        if o.repeats() {
            Card::Many
        } else if o.min == 0 {
            Card::Opt
        } else {
            Card::One
        }
    }
}

/// The value of an element or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A simple type: a runtime/builtin type path (`rt::Date`, `i32`) or a generated enum/alias.
    Simple(String),
    /// A generated struct (index into [`Module::items`]).
    Complex(usize),
    /// `xs:anyType`: the element kept as-is.
    Raw,
}

#[derive(Debug, Clone)]
pub struct ElementMember {
    pub field: String,
    pub ns: String,
    pub name: String,
    pub value: Value,
    pub card: Card,
    pub nillable: bool,
    /// Boxed to break a cycle of directly contained types.
    pub boxed: bool,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Member {
    Element(ElementMember),
    /// A member of `xs:all`: found wherever it is among the children.
    AllElement(ElementMember),
    /// A sequence or choice that is optional or repeated (or any choice): its own item.
    Group {
        field: String,
        item: usize,
        card: Card,
        boxed: bool,
    },
    /// `xs:any`: elements kept as-is. `namespace` as written in the schema; `target` is the
    /// schema's target namespace (for `##other`/`##targetNamespace`).
    Any {
        field: String,
        card: Card,
        namespace: String,
        target: String,
    },
}

#[derive(Debug, Clone)]
pub struct AttrMember {
    pub field: String,
    pub ns: String,
    pub name: String,
    /// A simple type path.
    pub ty: String,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Element content in schema order.
    Elements(Vec<Member>),
    /// Simple content: text of a simple type.
    Text(String),
}

#[derive(Debug, Clone)]
pub enum Variant {
    /// One element (possibly repeated).
    Element { name: String, member: ElementMember },
    /// A sequence or nested choice (an item).
    Group { name: String, item: usize },
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    /// A complex type, or the content of a global element with an anonymous type.
    Struct { attrs: Vec<AttrMember>, body: Body },
    /// An optional or repeated `xs:sequence`, read from its parent's children.
    Sequence { members: Vec<Member> },
    /// An `xs:choice`.
    Choice { variants: Vec<Variant> },
    /// A simple type with an enumeration: `(variant, wire value)`.
    Enum { values: Vec<(String, String)> },
    /// A simple type without enumeration: another name for its base.
    Alias { target: String },
}

#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub doc: Option<String>,
    /// Where it comes from (`{ns}Type` at file:line), for the doc comment.
    pub origin: String,
    pub kind: ItemKind,
}

/// A global element: its wire name and Rust value type.
#[derive(Debug, Clone)]
pub struct Root {
    pub konst: String,
    pub ns: String,
    pub name: String,
    pub value: Value,
    pub doc: Option<String>,
    /// Declared in a schema read only because another imports it (not one of the files
    /// given, nor a WSDL's own schemas).
    pub imported: bool,
}

#[derive(Debug, Default)]
pub struct Module {
    pub items: Vec<Item>,
    pub roots: Vec<Root>,
    /// Non-fatal observations (duplicate definitions, ignored mixed content, …).
    pub notes: Vec<String>,
    /// Global elements (namespace, name) that some content refers to (`ref`): components of
    /// other documents rather than documents of their own.
    pub referenced: std::collections::BTreeSet<(String, String)>,
    /// Named complex types (items) that have types derived from them in the schema set: the
    /// type's local name and every derived type's (namespace, local name), transitively. An
    /// element of such a type is an `rt::Typed` (`xsi:type` polymorphism).
    pub derived: std::collections::BTreeMap<usize, (String, Vec<(String, String)>)>,
}
