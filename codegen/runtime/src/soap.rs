//! The SOAP client generated WSDL clients call: one HTTPS POST per operation over rustls with a
//! client certificate, bounded by a deadline, the answer's Body child read with the operation's
//! generated type. Only document/literal is supported (the generator refuses rpc/encoded).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;

use crate::{Element, ElementDef, Error as XmlError};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The SOAP version of a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V11,
    V12,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad endpoint {0}")]
    Endpoint(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    #[error("no answer within {0:?}")]
    Deadline(Duration),
    #[error("SOAP fault: {0}")]
    Fault(String),
    #[error("the answer does not fit the schema: {0}")]
    Xml(#[from] XmlError),
}

/// A configured endpoint: URL, TLS (trust roots and regway's client certificate) and deadline.
#[derive(Clone)]
pub struct Client {
    pub endpoint: String,
    pub tls: Arc<rustls::ClientConfig>,
    pub deadline: Duration,
}

impl Client {
    /// Sends `request` as the Body of an envelope and reads the Body's child as `response`.
    pub async fn call<I, O>(
        &self,
        version: Version,
        action: &str,
        request_def: &ElementDef<I>,
        request: &I,
        response_def: &ElementDef<O>,
    ) -> Result<O, Error> {
        self.call_with_headers(version, action, &[], request_def, request, response_def)
            .await
    }

    /// As [`Client::call`], with `headers` (each a serialized header element, e.g.
    /// `elements::H.to_xml(&h)`) in the envelope's Header.
    pub async fn call_with_headers<I, O>(
        &self,
        version: Version,
        action: &str,
        headers: &[String],
        request_def: &ElementDef<I>,
        request: &I,
        response_def: &ElementDef<O>,
    ) -> Result<O, Error> {
        let answer = self
            .exchange(version, action, headers, request_def.to_xml(request))
            .await?;
        let envelope = crate::parse(&answer)?;
        let child = body_child(&envelope)?;
        if child.name == "Fault" {
            return Err(Error::Fault(fault_text(child)));
        }
        Ok(response_def.read_element(child)?)
    }

    /// A one-way operation (WSDL input without output): sends `request` and expects no response
    /// body. An empty answer (HTTP 202 Accepted, or 200 without content) or an envelope with an
    /// empty Body is success; a SOAP fault is an error.
    pub async fn send<I>(
        &self,
        version: Version,
        action: &str,
        headers: &[String],
        request_def: &ElementDef<I>,
        request: &I,
    ) -> Result<(), Error> {
        let answer = self
            .exchange(version, action, headers, request_def.to_xml(request))
            .await?;
        one_way_answer(&answer)
    }

    async fn exchange(
        &self,
        version: Version,
        action: &str,
        headers: &[String],
        body: String,
    ) -> Result<String, Error> {
        tokio::time::timeout(self.deadline, self.post(version, action, headers, body))
            .await
            .map_err(|_| Error::Deadline(self.deadline))?
    }

    async fn post(
        &self,
        version: Version,
        action: &str,
        headers: &[String],
        body: String,
    ) -> Result<String, Error> {
        let uri: hyper::Uri = self
            .endpoint
            .parse()
            .map_err(|_| Error::Endpoint(self.endpoint.clone()))?;
        let host = uri
            .host()
            .ok_or_else(|| Error::Endpoint(self.endpoint.clone()))?
            .to_string();
        let port = uri.port_u16().unwrap_or(443);
        let (ns, content_type) = match version {
            Version::V11 => (SOAP11, "text/xml; charset=utf-8".to_string()),
            Version::V12 => (
                SOAP12,
                format!("application/soap+xml; charset=utf-8; action=\"{action}\""),
            ),
        };
        let envelope = envelope(ns, headers, &body);
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| Error::Connect(e.to_string()))?;
        let name = ServerName::try_from(host.clone()).map_err(|_| Error::Endpoint(host.clone()))?;
        let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| Error::Connect(e.to_string()))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| Error::Http(e.to_string()))?;
        tokio::spawn(conn);
        let mut req = Request::post(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header("host", host)
            .header("content-type", content_type);
        if version == Version::V11 {
            req = req.header("soapaction", format!("\"{action}\""));
        }
        let req = req
            .body(Full::new(Bytes::from(envelope)))
            .map_err(|e| Error::Http(e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| Error::Http(e.to_string()))?;
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::Http(e.to_string()))?
            .to_bytes();
        crate::decode(&bytes).map_err(Error::Xml)
    }
}

/// The request envelope: a Header with `headers` (when there are any), and the Body.
fn envelope(ns: &str, headers: &[String], body: &str) -> String {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"{ns}\">");
    if !headers.is_empty() {
        out.push_str("<s:Header>");
        headers.iter().for_each(|h| out.push_str(h));
        out.push_str("</s:Header>");
    }
    out.push_str("<s:Body>");
    out.push_str(body);
    out.push_str("</s:Body></s:Envelope>");
    out
}

/// The answer to a one-way operation: nothing, or an envelope whose Body is empty; a fault is an
/// error.
fn one_way_answer(answer: &str) -> Result<(), Error> {
    if answer.trim().is_empty() {
        return Ok(());
    }
    let envelope = crate::parse(answer)?;
    let child = envelope
        .elements()
        .find(|e| e.name == "Body")
        .and_then(|b| b.elements().next());
    match child {
        Some(f) if f.name == "Fault" => Err(Error::Fault(fault_text(f))),
        _ => Ok(()),
    }
}

fn body_child(envelope: &Element) -> Result<&Element, Error> {
    envelope
        .elements()
        .find(|e| e.name == "Body")
        .and_then(|b| b.elements().next())
        .ok_or_else(|| Error::Fault("the answer has no SOAP Body content".into()))
}

fn fault_text(fault: &Element) -> String {
    fn all(e: &Element, out: &mut String) {
        let t = e.text();
        if !t.trim().is_empty() {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(t.trim());
        }
        for c in e.elements() {
            all(c, out);
        }
    }
    let mut s = String::new();
    all(fault, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_with_and_without_headers() {
        assert_eq!(
            envelope(SOAP11, &[], "<A/>"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><A/></s:Body></s:Envelope>"
        );
        let e = envelope(SOAP12, &["<H xmlns=\"urn:h\"/>".into()], "<A/>");
        assert!(e.contains("<s:Header><H xmlns=\"urn:h\"/></s:Header><s:Body><A/></s:Body>"));
    }

    #[test]
    fn one_way_answers() {
        assert!(one_way_answer("").is_ok());
        assert!(one_way_answer(&format!(
            "<s:Envelope xmlns:s=\"{SOAP11}\"><s:Body/></s:Envelope>"
        ))
        .is_ok());
        let fault = format!(
            "<s:Envelope xmlns:s=\"{SOAP11}\"><s:Body><s:Fault><faultstring>no</faultstring></s:Fault></s:Body></s:Envelope>"
        );
        assert!(matches!(one_way_answer(&fault), Err(Error::Fault(m)) if m == "no"));
    }
}
