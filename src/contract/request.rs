//! `ServiceRequestData` and `CallContext`, read leniently.

use super::ContractError;
use crate::soap::xml::Element;

/// The consumer's account of why and for whom a call is made (NOTES §1.3). Every member is
/// optional on the wire; RegiX clients often send none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    pub service_uri: Option<String>,
    pub service_type: Option<String>,
    pub employee_identifier: Option<String>,
    pub employee_names: Option<String>,
    /// `EmployeeAditionalIdentifier` on the wire (RegiX's spelling).
    pub employee_additional_identifier: Option<String>,
    pub employee_position: Option<String>,
    pub administration_oid: Option<String>,
    pub administration_name: Option<String>,
    pub responsible_person_identifier: Option<String>,
    pub law_reason: Option<String>,
    pub remark: Option<String>,
}

/// A `ServiceRequestData`.
#[derive(Debug, Clone, Default)]
pub struct ServiceRequest {
    /// `Operation`, trimmed.
    pub operation: Option<String>,
    /// The single element inside `Argument`.
    pub argument: Option<Element>,
    pub eid_token: Option<String>,
    pub call_context: Option<CallContext>,
    pub callback_url: Option<String>,
    pub employee_egn: Option<String>,
    pub citizen_egn: Option<String>,
    pub sign_result: bool,
    pub return_access_matrix: bool,
}

/// `RequestProcessing` flags regway recognises (V2).
const REQUEST_PROCESSING: &[&str] = &["Verify", "Decrypt", "TransformFromPDF", "Asynchronous"];
/// `ResponseProcessing` flags regway recognises (V2).
const RESPONSE_PROCESSING: &[&str] = &["Encrypt", "TransformToPDF"];

impl ServiceRequest {
    /// Read the members of a `ServiceRequestData` element whose members are in `ns`. A missing
    /// element reads as an empty request (its missing `Operation` is refused later, with
    /// RegiX's text).
    pub fn read(data: Option<&Element>, ns: &str) -> Result<ServiceRequest, ContractError> {
        let mut req = ServiceRequest::default();
        let Some(data) = data else {
            return Ok(req);
        };
        for child in data.elements().filter(|c| c.ns == ns) {
            match child.local.as_str() {
                "Operation" => req.operation = string(child).map(|s| s.trim().to_string()),
                "Argument" => req.argument = Some(argument(child)?),
                "EIDToken" => req.eid_token = string(child),
                "CallContext" => req.call_context = Some(call_context(child, ns)),
                "CallbackURL" => req.callback_url = string(child),
                "EmployeeEGN" => req.employee_egn = string(child),
                "CitizenEGN" => req.citizen_egn = string(child),
                "SignResult" => req.sign_result = boolean(child, "SignResult")?,
                "ReturnAccessMatrix" => {
                    req.return_access_matrix = boolean(child, "ReturnAccessMatrix")?
                }
                "RequestProcessing" => processing(child, "RequestProcessing", REQUEST_PROCESSING)?,
                "ResponseProcessing" => {
                    processing(child, "ResponseProcessing", RESPONSE_PROCESSING)?
                }
                _ => {}
            }
        }
        Ok(req)
    }
}

/// A string member: `xsi:nil` is null, anything else is its text.
fn string(el: &Element) -> Option<String> {
    if el.is_nil() {
        None
    } else {
        Some(el.text())
    }
}

/// `xs:boolean`: `true`, `false`, `1`, `0`, surrounding white space allowed. An empty element
/// is `false`, as RegiX's clients that send `<SignResult/>` expect.
fn boolean(el: &Element, field: &'static str) -> Result<bool, ContractError> {
    let text = el.text();
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(ContractError::BadValue { field, value: text }),
    }
}

/// A flags list. `Asynchronous` is accepted and answered synchronously, as RegiX does for
/// operations whose adapter answers at once; the others ask for processing regway does not do,
/// and are refused rather than silently skipped.
fn processing(el: &Element, field: &'static str, known: &[&str]) -> Result<(), ContractError> {
    for flag in el.text().split_whitespace() {
        if !known.contains(&flag) {
            return Err(ContractError::BadValue {
                field,
                value: flag.to_string(),
            });
        }
        if flag != "Asynchronous" {
            return Err(ContractError::NotSupported(format!("{field} {flag}")));
        }
    }
    Ok(())
}

fn argument(el: &Element) -> Result<Element, ContractError> {
    let mut elements = el.elements();
    let first = elements.next().ok_or(ContractError::ArgumentMissing)?;
    if elements.next().is_some() {
        return Err(ContractError::ArgumentNotSingle);
    }
    Ok(first.clone())
}

fn call_context(el: &Element, ns: &str) -> CallContext {
    let mut cc = CallContext::default();
    for child in el.elements().filter(|c| c.ns == ns) {
        let slot = match child.local.as_str() {
            "ServiceURI" => &mut cc.service_uri,
            "ServiceType" => &mut cc.service_type,
            "EmployeeIdentifier" => &mut cc.employee_identifier,
            "EmployeeNames" => &mut cc.employee_names,
            "EmployeeAditionalIdentifier" => &mut cc.employee_additional_identifier,
            "EmployeePosition" => &mut cc.employee_position,
            "AdministrationOId" => &mut cc.administration_oid,
            "AdministrationName" => &mut cc.administration_name,
            "ResponsiblePersonIdentifier" => &mut cc.responsible_person_identifier,
            "LawReason" => &mut cc.law_reason,
            "Remark" => &mut cc.remark,
            _ => continue,
        };
        *slot = string(child);
    }
    cc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{read_call, Call, Contract, SIGNED_DATA_NS};
    use crate::soap::xml::{parse, Limits};

    fn v2(inner: &str) -> Result<ServiceRequest, ContractError> {
        let body = format!(
            r#"<Execute xmlns="http://egov.bg/RegiX"><request><ServiceRequestData xmlns="{SIGNED_DATA_NS}">{inner}</ServiceRequestData></request></Execute>"#
        );
        let el = parse(body.as_bytes(), Limits::default()).unwrap();
        match read_call(Contract::V2, &el)? {
            Call::Execute(r) => Ok(*r),
            other => panic!("unexpected call {other:?}"),
        }
    }

    #[test]
    fn reads_members_in_any_order_and_ignores_unknown_and_foreign_ones() {
        let r = v2(r#"<SignResult>true</SignResult><Unknown>x</Unknown><Argument><R xmlns="urn:r"/></Argument><Operation> A.B </Operation><ReturnAccessMatrix xmlns="">true</ReturnAccessMatrix><CitizenEGN xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/><CallContext><LawReason>ЗМВР чл. 1</LawReason><Remark>r</Remark></CallContext>"#).unwrap();
        assert_eq!(r.operation.as_deref(), Some("A.B"));
        assert!(r.sign_result);
        // Unqualified flags are ignored, as .NET ignored them.
        assert!(!r.return_access_matrix);
        assert_eq!(r.citizen_egn, None);
        assert!(r.argument.unwrap().is("urn:r", "R"));
        let cc = r.call_context.unwrap();
        assert_eq!(cc.law_reason.as_deref(), Some("ЗМВР чл. 1"));
        assert_eq!(cc.remark.as_deref(), Some("r"));
    }

    #[test]
    fn missing_members_take_defaults() {
        let r = v2("").unwrap();
        assert!(r.operation.is_none() && r.argument.is_none() && r.call_context.is_none());
        assert!(!r.sign_result && !r.return_access_matrix);
    }

    #[test]
    fn refuses_bad_values_and_unsupported_processing() {
        assert_eq!(
            v2("<SignResult>yes</SignResult>").unwrap_err(),
            ContractError::BadValue {
                field: "SignResult",
                value: "yes".into()
            }
        );
        assert!(matches!(
            v2("<ResponseProcessing>TransformToPDF</ResponseProcessing>").unwrap_err(),
            ContractError::NotSupported(_)
        ));
        assert!(matches!(
            v2("<RequestProcessing>Bogus</RequestProcessing>").unwrap_err(),
            ContractError::BadValue { .. }
        ));
        assert!(
            v2("<RequestProcessing>Asynchronous</RequestProcessing><ResponseProcessing/>").is_ok()
        );
        assert_eq!(
            v2("<Argument/>").unwrap_err(),
            ContractError::ArgumentMissing
        );
        assert_eq!(
            v2("<Argument><a/><b/></Argument>").unwrap_err(),
            ContractError::ArgumentNotSingle
        );
    }

    #[test]
    fn v2_without_the_inner_wrapper_and_v1_are_read() {
        let body = r#"<Execute xmlns="http://egov.bg/RegiX"><request><Operation xmlns="http://egov.bg/RegiX/SignedData">X.Y</Operation></request></Execute>"#;
        let el = parse(body.as_bytes(), Limits::default()).unwrap();
        let Call::Execute(r) = read_call(Contract::V2, &el).unwrap() else {
            panic!()
        };
        assert_eq!(r.operation.as_deref(), Some("X.Y"));
        let v1 = r#"<ExecuteSynchronous xmlns="http://tempuri.org/"><request><Operation>X.Z</Operation></request></ExecuteSynchronous>"#;
        let el = parse(v1.as_bytes(), Limits::default()).unwrap();
        let Call::Execute(r) = read_call(Contract::V1, &el).unwrap() else {
            panic!()
        };
        assert_eq!(r.operation.as_deref(), Some("X.Z"));
        let other = r#"<Nope xmlns="http://tempuri.org/"/>"#;
        let el = parse(other.as_bytes(), Limits::default()).unwrap();
        assert!(matches!(
            read_call(Contract::V1, &el),
            Err(ContractError::UnknownMessage(..))
        ));
    }
}
