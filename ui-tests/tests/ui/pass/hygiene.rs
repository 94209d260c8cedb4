//! The expansion must not care what the user's crate calls things.
#![deny(warnings)]

// Shadow the prelude names generated code might reach for.
#[allow(dead_code)]
type Result<T> = ::core::result::Result<T, ::std::string::String>;
#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct String;
#[allow(dead_code)]
mod tokio {}
#[allow(dead_code)]
mod std {}
#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod temporalio_workflow {}
#[allow(dead_code)]
mod serde {}
#[allow(dead_code)]
mod bridge_macros {}

mod model {
    #[derive(::serde::Serialize, ::serde::Deserialize)]
    pub struct Echo {
        pub tag: ::std::string::String,
    }

    /// Named like the workflow-type parameter callers once had.
    #[derive(::serde::Serialize, ::serde::Deserialize)]
    pub struct W(pub u32);
}

// A type named like a method's marker would be, and types from another module.
use model::{Echo, W};

#[bridge_runtime::bridge]
pub trait Probe {
    #[bridge_runtime::remote_workflow(cluster = "b", queue = "q")]
    async fn echo(tag: model::Echo) -> Echo;

    /// A user type `W` in arguments and result.
    #[bridge_runtime::remote_workflow(cluster = "b", queue = "q")]
    async fn with_w(w: W) -> W;
}

#[bridge_runtime::bridge]
pub trait Ctx {
    /// An argument named like the caller's own context parameter.
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn with_ctx(ctx: u32) -> u32;

    /// Arguments named like the callers' own locals, and an id template over them.
    #[remote_workflow(cluster = "b", queue = "q", id = "w-{options}-{target}")]
    async fn with_locals(options: u32, target: u32) -> u32;

    /// A signal whose argument is named like the target parameter.
    #[bridge_runtime::remote_signal(cluster = "b")]
    async fn nudge(target: u32);
}

async fn calls<C>(
    ctx: &::temporalio_workflow::WorkflowContext<C>,
) -> ::core::result::Result<(), bridge_runtime::BridgeError> {
    CtxCaller::nudge(ctx, "some-workflow", 1).await?;
    let _: u32 = CtxCaller::with_ctx(ctx, 1).await?;
    let _: u32 = CtxCaller::with_locals(ctx, 1, 2).await?;
    let _handle = CtxCaller::start_with_locals(ctx, 1, 2).await?;
    let _: W = ProbeCaller::with_w(ctx, W(1)).await?;
    ::core::result::Result::Ok(())
}

fn main() {
    let _ = ProbeBridge;
    let _ = ProbeCaller;
    let _ = calls::<()>;
    let _: ::std::string::String = CtxBridge::with_locals_remote_id(&1, &2);
}
