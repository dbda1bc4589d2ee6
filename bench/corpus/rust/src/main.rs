//! logscan: summarises web server access logs (common or combined log format) as JSON:
//! requests, bytes, status classes, methods, the busiest paths, client kinds and the lines it
//! could not read.
//!
//! ```text
//! logscan [--top N] [--status CLASS]... [--path-prefix P] [--expect-requests N] FILE...
//! ```

mod agents;
mod cli;
mod filter;
mod parse;
mod report;
mod stats;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use anyhow::{ensure, Context, Result};

fn main() {
    if let Err(e) = run() {
        eprintln!("logscan: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = cli::Options::parse(&args)?;
    if opts.help {
        print!("{}", cli::USAGE);
        return Ok(());
    }
    let parser = parse::Parser::new();
    let kinds = agents::Classifier::new();
    let filter = filter::Filter::from_options(&opts)?;
    let mut stats = stats::Stats::default();
    for path in &opts.files {
        let file = File::open(path).with_context(|| format!("opening {path}"))?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("reading {path}"))?;
            if line.trim().is_empty() {
                continue;
            }
            match parser.parse(&line) {
                Some(entry) if filter.accepts(&entry) => {
                    let kind = kinds.classify(entry.agent.as_deref());
                    stats.add(&entry, kind);
                }
                Some(_) => stats.filtered += 1,
                None => stats.note_malformed(path, n + 1),
            }
        }
    }
    let report = report::Report::build(&stats, opts.top);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, &report).context("writing the report")?;
    writeln!(out)?;
    if let Some(expected) = opts.expect_requests {
        ensure!(
            report.requests == expected,
            "expected {expected} requests, counted {}",
            report.requests
        );
    }
    Ok(())
}
