//! Holds only the trybuild cases under `tests/ui`.
