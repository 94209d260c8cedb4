//! Attribute arguments, parsed by darling (unknown and duplicate keys are errors with
//! suggestions).

use darling::{FromMeta, util::SpannedValue};

/// `#[bridge(...)]`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct BridgeArgs {
    /// Bridge task queue on the source cluster.
    #[darling(default)]
    pub task_queue: Option<SpannedValue<String>>,
}

/// `#[remote_workflow(...)]`.
#[derive(Debug, FromMeta)]
pub(crate) struct RemoteWorkflowArgs {
    /// Destination cluster name.
    pub cluster: SpannedValue<String>,
    /// Remote task queue.
    pub queue: SpannedValue<String>,
    /// Remote workflow type name.
    #[darling(default)]
    pub workflow: Option<SpannedValue<String>>,
}

/// Names of the helper attributes `#[bridge]` reads on methods.
pub(crate) const HELPERS: &[&str] = &["remote_workflow"];
