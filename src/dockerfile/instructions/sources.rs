//! COPY/ADD sources and destination, with heredocs as inline files.

use super::{InlineSource, SourcesAndDest};
use crate::dockerfile::Instruction;

/// Whether a word is a heredoc marker (`<<EOF`, `<<-"EOF"`, `3<<EOF`).
fn is_heredoc_word(word: &str) -> bool {
    let w = word.trim_start_matches(|c: char| c.is_ascii_digit());
    w.strip_prefix("<<")
        .map(|r| r.strip_prefix('-').unwrap_or(r))
        .is_some_and(|r| !r.is_empty() && !r.contains('<'))
}

pub(super) fn sources_and_dest(inst: &Instruction, upper: &str) -> Result<SourcesAndDest, String> {
    let args = inst.args();
    let (dest, srcs) = match args.split_last() {
        Some(split) => split,
        None => return Err(format!("{upper} requires at least two arguments")),
    };
    if !inst.heredocs.is_empty() && is_heredoc_word(dest) {
        return Err(format!("{upper} cannot accept a heredoc as a destination"));
    }
    let mut heredocs = inst.heredocs.iter();
    let mut sources = Vec::new();
    let mut inline = Vec::new();
    for src in srcs {
        if !inst.is_json()
            && is_heredoc_word(src)
            && let Some(h) = heredocs.next()
        {
            inline.push(InlineSource {
                name: h.name.clone(),
                data: if h.chomp {
                    chomp_heredoc(&h.content)
                } else {
                    h.content.clone()
                },
                expand: h.expand,
            });
            continue;
        }
        sources.push(src.clone());
    }
    Ok(SourcesAndDest {
        sources,
        inline,
        dest: dest.clone(),
    })
}

/// Removes leading tabs from every line, as `<<-` asks.
pub fn chomp_heredoc(content: &str) -> String {
    content
        .split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}
