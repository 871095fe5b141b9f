//! The public corpus (issue 11, item 6): real-world OpenAPI 3.0 documents, general APIs and
//! exchanges, under `tests/corpus/<name>/` as their publishers wrote them (never edited), each
//! with a two-line `profile.yaml`. `tests/corpus/README.md` says where each comes from, at which
//! commit and under which licence. What the generator makes of each is pinned in [`CORPUS`]:
//!
//! - every document loads and generates with the pinned number of operations, operations
//!   skipped and defects repaired, or fails to load with the pinned error; the skipped
//!   operations and repairs are printed with their reasons (`--nocapture`);
//! - the README's table gives the same numbers;
//! - (ignored; `.ci/run` runs it) what the documents generate compiles, as modules of one
//!   scratch crate, under `deny(warnings)` and `missing_docs`, and passes `clippy -D warnings`
//!   and `rustdoc -D warnings` but for the lint findings pinned per document (none today; a
//!   pin is for a finding a change brings that cannot be fixed at once).
//!
//! A change to the generator that makes a document generate more or fewer operations, or lint
//! findings appear or go, fails here: update the pins (and the README) if the change is meant.
//!
//! ```sh
//! cargo test -p xgen-codegen --test codegen -- --ignored --nocapture corpus
//! ```
//!
//! compiles the documents marked `compiled_in_ci` (the largest few take a minute each);
//! `XGEN_CORPUS_ALL=1` compiles every one.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::scratch::{target_dir, ScratchCrate};

/// What one corpus document gives.
struct Pinned {
    /// Its folder under `tests/corpus/`.
    name: &'static str,
    outcome: Outcome,
    /// Whether `.ci/run` compiles it; the rest compile with `XGEN_CORPUS_ALL=1` (a document that
    /// does not load has nothing to compile).
    compiled_in_ci: bool,
    /// Lint findings in its generated module, by lint, as `clippy -D warnings` and
    /// `rustdoc -D warnings` report them. Each is a defect of the generator to fix.
    lints: &'static [(&'static str, usize)],
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A client with `operations` operations; `skipped` were left out (each with the reason
    /// xgen gives) and `repairs` spec defects were read their one obvious way.
    Generates {
        operations: usize,
        skipped: usize,
        repairs: usize,
    },
    /// The document does not load; the error says this (paths relative to `tests/corpus/`).
    FailsToLoad(Cow<'static, str>),
}

const fn generates(operations: usize, skipped: usize, repairs: usize) -> Outcome {
    Outcome::Generates {
        operations,
        skipped,
        repairs,
    }
}

/// The corpus, by folder name.
const CORPUS: &[Pinned] = &[
    Pinned {
        name: "asana",
        outcome: generates(247, 0, 0),
        compiled_in_ci: false,
        lints: &[],
    },
    Pinned {
        name: "binance-umfutures",
        outcome: generates(97, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "bitget-exc",
        outcome: generates(102, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "coinbase-exc",
        outcome: generates(20, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "digitalocean",
        outcome: generates(659, 0, 6),
        compiled_in_ci: false,
        lints: &[],
    },
    Pinned {
        name: "dropbox-sign",
        outcome: generates(73, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "hyperliquid-exc",
        outcome: generates(3, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "krakenfutures-exc",
        outcome: generates(55, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "oai-api-with-examples",
        outcome: generates(2, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "oai-callback-example",
        outcome: generates(1, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "oai-link-example",
        outcome: generates(6, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "oai-petstore-expanded",
        outcome: generates(4, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "oai-uspto",
        outcome: generates(3, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "okx-openxapi",
        outcome: generates(313, 0, 0),
        compiled_in_ci: false,
        lints: &[],
    },
    Pinned {
        name: "ory-kratos",
        outcome: generates(59, 1, 0),
        compiled_in_ci: true,
        lints: &[],
    },
    Pinned {
        name: "petstore3",
        outcome: generates(19, 0, 0),
        compiled_in_ci: true,
        lints: &[],
    },
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The corpus's folders: those with a `profile.yaml`, by name.
fn corpus_folders() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(corpus_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("profile.yaml").is_file())
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Machine-independent text: paths relative to `tests/corpus/`.
fn relative(text: &str) -> String {
    text.replace(&format!("{}/", corpus_dir().display()), "")
}

/// What one document gave.
struct Generated {
    outcome: Outcome,
    /// The generated files, if it generated.
    files: Option<Vec<xgen_codegen::GeneratedFile>>,
    /// Its skipped operations and repairs with their reasons, one a line.
    log: String,
}

/// Loads and generates one document.
fn generate(name: &str) -> Generated {
    let api = match xgen_codegen::Config::load_exchange(&corpus_dir().join(name)) {
        Ok(api) => api,
        Err(error) => {
            return Generated {
                outcome: Outcome::FailsToLoad(Cow::Owned(relative(&error.to_string()))),
                files: None,
                log: String::new(),
            }
        }
    };
    let mut log = String::new();
    for skipped in &api.skipped {
        let reason = relative(&skipped.reason);
        log.push_str(&format!("{name}: skipped {}: {reason}\n", skipped.id));
    }
    for repair in &api.repairs {
        let file = relative(&repair.origin.file.display().to_string());
        let message = relative(&repair.message);
        log.push_str(&format!(
            "{name}: repaired {file}#{}: {message}\n",
            repair.origin.pointer
        ));
    }
    let files = xgen_codegen::generate_apis(std::slice::from_ref(&api)).unwrap_or_else(|e| {
        panic!(
            "{name} loads but does not generate: {}",
            relative(&e.to_string())
        )
    });
    Generated {
        outcome: Outcome::Generates {
            operations: api.operations.len(),
            skipped: api.skipped.len(),
            repairs: api.repairs.len(),
        },
        files: Some(files),
        log,
    }
}

/// Generates `names`, a thread each (the largest documents take seconds in a debug build).
fn generate_all(names: &[&str]) -> Vec<Generated> {
    std::thread::scope(|scope| {
        let threads: Vec<_> = names
            .iter()
            .map(|name| {
                scope.spawn(move || {
                    let started = Instant::now();
                    let mut generated = generate(name);
                    let size: usize = generated
                        .files
                        .iter()
                        .flatten()
                        .map(|f| f.contents.len())
                        .sum();
                    generated.log.push_str(&format!(
                        "{name}: {:?}, {size} bytes of Rust, in {:.1?}\n",
                        generated.outcome,
                        started.elapsed()
                    ));
                    generated
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

#[test]
fn every_corpus_document_generates_as_pinned() {
    let pinned: BTreeMap<&str, &Outcome> = CORPUS.iter().map(|p| (p.name, &p.outcome)).collect();
    assert_eq!(
        pinned.keys().map(|n| n.to_string()).collect::<Vec<_>>(),
        corpus_folders(),
        "CORPUS pins exactly the folders under tests/corpus/"
    );
    let names: Vec<&str> = CORPUS.iter().map(|p| p.name).collect();
    let generated = generate_all(&names);
    for document in &generated {
        print!("{}", document.log);
    }
    let found: BTreeMap<&str, &Outcome> = names
        .iter()
        .zip(&generated)
        .map(|(name, document)| (*name, &document.outcome))
        .collect();
    assert_eq!(
        found, pinned,
        "what the corpus generates (left) against CORPUS (right)"
    );
}

/// The README's table has a row per document whose operation counts are the pinned ones, so
/// the numbers it shows are the ones this suite checks.
#[test]
fn corpus_readme_gives_the_pinned_numbers() {
    let readme = fs::read_to_string(corpus_dir().join("README.md")).unwrap();
    let header: Vec<&str> = readme
        .lines()
        .find(|line| line.starts_with("| document |"))
        .expect("README.md has the corpus table")
        .split('|')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("README.md's table has a `{name}` column"))
    };
    let (generated, skipped) = (column("operations generated"), column("operations skipped"));
    let mut rows = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        // The skipped cell starts with the count, then says why: `44: 32 a path parameter ...`.
        let skipped_count = cells[skipped].split([' ', ':']).next().unwrap_or("");
        rows.insert(
            name,
            (cells[generated].to_owned(), skipped_count.to_owned()),
        );
    }
    let expected: BTreeMap<String, (String, String)> = CORPUS
        .iter()
        .map(|pin| {
            let cells = match &pin.outcome {
                Outcome::Generates {
                    operations,
                    skipped,
                    ..
                } => (operations.to_string(), skipped.to_string()),
                Outcome::FailsToLoad(_) => ("does not load".to_owned(), "–".to_owned()),
            };
            (pin.name.to_owned(), cells)
        })
        .collect();
    assert_eq!(
        rows, expected,
        "README.md's table (left) against CORPUS (right)"
    );
}

/// A lint finding (or compile error) in the scratch crate, from cargo's JSON messages.
struct Finding {
    /// The module it is in; `None` if it points into no module.
    module: Option<usize>,
    /// The lint (`clippy::large_enum_variant`), else the error code (`E0308`), else `error`.
    what: String,
    /// Where and what, for the report.
    text: String,
}

fn findings(krate: &ScratchCrate, cargo_json: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for line in cargo_json.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let message = &message["message"];
        let level = message["level"].as_str().unwrap_or("");
        let text = message["message"].as_str().unwrap_or("");
        // `aborting due to 3 previous errors` sums up the others.
        if !matches!(level, "error" | "warning") || text.starts_with("aborting due to") {
            continue;
        }
        let primary = message["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true));
        let place = primary.map(|span| {
            (
                span["file_name"].as_str().unwrap_or("").to_owned(),
                span["line_start"].as_u64().unwrap_or(0),
            )
        });
        let source = primary
            .and_then(|span| span["text"][0]["text"].as_str())
            .map(|s| s.trim().chars().take(160).collect::<String>())
            .unwrap_or_default();
        let what = message["code"]["code"]
            .as_str()
            .unwrap_or("error")
            .to_owned();
        out.push(Finding {
            module: place.as_ref().and_then(|(file, _)| krate.module_of(file)),
            text: match &place {
                Some((file, line)) => format!("{file}:{line}: {what}: {text}\n      {source}"),
                None => format!("{what}: {text}"),
            },
            what,
        });
    }
    out
}

/// Runs `cargo <args>` on every module of the crate: its findings.
fn lint_pass(krate: &ScratchCrate, args: &[&str], env: &[(&str, &str)]) -> Vec<Finding> {
    let started = Instant::now();
    let run = krate.cargo(&krate.all(), args, env);
    let found = findings(krate, &run.stdout);
    println!(
        "cargo {}: {} in {:.1?}, {} findings",
        args[0],
        if run.ok { "ok" } else { "failed" },
        started.elapsed(),
        found.len()
    );
    assert!(
        run.ok || !found.is_empty(),
        "cargo {} failed with no diagnostic:\n{}",
        args[0],
        run.stderr
    );
    found
}

#[test]
#[ignore = "compiles the corpus's clients, a few minutes cold; .ci/run runs it with --ignored"]
fn corpus_clients_compile_and_pass_clippy_and_rustdoc() {
    let all = std::env::var_os("XGEN_CORPUS_ALL").is_some();
    let work = target_dir().join("corpus");
    let mut krate = ScratchCrate::new(&work.join("crate"), &work.join("build"), "xgen-corpus");
    let mut pins = Vec::new();
    let chosen: Vec<&Pinned> = CORPUS
        .iter()
        .filter(|pin| all || pin.compiled_in_ci)
        .collect();
    let names: Vec<&str> = chosen.iter().map(|pin| pin.name).collect();
    for (pin, generated) in chosen.into_iter().zip(generate_all(&names)) {
        let Some(files) = generated.files else {
            continue;
        };
        // Not the generated module's own name, which clippy's `module_inception` would refuse.
        let module = krate.add_module(
            &format!("corpus_{}", pin.name.replace('-', "_")),
            &format!("Generated from `tests/corpus/{}`.", pin.name),
            files
                .iter()
                .map(|f| (f.path.as_path(), f.contents.as_str())),
        );
        pins.push((module, pin));
    }
    println!(
        "compiling {} of the {} corpus documents{} in {}",
        pins.len(),
        CORPUS.len(),
        if all {
            ""
        } else {
            " (XGEN_CORPUS_ALL=1 for all)"
        },
        krate.dir().display()
    );
    // Clippy runs every check rustc runs, under the same `deny(warnings)`: one pass is both the
    // compile check and the lints. Rustdoc stops before writing pages when it has findings.
    let mut found = lint_pass(
        &krate,
        &["clippy", "--message-format=json", "--", "-D", "warnings"],
        &[],
    );
    found.extend(lint_pass(
        &krate,
        &["doc", "--no-deps", "--message-format=json"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    ));

    let mut report = String::new();
    for finding in found.iter().filter(|f| f.module.is_none()) {
        report.push_str(&format!("outside any module: {}\n", finding.text));
    }
    for &(module, pin) in &pins {
        let mine: Vec<&Finding> = found.iter().filter(|f| f.module == Some(module)).collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for finding in &mine {
            *counts.entry(finding.what.as_str()).or_default() += 1;
        }
        let pinned: BTreeMap<&str, usize> = pin.lints.iter().copied().collect();
        for finding in &mine {
            println!("  {}: {}", pin.name, finding.text);
        }
        if counts != pinned {
            report.push_str(&format!(
                "{} (module {}): found {counts:?}, pinned {pinned:?}\n",
                pin.name,
                krate.name(module)
            ));
        }
    }
    assert!(
        report.is_empty(),
        "the corpus's generated code has other findings than pinned (each is listed above; \
         the crate is {}):\n{report}",
        krate.dir().display()
    );
}
