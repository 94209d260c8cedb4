//! `docs/WIRE.md` is the contract other SDKs rely on: its examples must be what the code reads
//! and writes, and its tables what the code does. Each `<!-- wire-example: T -->` JSON block
//! deserializes into `T` and serializes back to the same JSON; each `<!-- wire-table: … -->`
//! table and `<!-- wire-list: … -->` list matches the constants.

use bridge_runtime::RemoteWorkflowHandle;
use bridge_runtime::ids::{CallSite, default_remote_id};
use bridge_runtime::wire::{
    self, CallHeader, FailureDetails, Origin, RemoteStarted, UpdateWithStartResult, WaitProgress,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::collections::BTreeMap;

fn wire_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/WIRE.md");
    std::fs::read_to_string(path).expect("read docs/WIRE.md")
}

/// What follows each `<!-- wire-KIND: NAME -->` marker, up to the next blank line after its
/// content (a fenced block is taken whole, without its fences).
fn marked(text: &str, kind: &str) -> BTreeMap<String, String> {
    let prefix = format!("<!-- wire-{kind}: ");
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let mut body = String::new();
        let mut fenced = false;
        for l in lines.by_ref() {
            if l.starts_with("```") {
                if fenced {
                    break;
                }
                fenced = true;
                continue;
            }
            if l.trim().is_empty() && !fenced {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        assert!(
            out.insert(name.to_owned(), body).is_none(),
            "`{name}` is marked twice"
        );
    }
    out
}

/// `json` read as a `T` and written back is `json`, field for field.
fn round_trips<T: Serialize + DeserializeOwned>(name: &str, json: &str) {
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
    let read: T = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("{name} does not read as the Rust type: {e}\n{json}"));
    let written = serde_json::to_value(&read).unwrap();
    assert_eq!(
        written, doc,
        "{name}: what the code writes differs from the document"
    );
}

#[test]
fn every_json_example_is_what_the_code_reads_and_writes() {
    let examples = marked(&wire_md(), "example");
    let names: Vec<&str> = examples.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "CallHeader",
            "FailureDetails",
            "Origin",
            "RemoteStarted",
            "RemoteWorkflowHandle",
            "UpdateWithStartResult",
            "WaitProgress",
        ],
        "the examples the document must keep"
    );
    for (name, json) in &examples {
        match name.as_str() {
            "CallHeader" => round_trips::<CallHeader>(name, json),
            "FailureDetails" => round_trips::<FailureDetails>(name, json),
            "Origin" => round_trips::<Origin>(name, json),
            "RemoteStarted" => round_trips::<RemoteStarted>(name, json),
            "RemoteWorkflowHandle" => round_trips::<RemoteWorkflowHandle<Value>>(name, json),
            "UpdateWithStartResult" => round_trips::<UpdateWithStartResult>(name, json),
            "WaitProgress" => round_trips::<WaitProgress>(name, json),
            other => panic!("no Rust type for the example `{other}`"),
        }
    }
}

#[test]
fn the_example_ids_follow_the_documented_default_scheme() {
    let examples = marked(&wire_md(), "example");
    let started: RemoteStarted = serde_json::from_str(&examples["RemoteStarted"]).unwrap();
    let site = CallSite {
        source_cluster: "a",
        namespace: "default",
        workflow_id: "order-1001",
        run_id: "01a20789-e8f5-76d9-9192-881a7288a282",
        position: "2",
    };
    assert_eq!(
        started.workflow_id,
        default_remote_id("Fulfillment", "fulfill", &site)
    );
}

/// The first cell of each data row of a Markdown table, without its backticks, with the second
/// cell.
fn rows(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_owned(), cells[2].to_owned())
        })
        .collect()
}

#[test]
fn the_failure_table_is_every_failure_with_its_retryability() {
    let tables = marked(&wire_md(), "table");
    let documented = rows(&tables["failures"]);
    let code: Vec<(String, String)> = wire::Failure::ALL
        .iter()
        .map(|f| {
            let retried = if f.is_retryable() { "yes" } else { "no" };
            (f.type_name().to_owned(), retried.to_owned())
        })
        .collect();
    assert_eq!(documented, code);
}

#[test]
fn the_activity_table_is_every_activity_type() {
    let tables = marked(&wire_md(), "table");
    let documented: Vec<String> = rows(&tables["activities"])
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let base = wire::activity_type("T", "m");
    let code: Vec<String> = [
        "",
        wire::START_SUFFIX,
        wire::WAIT_SUFFIX,
        wire::CANCEL_SUFFIX,
        wire::WITH_START_SUFFIX,
    ]
    .iter()
    .map(|suffix| format!("{base}{suffix}"))
    .collect();
    assert_eq!(documented, code);
}

#[test]
fn the_refused_header_fields_are_the_routing_fields() {
    let lists = marked(&wire_md(), "list");
    let documented: Vec<&str> = lists["routing-fields"]
        .trim()
        .trim_end_matches('.')
        .split(", ")
        .map(|f| f.trim_matches('`'))
        .collect();
    assert_eq!(documented, wire::ROUTING_FIELDS);
}

#[test]
fn the_hand_over_marker_is_the_documented_one() {
    let documented = format!("`{}` = `1`", wire::HAND_OVER_METADATA);
    assert!(
        wire_md().contains(&documented),
        "WIRE.md names {documented}"
    );
    let mut payload = temporalio_common::protos::temporal::api::common::v1::Payload {
        metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
        data: br#"{"workflow_id":"w"}"#.to_vec(),
        ..Default::default()
    };
    assert!(
        !wire::is_hand_over(&payload),
        "a plain result is not a hand-over"
    );
    payload
        .metadata
        .insert(wire::HAND_OVER_METADATA.to_owned(), b"1".to_vec());
    assert!(wire::is_hand_over(&payload));
}
