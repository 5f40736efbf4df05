//! Loading a set of schemas: the files given plus everything they import, with the global
//! definitions indexed by qualified name.
//!
//! Imports are resolved relative to the importing file. The corpus references some files with
//! the wrong letter case (written on Windows), so a location that does not exist as written is
//! looked up case-insensitively in the same folder before it is reported missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::*;
use super::parse;
use crate::error::{Error, Result};

/// The global definitions of a set of schemas.
#[derive(Debug, Default)]
pub struct SchemaSet {
    /// Every schema read, in the order read (the given files first).
    pub docs: Vec<SchemaDoc>,
    pub elements: BTreeMap<QName, ElementDecl>,
    pub types: BTreeMap<QName, TypeDef>,
    pub groups: BTreeMap<QName, (Particle, Loc)>,
    pub attribute_groups: BTreeMap<QName, (Vec<AttrItem>, Loc)>,
    pub attributes: BTreeMap<QName, AttrDecl>,
    /// Definitions that appeared twice (the first is kept): file copies in the corpus.
    pub duplicates: Vec<String>,
    /// Other notes on how the set was read (remote imports read from local copies).
    pub notes: Vec<String>,
    /// The files given (canonical paths), as opposed to those read because they are imported:
    /// the documents of the set, rather than its components. Empty: every file counts as given.
    pub given: BTreeSet<PathBuf>,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// A redefined type's reference to its own name (its base) is to the original `to`.
fn rename_base(t: &mut TypeDef, from: &QName, to: &QName) {
    let fix = |q: &mut QName| {
        if q == from {
            *q = to.clone();
        }
    };
    match &mut t.kind {
        TypeKind::Complex(c) => match &mut c.content {
            Content::Elements {
                base: Some((q, _, _)),
                ..
            } => fix(q),
            Content::Simple {
                base: TypeRef::Named(q, _),
                ..
            } => fix(q),
            _ => {}
        },
        TypeKind::Simple(SimpleDef::Restriction {
            base: TypeRef::Named(q, _),
            ..
        }) => fix(q),
        TypeKind::Simple(_) => {}
    }
}

/// A redefined group's reference to itself is to the original `to`.
fn rename_group_refs(p: &mut Particle, from: &QName, to: &QName) {
    match p {
        Particle::GroupRef(q, _, _) if q == from => *q = to.clone(),
        Particle::Group { items, .. } => items
            .iter_mut()
            .for_each(|i| rename_group_refs(i, from, to)),
        _ => {}
    }
}

/// The local copy, in `dir`, of the schema at the remote `url`: the file named like the URL's
/// last path segment (without query), else the `.xsd` file there whose `targetNamespace` is
/// `namespace`.
pub fn local_copy(dir: &Path, url: &str, namespace: Option<&str>) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or("");
    if !last.is_empty() && !last.contains("..") {
        if let Some(p) = resolve_location(dir, last) {
            return Some(p);
        }
    }
    let namespace = namespace?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xsd")))
        .collect();
    candidates.sort();
    candidates.into_iter().find(|p| {
        let Ok(text) = std::fs::read_to_string(p) else {
            return false;
        };
        parse::document(p, &text).is_ok_and(|d| {
            let root = d.root_element();
            root.tag_name().namespace() == Some(XS)
                && root.tag_name().name() == "schema"
                && root.attribute("targetNamespace").unwrap_or("") == namespace
        })
    })
}

/// Finds `location` relative to `dir`, falling back to a case-insensitive match of each path
/// component.
pub fn resolve_location(dir: &Path, location: &str) -> Option<PathBuf> {
    if location.contains("://") {
        return None;
    }
    let exact = dir.join(location);
    if exact.is_file() {
        return Some(exact);
    }
    let mut current = dir.to_path_buf();
    for part in location.split(['/', '\\']) {
        match part {
            "" | "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        let direct = current.join(part);
        if direct.exists() {
            current = direct;
            continue;
        }
        let lower = part.to_lowercase();
        let found = std::fs::read_dir(&current)
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().to_lowercase() == lower)?;
        current = found.path();
    }
    current.is_file().then_some(current)
}

impl SchemaSet {
    /// Loads `files` and their imports.
    pub fn load(files: &[PathBuf]) -> Result<SchemaSet> {
        let mut set = SchemaSet::default();
        let mut seen = BTreeSet::new();
        set.given = files.iter().map(|f| canonical(f)).collect();
        for f in files {
            set.add_file(f, &mut seen)?;
        }
        Ok(set)
    }

    /// Adds a schema read elsewhere (inside a WSDL), then what it imports.
    pub fn add_doc(
        &mut self,
        doc: SchemaDoc,
        dir: &Path,
        seen: &mut BTreeSet<PathBuf>,
    ) -> Result<()> {
        let imports = doc.imports.clone();
        let redefines = doc.redefines.clone();
        let tns = doc.target_ns.clone();
        let doc_index = self.docs.len();
        self.index(doc);
        for r in redefines {
            let path = if r.location.contains("://") {
                local_copy(dir, &r.location, Some(&tns))
            } else {
                resolve_location(dir, &r.location)
            };
            let Some(path) = path else {
                return Err(Error::MissingImport {
                    loc: r.loc,
                    location: r.location,
                    dir: dir.to_path_buf(),
                });
            };
            let imp = Import {
                include: true,
                namespace: None,
                location: Some(r.location.clone()),
                loc: r.loc.clone(),
            };
            self.add_included(&path, &tns, &imp, seen)?;
            self.redefine(r, doc_index)?;
        }
        for imp in imports {
            let Some(location) = imp.location.as_deref() else {
                continue;
            };
            if imp.include {
                let path = if location.contains("://") {
                    local_copy(dir, location, Some(&tns))
                } else {
                    resolve_location(dir, location)
                };
                let Some(path) = path else {
                    return Err(Error::MissingImport {
                        loc: imp.loc,
                        location: location.to_string(),
                        dir: dir.to_path_buf(),
                    });
                };
                self.add_included(&path, &tns, &imp, seen)?;
                continue;
            }
            if location.contains("://") {
                // A remote location is never fetched. As for `wsdl:import`, the copy saved
                // beside the importing file is read: the file named like the URL's last
                // segment, else the schema there whose targetNamespace is the imported one.
                // Without either, the namespace must come from a schema in the set; a missing
                // type is reported where it is used.
                if let Some(path) = local_copy(dir, location, imp.namespace.as_deref()) {
                    self.notes.push(format!(
                        "{}: xs:import {location:?} is remote; read {} instead",
                        imp.loc,
                        path.display()
                    ));
                    self.add_file(&path, seen)?;
                }
                continue;
            }
            match resolve_location(dir, location) {
                Some(path) => self.add_file(&path, seen)?,
                None => {
                    return Err(Error::MissingImport {
                        loc: imp.loc,
                        location: location.to_string(),
                        dir: dir.to_path_buf(),
                    })
                }
            }
        }
        Ok(())
    }

    /// Whether `file` was read only because another schema imports it.
    pub fn is_imported(&self, file: &Path) -> bool {
        !self.given.is_empty() && !self.given.contains(&canonical(file))
    }

    /// Applies an `xs:redefine` of the schema `doc_index` after the redefined schema is loaded:
    /// each original definition is kept under a name of its own (`<name>Redefined`, the base or
    /// group its redefinition refers to), and the redefinition takes the name.
    fn redefine(&mut self, r: Redefine, doc_index: usize) -> Result<()> {
        let original = |q: &QName| QName::new(&q.ns, &format!("{}Redefined", q.name));
        let missing = |q: &QName, loc: &Loc, what: &str| Error::Invalid {
            loc: loc.clone(),
            message: format!(
                "xs:redefine of {what} {q}, which {} does not define",
                r.location
            ),
        };
        for mut t in r.types {
            let Some(q) = t.name.clone() else { continue };
            let Some(mut old) = self.types.remove(&q) else {
                return Err(missing(&q, &t.loc, "type"));
            };
            let renamed = original(&q);
            old.name = Some(renamed.clone());
            rename_base(&mut t, &q, &renamed);
            self.types.insert(renamed, old);
            self.types.insert(q, t.clone());
            self.docs[doc_index].types.push(t);
        }
        for (q, mut particle, loc) in r.groups {
            let Some(old) = self.groups.remove(&q) else {
                return Err(missing(&q, &loc, "group"));
            };
            let renamed = original(&q);
            rename_group_refs(&mut particle, &q, &renamed);
            self.groups.insert(renamed, old);
            self.groups.insert(q, (particle, loc));
        }
        for (q, mut attrs, loc) in r.attribute_groups {
            let Some(old) = self.attribute_groups.remove(&q) else {
                return Err(missing(&q, &loc, "attribute group"));
            };
            let renamed = original(&q);
            for a in &mut attrs {
                if let AttrItem::GroupRef(g, _) = a {
                    if *g == q {
                        *g = renamed.clone();
                    }
                }
            }
            self.attribute_groups.insert(renamed, old);
            self.attribute_groups.insert(q, (attrs, loc));
        }
        Ok(())
    }

    /// Adds the schema file `path` (once) and what it imports.
    pub fn add_file(&mut self, path: &Path, seen: &mut BTreeSet<PathBuf>) -> Result<()> {
        self.add_file_in(path, None, seen)
    }

    /// Adds the schema file `path` included (`imp`) by a schema of namespace `tns`: one without
    /// a targetNamespace is read into `tns` (chameleon, once per namespace); one with another
    /// targetNamespace is an error naming the `xs:include`.
    fn add_included(
        &mut self,
        path: &Path,
        tns: &str,
        imp: &Import,
        seen: &mut BTreeSet<PathBuf>,
    ) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let document = parse::document(path, &text)?;
        match document.root_element().attribute("targetNamespace") {
            Some(own) if own != tns => Err(Error::Invalid {
                loc: imp.loc.clone(),
                message: format!(
                    "xs:include of {}: its targetNamespace {own:?} is not the including schema's {tns:?}",
                    path.display()
                ),
            }),
            Some(_) => self.add_file_in(path, None, seen),
            None => self.add_file_in(path, Some(tns), seen),
        }
    }

    fn add_file_in(
        &mut self,
        path: &Path,
        chameleon: Option<&str>,
        seen: &mut BTreeSet<PathBuf>,
    ) -> Result<()> {
        let mut key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(ns) = chameleon.filter(|ns| !ns.is_empty()) {
            // A chameleon schema is a different set of definitions in each namespace.
            key = PathBuf::from(format!("{}\u{0}{ns}", key.display()));
        }
        if !seen.insert(key) {
            return Ok(());
        }
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let document = parse::document(path, &text)?;
        let root = document.root_element();
        let file = Arc::new(path.to_path_buf());
        if root.tag_name().namespace() != Some(XS) || root.tag_name().name() != "schema" {
            return Err(Error::Invalid {
                loc: Loc {
                    file,
                    line: document.text_pos_at(root.range().start).row,
                },
                message: format!("root element is not xs:schema but {:?}", root.tag_name()),
            });
        }
        let doc = parse::schema_in(&file, root, chameleon)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        self.add_doc(doc, dir, seen)
    }

    fn index(&mut self, doc: SchemaDoc) {
        fn put<T>(map: &mut BTreeMap<QName, T>, dups: &mut Vec<String>, k: QName, v: T, l: &Loc) {
            match map.entry(k) {
                std::collections::btree_map::Entry::Occupied(e) => dups.push(format!(
                    "{l}: {} is defined again; the first definition is used",
                    e.key()
                )),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
            }
        }
        let d = &mut self.duplicates;
        for e in &doc.elements {
            put(&mut self.elements, d, e.name.clone(), e.clone(), &e.loc);
        }
        for t in &doc.types {
            if let Some(n) = &t.name {
                put(&mut self.types, d, n.clone(), t.clone(), &t.loc);
            }
        }
        for (n, p, l) in &doc.groups {
            put(&mut self.groups, d, n.clone(), (p.clone(), l.clone()), l);
        }
        for (n, a, l) in &doc.attribute_groups {
            put(
                &mut self.attribute_groups,
                d,
                n.clone(),
                (a.clone(), l.clone()),
                l,
            );
        }
        for a in &doc.attributes {
            put(&mut self.attributes, d, a.name.clone(), a.clone(), &a.loc);
        }
        self.docs.push(doc);
    }
}
