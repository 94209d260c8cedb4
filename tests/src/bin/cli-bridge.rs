//! The probe bridge behind the `bridge_runtime::cli` helper, as a user's `main` would be.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    bridge_runtime::cli::main(|worker| worker.register(temporal_bridge_tests::ProbeBridge)).await
}
