//! Reading generated types from an [`Element`]: the child cursor that follows a content model in
//! schema order, and the per-value helpers generated code calls.

use crate::{ComplexValue, Element, Error, SimpleValue};

/// A value of a nillable element: present with a value, or present with `xsi:nil="true"`.
#[derive(Debug, Clone, PartialEq)]
pub enum Nillable<T> {
    Nil,
    Value(T),
}

/// Walks the child elements of one element in order. Generated readers take elements off the
/// front as the content model says; [`Cursor::finish`] then refuses anything left over, so an
/// element the schema does not allow is an error rather than silently lost data.
pub struct Cursor<'a> {
    parent: &'a Element,
    kids: Vec<&'a Element>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over the child elements of `parent`.
    pub fn new(parent: &'a Element) -> Self {
        Cursor {
            parent,
            kids: parent.elements().collect(),
            pos: 0,
        }
    }

    /// Whether the next child is `ns`/`name`.
    pub fn peek(&self, ns: &str, name: &str) -> bool {
        self.kids
            .get(self.pos)
            .is_some_and(|e| e.ns == ns && e.name == name)
    }

    /// Whether the next child is one of `names`; `("*", "*")` stands for any element.
    pub fn peek_any(&self, names: &[(&str, &str)]) -> bool {
        self.kids.get(self.pos).is_some_and(|e| {
            names
                .iter()
                .any(|(ns, n)| (*ns == "*" && *n == "*") || (e.ns == *ns && e.name == *n))
        })
    }

    /// How many children have been taken (a loop that takes none must stop).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether children remain.
    pub fn has_more(&self) -> bool {
        self.pos < self.kids.len()
    }

    /// Takes the next child if it is `ns`/`name`.
    pub fn opt<T>(
        &mut self,
        ns: &'static str,
        name: &'static str,
        read: impl Fn(&Element) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        if self.peek(ns, name) {
            let el = self.kids[self.pos];
            self.pos += 1;
            read(el).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Takes the next child, which must be `ns`/`name`.
    pub fn one<T>(
        &mut self,
        ns: &'static str,
        name: &'static str,
        read: impl Fn(&Element) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match self.opt(ns, name, read)? {
            Some(v) => Ok(v),
            None => Err(self.missing(ns, name)),
        }
    }

    /// Takes all consecutive children named `ns`/`name`.
    pub fn many<T>(
        &mut self,
        ns: &'static str,
        name: &'static str,
        read: impl Fn(&Element) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        while let Some(v) = self.opt(ns, name, &read)? {
            out.push(v);
        }
        Ok(out)
    }

    /// Takes the first remaining child named `ns`/`name`, wherever it is (for `xs:all`, whose
    /// members may come in any order).
    pub fn take_anywhere<T>(
        &mut self,
        ns: &'static str,
        name: &'static str,
        read: impl Fn(&Element) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        let found = self.kids[self.pos..]
            .iter()
            .position(|e| e.ns == ns && e.name == name);
        match found {
            Some(i) => {
                let el = self.kids.remove(self.pos + i);
                read(el).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Takes the next child whatever its name (`xs:any`), if its namespace is allowed.
    pub fn any(&mut self, allowed: impl Fn(&str) -> bool) -> Option<Element> {
        let el = self.kids.get(self.pos).filter(|e| allowed(&e.ns))?;
        self.pos += 1;
        Some((*el).clone())
    }

    /// The error for a required element that is not next.
    pub fn missing(&self, ns: &'static str, name: &'static str) -> Error {
        Error::Missing {
            parent: self.parent.name.clone(),
            ns,
            name,
            found: match self.kids.get(self.pos) {
                Some(e) => format!(", found {{{}}}{}", e.ns, e.name),
                None => ", found the end of the element".to_string(),
            },
        }
    }

    /// Refuses children the content model did not take.
    pub fn finish(self) -> Result<(), Error> {
        match self.kids.get(self.pos) {
            Some(e) => Err(Error::Unexpected {
                parent: self.parent.name.clone(),
                ns: e.ns.clone(),
                name: e.name.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// The text content of `el` as a simple value.
pub fn read_simple<T: SimpleValue>(el: &Element) -> Result<T, Error> {
    text(el, &el.text())
}

/// Parses `raw` (text of `el`) as a simple value.
pub fn text<T: SimpleValue>(el: &Element, raw: &str) -> Result<T, Error> {
    T::parse_text(raw).ok_or_else(|| Error::Value {
        element: el.name.clone(),
        value: raw.to_string(),
        kind: T::KIND,
    })
}

/// Reads a complex value (the reader form generated code passes to [`Cursor`]).
pub fn read_complex<T: ComplexValue>(el: &Element) -> Result<T, Error> {
    T::read(el)
}

/// Wraps a reader so that `xsi:nil="true"` yields [`Nillable::Nil`].
pub fn nillable<T>(
    read: impl Fn(&Element) -> Result<T, Error>,
) -> impl Fn(&Element) -> Result<Nillable<T>, Error> {
    move |el| {
        if el.is_nil() {
            Ok(Nillable::Nil)
        } else {
            read(el).map(Nillable::Value)
        }
    }
}

/// Reads attribute `ns`/`name` of `el`, if present.
pub fn attr<T: SimpleValue>(el: &Element, ns: &str, name: &str) -> Result<Option<T>, Error> {
    match el.attribute(ns, name) {
        Some(v) => T::parse_text(v).map(Some).ok_or_else(|| Error::Value {
            element: format!("{}@{name}", el.name),
            value: v.to_string(),
            kind: T::KIND,
        }),
        None => Ok(None),
    }
}
