//! Compile-fail cases show the messages users get; compile-pass cases prove the expansion holds
//! up in hostile surroundings. The toolchain is pinned (rust-toolchain.toml) so `.stderr` files
//! do not drift.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
