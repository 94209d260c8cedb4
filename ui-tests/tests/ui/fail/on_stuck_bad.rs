use bridge_runtime::prelude::*;

#[bridge]
pub trait Jobs {
    #[remote_workflow(cluster = "b", queue = "jobs", on_stuck = "retry")]
    async fn crunch(input: String) -> String;
}

fn main() {}
