//! A fake registry for tests that need a registry to be slow or to fail: it echoes its
//! argument after a delay. Only the registry is fake; the gateway in front of it is real.

use std::time::Duration;

use async_trait::async_trait;
use regway_adapter::{Adapter, AdapterError, AdapterRequest, Field, OperationSpec, QName};

/// The operation the fake registry answers.
pub const SLOW_ECHO: &str = "RegwayTests.SlowAdapter.APIService.ISlowAPI.Echo";
const NS: &str = "urn:regway:test:slow";

const OPERATIONS: &[OperationSpec] = &[OperationSpec {
    name: SLOW_ECHO,
    request: QName {
        ns: NS,
        local: "EchoRequest",
    },
    response: QName {
        ns: NS,
        local: "EchoResponse",
    },
    response_type: "EchoResponseType",
    fields: &[Field::element("Text")],
    subject_identifiers: &[],
}];

/// Answers `EchoRequest` with `EchoResponse` after `delay`.
pub struct SlowRegistry {
    pub delay: Duration,
}

/// An `EchoRequest` argument.
pub fn echo_request(text: &str) -> String {
    format!(r#"<EchoRequest xmlns="{NS}"><Text>{text}</Text></EchoRequest>"#)
}

#[async_trait]
impl Adapter for SlowRegistry {
    fn name(&self) -> &'static str {
        "test-slow"
    }

    fn operations(&self) -> &'static [OperationSpec] {
        OPERATIONS
    }

    async fn execute(&self, request: AdapterRequest<'_>) -> Result<String, AdapterError> {
        tokio::time::sleep(self.delay).await;
        let text = regway_adapter::xml::child_text(
            request.argument,
            OPERATIONS[0].request,
            QName {
                ns: NS,
                local: "Text",
            },
        )?
        .unwrap_or_default();
        Ok(format!(
            r#"<EchoResponse xmlns="{NS}"><Text>{}</Text></EchoResponse>"#,
            regway_adapter::xml::escape(&text)
        ))
    }
}
