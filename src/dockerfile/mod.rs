//! The Dockerfile front end, in the layers BuildKit has:
//!
//! 1. [`parse`] turns text into a [`Dockerfile`] of raw [`Instruction`]s: parser directives,
//!    comments, line continuations with the active escape character, exec vs shell form, flags and
//!    heredocs, each instruction with its line span. Nothing is expanded and no quote is removed:
//!    this is what `rbuild parse` prints.
//! 2. [`shell`] expands variables in words the way Docker's shell lexer does.
//! 3. [`instructions`] validates raw instructions (arity, known flags) into typed instructions and
//!    stages; the planner expands them.

pub mod ast;
mod directives;
mod dispatch;
mod dump;
pub mod error;
mod flags;
pub(crate) mod heredoc;
pub mod instructions;
mod json_form;
mod lines;
mod parser;
pub mod shell;
pub mod suggest;
mod words;

pub use ast::{Body, Dockerfile, Heredoc, Instruction};
pub use error::ParseError;
pub use parser::parse;
