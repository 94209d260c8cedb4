//! The one error collector that parsing and checking share, so that one compile shows every
//! problem, not just the first (serde's `Ctxt`, on darling's accumulator).

use darling::Error;

/// darling's accumulator, counting what it holds so that a step can tell whether it added any.
#[derive(Default)]
pub(crate) struct Errors(darling::error::Accumulator, usize);

impl Errors {
    pub(crate) fn push(&mut self, e: Error) {
        self.1 += 1;
        self.0.push(e);
    }

    /// The value of `r`, or `None` with its error collected.
    pub(crate) fn handle<T>(&mut self, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    /// How many errors have been collected so far.
    pub(crate) fn len(&self) -> usize {
        self.1
    }

    /// Every collected error as one, or `Ok` when there is none.
    pub(crate) fn finish(self) -> Result<(), Error> {
        self.0.finish()
    }
}
