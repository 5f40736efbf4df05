//! HTTP: the endpoints, `?wsdl`, the body limit and the per-request deadline.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, StatusCode};

use crate::config::LimitsConfig;
use crate::contract::{wsdl, Contract};
use crate::error::Error;
use crate::pipeline::{self, Gateway, Request};
use crate::policy::Thumbprints;

/// What every request on one TLS connection shares.
pub struct ConnectionContext {
    pub gateway: Arc<Gateway>,
    pub peer: Thumbprints,
    pub local: Option<SocketAddr>,
    pub limits: LimitsConfig,
}

type Response = hyper::Response<Full<Bytes>>;

/// The contract served at a path. IIS matched paths case-insensitively and RegiX is often
/// deployed under a prefix (`/RegiX/RegiXEntryPoint.svc`), so the suffix decides.
pub fn contract_for_path(path: &str) -> Option<Contract> {
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    if p.ends_with("/regixentrypointv2.svc/basic") || p.ends_with("/regixentrypointv2.svc") {
        Some(Contract::V2)
    } else if p.ends_with("/regixentrypoint.svc") {
        Some(Contract::V1)
    } else {
        None
    }
}

/// Answer one HTTP request.
pub async fn handle(
    ctx: Arc<ConnectionContext>,
    req: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let Some(contract) = contract_for_path(req.uri().path()) else {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            "No regway endpoint at this address.\n",
        ));
    };
    match *req.method() {
        Method::GET => Ok(get(&ctx, contract, &req)),
        Method::POST => Ok(post(ctx, contract, req).await),
        _ => {
            let mut r = plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "Use POST for SOAP and GET ?wsdl for the contract.\n",
            );
            r.headers_mut()
                .insert("allow", HeaderValue::from_static("GET, POST"));
            Ok(r)
        }
    }
}

fn get(ctx: &ConnectionContext, contract: Contract, req: &hyper::Request<Incoming>) -> Response {
    let wants_wsdl = req.uri().query().is_some_and(|q| {
        q.split('&')
            .any(|k| k.eq_ignore_ascii_case("wsdl") || k.eq_ignore_ascii_case("singleWsdl"))
    });
    if !wants_wsdl {
        return plain(
            StatusCode::OK,
            "This is a regway SOAP endpoint. Its contract is at ?wsdl.\n",
        );
    }
    let base = format!("https://{}", authority(ctx, req));
    let mut r = hyper::Response::new(Full::new(Bytes::from(wsdl::render(contract, &base))));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

/// The host the consumer addressed, if it is a plausible host name, else our own address.
fn authority(ctx: &ConnectionContext, req: &hyper::Request<Incoming>) -> String {
    let claimed = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            req.headers()
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        });
    match claimed {
        Some(h)
            if !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) =>
        {
            h
        }
        _ => ctx
            .local
            .map(|a| a.to_string())
            .unwrap_or_else(|| "localhost".to_string()),
    }
}

async fn post(
    ctx: Arc<ConnectionContext>,
    contract: Contract,
    req: hyper::Request<Incoming>,
) -> Response {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let limit = ctx.limits.body_bytes;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let timeout = ctx.limits.request_timeout();
    let deadline = tokio::time::Instant::now() + timeout;
    // The body is read under the request deadline; a body that is refused still makes a call
    // (and an audit record), refused by the pipeline.
    let body: Result<Bytes, Error> = if declared.is_some_and(|n| n > limit as u64) {
        Err(Error::BodyTooLarge(limit))
    } else {
        let read = Limited::new(req.into_body(), limit).collect();
        match tokio::time::timeout_at(deadline, read).await {
            Ok(Ok(b)) => Ok(b.to_bytes()),
            Ok(Err(e))
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                Err(Error::BodyTooLarge(limit))
            }
            Ok(Err(e)) => Err(Error::BodyRead(e.to_string())),
            Err(_) => Err(Error::Timeout(timeout.as_millis() as u64)),
        }
    };
    let response = ctx
        .gateway
        .handle(Request {
            contract,
            content_type: &content_type,
            body: body.as_deref(),
            peer: &ctx.peer,
            deadline,
            timeout,
        })
        .await;
    soap(response)
}

/// The response header that carries the call's correlation id (as in its audit record).
pub const CORRELATION_HEADER: &str = "x-regway-correlation-id";

fn soap(r: pipeline::Response) -> Response {
    let mut out = hyper::Response::new(Full::new(Bytes::from(r.body)));
    *out.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    out.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(r.version.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&r.correlation_id) {
        out.headers_mut().insert(CORRELATION_HEADER, v);
    }
    out
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_contracts_case_insensitively_and_under_prefixes() {
        assert_eq!(
            contract_for_path("/RegiXEntryPointV2.svc/basic"),
            Some(Contract::V2)
        );
        assert_eq!(
            contract_for_path("/regixentrypointv2.svc"),
            Some(Contract::V2)
        );
        assert_eq!(
            contract_for_path("/RegiX/RegiXEntryPoint.svc"),
            Some(Contract::V1)
        );
        assert_eq!(contract_for_path("/other.svc"), None);
        assert_eq!(contract_for_path("/RegiXEntryPointV2.svc/basicx"), None);
    }
}
