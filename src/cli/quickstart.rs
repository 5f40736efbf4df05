//! `regway quickstart`: a working gateway in one command, with an example PKI, the demo
//! registries, one consumer that is granted everything and one that is granted nothing.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::pki::{Ca, Issued};
use crate::routing::Routes;
use crate::store::{Grantee, LegalBasis, NewGrant, Store};
use crate::{runtime, server};

const CONFIG_FILE: &str = "regway.toml";
/// The legal basis the demo grants accept and the sample request cites.
const DEMO_LEGAL_BASIS: &str = "DEMO-1";
/// Validity of the example certificates, in days.
const DAYS: i64 = 365;

/// The request the printed curl command sends.
fn person_data_request(egn: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <Execute xmlns="http://egov.bg/RegiX">
      <request>
        <ServiceRequestData xmlns="http://egov.bg/RegiX/SignedData">
          <Operation>TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch</Operation>
          <Argument>
            <PersonDataRequest xmlns="http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest">
              <EGN>{egn}</EGN>
            </PersonDataRequest>
          </Argument>
          <CallContext>
            <ServiceURI>demo-0001</ServiceURI>
            <ServiceType>Quick start</ServiceType>
            <EmployeeIdentifier>demo.user@example.invalid</EmployeeIdentifier>
            <AdministrationName>Demo Municipality</AdministrationName>
            <LawReason>DEMO-1: quick start</LawReason>
          </CallContext>
          <SignResult>false</SignResult>
          <ReturnAccessMatrix>false</ReturnAccessMatrix>
        </ServiceRequestData>
      </request>
    </Execute>
  </s:Body>
</s:Envelope>
"#
    )
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn write(path: &Path, contents: &str, private: bool) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

fn write_pair(dir: &Path, name: &str, issued: &Issued) -> anyhow::Result<()> {
    write(&dir.join(format!("{name}.pem")), &issued.cert_pem, false)?;
    write(&dir.join(format!("{name}.key")), &issued.key_pem, true)
}

/// Create the data directory unless it exists, then serve (or only print) the demo.
pub async fn run(data_dir: &Path, listen: SocketAddr, serve: bool) -> anyhow::Result<()> {
    let config_path = data_dir.join(CONFIG_FILE);
    if config_path.exists() {
        println!("Reusing the demo data directory {}", data_dir.display());
    } else {
        create(data_dir, listen).await?;
        println!("Created the demo data directory {}", data_dir.display());
    }
    let config = Config::load(&config_path)?;
    config.audit_key_paths().ensure()?;
    let d = data_dir.display();
    let url = format!(
        "https://{}/RegiXEntryPointV2.svc/basic",
        config.server.listen
    );
    println!(
        "\nA PersonDataSearch as the granted consumer (paste into a shell):\n\n  \
         curl --cacert {d}/pki/ca.pem --cert {d}/pki/consumer-granted.pem --key {d}/pki/consumer-granted.key \\\n    \
         -H 'Content-Type: text/xml; charset=utf-8' \\\n    \
         -H 'SOAPAction: \"http://egov.bg/RegiX/IRegiXEntryPointV2/Execute\"' \\\n    \
         --data-binary @{d}/samples/PersonDataSearch.xml {url}\n\n\
         The same with {d}/pki/consumer-denied.pem/.key answers \"Access denied!\".\n\
         With @{d}/samples/PersonDataSearch-signed-result.xml the result is signed (XAdES); save the\n\
         ServiceResultData and check it with: regway signature verify FILE --trust {d}/pki/ca.pem\n\
         The contract: curl --cacert {d}/pki/ca.pem --cert {d}/pki/consumer-granted.pem --key {d}/pki/consumer-granted.key '{url}?wsdl'\n"
    );
    if !serve {
        return Ok(());
    }
    let running = runtime::start_until(config, server::shutdown_signal())
        .await
        .context("cannot start the gateway")?;
    println!(
        "regway is serving on https://{} (Ctrl-C to stop)",
        running.addr
    );
    running.wait().await;
    Ok(())
}

async fn create(data_dir: &Path, listen: SocketAddr) -> anyhow::Result<()> {
    let pki = data_dir.join("pki");
    let samples = data_dir.join("samples");
    std::fs::create_dir_all(&pki).with_context(|| format!("cannot create {}", pki.display()))?;
    std::fs::create_dir_all(&samples)?;

    let ca = Ca::generate("regway demo CA (example only)", "regway demo", DAYS)?;
    write(&pki.join("ca.pem"), &ca.cert_pem, false)?;
    let host = listen.ip().to_string();
    let server = ca.issue_server(&["localhost", "127.0.0.1", &host], DAYS)?;
    write_pair(&pki, "server", &server)?;
    let granted = ca.issue_client(
        "case-system.demo-municipality.example",
        "Demo Municipality",
        DAYS,
    )?;
    write_pair(&pki, "consumer-granted", &granted)?;
    let denied = ca.issue_client("records.demo-agency.example", "Demo Agency", DAYS)?;
    write_pair(&pki, "consumer-denied", &denied)?;
    write(&pki.join("crl.pem"), &ca.crl(&[], DAYS)?, false)?;
    // The gateway's seal, issued by the demo CA so that signed results verify with
    // `regway signature verify --trust pki/ca.pem`.
    let seal = ca.issue_seal(
        "regway demo gateway seal (example only)",
        "regway demo",
        DAYS,
        crate::pki::KeyAlgorithm::EcdsaP256,
    )?;
    let seal_dir = data_dir.join("seal");
    std::fs::create_dir_all(&seal_dir)?;
    write(&seal_dir.join("seal.pem"), &seal.cert_pem, false)?;
    write(&seal_dir.join("seal.key"), &seal.key_pem, true)?;

    let config = format!(
        "# regway quick-start configuration (example PKI: never use it in production)\n\
         data_dir = \".\"\nenvironment = \"test\"\n\n[server]\nlisten = \"{listen}\"\ncert = \"pki/server.pem\"\nkey = \"pki/server.key\"\n\
         client_ca = [\"pki/ca.pem\"]\ncrl = [\"pki/crl.pem\"]\n\n[adapters]\nenabled = [\"demo-population\", \"demo-company\"]\n"
    );
    write(&data_dir.join(CONFIG_FILE), &config, false)?;

    let store = Store::open(data_dir).await?;
    let routes = Routes::from_names(&crate::config::AdaptersConfig::default().enabled)?;
    store.register_operations(routes.operations()).await?;
    let municipality = store
        .add_consumer("Demo Municipality", Some("2.16.100.1.1.999.1"))
        .await?;
    let case_system = store.add_system(municipality, "case-system").await?;
    store.add_certificate(case_system, &granted.der).await?;
    store
        .add_legal_basis(&LegalBasis {
            code: DEMO_LEGAL_BASIS.to_string(),
            title: "Demo legal basis (example only)".to_string(),
            citation: "Example Act, art. 1 (fictitious)".to_string(),
            valid_from: now_unix(),
            valid_to: None,
        })
        .await?;
    for (op, _) in routes.operations() {
        store
            .add_grant(&NewGrant {
                grantee: Grantee::System(case_system),
                operation: op.to_string(),
                legal_bases: vec![DEMO_LEGAL_BASIS.to_string()],
                fields: vec!["*".to_string()],
                valid_from: now_unix(),
                valid_to: None,
                granted_by: "regway quickstart".to_string(),
                reason: "Demo: the granted consumer may call every demo operation".to_string(),
            })
            .await?;
    }
    let agency = store
        .add_consumer("Demo Agency", Some("2.16.100.1.1.999.2"))
        .await?;
    let records = store.add_system(agency, "records").await?;
    store.add_certificate(records, &denied.der).await?;

    let population = regway_demo_population::PopulationRegister::new();
    let egn = population
        .sample_egns(1)
        .into_iter()
        .next()
        .context("the demo population register is empty")?;
    let request = person_data_request(&egn);
    write(&samples.join("PersonDataSearch.xml"), &request, false)?;
    write(
        &samples.join("PersonDataSearch-signed-result.xml"),
        &request.replace(
            "<SignResult>false</SignResult>",
            "<SignResult>true</SignResult>",
        ),
        false,
    )?;
    Ok(())
}
