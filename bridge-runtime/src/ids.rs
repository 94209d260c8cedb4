//! Deterministic remote workflow ids.
//!
//! Every bridged call starts its remote workflow under an id that is a pure function of *where the
//! call was made*: the source cluster, namespace, workflow id, run id, the method, and the call's
//! position in the run (its activity id). Retries of the same call therefore compute the same id
//! and attach to the one remote execution, while two calls, or two runs reusing a workflow id,
//! never share one.
//!
//! ```
//! use bridge_runtime::ids::{CallSite, default_remote_id, finalize_id};
//!
//! let site = CallSite {
//!     source_cluster: "a",
//!     namespace: "default",
//!     workflow_id: "order-42",
//!     run_id: "5f0c",
//!     position: "3",
//! };
//! let id = default_remote_id("Fulfillment", "fulfill", &site);
//! assert_eq!(id, "Fulfillment.fulfill/a/default/order-42/5f0c/3");
//! assert_eq!(finalize_id(&id, 1000), id);
//! ```

use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The server's default limit on workflow id length, in bytes.
pub const DEFAULT_MAX_ID_LEN: usize = 1000;

/// The smallest id limit the bridge accepts: room for a readable prefix and the hash suffix.
pub const MIN_MAX_ID_LEN: usize = 64;

/// Hex digits of SHA-256 kept in the suffix of a shortened id (64 bits).
const HASH_HEX_LEN: usize = 16;

/// Where a bridged call was made. Every field is part of the default remote id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSite<'a> {
    /// Name of the cluster the calling workflow runs on, as the bridge's pool names it.
    pub source_cluster: &'a str,
    /// Namespace of the calling workflow.
    pub namespace: &'a str,
    /// Workflow id of the calling workflow.
    pub workflow_id: &'a str,
    /// Run id of the calling workflow: a new run reusing the workflow id gets new remote ids.
    pub run_id: &'a str,
    /// The call's position in the run: the bridge activity's id, which the SDK assigns
    /// deterministically from the run's command sequence.
    pub position: &'a str,
}

/// The default remote workflow id of a call, before [`finalize_id`].
///
/// The format is `{trait}.{method}/{source_cluster}/{namespace}/{workflow_id}/{run_id}/{position}`.
/// Within each field `%`, `/` and control characters are percent-encoded, so the fields cannot
/// run into each other and two different call sites never produce the same string.
pub fn default_remote_id(trait_name: &str, method: &str, site: &CallSite<'_>) -> String {
    let mut id = format!("{trait_name}.{method}");
    for field in [
        site.source_cluster,
        site.namespace,
        site.workflow_id,
        site.run_id,
        site.position,
    ] {
        id.push('/');
        percent_encode(&mut id, field, |c| c == '%' || c == '/' || c.is_control());
    }
    id
}

fn percent_encode(out: &mut String, s: &str, escape: impl Fn(char) -> bool) {
    for c in s.chars() {
        if escape(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
}

/// Makes an id safe to send and fits it in `max_len` bytes.
///
/// Control characters are percent-encoded (`\n` becomes `%0A`). An id still longer than `max_len` keeps its longest prefix that fits, followed by `~` and 16 hex digits of
/// the SHA-256 of the whole encoded id, so long ids stay distinct and stable. `max_len` below
/// [`MIN_MAX_ID_LEN`] is raised to it.
pub fn finalize_id(id: &str, max_len: usize) -> String {
    let max_len = max_len.max(MIN_MAX_ID_LEN);
    let mut encoded = String::with_capacity(id.len());
    percent_encode(&mut encoded, id, char::is_control);
    if encoded.len() <= max_len {
        return encoded;
    }
    let digest = Sha256::digest(encoded.as_bytes());
    let mut suffix = String::with_capacity(HASH_HEX_LEN + 1);
    suffix.push('~');
    for b in digest.iter().take(HASH_HEX_LEN / 2) {
        let _ = write!(suffix, "{b:02x}");
    }
    let mut cut = max_len - suffix.len();
    while !encoded.is_char_boundary(cut) {
        cut -= 1;
    }
    encoded.truncate(cut);
    encoded.push_str(&suffix);
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site<'a>(workflow_id: &'a str, run_id: &'a str, position: &'a str) -> CallSite<'a> {
        CallSite {
            source_cluster: "a",
            namespace: "default",
            workflow_id,
            run_id,
            position,
        }
    }

    #[test]
    fn stable_for_the_same_call() {
        let s = site("order-1", "run-1", "1");
        assert_eq!(
            default_remote_id("T", "m", &s),
            default_remote_id("T", "m", &s)
        );
        assert_eq!(
            finalize_id(&default_remote_id("T", "m", &s), 255),
            finalize_id(&default_remote_id("T", "m", &s), 255)
        );
    }

    #[test]
    fn distinct_across_calls_runs_methods_and_clusters() {
        let base = default_remote_id("T", "m", &site("order-1", "run-1", "1"));
        let others = [
            default_remote_id("T", "m", &site("order-1", "run-1", "2")),
            default_remote_id("T", "m", &site("order-1", "run-2", "1")),
            default_remote_id("T", "m", &site("order-2", "run-1", "1")),
            default_remote_id("T", "n", &site("order-1", "run-1", "1")),
            default_remote_id("U", "m", &site("order-1", "run-1", "1")),
            default_remote_id(
                "T",
                "m",
                &CallSite {
                    source_cluster: "c",
                    ..site("order-1", "run-1", "1")
                },
            ),
        ];
        for other in &others {
            assert_ne!(&base, other);
        }
    }

    #[test]
    fn separators_inside_fields_do_not_collide() {
        let a = default_remote_id("T", "m", &site("x/run-1", "run-2", "1"));
        let b = default_remote_id("T", "m", &site("x", "run-1/run-2", "1"));
        assert_ne!(a, b);
        assert_eq!(a, "T.m/a/default/x%2Frun-1/run-2/1");
        // An escape sequence typed literally stays distinct from the character it stands for.
        let c = default_remote_id("T", "m", &site("x%2Frun-1", "run-2", "1"));
        assert_ne!(a, c);
    }

    #[test]
    fn short_ids_are_unchanged_and_exactly_at_the_limit_too() {
        let id = "x".repeat(255);
        assert_eq!(finalize_id(&id, 255), id);
    }

    #[test]
    fn long_ids_are_capped_with_a_hash_suffix() {
        let id = "y".repeat(300);
        let capped = finalize_id(&id, 255);
        assert_eq!(capped.len(), 255);
        assert!(capped.starts_with(&"y".repeat(200)));
        let suffix = &capped[capped.len() - 17..];
        assert!(suffix.starts_with('~'));
        assert!(suffix[1..].chars().all(|c| c.is_ascii_hexdigit()));
        // Ids that share the kept prefix still differ.
        let other = format!("{}z", "y".repeat(299));
        assert_ne!(finalize_id(&other, 255), capped);
        // And the cap is stable.
        assert_eq!(finalize_id(&id, 255), capped);
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let id = "é".repeat(200); // 400 bytes
        let capped = finalize_id(&id, 100);
        assert!(capped.len() <= 100);
        assert!(capped.ends_with(|c: char| c.is_ascii_hexdigit()));
    }

    #[test]
    fn control_characters_are_encoded() {
        assert_eq!(finalize_id("a\nb", 1000), "a%0Ab");
        assert_ne!(finalize_id("a\nb", 1000), finalize_id("a\tb", 1000));
        let id = default_remote_id("T", "m", &site("line\nbreak", "r", "1"));
        assert_eq!(
            finalize_id(&id, 1000),
            id,
            "default ids need no further encoding"
        );
    }

    #[test]
    fn limit_below_minimum_is_raised() {
        let id = "q".repeat(100);
        assert_eq!(finalize_id(&id, 10).len(), MIN_MAX_ID_LEN);
    }
}
