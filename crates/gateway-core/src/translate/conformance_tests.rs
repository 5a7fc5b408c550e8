//! The conformance matrix: every client dialect × every provider dialect × every feature, each
//! cell found by running the feature's trip (client request → IR → provider request, provider
//! answer or stream → IR → client answer or stream) on the fixtures of both dialects, and rendered
//! into `docs/compat.md` between its `conformance` markers. A format of [`FORMATS`] joins the
//! matrix by having its fixtures; nothing here names a format.
//!
//! `UPDATE_DOCS=1 cargo test -p gateway-core conformance` rewrites the section instead of
//! comparing it.

use std::collections::BTreeMap;
use std::fmt::Debug;

use super::features::FEATURES;
use crate::translate::{Format, FORMATS};

/// Where a facet is lost: on its way to the provider (a request's), or to the client (an
/// answer's, a stream's, an error's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Toward {
    Provider,
    Client,
}

/// What one feature's trip kept and lost for one (client, provider) pair.
#[derive(Debug, Default)]
pub(super) struct Cell {
    kept: usize,
    lost: Vec<(String, Toward)>,
    notes: Vec<String>,
}

impl Cell {
    /// Compares what the sending side held (`sent`) with what the receiving side read
    /// (`arrived`). A facet the sender did not hold (`held` false: its dialect has none, like an
    /// OpenAI answer's cache writes) is not counted.
    pub(super) fn facet<T: PartialEq + Debug>(&mut self, name: &str, toward: Toward, held: bool, sent: T, arrived: T) {
        if !held {
            return;
        }
        if sent == arrived {
            self.kept += 1;
        } else {
            self.lost.push((name.to_string(), toward));
        }
    }

    /// A remark on how a lost facet is stood in for (e.g. a schema sent as an instruction).
    pub(super) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// What the cell says: works, partial (what is lost), or not expressible (all is lost).
    fn outcome(&self, client: Format, provider: Format) -> (&'static str, Option<String>) {
        let side = |toward| match toward {
            Toward::Provider => format!("the {} provider", provider.name()),
            Toward::Client => format!("the {} client", client.name()),
        };
        let mut said = Vec::new();
        for toward in [Toward::Provider, Toward::Client] {
            let lost: Vec<&str> = self.lost.iter().filter(|(_, t)| *t == toward).map(|(f, _)| f.as_str()).collect();
            if !lost.is_empty() {
                said.push(format!("lost on the way to {}: {}", side(toward), lost.join(", ")));
            }
        }
        said.extend(self.notes.iter().cloned());
        match (self.kept, self.lost.is_empty()) {
            (0, true) => ("not expressible", Some("neither dialect's fixtures hold it".to_string())),
            (_, true) if self.notes.is_empty() => ("works", None),
            (_, true) => ("works", Some(said.join("; "))),
            // Nothing of it arrived, and nothing stands in for it.
            (0, false) if self.notes.is_empty() => ("not expressible", Some(said.join("; "))),
            _ => ("partial", Some(said.join("; "))),
        }
    }
}

/// Runs every feature for every pair of [`FORMATS`], client-major.
fn matrix() -> Vec<(Format, Format, Vec<Cell>)> {
    let mut rows = Vec::new();
    for &client in FORMATS {
        for &provider in FORMATS {
            rows.push((client, provider, FEATURES.iter().map(|f| (f.check)(client, provider)).collect()));
        }
    }
    rows
}

/// The matrix as Markdown: one row per pair, one column per feature, a numbered note for each
/// distinct thing a cell lost.
fn render(rows: &[(Format, Format, Vec<Cell>)]) -> String {
    let mut out = String::from("| client → provider |");
    for f in FEATURES {
        out.push_str(&format!(" {} |", f.name));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(FEATURES.len()));
    out.push('\n');
    let mut notes: BTreeMap<usize, String> = BTreeMap::new();
    for (client, provider, cells) in rows {
        out.push_str(&format!("| {} → {} |", client.name(), provider.name()));
        for (feature, cell) in FEATURES.iter().zip(cells) {
            let (word, note) = cell.outcome(*client, *provider);
            let mark = note.map(|n| {
                let text = format!("{}: {n}", feature.name);
                let number = match notes.iter().find(|(_, t)| **t == text) {
                    Some((k, _)) => *k,
                    None => {
                        notes.insert(notes.len() + 1, text);
                        notes.len()
                    }
                };
                format!(" [{number}](#conformance-note-{number})")
            });
            out.push_str(&format!(" {word}{} |", mark.unwrap_or_default()));
        }
        out.push('\n');
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    for (k, text) in notes {
        out.push_str(&format!("{k}. <a id=\"conformance-note-{k}\"></a>{text}\n"));
    }
    out
}

const START: &str = "<!-- conformance:start -->\n";
const END: &str = "<!-- conformance:end -->";

#[test]
fn docs_compat_md_shows_the_conformance_matrix_the_battery_finds() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/compat.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (before, rest) = doc.split_once(START).expect("docs/compat.md has <!-- conformance:start -->");
    let (section, after) = rest.split_once(END).expect("docs/compat.md has <!-- conformance:end -->");
    let rendered = render(&matrix());
    if std::env::var("UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::write(path, format!("{before}{START}{rendered}{END}{after}")).unwrap();
        return;
    }
    assert!(
        section == rendered,
        "docs/compat.md's conformance matrix differs from what the battery finds; \
         run `UPDATE_DOCS=1 cargo test -p gateway-core conformance` and review the diff.\n\
         documented:\n{section}\nfound:\n{rendered}"
    );
}

#[test]
fn a_lost_facet_makes_a_cell_partial_and_losing_all_makes_it_not_expressible() {
    let (c, p) = (FORMATS[0], FORMATS[FORMATS.len() - 1]);
    let mut cell = Cell::default();
    cell.facet("a", Toward::Provider, true, 1, 1);
    cell.facet("b", Toward::Client, false, 1, 2);
    assert_eq!(cell.outcome(c, p), ("works", None));
    cell.facet("c", Toward::Client, true, 1, 2);
    assert_eq!(cell.outcome(c, p), ("partial", Some(format!("lost on the way to the {} client: c", c.name()))));
    let mut none = Cell::default();
    none.facet("d", Toward::Provider, true, "x", "y");
    assert_eq!(none.outcome(c, p).0, "not expressible");
}
