//! The `rbuild` binary: everything lives in the library; this only runs the CLI.

fn main() -> std::process::ExitCode {
    rbuild::cli::main()
}
