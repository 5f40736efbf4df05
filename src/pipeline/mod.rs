//! One request, top to bottom. This is the only place that knows the order of the steps:
//!
//! 1. read the SOAP envelope (version, WS-Addressing, header rules; hostile XML refused);
//! 2. read the contract call (RegiX V2 `Execute` / V1 `ExecuteSynchronous`, leniently), and
//!    check the request's signature as the consumer's policy says (WS-Security);
//! 3. route the operation to its adapter (unknown operation: RegiX's fault);
//! 4. authorize: the caller's certificate, a grant of the operation in force, the legal basis
//!    cited in `CallContext/LawReason` (in-band refusals, as RegiX reports them);
//! 5. check the argument is the operation's request element;
//! 6. call the adapter under a deadline (failures in-band, as RegiX reports them);
//! 7. filter the answer to the granted fields (default deny) and build the access matrix, and
//!    sign it (XAdES) when the consumer asks and the operation allows;
//! 8. write `ServiceResultData` in the consumer's contract and SOAP version;
//! 9. append the call's audit record and wait until it is durable — whatever the outcome,
//!    refusals and faults included; a call that cannot be recorded is refused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use regway_adapter::AdapterRequest;
use sha2::{Digest, Sha256};

use crate::audit::record::subjects_in;
use crate::audit::{Auditor, CallFacts, CallIds, Outcome};
use crate::contract::{
    self, Call, Contract, ContractError, DataContainer, ServiceRequest, ServiceResult,
};
use crate::dsig::wssec::CallerPolicy;
use crate::dsig::xades::SignRequest;
use crate::dsig::Signing;
use crate::error::Error;
use crate::policy::fields::FieldSet;
use crate::policy::filter::filter;
use crate::policy::legal_basis::cited_code;
use crate::policy::{Denial, PolicySnapshot, Thumbprints};
use crate::routing::{Route, Routes};
use crate::soap::envelope::write_envelope;
use crate::soap::fault::write_fault;
use crate::soap::xml::{self, Limits};
use crate::soap::{Envelope, SoapVersion};

/// The request path, shared by every connection.
pub struct Gateway {
    policy: Arc<ArcSwap<PolicySnapshot>>,
    routes: Routes,
    limits: Limits,
    adapter_timeout: Duration,
    audit: Arc<Auditor>,
    signing: Arc<Signing>,
}

/// A SOAP request as the HTTP layer hands it over.
#[derive(Debug)]
pub struct Request<'a> {
    pub contract: Contract,
    pub content_type: &'a str,
    /// The body, or why the HTTP layer could not read it (too large, too slow…): such a call
    /// is refused, and audited like any other.
    pub body: Result<&'a [u8], &'a Error>,
    /// The TLS client certificate's thumbprints.
    pub peer: &'a Thumbprints,
    /// When the whole request must be answered (the body was read under it too)…
    pub deadline: tokio::time::Instant,
    /// …and the configured request timeout it comes from, for the fault's text.
    pub timeout: Duration,
}

/// The answer: always a SOAP message.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub version: SoapVersion,
    pub body: String,
    /// A stable code for logs: `ok`, a denial code, `adapter.error`, or the fault's code.
    pub outcome: &'static str,
    /// The error text the consumer is given, if any.
    pub error: Option<String>,
    /// The call's correlation id (also in the audit record), for the response header.
    pub correlation_id: String,
}

impl Gateway {
    pub fn new(
        policy: Arc<ArcSwap<PolicySnapshot>>,
        routes: Routes,
        limits: Limits,
        adapter_timeout: Duration,
        audit: Arc<Auditor>,
        signing: Arc<Signing>,
    ) -> Gateway {
        Gateway {
            policy,
            routes,
            limits,
            adapter_timeout,
            audit,
            signing,
        }
    }

    /// Answer one request. Whatever happens, the call is recorded before the answer leaves;
    /// if it cannot be recorded, the answer is a fault (fail closed).
    pub async fn handle(&self, req: Request<'_>) -> Response {
        let started = Instant::now();
        let version = SoapVersion::from_content_type(req.content_type).unwrap_or(SoapVersion::V11);
        let ids = self.audit.call_ids();
        let mut facts = CallFacts {
            contract: req.contract.name(),
            certificate: req.peer.sha256.clone(),
            ..CallFacts::default()
        };
        let response = match req.body {
            Err(e) => fault(version, e, None, &ids),
            Ok(body) => {
                let work = self.execute(&req, body, &ids, &mut facts);
                match tokio::time::timeout_at(req.deadline, work).await {
                    Ok(Ok(r)) => r,
                    Ok(Err((e, relates_to))) => fault(version, &e, relates_to.as_deref(), &ids),
                    Err(_) => {
                        let e = Error::Timeout(req.timeout.as_millis() as u64);
                        fault(version, &e, None, &ids)
                    }
                }
            }
        };
        let response = self.record(&req, facts, &ids, response, started).await;
        // Refusals and faults are logged at info, successes at debug (the audit trail, not
        // the log, is the record of calls). Never a body or an identifier from the request.
        macro_rules! call_log {
            ($level:ident) => {
                tracing::$level!(
                    contract = ?req.contract,
                    caller = %&req.peer.sha256[..16],
                    correlation_id = %response.correlation_id,
                    outcome = response.outcome,
                    status = response.status,
                    micros = started.elapsed().as_micros() as u64,
                    "call"
                )
            };
        }
        if response.outcome == "ok" {
            call_log!(debug);
        } else {
            call_log!(info);
        }
        response
    }

    /// Append the call's record; the response leaves only if that succeeded.
    async fn record(
        &self,
        req: &Request<'_>,
        facts: CallFacts,
        ids: &CallIds,
        response: Response,
        started: Instant,
    ) -> Response {
        let outcome = Outcome {
            code: response.outcome,
            error: response.error.as_deref(),
            status: response.status,
            latency_us: started.elapsed().as_micros() as u64,
            request_sha256: req
                .body
                .as_ref()
                .ok()
                .map(|b| hex::encode(Sha256::digest(b))),
            response_sha256: hex::encode(Sha256::digest(response.body.as_bytes())),
        };
        let entry = facts.into_entry(
            self.audit.keys(),
            self.audit.node(),
            ids,
            &outcome,
            time::OffsetDateTime::now_utc(),
        );
        let appended = match entry {
            Ok(entry) => self.audit.append(entry).await,
            Err(e) => Err(e),
        };
        match appended {
            Ok(_) => response,
            Err(e) => {
                tracing::error!(correlation_id = %ids.correlation_id, error = %e, "call refused: not auditable");
                fault(response.version, &Error::AuditUnavailable, None, ids)
            }
        }
    }

    async fn execute(
        &self,
        req: &Request<'_>,
        body: &[u8],
        ids: &CallIds,
        facts: &mut CallFacts,
    ) -> Result<Response, (Error, Option<String>)> {
        // 1. Envelope.
        let env = off_the_runtime(body.len(), || {
            Envelope::parse(req.content_type, body, self.limits)
        })
        .map_err(|e| (e.into(), None))?;
        let relates_to = env.addressing().message_id;
        facts.soap = Some(env.version.label());
        facts.message_id = relates_to.clone();
        let policy = self.policy.load_full();
        if let Some(caller) = policy.caller(req.peer) {
            facts.consumer = Some(caller.consumer_name.clone());
            facts.system = Some(caller.system_name.clone());
        }
        let fail = |e: Error| (e, relates_to.clone());

        // 2. Contract call.
        let payload = env.body_payload().map_err(|e| fail(e.into()))?;
        let request =
            match contract::read_call(req.contract, payload).map_err(|e| fail(e.into()))? {
                Call::Execute(r) => r,
                Call::CheckResult => return Err(fail(ContractError::NoSuchCall.into())),
                Call::Unsupported(what) => {
                    return Err(fail(ContractError::NotSupported(what.to_string()).into()))
                }
            };
        let law_reason = request
            .call_context
            .as_ref()
            .and_then(|c| c.law_reason.as_deref());
        facts.context = request.call_context.clone();
        facts.citizen_egn = request.citizen_egn.clone();
        facts.employee_egn = request.employee_egn.clone();
        facts.legal_basis = cited_code(law_reason);

        // 2b. The request's signature, for a known caller (an unknown one is refused below).
        let now = unix_now();
        if let Some(caller) = policy.caller(req.peer) {
            let signer_of = |tp: &Thumbprints| -> Result<i64, String> {
                policy
                    .caller_in_force(tp, now)
                    .map(|c| c.consumer_id)
                    .map_err(|d| match d {
                        Denial::CertificateNotFound => "the certificate is not registered".into(),
                        _ => "the certificate is not in force".into(),
                    })
            };
            let signed = off_the_runtime(body.len(), || {
                self.signing.requests.check(
                    env.root(),
                    env.version.envelope_ns(),
                    body,
                    &CallerPolicy {
                        policy: caller.request_signature,
                        consumer_id: caller.consumer_id,
                        signer_of: &signer_of,
                        now,
                    },
                )
            })
            .map_err(|e| fail(e.into()))?;
            facts.request_signer = signed.map(|s| s.certificate_sha256);
        }

        // 3. Route.
        let route = request
            .operation
            .as_deref()
            .and_then(|op| self.routes.get(op))
            .ok_or_else(|| fail(ContractError::InvalidOperation.into()))?;
        facts.operation = Some(route.spec.name.to_string());
        if let Some(arg) = &request.argument {
            facts.argument_subjects = subjects_in(arg, route.spec.subject_identifiers);
        }

        // 4. Authorize, 5. check the argument, 6. call the adapter, 7. filter and sign.
        let (result, outcome) = match policy.authorize(req.peer, route.spec.name, law_reason, now) {
            Err(denial) => (ServiceResult::refused(&denial.to_string()), denial.code()),
            Ok(granted) => {
                facts.grants = granted.grants.clone();
                let argument = check_argument(&request, route).map_err(|e| fail(e.into()))?;
                let (mut result, outcome) = self
                    .call_adapter(route, &request, argument, &granted.fields, ids.call_id)
                    .await;
                if outcome == "ok" {
                    facts.fields = granted.fields.paths();
                    if request.sign_result && granted.sign_result {
                        let profile = granted.caller.result_profile;
                        let signature = self
                            .signing
                            .results
                            .sign(
                                &result,
                                &SignRequest {
                                    contract: req.contract,
                                    adapter: route.adapter.name(),
                                    profile,
                                    id: ids.call_id,
                                    now: time::OffsetDateTime::now_utc(),
                                },
                            )
                            .map_err(|e| fail(e.into()))?;
                        result.signature = Some(signature);
                        facts.result_signature = Some(profile.name());
                    }
                }
                (result, outcome)
            }
        };

        // 8. Write.
        let operation = req.contract.execute_operation();
        let body = result.write(req.contract, operation);
        Ok(Response {
            status: 200,
            version: env.version,
            body: write_envelope(
                env.version,
                &req.contract.response_action(operation),
                relates_to.as_deref(),
                &body,
            ),
            outcome,
            error: result.error.clone(),
            correlation_id: ids.correlation_id.clone(),
        })
    }

    async fn call_adapter(
        &self,
        route: &Route,
        request: &ServiceRequest,
        argument: String,
        fields: &FieldSet,
        call_id: u64,
    ) -> (ServiceResult, &'static str) {
        let call = route.adapter.execute(AdapterRequest {
            operation: route.spec.name,
            argument: &argument,
            citizen_egn: request.citizen_egn.as_deref(),
            employee_egn: request.employee_egn.as_deref(),
        });
        let answer = match tokio::time::timeout(self.adapter_timeout, call).await {
            Err(_) => {
                let ms = self.adapter_timeout.as_millis();
                return (
                    ServiceResult::failed(
                        &format!("The registry did not answer within {ms} ms"),
                        call_id,
                    ),
                    "adapter.timeout",
                );
            }
            Ok(Err(e)) => {
                return (
                    ServiceResult::failed(&e.to_string(), call_id),
                    "adapter.error",
                )
            }
            Ok(Ok(xml)) => xml,
        };
        let checked = self.check_response(route, &answer, fields);
        match checked {
            Ok(response) => (
                ServiceResult::ready(
                    DataContainer {
                        request: argument,
                        response: Some(response),
                        matrix: request
                            .return_access_matrix
                            .then(|| fields.matrix(&route.spec)),
                    },
                    call_id,
                ),
                "ok",
            ),
            Err(message) => (
                ServiceResult::failed(&message, call_id),
                "adapter.invalid-response",
            ),
        }
    }

    /// Filter an adapter's answer to the granted fields, in the one pass that also checks it:
    /// it must be one well-formed element of the operation's response type. The result is
    /// embedded as it is when it declares every namespace it uses; otherwise it is
    /// re-serialised so that embedding cannot change its meaning.
    fn check_response(
        &self,
        route: &Route,
        answer: &str,
        fields: &FieldSet,
    ) -> Result<String, String> {
        let invalid = |e: xml::XmlError| format!("The registry returned an invalid response: {e}");
        let filtered = filter(answer, fields, self.limits).map_err(invalid)?;
        let expected = route.spec.response;
        if filtered.root_ns != expected.ns || filtered.root_local != expected.local {
            return Err(format!(
                "The registry returned {{{}}}{} instead of {expected}",
                filtered.root_ns, filtered.root_local
            ));
        }
        if filtered.self_contained {
            return Ok(filtered.xml);
        }
        Ok(xml::parse(filtered.xml.as_bytes(), self.limits)
            .map_err(invalid)?
            .to_standalone_xml())
    }
}

/// Bodies from this size on are read, and their signatures checked, off the async runtime.
const LARGE_BODY: usize = 64 * 1024;

/// Run `work` on the request's bytes (`size` of them), which costs time in proportion to them:
/// for a large body with [`tokio::task::block_in_place`], so that the worker's other
/// connections move to another thread instead of waiting; a small one (almost every call)
/// inline, where the hand-over would cost more than the work.
fn off_the_runtime<T>(size: usize, work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let multi_thread =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    if size >= LARGE_BODY && multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// Now, in Unix seconds (grant and legal-basis windows are in those units).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The argument must be the operation's request element; it is handed on as standalone XML.
fn check_argument(request: &ServiceRequest, route: &Route) -> Result<String, ContractError> {
    let arg = request
        .argument
        .as_ref()
        .ok_or(ContractError::ArgumentMissing)?;
    let expected = route.spec.request;
    if !arg.is(expected.ns, expected.local) {
        return Err(ContractError::ArgumentMismatch {
            operation: route.spec.name.to_string(),
            expected: expected.to_string(),
            found: format!("{{{}}}{}", arg.ns, arg.local),
        });
    }
    Ok(arg.to_standalone_xml())
}

/// A fault response for a request that could not be answered.
pub fn fault(version: SoapVersion, e: &Error, relates_to: Option<&str>, ids: &CallIds) -> Response {
    Response {
        status: e.http_status(version),
        version,
        body: write_fault(
            version,
            e.fault_code(),
            &e.to_string(),
            e.code(),
            relates_to,
        ),
        outcome: e.code(),
        error: Some(e.to_string()),
        correlation_id: ids.correlation_id.clone(),
    }
}
