//! Text -> raw [`Dockerfile`]. (Placeholder until the parser lands.)

use super::{Dockerfile, ParseError};

/// Parses Dockerfile text exactly as Docker's (BuildKit's) parser does.
pub fn parse(_text: &str) -> Result<Dockerfile, ParseError> {
    Err(ParseError::new(
        1,
        "the Dockerfile parser is not implemented yet",
    ))
}
