//! The field-path table of a global element: every element and attribute below it as a RegiX
//! access-matrix path (`PersonNames.FirstName`), parents before children, with whether it may
//! occur more than once (on itself or through an ancestor or repeated group).
//!
//! Computed from the lowered module, so it lists exactly what the generated types read.
//! Sequences and choices are transparent (they add no path segment).
//!
//! Two forms (see codegen/README.md, "Field-path tables"):
//! * **full**, as RegiX lists fields: every path, a type that contains itself listed once per
//!   path down to its first recurrence. Used while the table has at most [`FULL_ROWS`] rows,
//!   which every RegiX table does.
//! * **folded**, when the full table would be larger (the number of paths grows exponentially
//!   with the depth of a type graph that reuses types, as OASIS UBL's does): each complex type's
//!   members are listed below its first, shallowest occurrence only (breadth first); every
//!   other occurrence is listed itself, without what is below it, and is granted as a subtree
//!   (`P.*`). The table then has at most one row per member of each type plus one per
//!   occurrence: it grows with the number of types and elements, not of paths.

use crate::rust::ir::*;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath {
    pub path: String,
    pub repeated: bool,
    pub attribute: bool,
}

/// The most rows a full table may have; a larger one is folded.
pub const FULL_ROWS: usize = 4096;

/// The most rows the tables of one module may have before the tables of its components (global
/// elements other content refers to) are cut to one level. RegiX's largest module has about
/// 6,000 rows, its largest table under 900.
pub const MODULE_ROWS: usize = 65_536;

/// The tables of every global element of a module: `(constant name, rows)`.
///
/// Each is [`table`]: full, or folded when large. When all of them together would pass
/// [`MODULE_ROWS`] (a schema set of many reusable global elements, each with a large graph
/// below it: OASIS UBL's ~1,600 common components), the components get their [`shallow`]
/// table instead — a global element declared in an imported (not given) schema, referred to
/// by `ref`, or whose type another element has — and only the documents keep theirs: each
/// component's subtree is listed, once, in the document that contains it.
pub fn tables(m: &Module) -> Vec<(String, Vec<FieldPath>)> {
    let mut out = Vec::with_capacity(m.roots.len());
    let mut rows = 0usize;
    let mut cut = false;
    for r in &m.roots {
        let t = table(m, &r.value);
        rows = rows.saturating_add(t.len());
        if rows > MODULE_ROWS {
            cut = true;
            break;
        }
        out.push((r.konst.clone(), t));
    }
    if !cut {
        return out;
    }
    // Types some element below another one has: their roots are components too (UBL's
    // `BillToParty` is a PartyType, listed under every document's parties).
    let mut contained = std::collections::BTreeSet::new();
    for item in &m.items {
        let mut members: Vec<&ElementMember> = vec![];
        match &item.kind {
            ItemKind::Struct {
                body: Body::Elements(ms),
                ..
            }
            | ItemKind::Sequence { members: ms } => {
                for x in ms {
                    if let Member::Element(e) | Member::AllElement(e) = x {
                        members.push(e);
                    }
                }
            }
            ItemKind::Choice { variants } => {
                for v in variants {
                    if let Variant::Element { member, .. } = v {
                        members.push(member);
                    }
                }
            }
            _ => {}
        }
        for e in members {
            if let Value::Complex(i) = e.value {
                contained.insert(i);
            }
        }
    }
    m.roots
        .iter()
        .map(|r| {
            let component = r.imported
                || m.referenced.contains(&(r.ns.clone(), r.name.clone()))
                || matches!(r.value, Value::Complex(i) if contained.contains(&i));
            let t = if component {
                shallow(m, &r.value)
            } else {
                table(m, &r.value)
            };
            (r.konst.clone(), t)
        })
        .collect()
}

/// One level: the element's own attributes and elements (through its sequences and choices);
/// a complex child is granted with its subtree (`P.*`).
pub fn shallow(m: &Module, value: &Value) -> Vec<FieldPath> {
    let mut out = vec![];
    if let Value::Complex(root) = value {
        rows_of(m, *root, "", false, &mut out, &mut vec![]);
    }
    out
}

/// The table for a value of a global element: full when it has at most [`FULL_ROWS`] rows,
/// else folded.
pub fn table(m: &Module, value: &Value) -> Vec<FieldPath> {
    full(m, value, FULL_ROWS).unwrap_or_else(|| folded(m, value))
}

/// Every path (down to the first recurrence of a type), or `None` past `limit` rows. The walk
/// stops as soon as the limit is passed, so its cost is bounded by the limit too.
pub fn full(m: &Module, value: &Value, limit: usize) -> Option<Vec<FieldPath>> {
    let mut out = vec![];
    if let Value::Complex(i) = value {
        let mut stack = vec![*i];
        let mut w = Walk {
            out: &mut out,
            limit,
        };
        walk_item(m, *i, "", false, &mut stack, &mut w);
    }
    (out.len() <= limit).then_some(out)
}

/// The folded table: breadth first, each complex type's members listed below its first
/// occurrence only.
pub fn folded(m: &Module, value: &Value) -> Vec<FieldPath> {
    let mut out = vec![];
    let Value::Complex(root) = value else {
        return out;
    };
    let mut expanded = std::collections::BTreeSet::from([*root]);
    let mut queue = std::collections::VecDeque::from([(*root, String::new(), false)]);
    while let Some((item, prefix, repeated)) = queue.pop_front() {
        let mut below = vec![];
        rows_of(m, item, &prefix, repeated, &mut out, &mut below);
        for (i, path, repeated) in below {
            if expanded.insert(i) {
                queue.push_back((i, path, repeated));
            }
        }
    }
    out
}

/// The rows of one item's own attributes and elements (through its sequences and choices), and
/// the complex elements below them (item, path, repeated).
fn rows_of(
    m: &Module,
    item: usize,
    prefix: &str,
    repeated: bool,
    out: &mut Vec<FieldPath>,
    below: &mut Vec<(usize, String, bool)>,
) {
    let mut element = |e: &ElementMember, repeated: bool, out: &mut Vec<FieldPath>| {
        let path = join(prefix, &e.name);
        let repeated = repeated || e.card == Card::Many;
        out.push(FieldPath {
            path: path.clone(),
            repeated,
            attribute: false,
        });
        if let Value::Complex(i) = e.value {
            below.push((i, path, repeated));
        }
    };
    // Groups are walked in place (they add no segment); a stack of them, no recursion.
    let mut groups = vec![(item, repeated)];
    while let Some((g, repeated)) = groups.pop() {
        let mut members: Vec<(&Member, bool)> = vec![];
        match &m.items[g].kind {
            ItemKind::Struct { attrs, body } => {
                for a in attrs {
                    out.push(FieldPath {
                        path: join(prefix, &a.name),
                        repeated,
                        attribute: true,
                    });
                }
                if let Body::Elements(ms) = body {
                    members.extend(ms.iter().map(|x| (x, repeated)));
                }
            }
            ItemKind::Sequence { members: ms } => members.extend(ms.iter().map(|x| (x, repeated))),
            ItemKind::Choice { variants } => {
                let mut nested = vec![];
                for v in variants {
                    match v {
                        Variant::Element { member, .. } => element(member, repeated, out),
                        Variant::Group { item, .. } => nested.push((*item, repeated)),
                    }
                }
                groups.extend(nested.into_iter().rev());
            }
            ItemKind::Enum { .. } | ItemKind::Alias { .. } => {}
        }
        let mut nested = vec![];
        for (mem, repeated) in members {
            match mem {
                Member::Element(e) | Member::AllElement(e) => element(e, repeated, out),
                Member::Group { item, card, .. } => {
                    nested.push((*item, repeated || *card == Card::Many))
                }
                Member::Any { .. } => {}
            }
        }
        groups.extend(nested.into_iter().rev());
    }
}

/// The full walk's output and its row limit.
struct Walk<'o> {
    out: &'o mut Vec<FieldPath>,
    limit: usize,
}

impl Walk<'_> {
    fn over(&self) -> bool {
        self.out.len() > self.limit
    }
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
    w: &mut Walk<'_>,
) {
    if w.over() {
        return;
    }
    match &m.items[item].kind {
        ItemKind::Struct { attrs, body } => {
            for a in attrs {
                w.out.push(FieldPath {
                    path: join(prefix, &a.name),
                    repeated,
                    attribute: true,
                });
            }
            if let Body::Elements(ms) = body {
                walk_members(m, ms, prefix, repeated, stack, w);
            }
        }
        ItemKind::Sequence { members } => walk_members(m, members, prefix, repeated, stack, w),
        ItemKind::Choice { variants } => {
            for v in variants {
                match v {
                    Variant::Element { member, .. } => {
                        walk_element(m, member, prefix, repeated, stack, w)
                    }
                    Variant::Group { item, .. } => walk_item(m, *item, prefix, repeated, stack, w),
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
    w: &mut Walk<'_>,
) {
    for mem in members {
        if w.over() {
            return;
        }
        match mem {
            Member::Element(e) | Member::AllElement(e) => {
                walk_element(m, e, prefix, repeated, stack, w)
            }
            Member::Group { item, card, .. } => {
                walk_item(m, *item, prefix, repeated || *card == Card::Many, stack, w)
            }
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
    w: &mut Walk<'_>,
) {
    if w.over() {
        return;
    }
    let path = join(prefix, &e.name);
    let repeated = repeated || e.card == Card::Many;
    w.out.push(FieldPath {
        path: path.clone(),
        repeated,
        attribute: false,
    });
    if let Value::Complex(i) = e.value {
        if !stack.contains(&i) {
            stack.push(i);
            walk_item(m, i, &path, repeated, stack, w);
            stack.pop();
        }
    }
}
