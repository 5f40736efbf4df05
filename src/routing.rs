//! The routing table: operation name → the adapter that answers it.

use std::collections::HashMap;
use std::sync::Arc;

use regway_adapter::{Adapter, OperationSpec};

/// One routed operation.
#[derive(Clone)]
pub struct Route {
    pub spec: OperationSpec,
    pub adapter: Arc<dyn Adapter>,
}

/// Why the routing table could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("unknown adapter '{0}' (built in: {1})")]
    UnknownAdapter(String, String),
    #[error("operation '{0}' is served by both '{1}' and '{2}'")]
    Duplicate(String, &'static str, &'static str),
}

/// The adapters compiled into this gateway, by configuration name.
pub const BUILT_IN: &[&str] = &["demo-population", "demo-company"];

fn built_in(name: &str) -> Option<Arc<dyn Adapter>> {
    match name {
        "demo-population" => Some(Arc::new(regway_demo_population::PopulationRegister::new())),
        "demo-company" => Some(Arc::new(regway_demo_company::CompanyRegister::new())),
        _ => None,
    }
}

/// Operation name → route.
#[derive(Clone, Default)]
pub struct Routes {
    by_operation: HashMap<&'static str, Route>,
}

impl Routes {
    /// Build the table from the configured adapter names.
    pub fn from_names(names: &[String]) -> Result<Routes, RoutingError> {
        let mut routes = Routes::default();
        for name in names {
            let adapter = built_in(name)
                .ok_or_else(|| RoutingError::UnknownAdapter(name.clone(), BUILT_IN.join(", ")))?;
            routes.add(adapter)?;
        }
        Ok(routes)
    }

    /// Route every operation of `adapter` to it.
    pub fn add(&mut self, adapter: Arc<dyn Adapter>) -> Result<(), RoutingError> {
        for spec in adapter.operations() {
            if let Some(existing) = self.by_operation.get(spec.name) {
                return Err(RoutingError::Duplicate(
                    spec.name.to_string(),
                    existing.adapter.name(),
                    adapter.name(),
                ));
            }
            self.by_operation.insert(
                spec.name,
                Route {
                    spec: *spec,
                    adapter: Arc::clone(&adapter),
                },
            );
        }
        Ok(())
    }

    pub fn get(&self, operation: &str) -> Option<&Route> {
        self.by_operation.get(operation)
    }

    /// (operation, adapter name) pairs, sorted by operation.
    pub fn operations(&self) -> Vec<(&'static str, &'static str)> {
        let mut ops: Vec<_> = self
            .by_operation
            .values()
            .map(|r| (r.spec.name, r.adapter.name()))
            .collect();
        ops.sort_unstable();
        ops
    }
}
