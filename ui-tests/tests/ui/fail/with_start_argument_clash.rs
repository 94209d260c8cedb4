use bridge_runtime::prelude::*;

#[bridge]
pub trait Mailbox {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn mailbox(note: String) -> Vec<String>;

    #[remote_update(cluster = "b", with_start = "mailbox")]
    async fn append(note: String) -> u32;
}

fn main() {}
