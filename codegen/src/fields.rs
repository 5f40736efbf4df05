//! The field-path table of a global element: every element and attribute below it as a RegiX
//! access-matrix path (`PersonNames.FirstName`), parents before children, with whether it may
//! occur more than once (on itself or through an ancestor or repeated group).
//!
//! Computed from the lowered module, so it lists exactly what the generated types read.
//! Sequences and choices are transparent (they add no path segment). A type that contains itself
//! is listed once per path down to its first recurrence, where the walk stops: the matrix of
//! RegiX names fields, not an unbounded tree.

use crate::rust::ir::*;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    pub path: String,
    pub repeated: bool,
    pub attribute: bool,
}

/// The table for a value of a global element.
pub fn table(m: &Module, value: &Value) -> Vec<FieldPath> {
    let mut out = vec![];
    if let Value::Complex(i) = value {
        let mut stack = vec![*i];
        walk_item(m, *i, "", false, &mut stack, &mut out);
    }
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn walk_item(
    m: &Module,
    item: usize,
    prefix: &str,
    repeated: bool,
    stack: &mut Vec<usize>,
    out: &mut Vec<FieldPath>,
) {
    match &m.items[item].kind {
        ItemKind::Struct { attrs, body } => {
            for a in attrs {
                out.push(FieldPath {
                    path: join(prefix, &a.name),
                    repeated,
                    attribute: true,
                });
            }
            if let Body::Elements(ms) = body {
                walk_members(m, ms, prefix, repeated, stack, out);
            }
        }
        ItemKind::Sequence { members } => walk_members(m, members, prefix, repeated, stack, out),
        ItemKind::Choice { variants } => {
            for v in variants {
                match v {
                    Variant::Element { member, .. } => {
                        walk_element(m, member, prefix, repeated, stack, out)
                    }
                    Variant::Group { item, .. } => {
                        walk_item(m, *item, prefix, repeated, stack, out)
                    }
                }
            }
        }
        ItemKind::Enum { .. } | ItemKind::Alias { .. } => {}
    }
}

fn walk_members(
    m: &Module,
    members: &[Member],
    prefix: &str,
    repeated: bool,
    stack: &mut Vec<usize>,
    out: &mut Vec<FieldPath>,
) {
    for mem in members {
        match mem {
            Member::Element(e) | Member::AllElement(e) => {
                walk_element(m, e, prefix, repeated, stack, out)
            }
            Member::Group { item, card, .. } => walk_item(
                m,
                *item,
                prefix,
                repeated || *card == Card::Many,
                stack,
                out,
            ),
            Member::Any { .. } => {}
        }
    }
}

fn walk_element(
    m: &Module,
    e: &ElementMember,
    prefix: &str,
    repeated: bool,
    stack: &mut Vec<usize>,
    out: &mut Vec<FieldPath>,
) {
    let path = join(prefix, &e.name);
    let repeated = repeated || e.card == Card::Many;
    out.push(FieldPath {
        path: path.clone(),
        repeated,
        attribute: false,
    });
    if let Value::Complex(i) = e.value {
        if !stack.contains(&i) {
            stack.push(i);
            walk_item(m, i, &path, repeated, stack, out);
            stack.pop();
        }
    }
}
