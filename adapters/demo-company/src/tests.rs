use std::collections::HashSet;

use super::*;

use regway_adapter::testkit::call;

fn argument(uic: &str) -> String {
    format!(r#"<ValidUICRequest xmlns="{VALID_UIC_REQUEST_NS}"><UIC>{uic}</UIC></ValidUICRequest>"#)
}

#[test]
fn dataset_has_the_documented_size_and_valid_unique_codes() {
    let register = CompanyRegister::new();
    assert_eq!(register.len(), 3_000);
    assert!(!register.is_empty());
    assert_eq!(register.by_uic.len(), 3_000, "UICs are unique");
    for c in register.companies() {
        assert!(uic::is_valid(&c.uic), "{}", c.uic);
        // Re-registered companies keep older codes; new ones got 20… codes.
        let prefix_ok = if c.status.is_reregistered() {
            c.uic.starts_with('1')
        } else {
            c.uic.starts_with("20")
        };
        assert!(prefix_ok, "{c:?}");
        assert!(!c.name.is_empty());
    }
}

#[test]
fn construction_is_deterministic() {
    let a = CompanyRegister::new();
    let b = CompanyRegister::new();
    assert_eq!(a.companies(), b.companies());
    assert_eq!(a.sample_uics(7), b.sample_uics(7));
}

#[test]
fn dataset_uses_every_status_and_legal_form() {
    let register = CompanyRegister::new();
    let statuses: HashSet<Status> = register.companies().iter().map(|c| c.status).collect();
    assert_eq!(statuses.len(), Status::ALL.len());
    let forms: HashSet<LegalForm> = register.companies().iter().map(|c| c.legal_form).collect();
    assert_eq!(forms, legal_forms().collect());
    assert_eq!(forms.len(), 10);
    assert!(register.companies().iter().any(|c| c.name.contains('&')));
}

#[test]
fn sample_uics_are_known_and_stable() {
    let register = CompanyRegister::new();
    let sample = register.sample_uics(30);
    assert_eq!(sample.len(), 30);
    assert!(sample.iter().all(|uic| register.company(uic).is_some()));
    assert_eq!(sample[1], register.companies()[100].uic);
}

#[test]
fn response_in_schema_order() {
    let register = CompanyRegister::new();
    let c = &register.companies()[0];
    let xml = call(&register, GET_VALID_UIC_INFO, &argument(&c.uic)).unwrap();
    assert_eq!(
        xml,
        format!(
            r#"<ValidUICResponse xmlns="{VALID_UIC_RESPONSE_NS}" xmlns:tr="{TR_NS}"><Status>{}</Status><UIC>{}</UIC><Company>{}</Company><LegalForm><tr:LegalFormAbbr>{}</tr:LegalFormAbbr><tr:LegalFormName>{}</tr:LegalFormName></LegalForm><DataValidForDate>{DATA_VALID_FOR}</DataValidForDate></ValidUICResponse>"#,
            c.status.as_str(),
            c.uic,
            regway_adapter::xml::escape(&c.name),
            c.legal_form.abbr,
            c.legal_form.name
        )
    );
}

#[test]
fn names_are_escaped() {
    let register = CompanyRegister::new();
    let c = register
        .companies()
        .iter()
        .find(|c| c.name.contains('&'))
        .unwrap();
    let xml = call(&register, GET_VALID_UIC_INFO, &argument(&c.uic)).unwrap();
    let escaped = c.name.replace('&', "&amp;");
    assert!(
        xml.contains(&format!("<Company>{escaped}</Company>")),
        "{xml}"
    );
    let mut odd = c.clone();
    odd.name = r#"<Вега> "Север" & 'Юг'"#.to_string();
    let xml = valid_uic_response(&odd);
    assert!(
        xml.contains("<Company>&lt;Вега&gt; &quot;Север&quot; &amp; &apos;Юг&apos;</Company>"),
        "{xml}"
    );
}

#[test]
fn unknown_code_gives_an_empty_response() {
    let register = CompanyRegister::new();
    let empty = format!(r#"<ValidUICResponse xmlns="{VALID_UIC_RESPONSE_NS}"/>"#);
    // Valid (checked by hand in uic.rs) but absent; a wrong check digit; a branch code.
    for uic in ["123456786", "123456787", "2000000150001"] {
        assert!(register.company(uic).is_none());
        let xml = call(&register, GET_VALID_UIC_INFO, &argument(uic)).unwrap();
        assert_eq!(xml, empty);
    }
}

#[test]
fn malformed_or_missing_code_is_a_bad_argument() {
    let register = CompanyRegister::new();
    let cases = [
        argument("12345678"),
        argument("1234567860"),
        argument("12345678a"),
        argument("123456786000"),
        format!(r#"<ValidUICRequest xmlns="{VALID_UIC_REQUEST_NS}"><UIC/></ValidUICRequest>"#),
        format!(r#"<ValidUICRequest xmlns="{VALID_UIC_REQUEST_NS}"/>"#),
        // UIC in no namespace is not the schema's UIC.
        format!(
            r#"<ValidUICRequest xmlns="{VALID_UIC_REQUEST_NS}"><UIC xmlns="">123456786</UIC></ValidUICRequest>"#
        ),
    ];
    for argument in &cases {
        match call(&register, GET_VALID_UIC_INFO, argument) {
            Err(AdapterError::BadArgument(message)) => {
                assert!(message.contains("UIC"), "{message}");
                assert!(!message.contains("1234"), "the value is not echoed");
            }
            other => panic!("{argument}: {other:?}"),
        }
    }
    let wrong_root = r#"<ValidEIKRequest xmlns="urn:x"><UIC>123456786</UIC></ValidEIKRequest>"#;
    assert!(matches!(
        call(&register, GET_VALID_UIC_INFO, wrong_root),
        Err(AdapterError::BadArgument(_))
    ));
}
