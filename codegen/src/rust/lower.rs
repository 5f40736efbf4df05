//! From a [`SchemaSet`] to the items of one generated module.
//!
//! XSD semantics decided here: extension appends the derived particles to the base's (the base's
//! members are reused, not re-derived), restriction restates the content and inherits the
//! attributes, a sequence that occurs once is flattened into its parent, optional or repeated
//! sequences and every choice become items of their own, model-group references are expanded
//! (a group that contains itself is an error), and directly self-containing types are boxed.

use std::collections::{BTreeMap, BTreeSet};

use super::ir::*;
use crate::error::{Error, Result};
use crate::names::{self, Scope};
use crate::xsd::model::*;
use crate::xsd::SchemaSet;

/// The Rust type of an XSD built-in simple type, `None` for an unknown name.
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "string" | "normalizedString" | "token" | "language" | "Name" | "NCName" | "NMTOKEN"
        | "NMTOKENS" | "ID" | "IDREF" | "IDREFS" | "ENTITY" | "ENTITIES" | "anyURI" | "QName"
        | "NOTATION" | "anySimpleType" => "String",
        "boolean" => "bool",
        "decimal" => "rt::Decimal",
        "integer" | "nonNegativeInteger" | "positiveInteger" | "nonPositiveInteger"
        | "negativeInteger" => "rt::Integer",
        "long" => "i64",
        "int" => "i32",
        "short" => "i16",
        "byte" => "i8",
        "unsignedLong" => "u64",
        "unsignedInt" => "u32",
        "unsignedShort" => "u16",
        "unsignedByte" => "u8",
        "double" => "rt::Double",
        "float" => "rt::Float",
        "date" => "rt::Date",
        "dateTime" => "rt::DateTime",
        "time" => "rt::Time",
        "duration" => "rt::Duration",
        "gYear" => "rt::GYear",
        "gYearMonth" => "rt::GYearMonth",
        "gMonth" => "rt::GMonth",
        "gMonthDay" => "rt::GMonthDay",
        "gDay" => "rt::GDay",
        "base64Binary" => "rt::Base64Binary",
        "hexBinary" => "rt::HexBinary",
        _ => return None,
    })
}

/// Lowers every named type and global element of `set`.
pub fn lower(set: &SchemaSet) -> Result<Module> {
    let mut l = Lowerer {
        set,
        module: Module::default(),
        type_names: Scope::with_reserved(&["rt", "Option", "Vec", "String", "Box", "Result"]),
        complex: BTreeMap::new(),
        simple: BTreeMap::new(),
        filling: BTreeSet::new(),
        globals: BTreeMap::new(),
        deferred: vec![],
        in_substitution: vec![],
    };
    l.module.notes.extend(set.duplicates.iter().cloned());
    l.module.notes.extend(set.notes.iter().cloned());
    for doc in &set.docs {
        for t in &doc.types {
            let Some(q) = &t.name else { continue };
            // A duplicate definition is skipped here; the set kept the first one.
            if !set.types.get(q).is_some_and(|k| k.loc == t.loc) {
                continue;
            }
            match &t.kind {
                TypeKind::Complex(c) if kept_raw(c) => {
                    l.module.notes.push(format!(
                        "{}: mixed content: {q} is kept as raw XML (rt::Element)",
                        t.loc
                    ));
                }
                TypeKind::Complex(_) => {
                    l.complex_named(q, &t.loc)?;
                }
                TypeKind::Simple(_) => {
                    l.simple_named(q, &t.loc)?;
                }
            }
        }
    }
    let mut consts = Scope::default();
    for doc in &set.docs {
        for e in &doc.elements {
            if !set.elements.get(&e.name).is_some_and(|k| k.loc == e.loc) {
                continue;
            }
            let value = l.global_value(e)?;
            l.module.roots.push(Root {
                konst: consts.unique(names::const_name(&e.name.name)),
                ns: e.name.ns.clone(),
                name: e.name.name.clone(),
                value,
                doc: e.doc.clone(),
                imported: set.is_imported(&e.loc.file),
            });
        }
    }
    if let Some(d) = l.deferred.first() {
        // Every base in `filling` is finished before lowering returns; a derived type still
        // waiting is a bug here, not in the schema.
        return Err(Error::Invalid {
            loc: d.loc.clone(),
            message: format!("type derived from {} was never lowered", d.base),
        });
    }
    mark_boxes(&mut l.module);
    // xsi:type polymorphism: every named complex type with derived types in the set.
    let mut direct: BTreeMap<&QName, Vec<&QName>> = BTreeMap::new();
    for (q, t) in &set.types {
        if let TypeKind::Complex(c) = &t.kind {
            if let Some((b, _)) = named_base(c) {
                direct.entry(b).or_default().push(q);
            }
        }
    }
    for (q, &item) in &l.complex {
        let mut all: BTreeSet<&QName> = BTreeSet::new();
        let mut todo: Vec<&QName> = direct.get(q).cloned().unwrap_or_default();
        while let Some(d) = todo.pop() {
            if d != q && all.insert(d) {
                todo.extend(direct.get(d).into_iter().flatten());
            }
        }
        if !all.is_empty() {
            let list = all
                .into_iter()
                .map(|d| (d.ns.clone(), d.name.clone()))
                .collect();
            l.module.derived.insert(item, (q.name.clone(), list));
        }
    }
    Ok(l.module)
}

struct Lowerer<'s> {
    set: &'s SchemaSet,
    module: Module,
    type_names: Scope,
    complex: BTreeMap<QName, usize>,
    simple: BTreeMap<QName, String>,
    /// Named types being lowered: meeting one again through a base is a derivation cycle.
    filling: BTreeSet<QName>,
    globals: BTreeMap<QName, Value>,
    /// Complex types derived from a base that was still being lowered when they were met (the
    /// base's content refers to them: not a cycle), lowered when the base is finished.
    deferred: Vec<Deferred>,
    /// The heads and members of the substitution groups being lowered as a choice: a reference
    /// to one of them inside that choice is the element itself.
    in_substitution: Vec<QName>,
}

/// A complex type whose item exists but whose content waits for its base.
struct Deferred {
    item: usize,
    base: QName,
    def: ComplexDef,
    tns: String,
    loc: Loc,
}

/// Where a generated item comes from, for its doc comment: the schema's folder and file name
/// and the line, not the absolute path, so generated code does not depend on where it was
/// built.
fn origin(q: Option<&QName>, loc: &Loc) -> String {
    let parts: Vec<String> = loc
        .file
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let file = parts.into_iter().rev().collect::<Vec<_>>().join("/");
    let at = format!("{file}:{}", loc.line);
    match q {
        Some(q) => format!("`{q}` ({at})"),
        None => format!("anonymous type ({at})"),
    }
}

impl<'s> Lowerer<'s> {
    fn new_item(&mut self, base: &str, doc: Option<String>, origin: String) -> usize {
        let name = self.type_names.unique(names::type_name(base));
        self.module.items.push(Item {
            name,
            doc,
            origin,
            kind: ItemKind::Alias {
                target: String::new(),
            },
        });
        self.module.items.len() - 1
    }

    fn named_value(&mut self, q: &QName, loc: &Loc) -> Result<Value> {
        if q.ns == XS {
            if q.name == "anyType" {
                return Ok(Value::Raw);
            }
            return builtin(&q.name)
                .map(|t| Value::Simple(t.to_string()))
                .ok_or_else(|| Error::UnknownType {
                    loc: loc.clone(),
                    name: q.clone(),
                });
        }
        match self.set.types.get(q).map(|t| &t.kind) {
            Some(TypeKind::Complex(c)) if kept_raw(c) => Ok(Value::Raw),
            Some(TypeKind::Complex(_)) => self.complex_named(q, loc).map(Value::Complex),
            Some(TypeKind::Simple(_)) => self.simple_named(q, loc).map(Value::Simple),
            None => Err(Error::UnknownType {
                loc: loc.clone(),
                name: q.clone(),
            }),
        }
    }

    fn simple_named(&mut self, q: &QName, loc: &Loc) -> Result<String> {
        if let Some(p) = self.simple.get(q) {
            return Ok(p.clone());
        }
        let Some(def) = self.set.types.get(q) else {
            return Err(Error::UnknownType {
                loc: loc.clone(),
                name: q.clone(),
            });
        };
        let TypeKind::Simple(s) = &def.kind else {
            return Err(Error::Invalid {
                loc: loc.clone(),
                message: format!("{q} is a complex type where a simple type is required"),
            });
        };
        if !self.filling.insert(q.clone()) {
            return Err(Error::CyclicDerivation {
                loc: def.loc.clone(),
                name: q.clone(),
            });
        }
        let idx = self.new_item(&q.name, def.doc.clone(), origin(Some(q), &def.loc));
        let name = self.module.items[idx].name.clone();
        // Registered before the base is resolved so a later reference finds it.
        let kind = self.simple_kind(s, &name)?;
        self.module.items[idx].kind = kind;
        self.filling.remove(q);
        self.simple.insert(q.clone(), name.clone());
        Ok(name)
    }

    fn simple_kind(&mut self, s: &SimpleDef, ctx: &str) -> Result<ItemKind> {
        Ok(match s {
            SimpleDef::Restriction { enumeration, .. } if !enumeration.is_empty() => {
                let mut scope = Scope::default();
                let mut seen = BTreeSet::new();
                ItemKind::Enum {
                    values: enumeration
                        .iter()
                        .filter(|v| seen.insert(v.as_str()))
                        .map(|v| {
                            let base = if v.trim().is_empty() { "Empty" } else { v };
                            (scope.unique(names::type_name(base)), v.clone())
                        })
                        .collect(),
                }
            }
            SimpleDef::Restriction { base, .. } => ItemKind::Alias {
                target: self.simple_ref(base, ctx)?,
            },
            SimpleDef::Union | SimpleDef::List => ItemKind::Alias {
                target: "String".into(),
            },
        })
    }

    /// The Rust type of a simple type reference; an anonymous enumeration becomes an item named
    /// after its context.
    fn simple_ref(&mut self, r: &TypeRef, ctx: &str) -> Result<String> {
        match r {
            TypeRef::Named(q, loc) => match self.named_value(q, loc)? {
                Value::Simple(p) => Ok(p),
                _ => Err(Error::Invalid {
                    loc: loc.clone(),
                    message: format!("{q} is not a simple type"),
                }),
            },
            TypeRef::Inline(def) => match &def.kind {
                TypeKind::Simple(s @ SimpleDef::Restriction { enumeration, .. })
                    if !enumeration.is_empty() =>
                {
                    let idx = self.new_item(ctx, def.doc.clone(), origin(None, &def.loc));
                    let name = self.module.items[idx].name.clone();
                    self.module.items[idx].kind = self.simple_kind(s, &name)?;
                    Ok(name)
                }
                TypeKind::Simple(SimpleDef::Restriction { base, .. }) => self.simple_ref(base, ctx),
                TypeKind::Simple(_) => Ok("String".into()),
                TypeKind::Complex(_) => Err(Error::Invalid {
                    loc: def.loc.clone(),
                    message: "a complex type where a simple type is required".into(),
                }),
            },
        }
    }

    fn complex_named(&mut self, q: &QName, loc: &Loc) -> Result<usize> {
        if let Some(&i) = self.complex.get(q) {
            return Ok(i);
        }
        let Some(def) = self.set.types.get(q) else {
            return Err(Error::UnknownType {
                loc: loc.clone(),
                name: q.clone(),
            });
        };
        let TypeKind::Complex(c) = &def.kind else {
            return Err(Error::Invalid {
                loc: loc.clone(),
                message: format!("{q} is a simple type where a complex type is required"),
            });
        };
        let idx = self.new_item(&q.name, def.doc.clone(), origin(Some(q), &def.loc));
        self.complex.insert(q.clone(), idx);
        self.filling.insert(q.clone());
        self.complex_item(idx, c, &q.ns, &def.loc)?;
        self.filling.remove(q);
        self.finish_deferred(q)?;
        Ok(idx)
    }

    /// Fills item `idx` with the complex type `c`, or defers it while its base is still being
    /// lowered. Only a base chain that comes back to itself is a derivation cycle; a base being
    /// lowered because its own content refers to the derived type (WS-Policy's `Operator` and
    /// `All`) is not one.
    fn complex_item(&mut self, idx: usize, c: &ComplexDef, tns: &str, loc: &Loc) -> Result<()> {
        if let Some((base, bloc)) = named_base(c) {
            if self.filling.contains(base) {
                if let Some(name) = self.derivation_cycle(base) {
                    return Err(Error::CyclicDerivation {
                        loc: bloc.clone(),
                        name,
                    });
                }
                self.deferred.push(Deferred {
                    item: idx,
                    base: base.clone(),
                    def: c.clone(),
                    tns: tns.to_string(),
                    loc: loc.clone(),
                });
                return Ok(());
            }
        }
        let name = self.module.items[idx].name.clone();
        let kind = self.complex_kind(c, &name, tns)?;
        self.module.items[idx].kind = kind;
        Ok(())
    }

    /// Lowers the types that waited for the base `q`, now finished.
    fn finish_deferred(&mut self, q: &QName) -> Result<()> {
        let (ready, waiting): (Vec<Deferred>, Vec<Deferred>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|d| d.base == *q);
        self.deferred = waiting;
        for d in ready {
            self.complex_item(d.item, &d.def, &d.tns, &d.loc)?;
        }
        Ok(())
    }

    /// The first type met twice following base types from `start`, if the chain loops.
    fn derivation_cycle(&self, start: &QName) -> Option<QName> {
        let mut seen = BTreeSet::new();
        let mut current = start.clone();
        loop {
            if !seen.insert(current.clone()) {
                return Some(current);
            }
            let def = self.set.types.get(&current)?;
            let TypeKind::Complex(c) = &def.kind else {
                return None;
            };
            current = named_base(c)?.0.clone();
        }
    }

    /// The lowered base of a derivation: its attributes and body. A base still being lowered
    /// means the type derives from itself.
    fn base_parts(&mut self, q: &QName, loc: &Loc) -> Result<Option<(Vec<AttrMember>, Body)>> {
        if q.ns == XS && q.name == "anyType" {
            return Ok(None);
        }
        if self.filling.contains(q) {
            return Err(Error::CyclicDerivation {
                loc: loc.clone(),
                name: q.clone(),
            });
        }
        match self.named_value(q, loc)? {
            Value::Complex(i) => match &self.module.items[i].kind {
                ItemKind::Struct { attrs, body } => Ok(Some((attrs.clone(), body.clone()))),
                _ => Ok(None),
            },
            Value::Simple(p) => Ok(Some((vec![], Body::Text(p)))),
            Value::Raw => Ok(None),
        }
    }

    fn complex_kind(&mut self, c: &ComplexDef, ctx: &str, tns: &str) -> Result<ItemKind> {
        let mut scope = Scope::default();
        let mut attrs = vec![];
        let body = match &c.content {
            Content::Elements { base, particle } => {
                let mut members = vec![];
                if let Some((b, derivation, bloc)) = base {
                    if let Some((battrs, bbody)) = self.base_parts(b, bloc)? {
                        attrs = battrs;
                        if let (Derivation::Extension, Body::Elements(m)) = (derivation, bbody) {
                            members = m;
                        }
                    }
                }
                for a in &attrs {
                    scope.unique(a.field.clone());
                }
                for m in &members {
                    scope.unique(member_field(m).to_string());
                }
                if let Some(p) = particle {
                    let mut stack = vec![];
                    self.particle(p, ctx, tns, &mut scope, &mut members, &mut stack)?;
                }
                Body::Elements(members)
            }
            Content::Simple { base, .. } => {
                let text = match base {
                    TypeRef::Named(q, bloc) => match self.base_parts(q, bloc)? {
                        Some((battrs, Body::Text(t))) => {
                            attrs = battrs;
                            t
                        }
                        Some((_, Body::Elements(_))) => {
                            return Err(Error::Invalid {
                                loc: bloc.clone(),
                                message: format!(
                                    "simple content derived from {q}, which has element content"
                                ),
                            })
                        }
                        None => "String".into(),
                    },
                    TypeRef::Inline(_) => self.simple_ref(base, &format!("{ctx}Value"))?,
                };
                for a in &attrs {
                    scope.unique(a.field.clone());
                }
                Body::Text(text)
            }
        };
        let mut stack = vec![];
        self.attributes(&c.attributes, ctx, &mut scope, &mut attrs, &mut stack)?;
        Ok(ItemKind::Struct { attrs, body })
    }

    fn attributes(
        &mut self,
        items: &[AttrItem],
        ctx: &str,
        scope: &mut Scope,
        out: &mut Vec<AttrMember>,
        stack: &mut Vec<QName>,
    ) -> Result<()> {
        for item in items {
            match item {
                AttrItem::Attr(a) => {
                    if a.prohibited {
                        out.retain(|m| !(m.ns == a.name.ns && m.name == a.name.name));
                        continue;
                    }
                    let ty = match &a.ty {
                        Some(t) => {
                            self.simple_ref(t, &format!("{ctx}{}", names::type_name(&a.name.name)))?
                        }
                        None => "String".into(),
                    };
                    put_attr(out, scope, &a.name, ty, a.required);
                }
                AttrItem::Ref {
                    name,
                    required,
                    prohibited,
                    loc,
                } => {
                    if *prohibited {
                        out.retain(|m| !(m.ns == name.ns && m.name == name.name));
                        continue;
                    }
                    let ty = if name.ns == XML_NS {
                        "String".to_string()
                    } else {
                        let Some(decl) = self.set.attributes.get(name) else {
                            return Err(Error::UnknownAttribute {
                                loc: loc.clone(),
                                name: name.clone(),
                            });
                        };
                        match &decl.ty {
                            Some(t) => self
                                .simple_ref(t, &format!("{ctx}{}", names::type_name(&name.name)))?,
                            None => "String".into(),
                        }
                    };
                    put_attr(out, scope, name, ty, *required);
                }
                AttrItem::GroupRef(q, loc) => {
                    if stack.contains(q) {
                        return Err(Error::CyclicGroup {
                            loc: loc.clone(),
                            name: q.clone(),
                            chain: chain(stack, q),
                        });
                    }
                    let Some((group, _)) = self.set.attribute_groups.get(q) else {
                        return Err(Error::UnknownAttribute {
                            loc: loc.clone(),
                            name: q.clone(),
                        });
                    };
                    stack.push(q.clone());
                    self.attributes(group, ctx, scope, out, stack)?;
                    stack.pop();
                }
                AttrItem::AnyAttribute => {}
            }
        }
        Ok(())
    }

    /// The value of an element declaration; an anonymous complex type becomes an item named
    /// `ctx` + the element name.
    fn element_value(&mut self, e: &ElementDecl, ctx: &str, tns: &str) -> Result<Value> {
        match &e.ty {
            None => Ok(Value::Raw),
            Some(TypeRef::Named(q, loc)) => self.named_value(q, loc),
            Some(TypeRef::Inline(def)) => match &def.kind {
                TypeKind::Simple(_) => {
                    let name = format!("{ctx}{}", names::type_name(&e.name.name));
                    self.simple_ref(&TypeRef::Inline(def.clone()), &name)
                        .map(Value::Simple)
                }
                TypeKind::Complex(c) if kept_raw(c) => {
                    self.module.notes.push(format!(
                        "{}: mixed content: element {} is kept as raw XML (rt::Element)",
                        def.loc, e.name
                    ));
                    Ok(Value::Raw)
                }
                TypeKind::Complex(c) => {
                    let base = format!("{ctx}{}", names::type_name(&e.name.name));
                    let doc = def.doc.clone().or_else(|| e.doc.clone());
                    let idx = self.new_item(&base, doc, origin(None, &def.loc));
                    self.complex_item(idx, c, tns, &def.loc)?;
                    Ok(Value::Complex(idx))
                }
            },
        }
    }

    fn global_value(&mut self, e: &ElementDecl) -> Result<Value> {
        if let Some(v) = self.globals.get(&e.name) {
            return Ok(v.clone());
        }
        let v = self.element_value(e, "", &e.name.ns.clone())?;
        self.globals.insert(e.name.clone(), v.clone());
        Ok(v)
    }

    fn element_member(
        &mut self,
        e: &ElementDecl,
        occurs: Occurs,
        value: Value,
        scope: &mut Scope,
    ) -> ElementMember {
        ElementMember {
            field: scope.unique(names::field_name(&e.name.name)),
            ns: e.name.ns.clone(),
            name: e.name.name.clone(),
            value,
            card: Card::from_occurs(occurs),
            nillable: e.nillable,
            boxed: false,
            doc: e.doc.clone(),
        }
    }

    fn global_element(&self, q: &QName, loc: &Loc) -> Result<&'s ElementDecl> {
        self.set
            .elements
            .get(q)
            .ok_or_else(|| Error::UnknownElement {
                loc: loc.clone(),
                name: q.clone(),
            })
    }

    fn group_def(&self, q: &QName, loc: &Loc, stack: &[QName]) -> Result<&'s Particle> {
        if stack.contains(q) {
            return Err(Error::CyclicGroup {
                loc: loc.clone(),
                name: q.clone(),
                chain: chain(stack, q),
            });
        }
        self.set
            .groups
            .get(q)
            .map(|(p, _)| p)
            .ok_or_else(|| Error::UnknownGroup {
                loc: loc.clone(),
                name: q.clone(),
            })
    }

    /// Lowers particle `p` into `out`, the members of a struct or sequence named `ctx`.
    fn particle(
        &mut self,
        p: &Particle,
        ctx: &str,
        tns: &str,
        scope: &mut Scope,
        out: &mut Vec<Member>,
        stack: &mut Vec<QName>,
    ) -> Result<()> {
        match p {
            Particle::Element(e) => {
                let v = self.element_value(e, ctx, tns)?;
                let m = self.element_member(e, e.occurs, v, scope);
                out.push(Member::Element(m));
            }
            Particle::ElementRef(q, occurs, loc) if self.has_substitutes(q) => {
                // The head or any member of its substitution group: a choice of their refs.
                let (choice, names) = self.substitution_choice(q, *occurs, loc);
                let depth = self.in_substitution.len();
                self.in_substitution.extend(names);
                let r = self.particle(&choice, ctx, tns, scope, out, stack);
                self.in_substitution.truncate(depth);
                r?;
            }
            Particle::ElementRef(q, occurs, loc) => {
                self.module
                    .referenced
                    .insert((q.ns.clone(), q.name.clone()));
                let e = self.global_element(q, loc)?;
                let v = self.global_value(e)?;
                let m = self.element_member(e, *occurs, v, scope);
                out.push(Member::Element(m));
            }
            Particle::GroupRef(q, occurs, loc) => {
                let def = self.group_def(q, loc, stack)?;
                stack.push(q.clone());
                let r = if *occurs == Occurs::ONE {
                    self.particle(def, ctx, tns, scope, out, stack)
                } else {
                    let wrapped = with_occurs(def, *occurs);
                    self.particle(&wrapped, ctx, tns, scope, out, stack)
                };
                stack.pop();
                r?;
            }
            Particle::Any {
                occurs, namespace, ..
            } => out.push(Member::Any {
                field: scope.unique(if occurs.repeats() {
                    "any".into()
                } else {
                    "any_element".into()
                }),
                card: Card::from_occurs(*occurs),
                namespace: namespace.clone(),
                target: tns.to_string(),
            }),
            Particle::Group {
                compositor: Compositor::Sequence,
                occurs,
                items,
                ..
            } => {
                if *occurs == Occurs::ONE {
                    for i in items {
                        self.particle(i, ctx, tns, scope, out, stack)?;
                    }
                } else {
                    let idx = self.new_item(
                        &format!("{ctx}Sequence"),
                        None,
                        format!("sequence in {ctx}"),
                    );
                    let name = self.module.items[idx].name.clone();
                    let mut inner = Scope::default();
                    let mut members = vec![];
                    for i in items {
                        self.particle(i, &name, tns, &mut inner, &mut members, stack)?;
                    }
                    self.module.items[idx].kind = ItemKind::Sequence { members };
                    out.push(Member::Group {
                        field: scope.unique(names::field_name(&name[ctx.len().min(name.len())..])),
                        item: idx,
                        card: Card::from_occurs(*occurs),
                        boxed: false,
                    });
                }
            }
            Particle::Group {
                compositor: Compositor::Choice,
                occurs,
                items,
                ..
            } => {
                let idx = self.new_item(&format!("{ctx}Choice"), None, format!("choice in {ctx}"));
                let name = self.module.items[idx].name.clone();
                let mut variants = vec![];
                let mut vscope = Scope::default();
                for i in items {
                    variants.push(self.variant(i, &name, tns, &mut vscope, stack)?);
                }
                self.module.items[idx].kind = ItemKind::Choice { variants };
                out.push(Member::Group {
                    field: scope.unique(names::field_name(&name[ctx.len().min(name.len())..])),
                    item: idx,
                    card: Card::from_occurs(*occurs),
                    boxed: false,
                });
            }
            Particle::Group {
                compositor: Compositor::All,
                items,
                ..
            } => {
                for i in items {
                    let mut tmp = vec![];
                    self.particle(i, ctx, tns, scope, &mut tmp, stack)?;
                    for m in tmp {
                        out.push(match m {
                            Member::Element(e) => Member::AllElement(e),
                            other => other,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether some global element names `q` as its substitution group head (and `q` is not
    /// already one of the alternatives being lowered).
    fn has_substitutes(&self, q: &QName) -> bool {
        !self.in_substitution.contains(q)
            && self
                .set
                .elements
                .values()
                .any(|e| e.substitution_group.as_deref() == Some(q))
    }

    /// A reference to head `q` as a choice of the head (unless abstract) and every element of
    /// its substitution group, members of members included, each once.
    fn substitution_choice(&self, q: &QName, occurs: Occurs, loc: &Loc) -> (Particle, Vec<QName>) {
        let mut names = vec![q.clone()];
        let mut i = 0;
        while i < names.len() {
            let head = names[i].clone();
            for e in self.set.elements.values() {
                if e.substitution_group.as_deref() == Some(&head) && !names.contains(&e.name) {
                    names.push(e.name.clone());
                }
            }
            i += 1;
        }
        let items = names
            .iter()
            .filter(|n| !self.set.elements.get(*n).is_some_and(|e| e.is_abstract))
            .map(|n| Particle::ElementRef(n.clone(), Occurs::ONE, loc.clone()))
            .collect();
        let choice = Particle::Group {
            compositor: Compositor::Choice,
            occurs,
            items,
            loc: loc.clone(),
        };
        (choice, names)
    }

    fn variant(
        &mut self,
        p: &Particle,
        ctx: &str,
        tns: &str,
        vscope: &mut Scope,
        stack: &mut Vec<QName>,
    ) -> Result<Variant> {
        if let Particle::ElementRef(q, occurs, loc) = p {
            if self.has_substitutes(q) {
                let (choice, names) = self.substitution_choice(q, *occurs, loc);
                let depth = self.in_substitution.len();
                self.in_substitution.extend(names);
                let r = self.variant(&choice, ctx, tns, vscope, stack);
                self.in_substitution.truncate(depth);
                return r;
            }
        }
        let element = match p {
            Particle::Element(e) => Some((e, p.occurs())),
            Particle::ElementRef(q, occurs, loc) => {
                self.module
                    .referenced
                    .insert((q.ns.clone(), q.name.clone()));
                Some((self.global_element(q, loc)?, *occurs))
            }
            _ => None,
        };
        if let Some((e, occurs)) = element {
            let v = match p {
                Particle::ElementRef(..) => self.global_value(e)?,
                _ => self.element_value(e, ctx, tns)?,
            };
            let mut m = self.element_member(e, occurs, v, &mut Scope::default());
            if m.card == Card::Opt {
                m.card = Card::One;
            }
            return Ok(Variant::Element {
                name: vscope.unique(names::type_name(&e.name.name)),
                member: m,
            });
        }
        // Anything else is a sequence of its own (a nested choice becomes its single member).
        let idx = self.new_item(
            &format!("{ctx}Option"),
            None,
            format!("alternative in {ctx}"),
        );
        let name = self.module.items[idx].name.clone();
        let mut members = vec![];
        let once = with_occurs(p, Occurs::ONE);
        self.particle(
            &once,
            &name,
            tns,
            &mut Scope::default(),
            &mut members,
            stack,
        )?;
        self.module.items[idx].kind = ItemKind::Sequence { members };
        Ok(Variant::Group {
            name: vscope.unique(name[ctx.len().min(name.len())..].to_string()),
            item: idx,
        })
    }
}

/// Adds attribute `name` to `out`, or replaces the use of the same attribute already there (an
/// inherited one restated by a restriction, or met again through a group) in place and under
/// the same field: one field per attribute, so the writer writes each attribute once.
fn put_attr(
    out: &mut Vec<AttrMember>,
    scope: &mut Scope,
    name: &QName,
    ty: String,
    required: bool,
) {
    if let Some(m) = out
        .iter_mut()
        .find(|m| m.ns == name.ns && m.name == name.name)
    {
        m.ty = ty;
        m.required = required;
        return;
    }
    out.push(AttrMember {
        field: scope.unique(names::field_name(&name.name)),
        ns: name.ns.clone(),
        name: name.name.clone(),
        ty,
        required,
    });
}

/// Mixed content (text between child elements) is kept whole: the element is an `rt::Element`
/// (its attributes, text and children as read, written back unchanged), so nothing valid is
/// refused or lost. A type that is only declared mixed but has no element content is the
/// same. Types derived from a mixed type by extension are mixed too (XSD requires it).
fn kept_raw(c: &ComplexDef) -> bool {
    c.mixed && matches!(c.content, Content::Elements { .. })
}

/// The named base type of a complex type, if it derives from one.
fn named_base(c: &ComplexDef) -> Option<(&QName, &Loc)> {
    match &c.content {
        Content::Elements {
            base: Some((q, _, loc)),
            ..
        }
        | Content::Simple {
            base: TypeRef::Named(q, loc),
            ..
        } => Some((q, loc)),
        _ => None,
    }
}

fn member_field(m: &Member) -> &str {
    match m {
        Member::Element(e) | Member::AllElement(e) => &e.field,
        Member::Group { field, .. } | Member::Any { field, .. } => field,
    }
}

fn with_occurs(p: &Particle, occurs: Occurs) -> Particle {
    let mut p = p.clone();
    match &mut p {
        Particle::Element(e) => e.occurs = occurs,
        Particle::ElementRef(_, o, _)
        | Particle::GroupRef(_, o, _)
        | Particle::Group { occurs: o, .. }
        | Particle::Any { occurs: o, .. } => *o = occurs,
    }
    p
}

fn chain(stack: &[QName], q: &QName) -> String {
    stack
        .iter()
        .chain(std::iter::once(q))
        .map(|q| q.name.clone())
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// The items an item contains directly (not through a `Vec`): those that make a cycle must be
/// boxed or the type would have infinite size.
fn direct_edges(item: &Item) -> Vec<usize> {
    fn of(m: &Member, out: &mut Vec<usize>) {
        match m {
            Member::Element(e) | Member::AllElement(e) => {
                if let (Value::Complex(i), false) = (&e.value, e.card == Card::Many) {
                    out.push(*i);
                }
            }
            Member::Group { item, card, .. } if *card != Card::Many => out.push(*item),
            _ => {}
        }
    }
    let mut out = vec![];
    match &item.kind {
        ItemKind::Struct {
            body: Body::Elements(ms),
            ..
        }
        | ItemKind::Sequence { members: ms } => ms.iter().for_each(|m| of(m, &mut out)),
        ItemKind::Choice { variants } => {
            for v in variants {
                match v {
                    Variant::Element { member, .. } => {
                        of(&Member::Element(member.clone()), &mut out)
                    }
                    Variant::Group { item, .. } => out.push(*item),
                }
            }
        }
        _ => {}
    }
    out
}

/// Strongly connected components (Kosaraju, iterative): an edge inside one is part of a cycle.
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut stack = vec![(s, 0usize)];
        while let Some((v, i)) = stack.pop() {
            if let Some(&w) = edges[v].get(i) {
                stack.push((v, i + 1));
                if !seen[w] {
                    seen[w] = true;
                    stack.push((w, 0));
                }
            } else {
                order.push(v);
            }
        }
    }
    let mut rev = vec![vec![]; n];
    for (v, es) in edges.iter().enumerate() {
        for &w in es {
            rev[w].push(v);
        }
    }
    let mut comp = vec![usize::MAX; n];
    for &s in order.iter().rev() {
        if comp[s] != usize::MAX {
            continue;
        }
        comp[s] = s;
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            for &w in &rev[v] {
                if comp[w] == usize::MAX {
                    comp[w] = s;
                    stack.push(w);
                }
            }
        }
    }
    comp
}

fn mark_boxes(module: &mut Module) {
    let edges: Vec<Vec<usize>> = module.items.iter().map(direct_edges).collect();
    let comp = components(&edges);
    let cyclic = |from: usize, to: usize| comp[from] == comp[to];
    for (idx, item) in module.items.iter_mut().enumerate() {
        let mark = |m: &mut Member| match m {
            Member::Element(e) | Member::AllElement(e) => {
                if let Value::Complex(i) = e.value {
                    e.boxed = e.card != Card::Many && cyclic(idx, i);
                }
            }
            Member::Group {
                item, card, boxed, ..
            } => *boxed = *card != Card::Many && cyclic(idx, *item),
            Member::Any { .. } => {}
        };
        match &mut item.kind {
            ItemKind::Struct {
                body: Body::Elements(ms),
                ..
            }
            | ItemKind::Sequence { members: ms } => ms.iter_mut().for_each(mark),
            ItemKind::Choice { variants } => {
                for v in variants {
                    if let Variant::Element { member, .. } = v {
                        if let Value::Complex(i) = member.value {
                            member.boxed = member.card != Card::Many && cyclic(idx, i);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
