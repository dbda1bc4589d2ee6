//! The command line. (Placeholder.)

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
