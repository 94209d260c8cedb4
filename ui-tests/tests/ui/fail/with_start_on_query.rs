use bridge_runtime::prelude::*;

#[bridge]
pub trait Mailbox {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn mailbox(note: String) -> Vec<String>;

    #[remote_query(cluster = "b", with_start = "mailbox")]
    async fn notes() -> Vec<String>;
}

fn main() {}
