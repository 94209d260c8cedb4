//! A crate that re-exports bridge-runtime under another path names it with `crate = "..."`;
//! the expansion then reaches the runtime only through that path.
#![deny(warnings)]

mod api {
    pub use ::bridge_runtime as runtime;
}

// The user's crate cannot name `bridge_runtime` here: only the re-export exists.
#[allow(dead_code)]
mod bridge_runtime {}

#[crate::api::runtime::bridge(crate = "crate::api::runtime")]
pub trait Labels {
    #[remote_workflow(cluster = "b", queue = "labels", id = "label-{order_id}")]
    async fn create(order_id: String) -> String;

    #[remote_signal(cluster = "b", with_start = "create")]
    async fn note(text: String);
}

async fn calls<C>(
    ctx: &::temporalio_workflow::WorkflowContext<C>,
) -> ::core::result::Result<(), api::runtime::BridgeError> {
    let _: String = LabelsCaller::create(ctx, "o-1".into()).await?;
    let _handle = LabelsCaller::note_with_start(ctx, "o-2".into(), "fragile".into()).await?;
    Ok(())
}

fn main() {
    let _ = calls::<()>;
    let _ = api::runtime::BridgeWorker::register(
        api::runtime::BridgeWorker::new(
            api::runtime::ClusterPool::builder()
                .cluster("b", "127.0.0.1:7233", "default")
                .build()
                .unwrap(),
            "a",
        ),
        LabelsBridge,
    );
    assert_eq!(LabelsBridge::create_remote_id("o-1"), "label-o-1");
}
