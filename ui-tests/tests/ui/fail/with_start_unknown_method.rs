use bridge_runtime::prelude::*;

#[bridge]
pub trait Mailbox {
    #[remote_workflow(cluster = "b", queue = "q")]
    async fn mailbox(note: String) -> Vec<String>;

    #[remote_signal(cluster = "b", with_start = "mailbx")]
    async fn add_note(text: String);
}

fn main() {}
