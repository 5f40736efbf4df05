//! A demo population register (a stand-in for GRAO's national population database) answering
//! RegiX's `PersonDataSearch` and `ValidPersonSearch` operations in-process.
//!
//! **All records are synthetic.** They are generated at start-up from a fixed seed by combining
//! common Bulgarian first names, family names and towns with random dates and numbers; any
//! resemblance to real people is accidental. EGNs are structurally valid (date, gender digit
//! and check digit all agree), so the data exercises the same validation paths real data would.
//!
//! Responses follow the RegiX GRAO NBD schemas element for element; the contract regway
//! publishes for them is in this crate's `xsd/` folder, and `samples/` has a request for each
//! operation that names a record of this dataset.

use std::collections::HashMap;

use async_trait::async_trait;
use regway_adapter::synthetic::evenly_spaced;
use regway_adapter::xml::{empty_element, required_digits, ElementWriter};
use regway_adapter::{Adapter, AdapterError, AdapterRequest, Field, OperationSpec, QName};

mod data;
mod date;
pub mod egn;
mod translit;

pub use date::Date;
pub use translit::transliterate;

/// The RegiX name of the person-data operation.
pub const PERSON_DATA_SEARCH: &str =
    "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch";
/// The RegiX name of the person-validity operation.
pub const VALID_PERSON_SEARCH: &str =
    "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.ValidPersonSearch";

/// The namespace of NBD's shared types (`PersonNames`, `Gender`, `Nationality` children).
pub const NBD_NS: &str = "http://egov.bg/RegiX/GRAO/NBD";
const PERSON_DATA_REQUEST_NS: &str = "http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest";
const PERSON_DATA_RESPONSE_NS: &str = "http://egov.bg/RegiX/GRAO/NBD/PersonDataResponse";
const VALID_PERSON_REQUEST_NS: &str = "http://egov.bg/RegiX/GRAO/NBD/ValidPersonRequest";
const VALID_PERSON_RESPONSE_NS: &str = "http://egov.bg/RegiX/GRAO/NBD/ValidPersonResponse";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The fields of `PersonDataResponse` (upstream XSD), for grants and the access matrix.
const PERSON_DATA_FIELDS: &[Field] = &[
    Field::element("PersonNames"),
    Field::element("PersonNames.FirstName"),
    Field::element("PersonNames.SurName"),
    Field::element("PersonNames.FamilyName"),
    Field::element("Alias"),
    Field::element("LatinNames"),
    Field::element("LatinNames.FirstName"),
    Field::element("LatinNames.SurName"),
    Field::element("LatinNames.FamilyName"),
    Field::element("ForeignNames"),
    Field::element("ForeignNames.FirstName"),
    Field::element("ForeignNames.SurName"),
    Field::element("ForeignNames.FamilyName"),
    Field::element("Gender"),
    Field::element("Gender.GenderCode"),
    Field::element("Gender.GenderName"),
    Field::element("EGN"),
    Field::element("BirthDate"),
    Field::element("PlaceBirth"),
    Field::element("Nationality"),
    Field::element("Nationality.NationalityCode"),
    Field::element("Nationality.NationalityName"),
    Field::element("Nationality.NationalityCode2"),
    Field::element("Nationality.NationalityName2"),
    Field::element("DeathDate"),
];

/// The fields of `ValidPersonResponse` (upstream XSD), for grants and the access matrix.
const VALID_PERSON_FIELDS: &[Field] = &[
    Field::element("FirstName"),
    Field::element("SurName"),
    Field::element("FamilyName"),
    Field::element("BirthDate"),
    Field::element("DeathDate"),
];

const PERSON_DATA: OperationSpec = OperationSpec {
    name: PERSON_DATA_SEARCH,
    request: QName {
        ns: PERSON_DATA_REQUEST_NS,
        local: "PersonDataRequest",
    },
    response: QName {
        ns: PERSON_DATA_RESPONSE_NS,
        local: "PersonDataResponse",
    },
    response_type: "PersonDataResponseType",
    fields: PERSON_DATA_FIELDS,
    subject_identifiers: &["EGN"],
};

const VALID_PERSON: OperationSpec = OperationSpec {
    name: VALID_PERSON_SEARCH,
    request: QName {
        ns: VALID_PERSON_REQUEST_NS,
        local: "ValidPersonRequest",
    },
    response: QName {
        ns: VALID_PERSON_RESPONSE_NS,
        local: "ValidPersonResponse",
    },
    response_type: "ValidPersonResponseType",
    fields: VALID_PERSON_FIELDS,
    subject_identifiers: &["EGN"],
};

/// The operations this register answers.
pub const OPERATIONS: &[OperationSpec] = &[PERSON_DATA, VALID_PERSON];

/// Gender as GRAO codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    /// `GenderCode`: 1 for men, 2 for women.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "1",
            Gender::Female => "2",
        }
    }

    /// `GenderName`.
    pub fn name(self) -> &'static str {
        match self {
            Gender::Male => "Мъж",
            Gender::Female => "Жена",
        }
    }
}

/// A citizenship as `NationalityCode` / `NationalityName` carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nationality {
    pub code: &'static str,
    pub name: &'static str,
}

/// Every person is Bulgarian; a few have a second citizenship.
pub const BULGARIAN: Nationality = Nationality {
    code: "BG",
    name: "България",
};

/// One record of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub egn: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub death_date: Option<Date>,
    /// Собствено име.
    pub first_name: String,
    /// Бащино име (the patronymic).
    pub sur_name: String,
    /// Фамилно име.
    pub family_name: String,
    pub place_of_birth: &'static str,
    pub second_nationality: Option<Nationality>,
}

/// The demo population register: a generated dataset indexed by EGN.
#[derive(Debug)]
pub struct PopulationRegister {
    people: Vec<Person>,
    by_egn: HashMap<String, usize>,
    living: usize,
    deceased: usize,
}

impl Default for PopulationRegister {
    fn default() -> Self {
        Self::new()
    }
}

impl PopulationRegister {
    /// Generates the dataset (5,000 people, the same on every run).
    pub fn new() -> Self {
        let people = data::generate();
        let by_egn = people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.egn.clone(), i))
            .collect();
        // The generator's rates make both certain for the fixed seed; the tests check it.
        let living = people.iter().position(|p| p.death_date.is_none());
        let deceased = people.iter().position(|p| p.death_date.is_some());
        PopulationRegister {
            by_egn,
            living: living.expect("the dataset has a living person"),
            deceased: deceased.expect("the dataset has a deceased person"),
            people,
        }
    }

    /// The number of people in the register.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether the register is empty (it never is).
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Every record, in generation order.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// The record with this EGN.
    pub fn person(&self, egn: &str) -> Option<&Person> {
        self.by_egn.get(egn).map(|&i| &self.people[i])
    }

    /// `n` EGNs spread evenly over the dataset, the same on every run: known identifiers for
    /// tests, benchmarks and the quick start.
    pub fn sample_egns(&self, n: usize) -> Vec<String> {
        evenly_spaced(&self.people, n)
            .map(|p| p.egn.clone())
            .collect()
    }

    /// The EGN of a living person.
    pub fn living_egn(&self) -> &str {
        &self.people[self.living].egn
    }

    /// The EGN of a deceased person (`DeathDate` is present in the responses).
    pub fn deceased_egn(&self) -> &str {
        &self.people[self.deceased].egn
    }

    /// Answers one request synchronously; [`Adapter::execute`] delegates here.
    pub fn respond(&self, request: &AdapterRequest<'_>) -> Result<String, AdapterError> {
        let (spec, render): (&OperationSpec, fn(&Person) -> String) = match request.operation {
            PERSON_DATA_SEARCH => (&PERSON_DATA, person_data_response),
            VALID_PERSON_SEARCH => (&VALID_PERSON, valid_person_response),
            other => return Err(AdapterError::UnknownOperation(other.to_string())),
        };
        let egn = read_egn(request.argument, spec.request)?;
        Ok(match self.person(&egn) {
            Some(person) => render(person),
            None => empty_element(spec.response),
        })
    }
}

#[async_trait]
impl Adapter for PopulationRegister {
    fn name(&self) -> &'static str {
        "demo-population"
    }

    fn operations(&self) -> &'static [OperationSpec] {
        OPERATIONS
    }

    async fn execute(&self, request: AdapterRequest<'_>) -> Result<String, AdapterError> {
        self.respond(&request)
    }
}

/// The `EGN` child of a request. A ten-digit number that is not a valid EGN is still looked up
/// (and found missing), as a registry answers any well-formed query; anything else is refused.
fn read_egn(argument: &str, root: QName) -> Result<String, AdapterError> {
    let field = QName {
        ns: root.ns,
        local: "EGN",
    };
    required_digits(argument, root, field, &[10])
}

fn person_data_response(person: &Person) -> String {
    let mut w = ElementWriter::new(
        "PersonDataResponse",
        &[
            ("", PERSON_DATA_RESPONSE_NS),
            ("nbd", NBD_NS),
            ("xsi", XSI_NS),
            ("xsd", XSD_NS),
        ],
    );
    let names = [
        person.first_name.as_str(),
        &person.sur_name,
        &person.family_name,
    ];
    w.start("PersonNames");
    write_names(&mut w, names);
    w.end().start("LatinNames");
    write_names(&mut w, names.map(transliterate));
    w.end().start("Gender");
    w.leaf("nbd:GenderCode", person.gender.code())
        .leaf("nbd:GenderName", person.gender.name())
        .end();
    w.leaf("EGN", &person.egn)
        .leaf("BirthDate", &person.birth_date.to_string())
        .leaf("PlaceBirth", person.place_of_birth)
        .start("Nationality")
        .leaf("nbd:NationalityCode", BULGARIAN.code)
        .leaf("nbd:NationalityName", BULGARIAN.name);
    if let Some(second) = person.second_nationality {
        w.leaf("nbd:NationalityCode2", second.code)
            .leaf("nbd:NationalityName2", second.name);
    }
    w.end();
    if let Some(death) = person.death_date {
        w.leaf("DeathDate", &death.to_string());
    }
    w.finish()
}

/// Writes the children of an NBD `PersonNames`. Its name elements have no declared type in the
/// schema (`xs:anyType`), so each carries `xsi:type="xsd:string"` as RegiX itself sends them:
/// .NET clients generated from the schema read such an element as a string only with it.
fn write_names<S: AsRef<str>>(w: &mut ElementWriter, [first, sur, family]: [S; 3]) {
    for (name, value) in [
        ("nbd:FirstName", first),
        ("nbd:SurName", sur),
        ("nbd:FamilyName", family),
    ] {
        w.start(name)
            .attr("xsi:type", "xsd:string")
            .text(value.as_ref())
            .end();
    }
}

fn valid_person_response(person: &Person) -> String {
    let mut w = ElementWriter::new("ValidPersonResponse", &[("", VALID_PERSON_RESPONSE_NS)]);
    w.leaf("FirstName", &person.first_name)
        .leaf("SurName", &person.sur_name)
        .leaf("FamilyName", &person.family_name)
        .leaf("BirthDate", &person.birth_date.to_string());
    if let Some(death) = person.death_date {
        w.leaf("DeathDate", &death.to_string());
    }
    w.finish()
}

#[cfg(test)]
mod tests;
