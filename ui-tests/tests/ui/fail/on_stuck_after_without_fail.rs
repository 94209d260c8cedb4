use bridge_runtime::prelude::*;

#[bridge]
pub trait Jobs {
    #[remote_workflow(cluster = "b", queue = "jobs", stuck_after = "1m")]
    async fn crunch(input: String) -> String;
}

fn main() {}
