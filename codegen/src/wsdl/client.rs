//! The typed async client of a WSDL: per SOAP binding a struct with one method per
//! document/literal operation, calling [`regway_xml_runtime::soap::Client`].

use std::fmt::Write as _;

use super::{Protocol, Wsdl};
use crate::names::{self, Scope};
use crate::rust::ir::Module;

/// The client source appended to the WSDL's types module.
pub fn emit(w: &Wsdl, m: &Module) -> String {
    let root = |q: &crate::xsd::model::QName| {
        m.roots
            .iter()
            .find(|r| r.ns == q.ns && r.name == q.name)
            .map(|r| {
                let t = crate::rust::emit::root_type(m, &r.value).0;
                (r.konst.clone(), t)
            })
    };
    let mut out = String::from(
        "\n/// Typed clients: one struct per SOAP binding, one async method per document/literal\n/// operation (rpc/encoded operations are left out; the operation table says why).\npub mod client {\n    #[allow(unused_imports)]\n    use super::*;\n    #[allow(unused_imports)]\n    use super::rt;\n",
    );
    let mut bindings: Vec<&str> = vec![];
    for o in &w.operations {
        if !bindings.contains(&o.binding.as_str()) {
            bindings.push(&o.binding);
        }
    }
    let mut types = Scope::default();
    for b in bindings {
        let ops: Vec<_> = w
            .operations
            .iter()
            .filter(|o| o.binding == b && o.unsupported.is_none())
            .collect();
        if ops.is_empty() {
            continue;
        }
        let t = types.unique(format!("{}Client", names::type_name(b)));
        let _ = writeln!(
            out,
            "\n    /// Binding `{b}`.\n    #[derive(Clone)]\n    pub struct {t} {{\n        pub soap: rt::soap::Client,\n    }}\n\n    impl {t} {{"
        );
        let mut fns = Scope::default();
        for o in ops {
            let version = if o.protocol == Protocol::Soap12 {
                "V12"
            } else {
                "V11"
            };
            let headers: Option<Vec<(String, String)>> = o.input_headers.iter().map(root).collect();
            let input = o.input.as_ref().and_then(root);
            let output = match &o.output {
                Some(q) => root(q).map(Some),
                None => Some(None),
            };
            let (Some(i), Some(output), Some(headers)) = (input, output, headers) else {
                let _ = writeln!(
                    out,
                    "        // {}: an input, output or header element is not in the schemas.",
                    o.name
                );
                continue;
            };
            // One argument per header (named after its element), then the request.
            let mut args = Scope::with_reserved(&["self", "request"]);
            let header_args: Vec<(String, &(String, String))> = o
                .input_headers
                .iter()
                .zip(&headers)
                .map(|(q, h)| (args.unique(names::field_name(&q.name)), h))
                .collect();
            let params: String = header_args
                .iter()
                .map(|(a, (_, t))| format!("{a}: &{t}, "))
                .collect();
            let header_list = header_args
                .iter()
                .map(|(a, (k, _))| format!("elements::{k}.to_xml({a})"))
                .collect::<Vec<_>>()
                .join(", ");
            let header_doc = if header_args.is_empty() {
                String::new()
            } else {
                "\n        /// The header arguments go in the envelope's Header, in this order."
                    .into()
            };
            let f = fns.unique(names::field_name(&o.name));
            match output {
                None => {
                    let _ = writeln!(
                        out,
                        "        /// Operation `{}` (SOAP action {:?}), one-way: sends the request and expects no\n        /// response body.{header_doc}\n        pub async fn {f}(&self, {params}request: &{}) -> Result<(), rt::soap::Error> {{\n            self.soap\n                .send(rt::soap::Version::{version}, {:?}, &[{header_list}], &elements::{}, request)\n                .await\n        }}",
                        o.name, o.soap_action, i.1, o.soap_action, i.0,
                    );
                }
                Some(r) if header_args.is_empty() => {
                    let _ = writeln!(
                        out,
                        "        /// Operation `{}` (SOAP action {:?}).\n        pub async fn {f}(&self, request: &{}) -> Result<{}, rt::soap::Error> {{\n            self.soap\n                .call(rt::soap::Version::{version}, {:?}, &elements::{}, request, &elements::{})\n                .await\n        }}",
                        o.name, o.soap_action, i.1, r.1, o.soap_action, i.0, r.0
                    );
                }
                Some(r) => {
                    let _ = writeln!(
                        out,
                        "        /// Operation `{}` (SOAP action {:?}).{header_doc}\n        pub async fn {f}(&self, {params}request: &{}) -> Result<{}, rt::soap::Error> {{\n            self.soap\n                .call_with_headers(rt::soap::Version::{version}, {:?}, &[{header_list}], &elements::{}, request, &elements::{})\n                .await\n        }}",
                        o.name, o.soap_action, i.1, r.1, o.soap_action, i.0, r.0
                    );
                }
            }
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}
