//! Field-level access: which parts of an operation's response a grant lets a consumer see.
//!
//! RegiX grants fields as dot paths over the response type (`PersonNames.FirstName`), default
//! deny, and can echo the applied grant as the access matrix (NOTES §3.4, §1.5). regway adds two
//! wildcard forms so a grant need not list every leaf: `P.*` (P and everything below it) and
//! `*` (the whole response). Paths are checked against the operation's field table when a
//! grant is read, so a typo is refused instead of silently releasing nothing.
//!
//! A [`FieldSet`] is compiled once into a small trie of path segments: the streaming filter
//! ([`super::filter`]) asks it one question per element and attribute, by local name.

use std::sync::Arc;

use regway_adapter::{Field, OperationSpec};

use crate::soap::xml::push_escaped;

/// Why a list of field paths is not a valid grant for an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The path is not a dot path of local names (`A.B`, `A.*` or `*`).
    #[error("malformed field path '{path}': {reason}")]
    Malformed { path: String, reason: &'static str },
    /// The path (or the `P` of `P.*`) is not in the operation's field table.
    #[error(
        "unknown field '{path}'{}; valid fields: {}",
        .response_type.map(|t| format!(" for {t}")).unwrap_or_default(),
        if .valid.is_empty() { "(none)".to_string() } else { .valid.join(", ") }
    )]
    Unknown {
        path: String,
        /// The response type, when the table came from an [`OperationSpec`].
        response_type: Option<&'static str>,
        /// Every path of the table, in table order.
        valid: Vec<&'static str>,
    },
}

/// How far a field set reaches at one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Not released: the element or attribute is dropped with everything below it.
    Denied,
    /// Only on the way to a granted path: the element stays, its own text does not.
    Container,
    /// Released: the element with its own text (and all below it when under a `P.*`).
    Granted,
}

/// What a granted path releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Nothing itself: a node on the way to a granted path.
    Path,
    /// The node (an element with its own text, or an attribute).
    Exact,
    /// The node and its whole subtree.
    Subtree,
}

/// One granted path, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    path: Box<str>,
    subtree: bool,
    attribute: bool,
}

/// A trie node: one segment of one or more granted paths.
#[derive(Debug, PartialEq, Eq)]
struct Node {
    name: Box<str>,
    reach: Reach,
    attribute: bool,
    children: Vec<u32>,
}

#[derive(Debug, PartialEq, Eq)]
struct Inner {
    all: bool,
    /// Sorted, without duplicates, none covered by a `P.*` above it.
    grants: Vec<Grant>,
    /// Node 0 is the response root.
    nodes: Vec<Node>,
}

/// What one or more grants let a consumer see of one operation's response. Cheap to clone:
/// the compiled form is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSet(Arc<Inner>);

impl Default for FieldSet {
    fn default() -> Self {
        FieldSet::none()
    }
}

/// Where the filter stands in the field set while it walks a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// Dropped with its subtree.
    Drop,
    /// Kept with everything below it.
    All,
    /// Kept at a trie node; `text` when the node itself is granted.
    At { node: u32, text: bool },
}

impl Cursor {
    pub(crate) fn kept(self) -> bool {
        self != Cursor::Drop
    }

    pub(crate) fn keeps_text(self) -> bool {
        matches!(self, Cursor::All | Cursor::At { text: true, .. })
    }
}

impl FieldSet {
    /// Nothing granted: only the empty response root is released.
    pub fn none() -> FieldSet {
        FieldSet::build(false, Vec::new())
    }

    /// `*`: the whole response.
    pub fn all() -> FieldSet {
        FieldSet::build(true, Vec::new())
    }

    /// Parse grant paths (`PersonNames.FirstName`, `PersonNames.*`, `*`) against an operation's
    /// field table ([`OperationSpec::fields`]). Duplicates are fine; anything not in the table
    /// is refused with the list of valid paths.
    pub fn parse(paths: &[impl AsRef<str>], table: &[Field]) -> Result<FieldSet, FieldError> {
        let mut all = false;
        let mut grants = Vec::with_capacity(paths.len());
        for path in paths {
            let path = path.as_ref();
            check_syntax(path)?;
            if path == "*" {
                all = true;
                continue;
            }
            let (base, subtree) = match path.strip_suffix(".*") {
                Some(base) => (base, true),
                None => (path, false),
            };
            let field =
                table
                    .iter()
                    .find(|f| f.path == base)
                    .ok_or_else(|| FieldError::Unknown {
                        path: path.to_string(),
                        response_type: None,
                        valid: table.iter().map(|f| f.path).collect(),
                    })?;
            grants.push(Grant {
                path: base.into(),
                subtree,
                attribute: field.attribute,
            });
        }
        Ok(FieldSet::build(all, grants))
    }

    /// [`FieldSet::parse`] against `spec`'s table; an unknown path's error names the response
    /// type, as the CLI prints it.
    pub fn parse_for(
        paths: &[impl AsRef<str>],
        spec: &OperationSpec,
    ) -> Result<FieldSet, FieldError> {
        FieldSet::parse(paths, spec.fields).map_err(|e| match e {
            FieldError::Unknown { path, valid, .. } => FieldError::Unknown {
                path,
                response_type: Some(spec.response_type),
                valid,
            },
            other => other,
        })
    }

    /// What either set releases: several grants may cover one call.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        if self.0.all || other.is_none() || self == other {
            return self.clone();
        }
        if other.0.all || self.is_none() {
            return other.clone();
        }
        let grants = self.0.grants.iter().chain(&other.0.grants).cloned();
        FieldSet::build(false, grants.collect())
    }

    /// Whether the set is `*`.
    pub fn is_all(&self) -> bool {
        self.0.all
    }

    /// Whether nothing at all is granted.
    pub fn is_none(&self) -> bool {
        !self.0.all && self.0.grants.is_empty()
    }

    /// The set in canonical form, as paths [`FieldSet::parse`] accepts: sorted, without
    /// duplicates and without paths a `P.*` already covers.
    pub fn paths(&self) -> Vec<String> {
        if self.0.all {
            return vec!["*".to_string()];
        }
        let grants = self.0.grants.iter();
        grants
            .map(|g| {
                if g.subtree {
                    format!("{}.*", g.path)
                } else {
                    g.path.to_string()
                }
            })
            .collect()
    }

    /// How far the set reaches at `path` (an element or attribute path below the root; the
    /// empty path is the root).
    pub fn access(&self, path: &str) -> Access {
        let mut cursor = self.root();
        if !path.is_empty() {
            let mut segments = path.split('.').peekable();
            while let Some(segment) = segments.next() {
                let element = self.child(cursor, segment.as_bytes(), false);
                cursor = match (element, segments.peek()) {
                    (Cursor::Drop, None) => self.child(cursor, segment.as_bytes(), true),
                    (next, _) => next,
                };
            }
        }
        match cursor {
            Cursor::Drop => Access::Denied,
            Cursor::All | Cursor::At { text: true, .. } => Access::Granted,
            Cursor::At { text: false, .. } => Access::Container,
        }
    }

    /// The access matrix RegiX echoes for this set (NOTES §1.5, §3.4): one property per field
    /// of `spec`, in table order, true when the field may appear in filtered responses (granted,
    /// under a granted `P.*`, or a container on the way to a granted field).
    pub fn matrix(&self, spec: &OperationSpec) -> AccessMatrix {
        let properties: Vec<(String, bool)> = spec
            .fields
            .iter()
            .map(|f| (f.path.to_string(), self.access(f.path) != Access::Denied))
            .collect();
        AccessMatrix {
            has_access: self.0.all || properties.iter().any(|(_, allowed)| *allowed),
            name: spec.response_type.to_string(),
            properties,
        }
    }

    /// The cursor at the response root, which is always kept.
    pub(crate) fn root(&self) -> Cursor {
        if self.0.all {
            Cursor::All
        } else {
            Cursor::At {
                node: 0,
                text: false,
            }
        }
    }

    /// The cursor of a child element (or, with `attribute`, an attribute) named `local`.
    pub(crate) fn child(&self, parent: Cursor, local: &[u8], attribute: bool) -> Cursor {
        let Cursor::At { node, .. } = parent else {
            return parent;
        };
        let nodes = &self.0.nodes;
        let found = nodes[node as usize].children.iter().find(|&&c| {
            let n = &nodes[c as usize];
            n.attribute == attribute && n.name.as_bytes() == local
        });
        match found.map(|&c| (c, nodes[c as usize].reach)) {
            None => Cursor::Drop,
            Some((_, Reach::Subtree)) => Cursor::All,
            Some((node, reach)) => Cursor::At {
                node,
                text: reach == Reach::Exact,
            },
        }
    }

    /// Canonicalise the grants and compile the trie.
    fn build(all: bool, mut grants: Vec<Grant>) -> FieldSet {
        if all {
            grants.clear();
        }
        // Sorted, a subtree grant of a path sorts after its exact grant: keep the last.
        grants.sort();
        grants.reverse();
        grants.dedup_by(|later, kept| later.path == kept.path);
        grants.reverse();
        let covered = |g: &Grant, by: &Grant| {
            by.subtree
                && g.path
                    .strip_prefix(&*by.path)
                    .is_some_and(|rest| rest.starts_with('.'))
        };
        let canonical: Vec<Grant> = grants
            .iter()
            .filter(|g| !grants.iter().any(|by| covered(g, by)))
            .cloned()
            .collect();
        let mut nodes = vec![Node {
            name: "".into(),
            reach: Reach::Path,
            attribute: false,
            children: Vec::new(),
        }];
        for g in &canonical {
            let mut at = 0usize;
            let mut segments = g.path.split('.').peekable();
            while let Some(segment) = segments.next() {
                let last = segments.peek().is_none();
                // An attribute is only ever the last segment of a path.
                let attribute = last && g.attribute;
                let existing = nodes[at].children.iter().copied().find(|&c| {
                    let n = &nodes[c as usize];
                    n.attribute == attribute && &*n.name == segment
                });
                let next = match existing {
                    Some(c) => c as usize,
                    None => {
                        nodes.push(Node {
                            name: segment.into(),
                            reach: Reach::Path,
                            attribute,
                            children: Vec::new(),
                        });
                        let c = nodes.len() - 1;
                        // Field tables are small; a table of 2^32 nodes cannot be parsed.
                        nodes[at].children.push(c as u32);
                        c
                    }
                };
                if last {
                    nodes[next].reach = if g.subtree {
                        Reach::Subtree
                    } else {
                        Reach::Exact
                    };
                }
                at = next;
            }
        }
        FieldSet(Arc::new(Inner {
            all,
            grants: canonical,
            nodes,
        }))
    }
}

/// Refuse what cannot be a path before looking it up, with a reason the CLI can print.
fn check_syntax(path: &str) -> Result<(), FieldError> {
    let reason = if path.is_empty() {
        Some("the path is empty")
    } else if path.chars().any(char::is_whitespace) {
        Some("paths contain no whitespace")
    } else if path.split('.').any(str::is_empty) {
        Some("a segment is empty")
    } else if path
        .split('.')
        .enumerate()
        .any(|(i, s)| s.contains('*') && (s != "*" || i + 1 != path.split('.').count()))
    {
        Some("'*' may only be the whole last segment")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(FieldError::Malformed {
            path: path.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The access matrix as RegiX returns it in `Data/Matrix` (`DataAccessMatrix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessMatrix {
    /// Whether any field is released.
    pub has_access: bool,
    /// The response type name (`PersonDataResponseType`).
    pub name: String,
    /// Each field path of the operation, in table order, and whether it is released.
    pub properties: Vec<(String, bool)>,
}

impl AccessMatrix {
    /// Write `<Matrix id="AccessMatrix">…</Matrix>`. The elements are unqualified: they take
    /// the default namespace of the enclosing `Data` (SignedData in V2, tempuri in V1).
    pub fn write(&self, out: &mut String) {
        fn access(out: &mut String, has_access: bool, name: &str) {
            out.push_str("<HasAccess>");
            out.push_str(if has_access { "true" } else { "false" });
            out.push_str("</HasAccess><Name>");
            push_escaped(out, name);
            out.push_str("</Name>");
        }
        out.push_str("<Matrix id=\"AccessMatrix\">");
        access(out, self.has_access, &self.name);
        if self.properties.is_empty() {
            out.push_str("<Properties/>");
        } else {
            out.push_str("<Properties>");
            for (name, has_access) in &self.properties {
                out.push_str("<Property>");
                access(out, *has_access, name);
                out.push_str("</Property>");
            }
            out.push_str("</Properties>");
        }
        out.push_str("</Matrix>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regway_adapter::QName;

    const TABLE: &[Field] = &[
        Field::element("PersonNames"),
        Field::element("PersonNames.FirstName"),
        Field::element("PersonNames.SurName"),
        Field::element("EGN"),
        Field::repeated("Items"),
        Field::attribute("Items.id"),
        Field::repeated("Items.Name"),
    ];

    const SPEC: OperationSpec = OperationSpec {
        name: "Test.Op",
        request: QName {
            ns: "urn:req",
            local: "Req",
        },
        response: QName {
            ns: "urn:resp",
            local: "Resp",
        },
        response_type: "RespType",
        fields: TABLE,
        subject_identifiers: &[],
    };

    fn set(paths: &[&str]) -> FieldSet {
        FieldSet::parse(paths, TABLE).unwrap()
    }

    #[test]
    fn parses_exact_subtree_and_all_forms() {
        let f = set(&["PersonNames.FirstName", "Items.*", "EGN", "EGN"]);
        assert_eq!(f.paths(), ["EGN", "Items.*", "PersonNames.FirstName"]);
        assert_eq!(f.access(""), Access::Container);
        assert_eq!(f.access("PersonNames"), Access::Container);
        assert_eq!(f.access("PersonNames.FirstName"), Access::Granted);
        assert_eq!(f.access("PersonNames.SurName"), Access::Denied);
        assert_eq!(f.access("Items"), Access::Granted);
        assert_eq!(f.access("Items.id"), Access::Granted);
        assert_eq!(f.access("Items.Anything.Below"), Access::Granted);
        assert_eq!(f.access("EGN.Child"), Access::Denied);
        assert_eq!(f.access("Other"), Access::Denied);

        let all = set(&["EGN", "*"]);
        assert!(all.is_all());
        assert_eq!(all, FieldSet::all());
        assert_eq!(all.paths(), ["*"]);
        assert_eq!(all.access("Not.In.Table"), Access::Granted);

        let none = FieldSet::parse(&[] as &[&str], TABLE).unwrap();
        assert!(none.is_none());
        assert_eq!(none, FieldSet::none());
        assert_eq!(none.access(""), Access::Container);
        assert_eq!(none.access("EGN"), Access::Denied);
    }

    #[test]
    fn a_subtree_grant_absorbs_what_it_covers() {
        let f = set(&["PersonNames", "PersonNames.FirstName", "PersonNames.*"]);
        assert_eq!(f.paths(), ["PersonNames.*"]);
        assert_eq!(f, set(&["PersonNames.*"]));
        // A path that merely starts with the same letters is not covered.
        let g = set(&["Items.*", "PersonNames.FirstName"]);
        assert_eq!(g.paths(), ["Items.*", "PersonNames.FirstName"]);
    }

    #[test]
    fn attribute_grants_are_attributes_only() {
        let f = set(&["Items.id"]);
        assert_eq!(f.access("Items"), Access::Container);
        assert_eq!(f.access("Items.id"), Access::Granted);
        let items = f.child(f.root(), b"Items", false);
        assert_eq!(
            items,
            Cursor::At {
                node: 1,
                text: false
            }
        );
        assert!(f.child(items, b"id", true).keeps_text());
        // An element that happens to share the attribute's name is not released.
        assert_eq!(f.child(items, b"id", false), Cursor::Drop);
    }

    #[test]
    fn unknown_paths_are_refused_with_the_valid_ones() {
        let valid = TABLE.iter().map(|f| f.path).collect::<Vec<_>>();
        for path in ["FirstName", "PersonNames.Middle", "Nope.*", "personnames"] {
            assert_eq!(
                FieldSet::parse(&[path], TABLE).unwrap_err(),
                FieldError::Unknown {
                    path: path.into(),
                    response_type: None,
                    valid: valid.clone(),
                }
            );
        }
        let e = FieldSet::parse_for(&["EGN", "X"], &SPEC).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field 'X' for RespType; valid fields: PersonNames, PersonNames.FirstName, \
             PersonNames.SurName, EGN, Items, Items.id, Items.Name"
        );
        let e = FieldSet::parse(&["X"], &[]).unwrap_err();
        assert_eq!(e.to_string(), "unknown field 'X'; valid fields: (none)");
    }

    #[test]
    fn malformed_paths_are_refused() {
        for (path, reason) in [
            ("", "the path is empty"),
            (" EGN", "paths contain no whitespace"),
            ("PersonNames. FirstName", "paths contain no whitespace"),
            ("EGN\n", "paths contain no whitespace"),
            ("PersonNames..FirstName", "a segment is empty"),
            (".EGN", "a segment is empty"),
            ("EGN.", "a segment is empty"),
            ("*.EGN", "'*' may only be the whole last segment"),
            (
                "PersonNames.*.FirstName",
                "'*' may only be the whole last segment",
            ),
            ("Person*", "'*' may only be the whole last segment"),
            ("PersonNames.**", "'*' may only be the whole last segment"),
        ] {
            assert_eq!(
                FieldSet::parse(&["EGN", path], TABLE).unwrap_err(),
                FieldError::Malformed {
                    path: path.into(),
                    reason
                },
                "{path:?}"
            );
        }
    }

    #[test]
    fn union_releases_what_either_releases() {
        let a = set(&["PersonNames.FirstName", "Items.id"]);
        let b = set(&["PersonNames.*", "EGN"]);
        let u = a.union(&b);
        assert_eq!(u.paths(), ["EGN", "Items.id", "PersonNames.*"]);
        assert_eq!(u, b.union(&a));
        for path in [
            "",
            "PersonNames",
            "PersonNames.SurName",
            "Items",
            "Items.id",
            "EGN",
        ] {
            let either = [a.access(path), b.access(path)];
            let expected = if either.contains(&Access::Granted) {
                Access::Granted
            } else if either.contains(&Access::Container) {
                Access::Container
            } else {
                Access::Denied
            };
            assert_eq!(u.access(path), expected, "{path}");
        }
        assert_eq!(u.access("Items.Name"), Access::Denied);
        assert_eq!(a.union(&FieldSet::none()), a);
        assert_eq!(FieldSet::none().union(&a), a);
        assert_eq!(a.union(&a), a);
        assert!(a.union(&FieldSet::all()).is_all());
        assert!(FieldSet::all().union(&a).is_all());
    }

    #[test]
    fn matrix_lists_every_field_in_table_order() {
        let m = set(&["PersonNames.FirstName", "Items.*"]).matrix(&SPEC);
        assert_eq!(
            m,
            AccessMatrix {
                has_access: true,
                name: "RespType".into(),
                properties: [
                    ("PersonNames", true),
                    ("PersonNames.FirstName", true),
                    ("PersonNames.SurName", false),
                    ("EGN", false),
                    ("Items", true),
                    ("Items.id", true),
                    ("Items.Name", true),
                ]
                .map(|(p, a)| (p.to_string(), a))
                .to_vec(),
            }
        );
        let none = FieldSet::none().matrix(&SPEC);
        assert!(!none.has_access);
        assert!(none.properties.iter().all(|(_, a)| !a));
        let all = FieldSet::all().matrix(&SPEC);
        assert!(all.has_access && all.properties.iter().all(|(_, a)| *a));
    }

    #[test]
    fn matrix_writes_regix_shape() {
        let mut out = String::new();
        set(&["EGN"]).matrix(&SPEC).write(&mut out);
        let property = |name: &str, access: bool| {
            format!("<Property><HasAccess>{access}</HasAccess><Name>{name}</Name></Property>")
        };
        let properties: String = TABLE
            .iter()
            .map(|f| property(f.path, f.path == "EGN"))
            .collect();
        assert_eq!(
            out,
            format!(
                "<Matrix id=\"AccessMatrix\"><HasAccess>true</HasAccess><Name>RespType</Name>\
                 <Properties>{properties}</Properties></Matrix>"
            )
        );
        let mut out = String::new();
        AccessMatrix {
            has_access: false,
            name: "A<B".into(),
            properties: Vec::new(),
        }
        .write(&mut out);
        assert_eq!(
            out,
            "<Matrix id=\"AccessMatrix\"><HasAccess>false</HasAccess><Name>A&lt;B</Name>\
             <Properties/></Matrix>"
        );
    }
}
