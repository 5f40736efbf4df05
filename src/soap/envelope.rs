//! Reading request envelopes and writing response envelopes.

use super::xml::{self, Element, Limits, Node, XmlError};

/// The SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Addressing 1.0, which WCF's `wsHttpBinding` (RegiX's SOAP 1.2 endpoints) uses.
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";

/// A SOAP version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    /// SOAP 1.1 (`text/xml`), RegiX's `/basic` endpoint.
    V11,
    /// SOAP 1.2 (`application/soap+xml`) with WS-Addressing.
    V12,
}

impl SoapVersion {
    /// The version a Content-Type announces, if it announces one.
    pub fn from_content_type(content_type: &str) -> Option<SoapVersion> {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "text/xml" => Some(SoapVersion::V11),
            "application/soap+xml" => Some(SoapVersion::V12),
            _ => None,
        }
    }

    /// The envelope namespace of this version.
    pub fn envelope_ns(self) -> &'static str {
        match self {
            SoapVersion::V11 => SOAP11_NS,
            SoapVersion::V12 => SOAP12_NS,
        }
    }

    /// The version as people write it (`1.1`, `1.2`), for records and logs.
    pub fn label(self) -> &'static str {
        match self {
            SoapVersion::V11 => "1.1",
            SoapVersion::V12 => "1.2",
        }
    }

    /// The Content-Type of a message in this version.
    pub fn content_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml; charset=utf-8",
            SoapVersion::V12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// Why a well-formed document is not an acceptable SOAP request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoapError {
    /// The Content-Type is neither `text/xml` nor `application/soap+xml`.
    #[error("Unsupported Content-Type '{0}': use text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)")]
    MediaType(String),
    /// The root element is not a SOAP envelope.
    #[error("The request is not a SOAP envelope")]
    NotEnvelope,
    /// The envelope's version disagrees with the Content-Type.
    #[error("The envelope namespace does not match the SOAP version of the Content-Type")]
    VersionMismatch,
    /// The envelope has no Body, or an empty one.
    #[error("The SOAP Body is missing or empty")]
    NoBody,
    /// A header marked mustUnderstand that regway does not process.
    #[error("Header {0} is marked mustUnderstand but is not understood")]
    MustUnderstand(String),
    /// The Envelope is not an optional Header and one Body, or the Body holds more than one
    /// element: whatever reads the message (a proxy, a log, regway) must see one request.
    #[error("The SOAP envelope is not laid out as SOAP requires: {0}")]
    Layout(&'static str),
}

/// The WS-Addressing headers of a request that shape the response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    pub action: Option<String>,
    pub message_id: Option<String>,
}

/// A parsed request envelope.
#[derive(Debug)]
pub struct Envelope {
    pub version: SoapVersion,
    root: Element,
}

impl Envelope {
    /// Parse a request body sent with the given Content-Type.
    pub fn parse(
        content_type: &str,
        body: &[u8],
        limits: Limits,
    ) -> Result<Envelope, EnvelopeError> {
        let version = SoapVersion::from_content_type(content_type)
            .ok_or_else(|| SoapError::MediaType(content_type.to_string()))?;
        let root = xml::parse(body, limits)?;
        if root.local != "Envelope" || (root.ns != SOAP11_NS && root.ns != SOAP12_NS) {
            return Err(SoapError::NotEnvelope.into());
        }
        if root.ns != version.envelope_ns() {
            return Err(SoapError::VersionMismatch.into());
        }
        let env = Envelope { version, root };
        env.check_layout()?;
        env.check_must_understand()?;
        Ok(env)
    }

    /// The Envelope holds an optional Header, then one Body, and nothing else (SOAP 1.2 §5.1;
    /// SOAP 1.1 allowed elements after the Body, WS-I Basic Profile R1011 does not); the Body
    /// holds one element at most (R2201). Anything else could be read two ways: a second Body
    /// that a logging proxy or a firewall never looks at must not be the one served.
    fn check_layout(&self) -> Result<(), SoapError> {
        let ns = self.version.envelope_ns();
        // XML's white space only: U+00A0 and the like are text.
        let text_in = |e: &Element| {
            e.children
                .iter()
                .any(|n| matches!(n, Node::Text(t) if !xml::is_xml_space(t.as_bytes())))
        };
        let mut children = self.root.elements();
        let mut next = children.next();
        if next.is_some_and(|e| e.is(ns, "Header")) {
            next = children.next();
        }
        let body = match next {
            Some(e) if e.is(ns, "Body") => e,
            _ if self.root.child(ns, "Body").is_none() => return Err(SoapError::NoBody),
            _ => {
                return Err(SoapError::Layout(
                    "the Envelope must hold an optional Header followed by the Body",
                ))
            }
        };
        if children.next().is_some() {
            return Err(SoapError::Layout(
                "nothing may follow the Body in the Envelope",
            ));
        }
        if body.elements().nth(1).is_some() {
            return Err(SoapError::Layout("the Body must hold one element"));
        }
        if text_in(&self.root) || text_in(body) {
            return Err(SoapError::Layout(
                "the Envelope and the Body hold elements, not text",
            ));
        }
        Ok(())
    }

    /// The `Envelope` element.
    pub fn root(&self) -> &Element {
        &self.root
    }

    fn header(&self) -> Option<&Element> {
        self.root.child(self.version.envelope_ns(), "Header")
    }

    /// The first element inside Body: the operation wrapper.
    pub fn body_payload(&self) -> Result<&Element, SoapError> {
        self.root
            .child(self.version.envelope_ns(), "Body")
            .and_then(Element::first_element)
            .ok_or(SoapError::NoBody)
    }

    /// The WS-Addressing headers, when the consumer sent them.
    pub fn addressing(&self) -> Addressing {
        let Some(header) = self.header() else {
            return Addressing::default();
        };
        let text = |local| {
            header
                .child(WSA_NS, local)
                .map(|e| e.text().trim().to_string())
        };
        Addressing {
            action: text("Action"),
            message_id: text("MessageID"),
        }
    }

    /// SOAP requires refusing a mandatory header we do not process. We process WS-Addressing
    /// and WS-Security (the signature step decides on the latter, after the consumer's policy);
    /// everything else is refused rather than silently ignored.
    fn check_must_understand(&self) -> Result<(), SoapError> {
        let Some(header) = self.header() else {
            return Ok(());
        };
        let env_ns = self.version.envelope_ns();
        for h in header.elements() {
            let must = matches!(
                h.attribute(env_ns, "mustUnderstand").map(str::trim),
                Some("1") | Some("true")
            );
            if must && h.ns != WSA_NS && !h.is(crate::dsig::WSSE_NS, "Security") {
                return Err(SoapError::MustUnderstand(format!(
                    "{{{}}}{}",
                    h.ns, h.local
                )));
            }
        }
        Ok(())
    }
}

/// Either layer of envelope parsing can refuse a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(transparent)]
    Soap(#[from] SoapError),
}

/// Write a response envelope around `body` (already serialised XML). For SOAP 1.2 the
/// WS-Addressing `Action` (and `RelatesTo`, when the request had a MessageID) are written the
/// way WCF's `wsHttpBinding` writes them.
pub fn write_envelope(
    version: SoapVersion,
    action: &str,
    relates_to: Option<&str>,
    body: &str,
) -> String {
    let mut out = String::with_capacity(body.len() + 512);
    match version {
        SoapVersion::V11 => {
            out.push_str(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">"#);
        }
        SoapVersion::V12 => {
            out.push_str(r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">"#);
            xml::push_escaped(&mut out, action);
            out.push_str("</a:Action>");
            if let Some(id) = relates_to {
                out.push_str("<a:RelatesTo>");
                xml::push_escaped(&mut out, id);
                out.push_str("</a:RelatesTo>");
            }
            out.push_str("</s:Header>");
        }
    }
    out.push_str(r#"<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#);
    out.push_str(body);
    out.push_str("</s:Body></s:Envelope>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(ct: &str, body: &str) -> Result<Envelope, EnvelopeError> {
        Envelope::parse(ct, body.as_bytes(), Limits::default())
    }

    #[test]
    fn detects_version_and_checks_it_against_the_envelope() {
        let e11 = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>"#;
        let e12 = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x/></s:Body></s:Envelope>"#;
        assert_eq!(
            parse("text/xml; charset=utf-8", e11).unwrap().version,
            SoapVersion::V11
        );
        assert_eq!(
            parse(r#"application/soap+xml; charset=utf-8; action="a""#, e12)
                .unwrap()
                .version,
            SoapVersion::V12
        );
        assert_eq!(
            parse("text/xml", e12).unwrap_err(),
            EnvelopeError::Soap(SoapError::VersionMismatch)
        );
        assert!(matches!(
            parse("application/json", e11).unwrap_err(),
            EnvelopeError::Soap(SoapError::MediaType(_))
        ));
        assert_eq!(
            parse("text/xml", "<x/>").unwrap_err(),
            EnvelopeError::Soap(SoapError::NotEnvelope)
        );
    }

    #[test]
    fn refuses_any_layout_but_header_then_one_body() {
        let env = |inner: &str| {
            format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">{inner}</s:Envelope>"#
            )
        };
        let layout = |inner: &str| match parse("text/xml", &env(inner)) {
            Err(EnvelopeError::Soap(SoapError::Layout(why))) => why,
            other => panic!("{inner}: {other:?}"),
        };
        assert!(parse("text/xml", &env("<s:Header/>\n <s:Body><x/></s:Body> ")).is_ok());
        assert!(parse("text/xml", &env("<s:Body><x/></s:Body>")).is_ok());
        assert_eq!(
            layout("<s:Body><a/></s:Body><s:Body><b/></s:Body>"),
            "nothing may follow the Body in the Envelope"
        );
        layout("<s:Header/><s:Body><a/></s:Body><s:Body><b/></s:Body>");
        layout("<s:Body><a/></s:Body><s:Header/>");
        layout("<s:Header/><s:Header/><s:Body><a/></s:Body>");
        layout("<x:Other xmlns:x=\"urn:x\"/><s:Body><a/></s:Body>");
        layout("<s:Body><a/></s:Body><x:After xmlns:x=\"urn:x\"/>");
        assert_eq!(
            layout("<s:Body><a/><b/></s:Body>"),
            "the Body must hold one element"
        );
        layout("<s:Body>text<a/></s:Body>");
        layout("text<s:Body><a/></s:Body>");
        // Found by the envelope oracle: a no-break space is text, not white space.
        layout("<s:Body>\u{a0}<a/></s:Body>");
        layout("\u{3000}<s:Body><a/></s:Body>");
        assert_eq!(
            parse("text/xml", &env("<s:Header/>")).unwrap_err(),
            EnvelopeError::Soap(SoapError::NoBody)
        );
    }

    #[test]
    fn reads_addressing_and_refuses_unknown_mandatory_headers() {
        let ok = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">act</a:Action><a:MessageID>urn:uuid:1</a:MessageID></s:Header><s:Body><x/></s:Body></s:Envelope>"#;
        let env = parse("application/soap+xml", ok).unwrap();
        assert_eq!(env.addressing().action.as_deref(), Some("act"));
        assert_eq!(env.addressing().message_id.as_deref(), Some("urn:uuid:1"));
        let bad = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><w:Security xmlns:w="urn:w" s:mustUnderstand="1"/></s:Header><s:Body><x/></s:Body></s:Envelope>"#;
        assert_eq!(
            parse("text/xml", bad).unwrap_err(),
            EnvelopeError::Soap(SoapError::MustUnderstand("{urn:w}Security".into()))
        );
        let empty = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body> </s:Body></s:Envelope>"#;
        assert_eq!(
            parse("text/xml", empty)
                .unwrap()
                .body_payload()
                .unwrap_err(),
            SoapError::NoBody
        );
    }
}
