//! A demo company register (a stand-in for the Registry Agency's commercial register)
//! answering RegiX's `GetValidUICInfo` operation in-process.
//!
//! **All records are synthetic.** Company names are invented from made-up trade-name
//! syllables, and codes, legal forms and statuses are drawn from a fixed seed at start-up; any
//! resemblance to real companies is accidental. UICs carry a valid check digit, so the data
//! exercises the same validation paths real data would.
//!
//! Responses follow the RegiX AV TR schemas element for element; the contract regway publishes
//! for them is in this crate's `xsd/` folder, and `samples/` has a request that names a record
//! of this dataset.

use std::collections::HashMap;

use async_trait::async_trait;
use regway_adapter::synthetic::evenly_spaced;
use regway_adapter::xml::{empty_element, required_digits, ElementWriter};
use regway_adapter::{Adapter, AdapterError, AdapterRequest, Field, OperationSpec, QName};

mod data;
pub mod uic;

/// The RegiX name of the UIC-validity operation.
pub const GET_VALID_UIC_INFO: &str =
    "TechnoLogica.RegiX.AVTRAdapter.APIService.ITRAPI.GetValidUICInfo";

/// The namespace of the commercial register's shared types (`LegalForm` children).
pub const TR_NS: &str = "http://egov.bg/RegiX/AV/TR";
const VALID_UIC_REQUEST_NS: &str = "http://egov.bg/RegiX/AV/TR/ValidUICRequest";
const VALID_UIC_RESPONSE_NS: &str = "http://egov.bg/RegiX/AV/TR/ValidUICResponse";

/// The moment the dataset describes, sent as `DataValidForDate`.
pub const DATA_VALID_FOR: &str = "2025-01-01T00:00:00";

/// The fields of `ValidUICResponse` (upstream XSD), for grants and the access matrix.
const VALID_UIC_FIELDS: &[Field] = &[
    Field::element("Status"),
    Field::element("UIC"),
    Field::element("Company"),
    Field::element("LegalForm"),
    Field::element("LegalForm.LegalFormAbbr"),
    Field::element("LegalForm.LegalFormName"),
    Field::element("DataValidForDate"),
];

const VALID_UIC: OperationSpec = OperationSpec {
    name: GET_VALID_UIC_INFO,
    request: QName {
        ns: VALID_UIC_REQUEST_NS,
        local: "ValidUICRequest",
    },
    response: QName {
        ns: VALID_UIC_RESPONSE_NS,
        local: "ValidUICResponse",
    },
    response_type: "ValidUICResponseType",
    fields: VALID_UIC_FIELDS,
    subject_identifiers: &["UIC"],
};

/// The operations this register answers.
pub const OPERATIONS: &[OperationSpec] = &[VALID_UIC];

/// The state of a company's file (партида), as the commercial register names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Registered directly in the commercial register.
    New,
    /// Moved over from the former court registers.
    Reregistered,
    NewClosed,
    ReregisteredClosed,
}

impl Status {
    /// Every status, in the schema's order.
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Reregistered,
        Status::NewClosed,
        Status::ReregisteredClosed,
    ];

    /// The schema's enumeration value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "Нова партида",
            Status::Reregistered => "Пререгистрирана партида",
            Status::NewClosed => "Нова закрита партида",
            Status::ReregisteredClosed => "Пререгистрирана закрита партида",
        }
    }

    /// Whether the file came over from the court registers.
    pub fn is_reregistered(self) -> bool {
        matches!(self, Status::Reregistered | Status::ReregisteredClosed)
    }
}

/// A legal form: abbreviation and full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LegalForm {
    pub abbr: &'static str,
    pub name: &'static str,
}

/// Every legal form the register uses.
pub fn legal_forms() -> impl Iterator<Item = LegalForm> {
    data::LEGAL_FORMS.iter().map(|(form, _)| *form)
}

/// One record of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub uic: String,
    /// The firm name, without the legal form (as `Company` carries it).
    pub name: String,
    pub legal_form: LegalForm,
    pub status: Status,
}

/// The demo company register: a generated dataset indexed by UIC.
#[derive(Debug)]
pub struct CompanyRegister {
    companies: Vec<Company>,
    by_uic: HashMap<String, usize>,
}

impl Default for CompanyRegister {
    fn default() -> Self {
        Self::new()
    }
}

impl CompanyRegister {
    /// Generates the dataset (3,000 companies, the same on every run).
    pub fn new() -> Self {
        let companies = data::generate();
        let by_uic = companies
            .iter()
            .enumerate()
            .map(|(i, c)| (c.uic.clone(), i))
            .collect();
        CompanyRegister { companies, by_uic }
    }

    /// The number of companies in the register.
    pub fn len(&self) -> usize {
        self.companies.len()
    }

    /// Whether the register is empty (it never is).
    pub fn is_empty(&self) -> bool {
        self.companies.is_empty()
    }

    /// Every record, in generation order.
    pub fn companies(&self) -> &[Company] {
        &self.companies
    }

    /// The record with this UIC.
    pub fn company(&self, uic: &str) -> Option<&Company> {
        self.by_uic.get(uic).map(|&i| &self.companies[i])
    }

    /// `n` UICs spread evenly over the dataset, the same on every run: known identifiers for
    /// tests, benchmarks and the quick start.
    pub fn sample_uics(&self, n: usize) -> Vec<String> {
        evenly_spaced(&self.companies, n)
            .map(|c| c.uic.clone())
            .collect()
    }

    /// Answers one request synchronously; [`Adapter::execute`] delegates here.
    pub fn respond(&self, request: &AdapterRequest<'_>) -> Result<String, AdapterError> {
        if request.operation != GET_VALID_UIC_INFO {
            return Err(AdapterError::UnknownOperation(
                request.operation.to_string(),
            ));
        }
        let uic = read_uic(request.argument)?;
        Ok(match self.company(&uic) {
            Some(company) => valid_uic_response(company),
            None => empty_element(VALID_UIC.response),
        })
    }
}

#[async_trait]
impl Adapter for CompanyRegister {
    fn name(&self) -> &'static str {
        "demo-company"
    }

    fn operations(&self) -> &'static [OperationSpec] {
        OPERATIONS
    }

    async fn execute(&self, request: AdapterRequest<'_>) -> Result<String, AdapterError> {
        self.respond(&request)
    }
}

/// The `UIC` child of the request: 9 digits (a company) or 13 (a branch). A code of that shape
/// with a wrong check digit is still looked up (and found missing), as a registry answers any
/// well-formed query.
fn read_uic(argument: &str) -> Result<String, AdapterError> {
    let root = VALID_UIC.request;
    let field = QName {
        ns: root.ns,
        local: "UIC",
    };
    required_digits(argument, root, field, &[9, 13])
}

fn valid_uic_response(company: &Company) -> String {
    let mut w = ElementWriter::new(
        "ValidUICResponse",
        &[("", VALID_UIC_RESPONSE_NS), ("tr", TR_NS)],
    );
    w.leaf("Status", company.status.as_str())
        .leaf("UIC", &company.uic)
        .leaf("Company", &company.name)
        .start("LegalForm")
        .leaf("tr:LegalFormAbbr", company.legal_form.abbr)
        .leaf("tr:LegalFormName", company.legal_form.name)
        .end()
        .leaf("DataValidForDate", DATA_VALID_FOR);
    w.finish()
}

#[cfg(test)]
mod tests;
