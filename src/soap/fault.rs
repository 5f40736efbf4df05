//! SOAP faults in the format of the request's SOAP version.
//!
//! The reason text is for people and matches RegiX's texts where RegiX has one; the detail
//! carries regway's stable error code (`<rg:Code xmlns:rg="urn:regway:fault">xml.dtd</rg:Code>`)
//! for programs.

use super::envelope::{write_envelope, SoapVersion};
use super::xml::push_escaped;

/// The namespace of regway's fault detail.
pub const FAULT_DETAIL_NS: &str = "urn:regway:fault";
/// The WS-Addressing action of a SOAP 1.2 fault.
pub const FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";

/// Whose fault it is, in SOAP's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// The request is at fault (SOAP 1.1 `Client`).
    Sender,
    /// The service is at fault (SOAP 1.1 `Server`).
    Receiver,
    /// The envelope is of the wrong SOAP version.
    VersionMismatch,
    /// A mandatory header was not understood.
    MustUnderstand,
}

impl FaultCode {
    fn name(self, version: SoapVersion) -> &'static str {
        match (self, version) {
            (FaultCode::Sender, SoapVersion::V11) => "s:Client",
            (FaultCode::Sender, SoapVersion::V12) => "s:Sender",
            (FaultCode::Receiver, SoapVersion::V11) => "s:Server",
            (FaultCode::Receiver, SoapVersion::V12) => "s:Receiver",
            (FaultCode::VersionMismatch, _) => "s:VersionMismatch",
            (FaultCode::MustUnderstand, _) => "s:MustUnderstand",
        }
    }
}

/// A complete fault message.
pub fn write_fault(
    version: SoapVersion,
    code: FaultCode,
    reason: &str,
    error_code: &str,
    relates_to: Option<&str>,
) -> String {
    let mut body = String::with_capacity(512);
    let detail = |body: &mut String| {
        body.push_str(r#"<rg:Code xmlns:rg="urn:regway:fault">"#);
        push_escaped(body, error_code);
        body.push_str("</rg:Code>");
    };
    match version {
        SoapVersion::V11 => {
            body.push_str("<s:Fault><faultcode>");
            body.push_str(code.name(version));
            body.push_str(r#"</faultcode><faultstring xml:lang="en-US">"#);
            push_escaped(&mut body, reason);
            body.push_str("</faultstring><detail>");
            detail(&mut body);
            body.push_str("</detail></s:Fault>");
        }
        SoapVersion::V12 => {
            body.push_str("<s:Fault><s:Code><s:Value>");
            body.push_str(code.name(version));
            body.push_str(r#"</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">"#);
            push_escaped(&mut body, reason);
            body.push_str("</s:Text></s:Reason><s:Detail>");
            detail(&mut body);
            body.push_str("</s:Detail></s:Fault>");
        }
    }
    write_envelope(version, FAULT_ACTION, relates_to, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::{parse, Limits};

    #[test]
    fn faults_are_well_formed_in_both_versions() {
        for v in [SoapVersion::V11, SoapVersion::V12] {
            let f = write_fault(
                v,
                FaultCode::Sender,
                "a <b> & c",
                "xml.dtd",
                Some("urn:uuid:1"),
            );
            let root = parse(f.as_bytes(), Limits::default()).unwrap();
            assert!(root.is(v.envelope_ns(), "Envelope"));
            assert!(f.contains("a &lt;b&gt; &amp; c"));
            assert!(f.contains(">xml.dtd</rg:Code>"));
        }
        assert!(
            write_fault(SoapVersion::V11, FaultCode::Sender, "r", "c", None)
                .contains("<faultcode>s:Client</faultcode>")
        );
        assert!(
            write_fault(SoapVersion::V12, FaultCode::Receiver, "r", "c", None)
                .contains("<s:Value>s:Receiver</s:Value>")
        );
    }
}
