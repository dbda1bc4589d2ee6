//! The parser against the conformance corpus in `tests/data/parse*`.
