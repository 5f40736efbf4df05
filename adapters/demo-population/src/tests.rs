use super::*;

use regway_adapter::testkit::call;

fn person_data_request(egn: &str) -> String {
    format!(
        r#"<PersonDataRequest xmlns="{PERSON_DATA_REQUEST_NS}"><EGN>{egn}</EGN></PersonDataRequest>"#
    )
}

fn valid_person_request(egn: &str) -> String {
    format!(
        r#"<ValidPersonRequest xmlns="{VALID_PERSON_REQUEST_NS}"><EGN>{egn}</EGN></ValidPersonRequest>"#
    )
}

#[test]
fn dataset_has_the_documented_size_and_unique_egns() {
    let register = PopulationRegister::new();
    assert_eq!(register.len(), 5_000);
    assert_eq!(register.by_egn.len(), 5_000, "EGNs are unique");
    assert!(!register.is_empty());
}

#[test]
fn construction_is_deterministic() {
    let a = PopulationRegister::new();
    let b = PopulationRegister::new();
    assert_eq!(a.people(), b.people());
    assert_eq!(a.sample_egns(10), b.sample_egns(10));
    assert_eq!(a.living_egn(), b.living_egn());
}

#[test]
fn every_record_agrees_with_its_egn() {
    let register = PopulationRegister::new();
    let snapshot = data::SNAPSHOT;
    for p in register.people() {
        assert_eq!(
            egn::decode(&p.egn),
            Some((p.birth_date, p.gender)),
            "{}",
            p.egn
        );
        let sequence: u16 = p.egn[6..9].parse().unwrap();
        assert!(data::towns_of_region(sequence).contains(&p.place_of_birth));
        if let Some(death) = p.death_date {
            assert!(death > p.birth_date && death <= snapshot, "{}", p.egn);
        }
        assert!(p.birth_date < snapshot);
        let feminine = [&p.sur_name, &p.family_name]
            .iter()
            .all(|n| n.ends_with("ова") || n.ends_with("ева"));
        let masculine = [&p.sur_name, &p.family_name]
            .iter()
            .all(|n| n.ends_with("ов") || n.ends_with("ев"));
        match p.gender {
            Gender::Female => assert!(feminine, "{p:?}"),
            Gender::Male => assert!(masculine, "{p:?}"),
        }
    }
}

#[test]
fn dataset_covers_the_cases_clients_meet() {
    let register = PopulationRegister::new();
    let people = register.people();
    let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count();
    let deceased = count(&|p| p.death_date.is_some());
    assert!(
        (150..=400).contains(&deceased),
        "about 5% deceased: {deceased}"
    );
    let women = count(&|p| p.gender == Gender::Female);
    assert!((2_300..=2_700).contains(&women), "{women}");
    assert!(
        count(&|p| p.birth_date.year < 1900) > 0,
        "+20 month encoding"
    );
    assert!(
        count(&|p| p.birth_date.year >= 2000) > 0,
        "+40 month encoding"
    );
    assert!(count(&|p| p.second_nationality.is_some()) > 0);
    let deceased_person = register.person(register.deceased_egn()).unwrap();
    assert!(deceased_person.death_date.is_some());
    let living_person = register.person(register.living_egn()).unwrap();
    assert!(living_person.death_date.is_none());
}

#[test]
fn sample_egns_are_known_and_stable() {
    let register = PopulationRegister::new();
    let sample = register.sample_egns(50);
    assert_eq!(sample.len(), 50);
    assert!(sample.iter().all(|egn| register.person(egn).is_some()));
    assert_eq!(sample[1], register.people()[100].egn);
}

#[test]
fn person_data_response_in_schema_order() {
    let register = PopulationRegister::new();
    let egn = register.deceased_egn();
    let p = register.person(egn).unwrap();
    let xml = call(&register, PERSON_DATA_SEARCH, &person_data_request(egn)).unwrap();
    assert!(xml.starts_with(&format!(
        r#"<PersonDataResponse xmlns="{PERSON_DATA_RESPONSE_NS}" xmlns:nbd="{NBD_NS}""#
    )));
    let order = [
        "<PersonNames>",
        &format!(r#"<nbd:FirstName xsi:type="xsd:string">{}<"#, p.first_name),
        "<LatinNames>",
        &format!(">{}</nbd:FirstName>", transliterate(&p.first_name)),
        &format!("<nbd:GenderCode>{}</nbd:GenderCode>", p.gender.code()),
        &format!("<EGN>{egn}</EGN>"),
        &format!("<BirthDate>{}</BirthDate>", p.birth_date),
        &format!("<PlaceBirth>{}</PlaceBirth>", p.place_of_birth),
        "<nbd:NationalityCode>BG</nbd:NationalityCode>",
        &format!("<DeathDate>{}</DeathDate>", p.death_date.unwrap()),
    ];
    let mut at = 0;
    for part in order {
        let found = xml[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} in {xml}"));
        at += found + part.len();
    }
    assert!(xml.ends_with("</PersonDataResponse>"));
}

#[test]
fn valid_person_response_carries_death_only_for_the_deceased() {
    let register = PopulationRegister::new();
    let dead = register.deceased_egn();
    let xml = call(&register, VALID_PERSON_SEARCH, &valid_person_request(dead)).unwrap();
    let p = register.person(dead).unwrap();
    assert_eq!(
        xml,
        format!(
            r#"<ValidPersonResponse xmlns="{VALID_PERSON_RESPONSE_NS}"><FirstName>{}</FirstName><SurName>{}</SurName><FamilyName>{}</FamilyName><BirthDate>{}</BirthDate><DeathDate>{}</DeathDate></ValidPersonResponse>"#,
            p.first_name,
            p.sur_name,
            p.family_name,
            p.birth_date,
            p.death_date.unwrap()
        )
    );
    let living = register.living_egn();
    let xml = call(
        &register,
        VALID_PERSON_SEARCH,
        &valid_person_request(living),
    )
    .unwrap();
    assert!(
        xml.contains("<BirthDate>") && !xml.contains("DeathDate"),
        "{xml}"
    );
}

#[test]
fn unknown_egn_gives_an_empty_response() {
    let register = PopulationRegister::new();
    // A valid EGN (checked by hand in egn.rs) that the dataset does not hold, and a ten-digit
    // number that is no EGN at all: both are simply not found.
    for egn in ["0143156406", "0000000000"] {
        assert!(register.person(egn).is_none());
        assert_eq!(
            call(&register, PERSON_DATA_SEARCH, &person_data_request(egn)).unwrap(),
            format!(r#"<PersonDataResponse xmlns="{PERSON_DATA_RESPONSE_NS}"/>"#)
        );
        assert_eq!(
            call(&register, VALID_PERSON_SEARCH, &valid_person_request(egn)).unwrap(),
            format!(r#"<ValidPersonResponse xmlns="{VALID_PERSON_RESPONSE_NS}"/>"#)
        );
    }
}

#[test]
fn malformed_or_missing_egn_is_a_bad_argument() {
    let register = PopulationRegister::new();
    let missing = format!(r#"<PersonDataRequest xmlns="{PERSON_DATA_REQUEST_NS}"/>"#);
    let foreign = format!(
        r#"<PersonDataRequest xmlns="{PERSON_DATA_REQUEST_NS}"><EGN xmlns="urn:other">0143156406</EGN></PersonDataRequest>"#
    );
    let cases = [
        person_data_request("014315640"),
        person_data_request("01431564060"),
        person_data_request("01431564O6"),
        person_data_request("   "),
        missing,
        foreign,
    ];
    for argument in &cases {
        match call(&register, PERSON_DATA_SEARCH, argument) {
            Err(AdapterError::BadArgument(message)) => {
                assert!(message.contains("EGN"), "{message}");
                assert!(!message.contains("014315"), "the value is not echoed");
            }
            other => panic!("{argument}: {other:?}"),
        }
    }
    // A request element of the other operation is refused too.
    let wrong_root = valid_person_request(register.living_egn());
    assert!(matches!(
        call(&register, PERSON_DATA_SEARCH, &wrong_root),
        Err(AdapterError::BadArgument(_))
    ));
}

#[test]
fn whitespace_around_the_egn_is_ignored() {
    let register = PopulationRegister::new();
    let egn = register.living_egn();
    let xml = call(
        &register,
        PERSON_DATA_SEARCH,
        &person_data_request(&format!("\n  {egn}\n")),
    )
    .unwrap();
    assert!(xml.contains(&format!("<EGN>{egn}</EGN>")));
}

#[test]
fn text_is_escaped() {
    let mut person = PopulationRegister::new().people()[0].clone();
    person.first_name = "Ана & <Мария>".to_string();
    person.place_of_birth = "\"Село\"";
    let xml = person_data_response(&person);
    assert!(xml.contains(">Ана &amp; &lt;Мария&gt;<"), "{xml}");
    assert!(xml.contains(">Ana &amp; &lt;Maria&gt;<"), "{xml}");
    assert!(
        xml.contains("<PlaceBirth>&quot;Село&quot;</PlaceBirth>"),
        "{xml}"
    );
    assert!(valid_person_response(&person).contains(">Ана &amp; &lt;Мария&gt;<"));
}
