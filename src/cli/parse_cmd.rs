//! `rbuild parse`: the raw syntax tree as JSON (rbuild's contract, see `dockerfile::ast`).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Flags of `rbuild parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Name of the Dockerfile ("-" reads standard input)
    #[arg(
        short = 'f',
        long = "file",
        default_value = "Dockerfile",
        value_name = "PATH"
    )]
    pub file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    pub format: ParseFormat,
}

/// Output formats of `rbuild parse`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ParseFormat {
    /// One JSON document: escape, directives, instructions
    Json,
    /// One line per instruction: `LINE-END_LINE cmd flags args`
    Text,
}

pub(super) fn run(args: &ParseArgs) -> anyhow::Result<()> {
    let text = crate::session::input::read_dockerfile(&args.file)?;
    let (df, _) = crate::session::input::load(&args.file, &text)?;
    for w in &df.warnings {
        eprintln!("{}:{}: warning: {}", args.file.display(), w.line, w.message);
    }
    match args.format {
        ParseFormat::Json => print!("{}", df.to_json_pretty()),
        ParseFormat::Text => {
            for i in &df.instructions {
                println!(
                    "{}-{} {} {}",
                    i.line,
                    i.end_line,
                    i.cmd,
                    serde_json::to_string(&i.body)?
                );
            }
        }
    }
    Ok(())
}
