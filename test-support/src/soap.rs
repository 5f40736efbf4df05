//! Request messages as RegiX clients send them.

/// The demo operations.
pub const PERSON_DATA_SEARCH: &str =
    "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch";
pub const VALID_PERSON_SEARCH: &str =
    "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.ValidPersonSearch";
pub const GET_VALID_UIC_INFO: &str =
    "TechnoLogica.RegiX.AVTRAdapter.APIService.ITRAPI.GetValidUICInfo";

/// The endpoint paths.
pub const V2_BASIC: &str = "/RegiXEntryPointV2.svc/basic";
pub const V2_WS: &str = "/RegiXEntryPointV2.svc";
pub const V1: &str = "/RegiXEntryPoint.svc";

pub const SOAP11: &str = "text/xml; charset=utf-8";
pub const V2_EXECUTE_ACTION: &str = "http://egov.bg/RegiX/IRegiXEntryPointV2/Execute";

/// `PersonDataRequest` for an EGN.
pub fn person_data_request(egn: &str) -> String {
    format!(
        r#"<PersonDataRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"><EGN>{egn}</EGN></PersonDataRequest>"#
    )
}

/// `ServiceRequestData` members, V2 (SignedData namespace), as a well-behaved client writes them.
pub fn v2_members(operation: &str, argument: &str) -> String {
    format!(
        "<Operation>{operation}</Operation><Argument>{argument}</Argument>\
         <CallContext><ServiceURI>123-12345-01.01.2017</ServiceURI><ServiceType>Test</ServiceType>\
         <EmployeeIdentifier>tester@example.invalid</EmployeeIdentifier><LawReason>LB-TEST: test</LawReason></CallContext>\
         <SignResult>false</SignResult><ReturnAccessMatrix>false</ReturnAccessMatrix>"
    )
}

/// A V2 `Execute` over SOAP 1.1 with the given `ServiceRequestData` members.
pub fn v2_soap11(members: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Execute xmlns="http://egov.bg/RegiX"><request><ServiceRequestData xmlns="http://egov.bg/RegiX/SignedData">{members}</ServiceRequestData></request></Execute></s:Body></s:Envelope>"#
    )
}

/// A V2 `Execute` over SOAP 1.2 with WS-Addressing, as WCF's wsHttpBinding sends it.
pub fn v2_soap12(members: &str, message_id: &str, to: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">{V2_EXECUTE_ACTION}</a:Action><a:MessageID>{message_id}</a:MessageID><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">{to}</a:To></s:Header><s:Body><Execute xmlns="http://egov.bg/RegiX"><request><ServiceRequestData xmlns="http://egov.bg/RegiX/SignedData">{members}</ServiceRequestData></request></Execute></s:Body></s:Envelope>"#
    )
}

/// The SOAP 1.2 Content-Type with an action parameter.
pub fn soap12_content_type(action: &str) -> String {
    format!(r#"application/soap+xml; charset=utf-8; action="{action}""#)
}

/// A V1 `ExecuteSynchronous` (everything in tempuri) over SOAP 1.2.
pub fn v1_soap12(operation: &str, argument: &str, message_id: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/IRegiXEntryPoint/ExecuteSynchronous</a:Action><a:MessageID>{message_id}</a:MessageID></s:Header><s:Body><ExecuteSynchronous xmlns="http://tempuri.org/"><request><Operation>{operation}</Operation><Argument>{argument}</Argument><CallContext><LawReason>LB-TEST</LawReason></CallContext><SignResult>false</SignResult><ReturnAccessMatrix>false</ReturnAccessMatrix></request></ExecuteSynchronous></s:Body></s:Envelope>"#
    )
}
