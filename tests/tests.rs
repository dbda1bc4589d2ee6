//! rbuild's integration tests: one test binary, a module per area (ripgrep's layout).

mod it {
    /// Context walking, `.dockerignore` and content hashes against real directories.
    mod context;
    /// The parser against the conformance corpus in `tests/data/parse*`.
    mod parse_conformance;
}
