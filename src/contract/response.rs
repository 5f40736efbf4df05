//! `ServiceResultData`, written exactly as RegiX writes it (NOTES §1.5): value types always,
//! nillable nulls as `xsi:nil="true"`, non-nillable nulls omitted.

use super::Contract;
use crate::policy::fields::AccessMatrix;
use crate::soap::xml::push_escaped;

/// The `Data` container of a ready result.
#[derive(Debug, Clone)]
pub struct DataContainer {
    /// The echoed request argument, as standalone XML.
    pub request: String,
    /// The operation's response element, as standalone XML; `None` omits `Response`.
    pub response: Option<String>,
    /// The applied access matrix, when the consumer asked for it; `None` writes it nil.
    pub matrix: Option<AccessMatrix>,
}

impl DataContainer {
    /// Write `<Data id="data">…</Data>`, with `decls` (namespace declarations) on `Data`.
    pub fn write(&self, out: &mut String, decls: &str) {
        out.push_str("<Data");
        out.push_str(decls);
        out.push_str(" id=\"data\"><Request id=\"request\">");
        out.push_str(&self.request);
        out.push_str("</Request>");
        if let Some(r) = &self.response {
            out.push_str("<Response id=\"response\">");
            out.push_str(r);
            out.push_str("</Response>");
        }
        match &self.matrix {
            Some(m) => m.write(out),
            None => out.push_str("<Matrix xsi:nil=\"true\"/>"),
        }
        out.push_str("</Data>");
    }
}

/// A `ServiceResultData`.
#[derive(Debug, Clone)]
pub struct ServiceResult {
    pub is_ready: bool,
    pub data: Option<DataContainer>,
    pub has_error: bool,
    pub error: Option<String>,
    /// RegiX's call id; 0 when no call record was created (refusals).
    pub service_call_id: u64,
    pub verification_code: Option<String>,
    /// The `ds:Signature` over `Data`, written as `Data`'s next sibling (NOTES §1.5).
    pub signature: Option<String>,
}

/// `xsi` and `xsd`, declared on a standalone result as .NET's `XmlSerializer` declares them.
pub const XSI_XSD: &str = r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#;

impl ServiceResult {
    /// A successful synchronous answer.
    pub fn ready(data: DataContainer, service_call_id: u64) -> ServiceResult {
        ServiceResult {
            is_ready: true,
            data: Some(data),
            has_error: false,
            error: None,
            service_call_id,
            verification_code: None,
            signature: None,
        }
    }

    /// A refusal before the adapter was called (access denied, disabled service): not ready,
    /// no call id.
    pub fn refused(error: &str) -> ServiceResult {
        ServiceResult {
            is_ready: false,
            data: None,
            has_error: true,
            error: Some(error.to_string()),
            service_call_id: 0,
            verification_code: None,
            signature: None,
        }
    }

    /// An adapter failure: ready, with the adapter's message.
    pub fn failed(error: &str, service_call_id: u64) -> ServiceResult {
        ServiceResult {
            is_ready: true,
            data: None,
            has_error: true,
            error: Some(error.to_string()),
            service_call_id,
            verification_code: None,
            signature: None,
        }
    }

    /// The SOAP Body content answering `operation` of `contract`.
    pub fn write(&self, contract: Contract, operation: &str) -> String {
        let mut out = String::with_capacity(
            512 + self.signature.as_ref().map_or(0, String::len)
                + self.data.as_ref().map_or(0, |d| {
                    d.request.len() + d.response.as_ref().map_or(0, String::len)
                }),
        );
        out.push('<');
        out.push_str(operation);
        out.push_str("Response xmlns=\"");
        out.push_str(contract.ns());
        out.push_str("\">");
        self.write_container(&mut out, contract, operation, "");
        out.push_str("</");
        out.push_str(operation);
        out.push_str("Response>");
        out
    }

    /// The element holding the members (`ServiceResultData` in V2, `<op>Result` in V1) as a
    /// document of its own, declaring what is in scope for it on the wire plus `xsi` and `xsd`:
    /// the form a result is signed in (NOTES §2.1).
    pub fn standalone(&self, contract: Contract, operation: &str) -> String {
        let mut out = String::with_capacity(1024);
        self.write_container(&mut out, contract, operation, XSI_XSD);
        out
    }

    /// The V2 `ServiceResultData` inside `<op>Result`, or the V1 members directly in it.
    /// `extra_decls` go on the outermost element written.
    fn write_container(
        &self,
        out: &mut String,
        contract: Contract,
        operation: &str,
        extra_decls: &str,
    ) {
        let standalone = !extra_decls.is_empty();
        if contract == Contract::V2 {
            if !standalone {
                out.push('<');
                out.push_str(operation);
                out.push_str("Result>");
            }
            out.push_str("<ServiceResultData xmlns=\"http://egov.bg/RegiX/SignedData\"");
            out.push_str(extra_decls);
            out.push('>');
            self.write_members(out, contract);
            out.push_str("</ServiceResultData>");
            if !standalone {
                out.push_str("</");
                out.push_str(operation);
                out.push_str("Result>");
            }
        } else {
            out.push('<');
            out.push_str(operation);
            out.push_str("Result");
            if standalone {
                out.push_str(" xmlns=\"");
                out.push_str(contract.ns());
                out.push('"');
                out.push_str(extra_decls);
            }
            out.push('>');
            self.write_members(out, contract);
            out.push_str("</");
            out.push_str(operation);
            out.push_str("Result>");
        }
    }

    fn write_members(&self, out: &mut String, contract: Contract) {
        out.push_str("<IsReady>");
        out.push_str(bool_text(self.is_ready));
        out.push_str("</IsReady>");
        match &self.data {
            None => out.push_str("<Data xsi:nil=\"true\"/>"),
            Some(d) => d.write(out, ""),
        }
        if let Some(signature) = &self.signature {
            out.push_str(signature);
        }
        out.push_str("<HasError>");
        out.push_str(bool_text(self.has_error));
        out.push_str("</HasError>");
        match &self.error {
            None => out.push_str("<Error xsi:nil=\"true\"/>"),
            Some(e) => {
                out.push_str("<Error>");
                push_escaped(out, e);
                out.push_str("</Error>");
            }
        }
        out.push_str("<ServiceCallID>");
        out.push_str(&self.service_call_id.to_string());
        out.push_str("</ServiceCallID>");
        if contract == Contract::V2 {
            if let Some(code) = &self.verification_code {
                out.push_str("<VerificationCode>");
                push_escaped(out, code);
                out.push_str("</VerificationCode>");
            }
        }
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_has_nil_data_and_error_text() {
        let body = ServiceResult::refused("Access denied!").write(Contract::V2, "Execute");
        assert_eq!(
            body,
            r#"<ExecuteResponse xmlns="http://egov.bg/RegiX"><ExecuteResult><ServiceResultData xmlns="http://egov.bg/RegiX/SignedData"><IsReady>false</IsReady><Data xsi:nil="true"/><HasError>true</HasError><Error>Access denied!</Error><ServiceCallID>0</ServiceCallID></ServiceResultData></ExecuteResult></ExecuteResponse>"#
        );
    }

    #[test]
    fn v1_members_sit_directly_in_the_result() {
        let data = DataContainer {
            request: "<R xmlns=\"urn:r\"/>".into(),
            response: Some("<S xmlns=\"urn:s\"/>".into()),
            matrix: None,
        };
        let body = ServiceResult::ready(data, 7).write(Contract::V1, "ExecuteSynchronous");
        assert_eq!(
            body,
            r#"<ExecuteSynchronousResponse xmlns="http://tempuri.org/"><ExecuteSynchronousResult><IsReady>true</IsReady><Data id="data"><Request id="request"><R xmlns="urn:r"/></Request><Response id="response"><S xmlns="urn:s"/></Response><Matrix xsi:nil="true"/></Data><HasError>false</HasError><Error xsi:nil="true"/><ServiceCallID>7</ServiceCallID></ExecuteSynchronousResult></ExecuteSynchronousResponse>"#
        );
    }
}
