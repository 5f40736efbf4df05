//! Rust source text for a lowered [`Module`].
//!
//! The output is formatted as rustfmt would (so snapshots read like hand-written code) and
//! refers to the runtime only through the alias `rt`.

use std::fmt::Write;

use super::ir::*;

/// Options that change the emitted text.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// The path of the runtime crate (`::regway_xml_runtime`).
    pub runtime: String,
    /// The type used in field-path tables; must have public `path`, `repeated` and `attribute`
    /// fields (the runtime's `Field`, or `::regway_adapter::Field`).
    pub field_type: String,
    /// A line saying where the module comes from (file names), for the header.
    pub source: String,
    /// Start with `#![allow(...)]` (a module file). Off for `include!` from `build.rs` output,
    /// where inner attributes are not allowed: the including `mod` carries the allow instead.
    pub inner_attributes: bool,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            runtime: "::regway_xml_runtime".into(),
            field_type: "rt::Field".into(),
            source: String::new(),
            inner_attributes: true,
        }
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn doc_lines(out: &mut String, indent: &str, doc: Option<&str>) {
    if let Some(d) = doc {
        let mut line = String::new();
        for word in d.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() > 90 {
                let _ = writeln!(out, "{indent}/// {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            // Doc text is Markdown: keep schema prose from opening code spans or links.
            line.push_str(&word.replace(['`', '[', ']'], "'"));
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// The reader of an element of a type with derived types (`xsi:type`), as a closure.
fn typed_reader(m: &Module, i: usize, then: &str) -> Option<String> {
    let (declared, derived) = m.derived.get(&i)?;
    let list: Vec<String> = derived
        .iter()
        .map(|(ns, n)| format!("({}, {})", lit(ns), lit(n)))
        .collect();
    Some(format!(
        "|e: &rt::Element| rt::read_typed::<{}>(e, {}, &[{}]){then}",
        m.items[i].name,
        lit(declared),
        list.join(", ")
    ))
}

/// The Rust type of one element value (before cardinality).
fn value_type(m: &Module, e: &ElementMember) -> String {
    let inner = match &e.value {
        Value::Simple(t) => t.clone(),
        Value::Complex(i) if m.derived.contains_key(i) => {
            format!("rt::Typed<{}>", m.items[*i].name)
        }
        Value::Complex(i) => m.items[*i].name.clone(),
        Value::Raw => "rt::Element".into(),
    };
    let inner = if e.boxed {
        format!("Box<{inner}>")
    } else {
        inner
    };
    if e.nillable {
        format!("rt::Nillable<{inner}>")
    } else {
        inner
    }
}

fn carded(card: Card, t: String) -> String {
    match card {
        Card::One => t,
        Card::Opt => format!("Option<{t}>"),
        Card::Many => format!("Vec<{t}>"),
    }
}

fn reader(m: &Module, e: &ElementMember) -> String {
    let r = match &e.value {
        Value::Simple(t) => format!("rt::read_simple::<{t}>"),
        Value::Complex(i) if m.derived.contains_key(i) => {
            let then = if e.boxed { ".map(Box::new)" } else { "" };
            typed_reader(m, *i, then).unwrap_or_default()
        }
        Value::Complex(i) if e.boxed => format!(
            "|e: &rt::Element| rt::read_complex::<{}>(e).map(Box::new)",
            m.items[*i].name
        ),
        Value::Complex(i) => format!("rt::read_complex::<{}>", m.items[*i].name),
        Value::Raw => "rt::read_raw".into(),
    };
    if e.nillable {
        format!("rt::nillable({r})")
    } else {
        r
    }
}

/// Statements writing the value `v` (a reference) of element member `e`.
fn write_one(m: &Module, e: &ElementMember, v: &str) -> String {
    let (ns, name) = (lit(&e.ns), lit(&e.name));
    let plain = |v: &str| match &e.value {
        Value::Simple(_) => format!("rt::write_simple_element(w, {ns}, {name}, {v});"),
        Value::Complex(i) if m.derived.contains_key(i) => format!(
            "rt::write_typed_element::<{}>(w, {ns}, {name}, {v});",
            m.items[*i].name
        ),
        Value::Complex(i) => format!(
            "rt::write_complex_element::<{}>(w, {ns}, {name}, {v});",
            m.items[*i].name
        ),
        Value::Raw => format!("rt::write_raw_element(w, {ns}, {name}, {v});"),
    };
    if e.nillable {
        format!(
            "match {v} {{ rt::Nillable::Nil => {{ w.open({ns}, {name}); w.nil(); w.close(); }} rt::Nillable::Value(v) => {{ {} }} }}",
            plain("v")
        )
    } else {
        plain(v)
    }
}

fn any_rule(namespace: &str, target: &str) -> String {
    match namespace.trim() {
        "##any" | "" => "|_: &str| true".into(),
        "##other" => format!("|ns: &str| ns != {} && !ns.is_empty()", lit(target)),
        list => {
            let alts: Vec<String> = list
                .split_whitespace()
                .map(|t| match t {
                    "##local" => lit(""),
                    "##targetNamespace" => lit(target),
                    uri => lit(uri),
                })
                .collect();
            format!("|ns: &str| matches!(ns, {})", alts.join(" | "))
        }
    }
}

/// The elements that can start `members` (`("*", "*")` for a wildcard).
fn first_of_members(m: &Module, members: &[Member], out: &mut Vec<(String, String)>) {
    for mem in members {
        let required = match mem {
            Member::Element(e) | Member::AllElement(e) => {
                out.push((e.ns.clone(), e.name.clone()));
                e.card == Card::One
            }
            Member::Group { item, card, .. } => {
                first_of_item(m, *item, out);
                *card == Card::One
            }
            Member::Any { card, .. } => {
                out.push(("*".into(), "*".into()));
                *card == Card::One
            }
        };
        if required {
            break;
        }
    }
}

fn first_of_item(m: &Module, item: usize, out: &mut Vec<(String, String)>) {
    match &m.items[item].kind {
        ItemKind::Sequence { members } => first_of_members(m, members, out),
        ItemKind::Choice { variants } => {
            for v in variants {
                match v {
                    Variant::Element { member, .. } => {
                        out.push((member.ns.clone(), member.name.clone()))
                    }
                    Variant::Group { item, .. } => first_of_item(m, *item, out),
                }
            }
        }
        _ => {}
    }
}

fn first_list(m: &Module, item: usize) -> String {
    let mut f = vec![];
    first_of_item(m, item, &mut f);
    f.dedup();
    let parts: Vec<String> = f
        .iter()
        .map(|(ns, n)| format!("({}, {})", lit(ns), lit(n)))
        .collect();
    format!("&[{}]", parts.join(", "))
}

fn member_type(m: &Module, mem: &Member) -> String {
    match mem {
        Member::Element(e) | Member::AllElement(e) => carded(e.card, value_type(m, e)),
        Member::Group {
            item, card, boxed, ..
        } => {
            let t = &m.items[*item].name;
            carded(
                *card,
                if *boxed {
                    format!("Box<{t}>")
                } else {
                    t.clone()
                },
            )
        }
        Member::Any { card, .. } => carded(*card, "rt::Element".into()),
    }
}

fn member_field(mem: &Member) -> &str {
    match mem {
        Member::Element(e) | Member::AllElement(e) => &e.field,
        Member::Group { field, .. } | Member::Any { field, .. } => field,
    }
}

/// The expression reading member `mem` from cursor `c` (element `el`).
fn member_read(m: &Module, mem: &Member) -> String {
    match mem {
        Member::Element(e) => {
            let f = match e.card {
                Card::One => "one",
                Card::Opt => "opt",
                Card::Many => "many",
            };
            format!("c.{f}({}, {}, {})?", lit(&e.ns), lit(&e.name), reader(m, e))
        }
        Member::AllElement(e) => {
            let take = format!(
                "c.take_anywhere({}, {}, {})?",
                lit(&e.ns),
                lit(&e.name),
                reader(m, e)
            );
            match e.card {
                Card::One => format!(
                    "{take}.ok_or_else(|| c.missing({}, {}))?",
                    lit(&e.ns),
                    lit(&e.name)
                ),
                Card::Opt => take,
                Card::Many => format!("{take}.into_iter().collect()"),
            }
        }
        Member::Group {
            item, card, boxed, ..
        } => {
            let t = &m.items[*item].name;
            let wrap = |x: String| if *boxed { format!("Box::new({x})") } else { x };
            match &m.items[*item].kind {
                ItemKind::Choice { .. } => {
                    let read = format!("{t}::read_content(el, c)?");
                    match card {
                        Card::One => wrap(format!(
                            "{read}.ok_or_else(|| c.missing(\"\", {}))?",
                            lit(&format!("one of the alternatives of {t}"))
                        )),
                        Card::Opt => {
                            if *boxed {
                                format!("{read}.map(Box::new)")
                            } else {
                                read
                            }
                        }
                        Card::Many => format!(
                            "{{ let mut v = Vec::new(); while let Some(x) = {read} {{ v.push(x); }} v }}"
                        ),
                    }
                }
                _ => {
                    let read = wrap(format!("{t}::read_content(el, c)?"));
                    let first = first_list(m, *item);
                    match card {
                        Card::One => read,
                        Card::Opt => format!(
                            "if c.peek_any({first}) {{ Some({read}) }} else {{ None }}"
                        ),
                        Card::Many => format!(
                            "{{ let mut v = Vec::new(); while c.peek_any({first}) {{ let p = c.position(); v.push({read}); if c.position() == p {{ break; }} }} v }}"
                        ),
                    }
                }
            }
        }
        Member::Any {
            card,
            namespace,
            target,
            ..
        } => {
            let rule = any_rule(namespace, target);
            match card {
                Card::One => {
                    format!("c.any({rule}).ok_or_else(|| c.missing(\"\", \"any element\"))?")
                }
                Card::Opt => format!("c.any({rule})"),
                Card::Many => format!("std::iter::from_fn(|| c.any({rule})).collect()"),
            }
        }
    }
}

/// Statements writing member `mem`, reachable as `expr`.
fn member_write(m: &Module, mem: &Member, expr: &str) -> String {
    match mem {
        Member::Element(e) | Member::AllElement(e) => match e.card {
            Card::One => write_one(m, e, &format!("&{expr}")),
            Card::Opt => format!("if let Some(v) = &{expr} {{ {} }}", write_one(m, e, "v")),
            Card::Many => format!("for v in &{expr} {{ {} }}", write_one(m, e, "v")),
        },
        Member::Group { card, .. } => match card {
            Card::One => format!("{expr}.write_content(w);"),
            Card::Opt => format!("if let Some(v) = &{expr} {{ v.write_content(w); }}"),
            Card::Many => format!("for v in &{expr} {{ v.write_content(w); }}"),
        },
        Member::Any { card, .. } => match card {
            Card::One => format!("w.raw(&{expr});"),
            Card::Opt => format!("if let Some(v) = &{expr} {{ w.raw(v); }}"),
            Card::Many => format!("for v in &{expr} {{ w.raw(v); }}"),
        },
    }
}

fn uses_el(members: &[Member]) -> bool {
    members
        .iter()
        .any(|mem| matches!(mem, Member::Group { .. }))
}

fn text_field(attrs: &[AttrMember]) -> String {
    let mut f = "value".to_string();
    while attrs.iter().any(|a| a.field == f) {
        f.push('_');
    }
    f
}

fn emit_item(out: &mut String, m: &Module, item: &Item) {
    let name = &item.name;
    doc_lines(out, "", item.doc.as_deref());
    if item.doc.is_some() {
        out.push_str("///\n");
    }
    let _ = writeln!(
        out,
        "/// Generated from {}.",
        item.origin.replace(['[', ']'], "'")
    );
    match &item.kind {
        ItemKind::Alias { target } => {
            let _ = writeln!(out, "pub type {name} = {target};\n");
        }
        ItemKind::Enum { values } => {
            let _ = writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
            let _ = writeln!(out, "pub enum {name} {{");
            for (v, wire) in values {
                let _ = writeln!(out, "    /// {}", lit(wire));
                let _ = writeln!(out, "    {v},");
            }
            out.push_str("}\n\n");
            let _ = writeln!(out, "impl {name} {{");
            out.push_str("    /// The value on the wire.\n");
            out.push_str(
                "    pub const fn as_str(&self) -> &'static str {\n        match self {\n",
            );
            for (v, wire) in values {
                let _ = writeln!(out, "            Self::{v} => {},", lit(wire));
            }
            out.push_str("        }\n    }\n}\n\n");
            let _ = writeln!(out, "impl rt::SimpleValue for {name} {{");
            let _ = writeln!(out, "    const KIND: &'static str = {};", lit(name));
            out.push_str("    fn parse_text(text: &str) -> Option<Self> {\n        match text {\n");
            for (v, wire) in values {
                let _ = writeln!(out, "            {} => Some(Self::{v}),", lit(wire));
            }
            out.push_str("            _ if text.trim().len() != text.len() => Self::parse_text(text.trim()),\n");
            out.push_str("            _ => None,\n        }\n    }\n");
            out.push_str("    fn to_text(&self) -> std::borrow::Cow<'_, str> {\n        std::borrow::Cow::Borrowed(self.as_str())\n    }\n}\n\n");
        }
        ItemKind::Struct { attrs, body } => {
            let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
            let _ = writeln!(out, "pub struct {name} {{");
            for a in attrs {
                let _ = writeln!(out, "    /// Attribute `{}`.", a.name.replace('`', "'"));
                let t = if a.required {
                    a.ty.clone()
                } else {
                    format!("Option<{}>", a.ty)
                };
                let _ = writeln!(out, "    pub {}: {t},", a.field);
            }
            match body {
                Body::Text(t) => {
                    out.push_str("    /// The element's text.\n");
                    let _ = writeln!(out, "    pub {}: {t},", text_field(attrs));
                }
                Body::Elements(ms) => emit_fields(out, m, ms),
            }
            out.push_str("}\n\n");
            let _ = writeln!(out, "impl {name} {{");
            out.push_str("    fn read_content(el: &rt::Element, c: &mut rt::Cursor<'_>) -> Result<Self, rt::Error> {\n");
            for a in attrs {
                let read = format!(
                    "rt::attr::<{}>(el, {}, {})?",
                    a.ty,
                    lit(&a.ns),
                    lit(&a.name)
                );
                if a.required {
                    let _ = writeln!(out, "        let {} = {read}.ok_or_else(|| rt::Error::MissingAttribute {{ element: el.name.clone(), name: {} }})?;", a.field, lit(&a.name));
                } else {
                    let _ = writeln!(out, "        let {} = {read};", a.field);
                }
            }
            let mut fields: Vec<String> = attrs.iter().map(|a| a.field.clone()).collect();
            match body {
                Body::Text(t) => {
                    let f = text_field(attrs);
                    out.push_str("        let _ = c;\n");
                    let _ = writeln!(out, "        let {f} = rt::read_simple::<{t}>(el)?;");
                    fields.push(f);
                }
                Body::Elements(ms) => {
                    if !uses_el(ms) && attrs.is_empty() {
                        out.push_str("        let _ = el;\n");
                    }
                    if ms.is_empty() {
                        out.push_str("        let _ = c;\n");
                    }
                    for mem in ms {
                        let _ = writeln!(
                            out,
                            "        let {} = {};",
                            member_field(mem),
                            member_read(m, mem)
                        );
                        fields.push(member_field(mem).to_string());
                    }
                }
            }
            let _ = writeln!(out, "        Ok(Self {{ {} }})", fields.join(", "));
            out.push_str("    }\n\n");
            out.push_str("    fn write_content(&self, w: &mut rt::Writer) {\n");
            for a in attrs {
                if a.required {
                    let _ = writeln!(
                        out,
                        "        w.attr({}, {}, &rt::SimpleValue::to_text(&self.{}));",
                        lit(&a.ns),
                        lit(&a.name),
                        a.field
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "        w.attr_opt({}, {}, self.{}.as_ref());",
                        lit(&a.ns),
                        lit(&a.name),
                        a.field
                    );
                }
            }
            match body {
                Body::Text(_) => {
                    let _ = writeln!(
                        out,
                        "        w.text(&rt::SimpleValue::to_text(&self.{}));",
                        text_field(attrs)
                    );
                }
                Body::Elements(ms) => {
                    if ms.is_empty() && attrs.is_empty() {
                        out.push_str("        let _ = w;\n");
                    }
                    for mem in ms {
                        let _ = writeln!(
                            out,
                            "        {}",
                            member_write(m, mem, &format!("self.{}", member_field(mem)))
                        );
                    }
                }
            }
            out.push_str("    }\n}\n\n");
            let _ = writeln!(out, "impl rt::ComplexValue for {name} {{");
            out.push_str("    fn read(el: &rt::Element) -> Result<Self, rt::Error> {\n        let mut c = rt::Cursor::new(el);\n        let v = Self::read_content(el, &mut c)?;\n        c.finish()?;\n        Ok(v)\n    }\n\n");
            out.push_str("    fn write(&self, w: &mut rt::Writer) {\n        self.write_content(w);\n    }\n}\n\n");
        }
        ItemKind::Sequence { members } => {
            let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
            let _ = writeln!(out, "pub struct {name} {{");
            emit_fields(out, m, members);
            out.push_str("}\n\n");
            let _ = writeln!(out, "impl {name} {{");
            out.push_str("    fn read_content(el: &rt::Element, c: &mut rt::Cursor<'_>) -> Result<Self, rt::Error> {\n");
            if !uses_el(members) {
                out.push_str("        let _ = el;\n");
            }
            for mem in members {
                let _ = writeln!(
                    out,
                    "        let {} = {};",
                    member_field(mem),
                    member_read(m, mem)
                );
            }
            let fields: Vec<&str> = members.iter().map(member_field).collect();
            let _ = writeln!(out, "        Ok(Self {{ {} }})", fields.join(", "));
            out.push_str("    }\n\n    fn write_content(&self, w: &mut rt::Writer) {\n");
            if members.is_empty() {
                out.push_str("        let _ = w;\n");
            }
            for mem in members {
                let _ = writeln!(
                    out,
                    "        {}",
                    member_write(m, mem, &format!("self.{}", member_field(mem)))
                );
            }
            out.push_str("    }\n}\n\n");
        }
        ItemKind::Choice { variants } => {
            let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
            let _ = writeln!(out, "pub enum {name} {{");
            for v in variants {
                match v {
                    Variant::Element { name, member } => {
                        let _ =
                            writeln!(out, "    /// Element `{}`.", member.name.replace('`', "'"));
                        let _ = writeln!(
                            out,
                            "    {name}({}),",
                            carded(member.card, value_type(m, member))
                        );
                    }
                    Variant::Group { name, item } => {
                        let _ = writeln!(out, "    {name}(Box<{}>),", m.items[*item].name);
                    }
                }
            }
            out.push_str("}\n\n");
            let _ = writeln!(out, "impl {name} {{");
            out.push_str("    fn read_content(el: &rt::Element, c: &mut rt::Cursor<'_>) -> Result<Option<Self>, rt::Error> {\n");
            if !variants.iter().any(|v| matches!(v, Variant::Group { .. })) {
                out.push_str("        let _ = el;\n");
            }
            for v in variants {
                match v {
                    Variant::Element { name: vn, member } => {
                        let f = if member.card == Card::Many {
                            "many"
                        } else {
                            "one"
                        };
                        let _ = writeln!(
                            out,
                            "        if c.peek({ns}, {n}) {{\n            return Ok(Some(Self::{vn}(c.{f}({ns}, {n}, {r})?)));\n        }}",
                            ns = lit(&member.ns),
                            n = lit(&member.name),
                            r = reader(m, member)
                        );
                    }
                    Variant::Group { name: vn, item } => {
                        let t = &m.items[*item].name;
                        let _ = writeln!(
                            out,
                            "        if c.peek_any({}) {{\n            return Ok(Some(Self::{vn}(Box::new({t}::read_content(el, c)?))));\n        }}",
                            first_list(m, *item)
                        );
                    }
                }
            }
            out.push_str("        Ok(None)\n    }\n\n    fn write_content(&self, w: &mut rt::Writer) {\n        match self {\n");
            for v in variants {
                match v {
                    Variant::Element { name: vn, member } => {
                        let body = if member.card == Card::Many {
                            format!("for v in v {{ {} }}", write_one(m, member, "v"))
                        } else {
                            write_one(m, member, "v")
                        };
                        let _ = writeln!(out, "            Self::{vn}(v) => {{ {body} }}");
                    }
                    Variant::Group { name: vn, .. } => {
                        let _ = writeln!(out, "            Self::{vn}(v) => v.write_content(w),");
                    }
                }
            }
            out.push_str("        }\n    }\n}\n\n");
        }
    }
}

fn emit_fields(out: &mut String, m: &Module, members: &[Member]) {
    for mem in members {
        match mem {
            Member::Element(e) | Member::AllElement(e) => {
                doc_lines(out, "    ", e.doc.as_deref());
                if e.doc.is_some() {
                    out.push_str("    ///\n");
                }
                let _ = writeln!(out, "    /// Element `{}`.", e.name.replace('`', "'"));
            }
            Member::Any { .. } => out.push_str("    /// Any element (`xs:any`), kept as-is.\n"),
            Member::Group { .. } => {}
        }
        let _ = writeln!(
            out,
            "    pub {}: {},",
            member_field(mem),
            member_type(m, mem)
        );
    }
}

/// The type of a global element's value.
pub(crate) fn root_type(m: &Module, v: &Value) -> (String, &'static str) {
    match v {
        Value::Simple(t) => (t.clone(), "simple"),
        Value::Complex(i) if m.derived.contains_key(i) => {
            (format!("rt::Typed<{}>", m.items[*i].name), "typed")
        }
        Value::Complex(i) => (m.items[*i].name.clone(), "complex"),
        Value::Raw => ("rt::Element".into(), "raw"),
    }
}

/// The source of the whole module: types, global elements, field tables and the round-trip
/// dispatcher.
pub fn emit(
    m: &Module,
    fields: &[(String, Vec<crate::fields::FieldPath>)],
    opts: &EmitOptions,
) -> String {
    let mut out = String::new();
    out.push_str(
        "// @generated by regway-codegen. Do not edit: change the schema or the generator.\n",
    );
    if !opts.source.is_empty() {
        let _ = writeln!(out, "// Source: {}", opts.source);
    }
    // Why these allows: schema names make long variant lists with shared prefixes, and a
    // generated enum mirrors the schema's choice even when variants differ much in size.
    if opts.inner_attributes {
        out.push_str("#![allow(clippy::enum_variant_names, clippy::large_enum_variant)]\n\n");
    }
    let _ = writeln!(
        out,
        "#[allow(unused_imports)]\nuse {} as rt;\n",
        opts.runtime
    );
    for item in &m.items {
        emit_item(&mut out, m, item);
    }
    out.push_str("/// The global elements: wire name and how the value is read and written.\npub mod elements {\n    #[allow(unused_imports)]\n    use super::*;\n    #[allow(unused_imports)]\n    use super::rt;\n\n");
    for r in &m.roots {
        let (t, kind) = root_type(m, &r.value);
        doc_lines(&mut out, "    ", r.doc.as_deref());
        let (read, write) = match kind {
            "simple" => (
                format!("rt::read_simple::<{t}>"),
                format!("rt::write_simple_root::<{t}>"),
            ),
            "complex" => (
                format!("rt::read_complex::<{t}>"),
                format!("rt::write_complex_element::<{t}>"),
            ),
            "typed" => match &r.value {
                Value::Complex(i) => (
                    typed_reader(m, *i, "").unwrap_or_default(),
                    format!("rt::write_typed_element::<{}>", m.items[*i].name),
                ),
                _ => unreachable!("a typed root is complex"),
            },
            _ => ("rt::read_raw".into(), "rt::write_raw_element".into()),
        };
        let _ = writeln!(
            out,
            "    pub const {}: rt::ElementDef<{t}> =\n        rt::ElementDef::new({}, {}, {read}, {write});",
            r.konst,
            lit(&r.ns),
            lit(&r.name)
        );
    }
    out.push_str("}\n\n");
    out.push_str("/// Per global element: every element and attribute below it as a RegiX dot path, parents\n/// first, with whether it may repeat. Grants and the access matrix are checked against these.\npub mod fields {\n    #[allow(unused_imports)]\n    use super::rt;\n\n");
    // A large table equal to one already written (global elements of one type) is that one.
    let mut written: std::collections::HashMap<&[crate::fields::FieldPath], &str> =
        std::collections::HashMap::new();
    for (konst, paths) in fields {
        if paths.len() >= 64 {
            if let Some(first) = written.get(paths.as_slice()) {
                let _ = writeln!(
                    out,
                    "    pub const {konst}: &[{}] = {first};",
                    opts.field_type
                );
                continue;
            }
            written.insert(paths.as_slice(), konst.as_str());
        }
        let _ = writeln!(out, "    pub const {konst}: &[{}] = &[", opts.field_type);
        for f in paths {
            let _ = writeln!(
                out,
                "        {} {{ path: {}, repeated: {}, attribute: {} }},",
                opts.field_type,
                lit(&f.path),
                f.repeated,
                f.attribute
            );
        }
        out.push_str("    ];\n");
    }
    out.push_str("}\n\n");
    out.push_str("/// Reads `el` with the type of its global element and writes it back; `None` when this module\n/// has no global element of that name.\npub fn roundtrip(el: &rt::Element) -> Option<Result<String, rt::Error>> {\n");
    if m.roots.is_empty() {
        out.push_str("    let _ = el;\n    None\n}\n");
        return out;
    }
    out.push_str("    match (el.ns.as_str(), el.name.as_str()) {\n");
    for r in &m.roots {
        let _ = writeln!(
            out,
            "        ({}, {}) => Some(elements::{}.roundtrip(el)),",
            lit(&r.ns),
            lit(&r.name),
            r.konst
        );
    }
    out.push_str("        _ => None,\n    }\n}\n");
    out
}
