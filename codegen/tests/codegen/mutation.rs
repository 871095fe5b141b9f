//! A bounded mutation run over `Config::generate` (issue 10): the fuzz target's stable-Rust
//! sibling, for CI. It mutates the seed specs (every exchange under `specs/` and under the
//! fixtures) deterministically, a few thousand mutants over both input formats, and asserts:
//!
//! - `generate` returns (`Ok` or `Err`): it never panics, overflows its stack or hangs;
//! - no case takes longer than [`SLOW`];
//! - a sample of the distinct successes (half of each format) compiles (`cargo check`: every type,
//!   borrow and lint error, without code generation), under `deny(warnings)`
//!   and `missing_docs` as the clients crate's CI has them, as modules of one scratch crate that
//!   depends on `xgen-runtime`, serde and serde_json.
//!
//! Ignored by default, so `cargo test --workspace` stays fast; `.ci/run` runs it with
//!
//! ```sh
//! cargo test -p xgen-codegen --test codegen -- --ignored --nocapture mutation
//! ```
//!
//! `XGEN_MUTATION_SEED` (decimal or `0x` hex), `XGEN_MUTATION_CASES` and `XGEN_MUTATION_SAMPLES`
//! override the seed, the number of mutants and the number of compiled samples;
//! `XGEN_MUTATION_ERRORS=1` prints how often each kind of error came up.
//!
//! The generator runs in a child process (this test binary again, running
//! [`mutation_worker`]), under `catch_unwind` there, so a stack overflow, which aborts a process,
//! or a hang, which cannot be stopped inside one, is a finding like a panic and the run goes on
//! with a new child. Everything is written under `<target>/mutation/`: the case being run
//! (`case/`), each finding with its mutant and what the mutations were (`findings/`), the scratch
//! crate (`crate/`) and its own target folder (`build/`), which keeps the compiled dependencies
//! between runs. A sample that does not compile is named by the file its errors point into, or
//! else found by building halves of the samples; its mutant and generated code are kept under
//! `findings/uncompilable-<case>/`, and `crate/` is left holding only the culprits, so `cargo
//! build` there (with `CARGO_TARGET_DIR=../build`) shows their errors again.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::scratch::{target_dir, ScratchCrate};

const DEFAULT_SEED: u64 = 0x0010_0003_5eed;
const DEFAULT_CASES: usize = 4000;
const DEFAULT_SAMPLES: usize = 32;
/// Seeds with more files than this are multi-file trees, picked less often.
const LARGE_SEED_FILES: usize = 20;
/// Seeds with more bytes than this (Binance's 1 MB, KuCoin's nine files) are picked less often
/// too: each of their mutants regenerates hundreds of operations.
const LARGE_SEED_BYTES: usize = 256 * 1024;
/// A case slower than this is a finding: the whole of `specs/` generates in about a millisecond.
const SLOW: Duration = Duration::from_secs(3);
/// A case still running after this is a hang: the child is killed and a new one started.
const HANG: Duration = Duration::from_secs(20);
/// The stack the generator runs on: a main thread's, as `xgen generate` and `build.rs` have.
const STACK: usize = 8 * 1024 * 1024;
/// Set in the child's environment: run cases for the parent.
const WORKER_ENV: &str = "XGEN_MUTATION_WORKER";
/// The name of the child's thread that runs the cases, which its panic hook recognises.
const WORKER: &str = "mutant-case";
/// Starts each of the child's replies on its standard output, among the test harness's lines.
const REPLY: &str = "@@xgen-mutation ";

#[test]
#[ignore = "a bounded mutation run of a few minutes; .ci/run runs it with --ignored"]
fn mutation_run_generates_or_errs_and_samples_compile() {
    let seed = env_number("XGEN_MUTATION_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_number("XGEN_MUTATION_CASES").map_or(DEFAULT_CASES, |n| n as usize);
    let samples = env_number("XGEN_MUTATION_SAMPLES").map_or(DEFAULT_SAMPLES, |n| n as usize);
    let work = target_dir().join("mutation");
    for stale in ["case", "findings", "crate"] {
        let _ = fs::remove_dir_all(work.join(stale));
    }
    let seeds = load_seeds();
    assert!(
        seeds.iter().any(|s| s.format == Format::OpenApi)
            && seeds.iter().any(|s| s.format == Format::Schema),
        "seeds of both formats"
    );
    println!(
        "mutation run: seed {seed:#x}, {cases} mutants of {} seed exchanges, {samples} compiled samples; work in {}",
        seeds.len(),
        work.display()
    );

    let started = Instant::now();
    let mut run = Run::new(&work, seed, samples);
    // The child runs a copy of this binary, which a rebuild during the run cannot take away.
    fs::create_dir_all(&work).unwrap();
    let exe = work.join("worker-exe");
    fs::copy(std::env::current_exe().unwrap(), &exe).expect("copy the test binary");
    let mut worker = Worker::start(&exe);
    let mut rng = Rng::new(seed);
    for case in 0..cases {
        // Alternate formats so both get half the mutants whatever the seed counts are.
        let format = if case % 2 == 0 {
            Format::OpenApi
        } else {
            Format::Schema
        };
        let mutant = mutate(&seeds, format, &mut rng);
        run.case(case, &mutant, &mut worker);
    }
    drop(worker);
    let generated_in = started.elapsed();
    let mut tally: Vec<(&String, &usize)> = run.errors.iter().collect();
    tally.sort_by(|a, b| b.1.cmp(a.1));
    for (what, count) in tally.iter().take(40) {
        println!("{count:6}  {what}");
    }
    println!("{}", run.summary(generated_in));

    let build = run.compile_samples();
    let mut report = run.findings.join("\n");
    report.push_str(&build);
    assert!(
        report.is_empty(),
        "mutation run (seed {seed:#x}) found problems; mutants are under {}:\n{report}",
        work.join("findings").display()
    );
}

/// The child process of the mutation run: reads case folders from standard input, one a line,
/// generates from `<case>/specs` under `catch_unwind`, writes the files to `<case>/out` and
/// answers one [`REPLY`] line each. Does nothing unless the run started it.
#[test]
#[ignore = "the mutation run's child process; does nothing unless that run starts it"]
fn mutation_worker() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    std::thread::Builder::new()
        .name(WORKER.to_owned())
        .stack_size(STACK)
        .spawn(serve)
        .unwrap()
        .join()
        .unwrap();
}

fn serve() {
    panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(format!("{} at {place}", payload_text(info.payload())));
    }));
    let mut stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let case = PathBuf::from(line.unwrap());
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            xgen_codegen::Config::new()
                .specs_dir(case.join("specs"))
                .generate()
        }));
        let reply = match result {
            Ok(Ok(files)) => {
                let out = case.join("out");
                fs::create_dir_all(&out).unwrap();
                for file in &files {
                    fs::write(out.join(&file.path), &file.contents).unwrap();
                }
                "ok".to_owned()
            }
            Ok(Err(error)) => format!("err {}", error.to_string().replace('\n', "\\n")),
            Err(payload) => {
                let message = LAST_PANIC
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or_else(|| payload_text(&*payload));
                format!("panic {}", message.replace('\n', "\\n"))
            }
        };
        // Straight to the file descriptor: the harness captures `println!`, not this.
        writeln!(stdout, "{REPLY}{reply}").unwrap();
        stdout.flush().unwrap();
    }
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic payload that is not text)".to_owned())
}

// ---------------------------------------------------------------------------------------------
// Seeds

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Format {
    OpenApi,
    Schema,
}

/// One exchange folder: its files (the profile among them), and which of them are spec files.
#[derive(Debug, Clone)]
struct Seed {
    /// Where it came from, relative to the repository (`specs/okx`).
    origin: String,
    /// The folder name, which the generator requires to be a plain lower-case word.
    exchange: String,
    format: Format,
    files: Vec<(String, Vec<u8>)>,
}

impl Seed {
    /// The files a mutation may change: the spec files, not the profile or a licence.
    fn specs(&self) -> Vec<usize> {
        let is_spec = |name: &str| {
            name != "profile.yaml"
                && [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        };
        (0..self.files.len())
            .filter(|&i| is_spec(&self.files[i].0))
            .collect()
    }
}

fn load_seeds() -> Vec<Seed> {
    let codegen = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = codegen.parent().expect("the workspace root");
    let mut folders = Vec::new();
    let mut parents = vec![root.join("specs")];
    for fixture in ["vocabulary", "schema-vocabulary", "openapi-auth", "fuzzed"] {
        parents.push(codegen.join("tests/fixtures").join(fixture).join("specs"));
    }
    for case in sorted_dir(&codegen.join("tests/fixtures/diff")) {
        parents.push(case.join("old"));
        parents.push(case.join("new"));
    }
    for parent in parents {
        for folder in sorted_dir(&parent) {
            if folder.join("profile.yaml").is_file() {
                folders.push(folder);
            }
        }
    }
    let mut seeds = Vec::new();
    for folder in folders {
        let mut files = Vec::new();
        read_tree(&folder, "", &mut files);
        let profile = files
            .iter()
            .find(|(name, _)| name == "profile.yaml")
            .map(|(_, text)| String::from_utf8_lossy(text).into_owned())
            .unwrap_or_default();
        let format = if profile.lines().any(|l| l.starts_with("openapi:")) {
            Format::OpenApi
        } else {
            Format::Schema
        };
        seeds.push(Seed {
            origin: folder
                .strip_prefix(root)
                .unwrap_or(&folder)
                .display()
                .to_string(),
            exchange: folder.file_name().unwrap().to_string_lossy().into_owned(),
            format,
            files,
        });
    }
    seeds
}

/// Every file under `dir`, by its path relative to the exchange folder (`prefix`): multi-file
/// documents such as Kraken's refer to files in folders below their own.
fn read_tree(dir: &Path, prefix: &str, files: &mut Vec<(String, Vec<u8>)>) {
    for path in sorted_dir(dir) {
        let name = format!("{prefix}{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            read_tree(&path, &format!("{name}/"), files);
        } else if path.is_file() {
            files.push((name, fs::read(&path).unwrap()));
        }
    }
}

fn sorted_dir(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

// ---------------------------------------------------------------------------------------------
// Running the cases

/// A mutated exchange folder and how it was made.
#[derive(Debug, Clone)]
struct Mutant {
    seed: Seed,
    /// The file that was mutated.
    file: String,
    /// The mutations applied, in order.
    steps: Vec<String>,
}

impl Mutant {
    fn write(&self, specs: &Path) -> PathBuf {
        let folder = specs.join(&self.seed.exchange);
        fs::create_dir_all(&folder).unwrap();
        for (name, text) in &self.seed.files {
            let path = folder.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        folder
    }

    fn describe(&self) -> String {
        format!(
            "{} ({:?}), {}: {}",
            self.seed.origin,
            self.seed.format,
            self.file,
            self.steps.join("; ")
        )
    }
}

/// What the generator made of one mutant.
enum Outcome {
    Generated(Vec<Output>),
    /// The error's text.
    Failed(String),
    /// The panic's message and place.
    Panicked(String),
    /// The child died (a stack overflow aborts): how, and the end of what it printed.
    Died(String),
    Hung,
}

/// A generated file, as the child wrote it.
struct Output {
    path: PathBuf,
    contents: String,
}

/// The child process that runs the cases (see [`mutation_worker`]), replaced when it dies or
/// hangs.
struct Worker {
    exe: PathBuf,
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::Receiver<String>,
    /// Collects the child's standard error, and returns its last lines when the child ends.
    stderr: Option<JoinHandle<VecDeque<String>>>,
}

impl Worker {
    fn start(exe: &Path) -> Worker {
        let mut child = Command::new(exe)
            .args([
                "mutation::mutation_worker",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the mutation worker");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(reply) = line.strip_prefix(REPLY) {
                    if sender.send(reply.to_owned()).is_err() {
                        break;
                    }
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut tail = VecDeque::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tail.len() == 20 {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            tail
        });
        Worker {
            exe: exe.to_owned(),
            child,
            stdin,
            replies,
            stderr: Some(stderr),
        }
    }

    fn run(&mut self, case: &Path) -> Outcome {
        let sent = writeln!(self.stdin, "{}", case.display()).and_then(|()| self.stdin.flush());
        let reply = match sent {
            Ok(()) => self.replies.recv_timeout(HANG),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        };
        match reply {
            Ok(reply) => {
                let (kind, text) = reply.split_once(' ').unwrap_or((&reply, ""));
                let text = text.replace("\\n", "\n");
                match kind {
                    "ok" => Outcome::Generated(read_outputs(&case.join("out"))),
                    "err" => Outcome::Failed(text),
                    _ => Outcome::Panicked(text),
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.restart();
                Outcome::Hung
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let (status, tail) = self.restart();
                Outcome::Died(format!("the generator process ended ({status}): {tail}"))
            }
        }
    }

    /// Ends this child and starts another: how the old one ended, and its last words.
    fn restart(&mut self) -> (String, String) {
        let _ = self.child.kill();
        let status = self
            .child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        let tail = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        let tail: Vec<String> = tail.into_iter().filter(|l| !l.trim().is_empty()).collect();
        *self = Worker::start(&self.exe.clone());
        (status, tail.join(" / "))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_outputs(dir: &Path) -> Vec<Output> {
    sorted_dir(dir)
        .into_iter()
        .map(|path| Output {
            contents: fs::read_to_string(&path).unwrap(),
            path: path.strip_prefix(dir).unwrap().to_owned(),
        })
        .collect()
}

/// A success kept for compiling: the mutant and what it generated.
struct Sample {
    case: usize,
    mutant: Mutant,
    files: Vec<Output>,
}

struct Run {
    work: PathBuf,
    /// Per format, a reservoir of distinct successes.
    reservoirs: [(Vec<Sample>, usize); 2],
    per_format: usize,
    seen_outputs: HashSet<u64>,
    sample_rng: Rng,
    findings: Vec<String>,
    ok: [usize; 2],
    err: [usize; 2],
    slowest: (Duration, usize),
    /// `XGEN_MUTATION_ERRORS=1`: how often each kind of error came up, to tune the mutations.
    tally_errors: bool,
    errors: std::collections::BTreeMap<String, usize>,
}

impl Run {
    fn new(work: &Path, seed: u64, samples: usize) -> Run {
        Run {
            work: work.to_owned(),
            reservoirs: [(Vec::new(), 0), (Vec::new(), 0)],
            per_format: samples.div_ceil(2),
            seen_outputs: HashSet::new(),
            sample_rng: Rng::new(seed ^ 0x9e37_79b9_7f4a_7c15),
            findings: Vec::new(),
            ok: [0; 2],
            err: [0; 2],
            slowest: (Duration::ZERO, 0),
            tally_errors: std::env::var_os("XGEN_MUTATION_ERRORS").is_some(),
            errors: std::collections::BTreeMap::new(),
        }
    }

    fn case(&mut self, case: usize, mutant: &Mutant, worker: &mut Worker) {
        let dir = self.work.join("case");
        let _ = fs::remove_dir_all(&dir);
        mutant.write(&dir.join("specs"));
        fs::write(
            dir.join("case.txt"),
            format!("case {case}: {}\n", mutant.describe()),
        )
        .unwrap();
        let started = Instant::now();
        let outcome = worker.run(&dir);
        let took = started.elapsed();
        if took > self.slowest.0 {
            self.slowest = (took, case);
        }
        let format = mutant.seed.format as usize;
        let problem = match outcome {
            Outcome::Generated(files) => {
                self.ok[format] += 1;
                self.offer(case, mutant, files);
                None
            }
            Outcome::Failed(error) => {
                self.err[format] += 1;
                if self.tally_errors {
                    // What kind of error, without the places: `...yaml:3:4: unknown field`.
                    let first = error.lines().next().unwrap_or_default();
                    let what = first.rsplit_once(": ").map_or(first, |(_, what)| what);
                    let what: String = what.chars().take(60).collect();
                    *self
                        .errors
                        .entry(format!("{:?}: {what}", mutant.seed.format))
                        .or_default() += 1;
                }
                None
            }
            Outcome::Panicked(message) => Some(("panic", format!("panicked: {message}"))),
            Outcome::Died(how) => Some(("died", how)),
            Outcome::Hung => Some(("hang", format!("still ran after {HANG:?}; killed"))),
        };
        let problem = problem.or_else(|| {
            (took > SLOW).then(|| ("slow", format!("took {took:.1?} (more than {SLOW:?})")))
        });
        if let Some((kind, what)) = problem {
            let kept = self.keep(&format!("{kind}-{case}"), mutant, None);
            self.findings.push(format!(
                "case {case}: {what}\n  {}\n  mutant: {}\n",
                mutant.describe(),
                kept.display()
            ));
        }
    }

    /// Reservoir sampling of distinct outputs, per format.
    fn offer(&mut self, case: usize, mutant: &Mutant, files: Vec<Output>) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for file in &files {
            // Without the header comment, which names the exchange and its files.
            file.contents
                .lines()
                .filter(|l| !l.starts_with("// "))
                .for_each(|l| l.hash(&mut hasher));
        }
        if !self.seen_outputs.insert(hasher.finish()) {
            return;
        }
        let (reservoir, seen) = &mut self.reservoirs[mutant.seed.format as usize];
        *seen += 1;
        let sample = Sample {
            case,
            mutant: mutant.clone(),
            files,
        };
        if reservoir.len() < self.per_format {
            reservoir.push(sample);
        } else {
            let slot = self.sample_rng.below(*seen);
            if slot < self.per_format {
                reservoir[slot] = sample;
            }
        }
    }

    /// Copies a mutant (and what it generated) under `findings/<name>`.
    fn keep(&self, name: &str, mutant: &Mutant, generated: Option<&[Output]>) -> PathBuf {
        let dir = self.work.join("findings").join(name);
        let folder = mutant.write(&dir.join("specs"));
        fs::write(dir.join("mutant.txt"), format!("{}\n", mutant.describe())).unwrap();
        if let Some(files) = generated {
            for file in files {
                let path = dir.join("generated").join(&file.path);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, &file.contents).unwrap();
            }
        }
        folder.join(&mutant.file)
    }

    fn summary(&self, took: Duration) -> String {
        let kept: Vec<String> = self
            .reservoirs
            .iter()
            .map(|(r, seen)| format!("{} of {seen}", r.len()))
            .collect();
        format!(
            "generated in {took:.1?}: OpenAPI {} ok / {} err, hand-written {} ok / {} err; \
             distinct successes sampled: OpenAPI {}, hand-written {}; slowest case {} ({:.1?}); \
             {} findings",
            self.ok[0],
            self.err[0],
            self.ok[1],
            self.err[1],
            kept[0],
            kept[1],
            self.slowest.1,
            self.slowest.0,
            self.findings.len()
        )
    }

    /// Writes the samples as modules of one crate and builds it; the problems, or nothing.
    /// Errors are blamed on modules by the file they name; errors that name none (a trait
    /// solver overflow) by building halves of the modules until each culprit stands alone.
    fn compile_samples(&mut self) -> String {
        let samples: Vec<Sample> = self
            .reservoirs
            .iter_mut()
            .flat_map(|(r, _)| r.drain(..))
            .collect();
        if samples.is_empty() {
            return String::new();
        }
        let mut krate = ScratchCrate::new(
            &self.work.join("crate"),
            &self.work.join("build"),
            "xgen-mutation-samples",
        );
        for (index, sample) in samples.iter().enumerate() {
            krate.add_module(
                &format!("m{index}"),
                &format!("Case {}: {}", sample.case, sample.mutant.seed.origin),
                sample
                    .files
                    .iter()
                    .map(|f| (f.path.as_path(), f.contents.as_str())),
            );
        }
        let all = krate.all();
        let started = Instant::now();
        let (ok, stderr) = krate.check(&all);
        println!(
            "built {} samples in {:.1?}: {}",
            samples.len(),
            started.elapsed(),
            if ok { "ok" } else { "FAILED" }
        );
        if ok {
            return String::new();
        }
        // Which modules the errors are in: `src/m3/okx.rs:12:5: error...`.
        let mut broken = krate.blamed(&stderr);
        let rest: Vec<usize> = all.into_iter().filter(|i| !broken.contains(i)).collect();
        if !rest.is_empty() && !krate.check(&rest).0 {
            broken.extend(krate.bisect(&rest));
        }
        let mut report = String::new();
        for &index in &broken {
            let sample = &samples[index];
            let kept = self.keep(
                &format!("uncompilable-{}", sample.case),
                &sample.mutant,
                Some(&sample.files),
            );
            let (_, alone) = krate.check(&[index]);
            let errors: Vec<&str> = alone
                .lines()
                .filter(|l| l.starts_with("src/") || l.starts_with("error"))
                .filter(|l| !l.starts_with("error: could not compile"))
                .take(6)
                .collect();
            writeln!(
                report,
                "case {} generated code that does not compile (module m{index}):\n  {}\n  mutant: {}\n    {}",
                sample.case,
                sample.mutant.describe(),
                kept.display(),
                errors.join("\n    ")
            )
            .unwrap();
        }
        // Leave the crate with the culprits only, so `cargo build` there shows their errors.
        krate.write_lib(&broken);
        if broken.is_empty() {
            writeln!(report, "the samples crate did not build:\n{stderr}").unwrap();
        }
        report
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// SplitMix64: small, fast, and the same sequence everywhere for one seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Scalars of other types, extreme values, Unicode, control characters and names that are
/// Rust keywords or clash with what the generated code names itself.
const SCALARS: &[&str] = &[
    "true",
    "false",
    "null",
    "~",
    "0",
    "-1",
    "1",
    "2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e309",
    "-0.0",
    "0.5",
    ".nan",
    ".inf",
    "0x10",
    "[]",
    "{}",
    "''",
    "[a, b]",
    "{a: 1}",
    "\"\\0\"",
    "\"\\r\"",
    "\"a\\rb\"",
    "\"a\\r\\nb\"",
    "\"\\u202e\"",
    "\"\\u200b\"",
    "\"\\u0085\"",
    "\"\\u2028\"",
    "\"\\t\"",
    "\"\\x7f\"",
    "\"\\x01\"",
    "\"\\ufeff\"",
    "\"\\U0001F680\"",
    "\"*/\"",
    "\"/*\"",
    "\"```\"",
    "\"\\\\\"",
    "\"#\"",
    "\"}\"",
    "\"\\\"\"",
    "\"r#\"",
    "\"{}\"",
    "\"{0}\"",
    "\"<script>\"",
    "\"[link](x)\"",
    "\" \"",
    "\"a b\"",
    "日本語",
    "Ünïcödé",
    "ﬁ",
    "İ",
    "ß",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "fn",
    "async",
    "dyn",
    "r#type",
    "_",
    "__",
    "1abc",
    "-",
    "a-b",
    "a.b",
    "A",
    "a",
    "Other",
    "OtherValue",
    "Client",
    "Result",
    "Option",
    "Some",
    "None",
    "Ok",
    "Box",
    "Vec",
    "String",
    "Default",
    "operations",
    "ALL",
    "all",
    "new",
    "std",
    "core",
    "serde",
    "xgen_runtime",
    "'x: y'",
    "&anchor x",
    "!!binary aGVsbG8=",
    "!!int 3",
    "'%7B'",
    "'#/'",
    "'#'",
    "|",
    ">",
];

/// Lines the OpenAPI mutations insert, each at the indentation of a neighbouring line.
const OPENAPI_SNIPPETS: &[&str] = &[
    "nullable: true",
    "nullable: false",
    "additionalProperties: true",
    "additionalProperties: false",
    "additionalProperties: {type: integer}",
    "additionalProperties: {}",
    "required: [a, b, id, name]",
    "required: []",
    "enum: [a, A, a-, '', 1, true, null]",
    "enum: [1, 2, -3, 9223372036854775807]",
    "enum: [Other, OtherValue, other, 'Other Value']",
    "enum: [1.5, x]",
    "enum: []",
    "format: int32",
    "format: int64",
    "format: double",
    "format: date-time",
    "format: binary",
    "type: object",
    "type: array",
    "type: string",
    "type: integer",
    "type: number",
    "type: boolean",
    "type: [string, 'null']",
    "type: file",
    "items: {type: string}",
    "items: {}",
    "properties: {}",
    "properties: {'': {type: string}}",
    "properties: {type: {type: string}, Type: {type: integer}, type_: {type: string}}",
    "properties: {a: {type: string}, A: {type: string}, a_2: {type: string}}",
    "properties: {self: {type: object}, Self: {type: object}}",
    "allOf: [{type: object, properties: {a: {type: string}}}, {type: object, properties: {a: {type: integer}}}]",
    "allOf: [{type: string}, {type: integer}]",
    "allOf: []",
    "oneOf: [{type: string}, {type: integer}, {type: string}]",
    "oneOf: []",
    "anyOf: [{type: object}, {type: array, items: {type: string}}]",
    "not: {type: string}",
    "discriminator: {propertyName: kind}",
    "deprecated: true",
    "readOnly: true",
    "writeOnly: true",
    "default: 5",
    "example: x",
    "minimum: -1",
    "x-extension: [1, 2]",
    "in: query",
    "in: path",
    "in: header",
    "in: cookie",
    "style: deepObject",
    "style: pipeDelimited",
    "explode: true",
    "required: true",
    "schema: {type: array, items: {type: string}}",
    "schema: {type: object, properties: {a: {type: string}}}",
    "operationId: all",
    "operationId: new",
    "operationId: ''",
    "operationId: 'a b'",
    "security: [{}]",
    "security: []",
    "security: [{missing: []}]",
    "content: {application/octet-stream: {schema: {type: string}}}",
    "content: {multipart/form-data: {schema: {type: object}}}",
    "content: {text/plain: {schema: {type: string}}}",
    "content: {}",
    "parameters: [{name: id, in: path, required: true, schema: {type: string}}]",
    "parameters: [{name: id, in: query, schema: {type: string}}, {name: id, in: query, schema: {type: integer}}]",
    "parameters: [{name: x, in: query, content: {application/json: {schema: {type: object}}}}]",
    "responses: {}",
    "responses: {default: {description: d}}",
    "responses: {'204': {description: empty}}",
    "'200': {description: ok, content: {application/json: {schema: {type: array, items: {}}}}}",
    "get: {operationId: extra, responses: {'200': {description: ok}}}",
    "'/{a}/{a}': {get: {operationId: twice, responses: {'200': {description: ok}}}}",
    "servers: [{url: 'https://x.example'}]",
    "securitySchemes: {k: {type: apiKey, in: header, name: ''}}",
    "securitySchemes: {b: {type: http, scheme: digest}}",
    "securitySchemes: {o: {type: oauth2, flows: {}}}",
];

/// Lines the hand-written format's mutations insert.
const SCHEMA_SNIPPETS: &[&str] = &[
    "nullable: true",
    "required: true",
    "required: false",
    "in: query",
    "in: path",
    "in: header",
    "in: body",
    "type: string",
    "type: integer",
    "type: int32",
    "type: number",
    "type: decimal",
    "type: boolean",
    "type: object",
    "type: array",
    "type: map",
    "type: enum",
    "type: one-of",
    "type: any",
    "values: [{value: a}, {value: A}, {value: ''}, {value: a-}]",
    "values: [{value: 1}, {value: -1}, {value: 9223372036854775807}]",
    "values: [{value: Other}, {value: OtherValue}, {value: other}]",
    "values: [{value: x, name: Same}, {value: y, name: Same}]",
    "values: [{value: 1}, {value: a}]",
    "values: []",
    "title: Client",
    "title: Result",
    "title: 'x y'",
    "title: ''",
    "name: type",
    "name: ''",
    "name: self",
    "name: 'a b'",
    "fields: []",
    "fields: [{name: a, type: string}, {name: A, type: string}, {name: a_2, type: string}]",
    "fields: [{name: x, type: string}, {name: x, type: integer}]",
    "items: {type: string}",
    "items: {type: any, nullable: true}",
    "value: {type: any}",
    "value: {type: map, value: {type: string}}",
    "one_of: []",
    "one_of: [{type: string}, {type: string}]",
    "one_of: [{type: object, fields: []}, {type: array, items: {type: integer}}]",
    "signed: false",
    "body: form",
    "body: none",
    "body: json",
    "method: GET",
    "method: DELETE",
    "path: '/{id}'",
    "path: ''",
    "path: 'no-slash'",
    "rate_limit: {requests: 0, per_seconds: 0, scope: ''}",
    "rate_limit: {requests: 4294967295, per_seconds: 1, scope: x}",
    "description: \"\\u202e\\r\\0\"",
    "success_means: '*/'",
    "permission: ''",
    "response: {type: string}",
    "response: {type: any}",
    "response: {type: object, fields: []}",
    "params: [{name: id, type: string, in: path, required: true}]",
    "params: [{name: a, type: object, in: query, fields: []}]",
    "params: [{name: h, type: array, items: {type: string}, in: header}]",
    "- {name: extra, type: string}",
    "- id: extra\n  summary: s\n  method: GET\n  path: /extra\n  body: none\n  response: {type: any}",
];

/// One mutation, on the text of one file.
type Op = fn(&mut Rng, &[u8], Format, &[Seed]) -> (Vec<u8>, String);

const OPS: &[(u64, Op)] = &[
    (3, delete_line),
    (3, delete_block),
    (2, duplicate_line),
    (2, duplicate_block),
    (1, swap_lines),
    (2, move_block),
    (7, change_scalar),
    (4, rename_key),
    (4, add_ref),
    (3, self_reference),
    (2, deep_nesting),
    (5, insert_snippet),
    (2, splice),
    (3, clashing_name),
    (3, bytes),
    (4, flow_edit),
    (6, nasty_name),
];

fn mutate(seeds: &[Seed], format: Format, rng: &mut Rng) -> Mutant {
    // The `xgen diff` fixtures are many small variations of one spec: a third of the picks.
    let diff = rng.chance(33);
    let candidates: Vec<&Seed> = seeds
        .iter()
        .filter(|s| s.format == format && s.origin.contains("fixtures/diff/") == diff)
        .collect();
    // A multi-file tree (Kraken's 236 files) or a large document (Binance's 1 MB) costs many
    // times a small seed to write and generate: kept at one pick in eight (else picked again), it gets its share of the mutants
    // without taking over the run.
    let mut picked = *rng.pick(&candidates);
    let bytes: usize = picked.files.iter().map(|(_, text)| text.len()).sum();
    let large = picked.files.len() > LARGE_SEED_FILES || bytes > LARGE_SEED_BYTES;
    if large && !rng.chance(12) {
        picked = *rng.pick(&candidates);
    }
    let mut seed = picked.clone();
    let specs = seed.specs();
    // Mostly a spec file; sometimes the profile.
    let index = if specs.is_empty() || rng.chance(8) {
        seed.files
            .iter()
            .position(|(name, _)| name == "profile.yaml")
            .unwrap()
    } else {
        *rng.pick(&specs)
    };
    let count = match rng.below(20) {
        0..=9 => 1,
        10..=14 => 2,
        15..=17 => 3,
        _ => 4 + rng.below(3),
    };
    let total: u64 = OPS.iter().map(|(w, _)| w).sum();
    let mut steps = Vec::new();
    for _ in 0..count {
        let mut roll = rng.next() % total;
        let op = OPS
            .iter()
            .find(|(w, _)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map(|(_, op)| *op)
            .unwrap();
        let (text, step) = op(rng, &seed.files[index].1, format, seeds);
        seed.files[index].1 = text;
        steps.push(step);
    }
    Mutant {
        file: seed.files[index].0.clone(),
        seed,
        steps,
    }
}

fn lines_of(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text)
        .split('\n')
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// A random line that has content, if any.
fn content_line(rng: &mut Rng, lines: &[String]) -> Option<usize> {
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|&i| is_content(&lines[i]))
        .collect();
    (!candidates.is_empty()).then(|| *rng.pick(&candidates))
}

/// Where a new line or block can go without breaking the YAML's structure, mostly: before a
/// line, at its indentation; inside a sequence item, after its first line; or as the first
/// child of a key. The position and the indentation.
fn insertion_point(rng: &mut Rng, lines: &[String]) -> Option<(usize, usize)> {
    let at = content_line(rng, lines)?;
    let own = indent(&lines[at]);
    if let Some(item) = lines[at].trim_start().strip_prefix("- ") {
        // Inside a block item, after its first key; before a flow item, as a new item.
        return Some(
            if item.starts_with(['{', '[']) || key_value(&lines[at]).is_none() {
                (at, own)
            } else {
                (at + 1, own + 2)
            },
        );
    }
    let next = (at + 1..lines.len()).find(|&i| is_content(&lines[i]));
    match next {
        Some(child) if indent(&lines[child]) > own && rng.chance(40) => {
            let child_indent = indent(&lines[child]);
            // A sequence under the key: go inside its first item.
            if lines[child].trim_start().starts_with("- ") {
                Some((child + 1, child_indent + 2))
            } else {
                Some((child, child_indent))
            }
        }
        _ => Some((at, own)),
    }
}

/// The line `at` and the lines nested under it (more indented, or blank between them):
/// `at..end`.
fn block(lines: &[String], at: usize) -> std::ops::Range<usize> {
    let own = indent(&lines[at]);
    // `key:` may have a compact sequence, its dashes at the key's own indentation.
    let opens = lines[at].trim_end().ends_with(':') && !lines[at].trim_start().starts_with("- ");
    let mut end = at + 1;
    let mut scan = at + 1;
    while scan < lines.len() {
        let line = &lines[scan];
        if is_content(line) {
            let item = opens && indent(line) == own && line.trim_start().starts_with("- ");
            if indent(line) <= own && !item {
                break;
            }
            end = scan + 1;
        }
        scan += 1;
    }
    at..end
}

/// Re-indents a block so its first line has `to` spaces.
fn reindent(block: &[String], to: usize) -> Vec<String> {
    let from = block.first().map_or(0, |l| indent(l));
    block
        .iter()
        .map(|line| {
            if is_content(line) {
                let own = indent(line);
                format!(
                    "{}{}",
                    " ".repeat(own - from.min(own) + to),
                    line.trim_start()
                )
            } else {
                line.clone()
            }
        })
        .collect()
}

/// `key: value` on a line (after an optional `- `): the byte ranges of key and value.
fn key_value(line: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let start = indent(line);
    let start = if line[start..].starts_with("- ") {
        start + 2
    } else {
        start
    };
    let rest = &line[start..];
    if rest.starts_with('{') || rest.starts_with('[') || rest.starts_with('#') {
        return None;
    }
    let colon = if let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let close = rest[1..].find(quote)? + 1;
        close + rest[close..].find(':')?
    } else {
        rest.find(": ")
            .or_else(|| rest.strip_suffix(':').map(str::len))?
    };
    let key = start..start + colon;
    let value_start = (start + colon + 2).min(line.len());
    line.is_char_boundary(value_start)
        .then_some((key, value_start..line.len()))
}

fn key_lines(lines: &[String], with_value: bool) -> Vec<usize> {
    (0..lines.len())
        .filter(|&i| is_content(&lines[i]))
        .filter(|&i| match key_value(&lines[i]) {
            Some((_, value)) => !with_value || !lines[i][value].trim().is_empty(),
            None => false,
        })
        .collect()
}

fn delete_line(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some(at) = content_line(rng, &lines) else {
        return (text.to_vec(), "delete line (none)".into());
    };
    let removed = lines.remove(at);
    (
        join(&lines),
        format!("delete line {}: {:?}", at + 1, removed),
    )
}

fn delete_block(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some(at) = content_line(rng, &lines) else {
        return (text.to_vec(), "delete block (none)".into());
    };
    let range = block(&lines, at);
    let step = format!(
        "delete lines {}-{} ({:?}...)",
        range.start + 1,
        range.end,
        lines[at]
    );
    lines.drain(range);
    (join(&lines), step)
}

fn duplicate_line(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some(at) = content_line(rng, &lines) else {
        return (text.to_vec(), "duplicate line (none)".into());
    };
    let copy = lines[at].clone();
    lines.insert(at + 1, copy);
    (
        join(&lines),
        format!("duplicate line {}: {:?}", at + 1, lines[at]),
    )
}

fn duplicate_block(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some(at) = content_line(rng, &lines) else {
        return (text.to_vec(), "duplicate block (none)".into());
    };
    let range = block(&lines, at);
    let copy: Vec<String> = lines[range.clone()].to_vec();
    let step = format!(
        "duplicate lines {}-{} ({:?}...)",
        range.start + 1,
        range.end,
        lines[at]
    );
    lines.splice(range.end..range.end, copy);
    (join(&lines), step)
}

fn swap_lines(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let (Some(a), Some(b)) = (content_line(rng, &lines), content_line(rng, &lines)) else {
        return (text.to_vec(), "swap lines (none)".into());
    };
    lines.swap(a, b);
    (join(&lines), format!("swap lines {} and {}", a + 1, b + 1))
}

fn move_block(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some(at) = content_line(rng, &lines) else {
        return (text.to_vec(), "move block (none)".into());
    };
    let range = block(&lines, at);
    let step = format!("move lines {}-{}", range.start + 1, range.end);
    let moved: Vec<String> = lines.drain(range).collect();
    let Some((to, to_indent)) = insertion_point(rng, &lines) else {
        return (text.to_vec(), "move block (nowhere)".into());
    };
    let moved = reindent(&moved, to_indent);
    lines.splice(to..to, moved);
    (join(&lines), format!("{step} to before line {}", to + 1))
}

fn change_scalar(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let candidates = key_lines(&lines, true);
    if candidates.is_empty() {
        return (text.to_vec(), "change scalar (none)".into());
    }
    let at = *rng.pick(&candidates);
    let (_, value) = key_value(&lines[at]).unwrap();
    let new = match rng.below(10) {
        0 => "a".repeat(1 + rng.below(5000)),
        1 => (rng.next() as i64).to_string(),
        _ => (*rng.pick(SCALARS)).to_owned(),
    };
    let old = lines[at][value.clone()].to_owned();
    lines[at].replace_range(value, &new);
    (
        join(&lines),
        format!("line {}: value {old:?} -> {new:?}", at + 1),
    )
}

fn rename_key(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let candidates = key_lines(&lines, false);
    if candidates.is_empty() {
        return (text.to_vec(), "rename key (none)".into());
    }
    let at = *rng.pick(&candidates);
    let (key, _) = key_value(&lines[at]).unwrap();
    let old = lines[at][key.clone()].to_owned();
    let new = match rng.below(6) {
        // Another key of the file: a duplicate, or a key where it does not belong.
        0 | 1 => {
            let other = *rng.pick(&candidates);
            let (k, _) = key_value(&lines[other]).unwrap();
            lines[other][k].to_owned()
        }
        2 => old.to_uppercase(),
        3 => format!("{old}_"),
        4 => format!("x-{old}"),
        _ => (*rng.pick(SCALARS)).to_owned(),
    };
    lines[at].replace_range(key, &new);
    (
        join(&lines),
        format!("line {}: key {old:?} -> {new:?}", at + 1),
    )
}

/// Names defined under `components: schemas:` (OpenAPI) or `types:` (hand-written), with the
/// line each is defined on.
fn named_types(lines: &[String], format: Format) -> Vec<(usize, String)> {
    let mut names = Vec::new();
    let mut inside: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        if !is_content(line) {
            continue;
        }
        let own = indent(line);
        let trimmed = line.trim();
        if let Some(parent) = inside {
            if own <= parent {
                inside = None;
            } else if own == parent + 2 {
                if let Some((key, _)) = key_value(line) {
                    names.push((i, line[key].trim_matches(['\'', '"']).to_owned()));
                }
                continue;
            } else {
                continue;
            }
        }
        let opens = match format {
            Format::OpenApi => trimmed == "schemas:" && own == 2,
            Format::Schema => trimmed == "types:" && own == 0,
        };
        if opens {
            inside = Some(own);
        }
    }
    names
}

fn reference(format: Format, name: &str) -> String {
    match format {
        Format::OpenApi => format!("$ref: '#/components/schemas/{name}'"),
        Format::Schema => format!("ref: {name}"),
    }
}

fn add_ref(rng: &mut Rng, text: &[u8], format: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let names = named_types(&lines, format);
    let target = match (format, rng.below(8)) {
        (Format::OpenApi, 0) => "$ref: '#/paths'".to_owned(),
        (Format::OpenApi, 1) => "$ref: '#'".to_owned(),
        (Format::OpenApi, 2) => "$ref: 'api.yaml#/components/schemas'".to_owned(),
        (Format::OpenApi, 3) => "$ref: '#/components/schemas/Missing'".to_owned(),
        (Format::Schema, 0) => "ref: Missing".to_owned(),
        (Format::Schema, 1) => "ref: ''".to_owned(),
        _ if !names.is_empty() => reference(format, &rng.pick(&names).1),
        _ => reference(format, "Missing"),
    };
    // Mostly instead of a `type:` line; else as a new line somewhere.
    let types: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let t = lines[i].trim_start().trim_start_matches("- ");
            t.starts_with("type:") || t.starts_with("ref:") || t.starts_with("$ref:")
        })
        .collect();
    let step = if !types.is_empty() && rng.chance(70) {
        let at = *rng.pick(&types);
        let start = lines[at].find(['t', 'r', '$']).unwrap_or(0);
        lines[at].replace_range(start.., &target);
        format!("line {}: -> {target}", at + 1)
    } else {
        let Some((at, own)) = insertion_point(rng, &lines) else {
            return (text.to_vec(), "add ref (none)".into());
        };
        lines.insert(at, format!("{}{target}", " ".repeat(own)));
        format!("insert {target:?} at line {}", at + 1)
    };
    (join(&lines), step)
}

fn self_reference(rng: &mut Rng, text: &[u8], format: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let names = named_types(&lines, format);
    if names.is_empty() {
        return add_ref(rng, text, format, &[]);
    }
    let (at, name) = rng.pick(&names).clone();
    let templates: &[&str] = match format {
        Format::OpenApi => &[
            "$ref: '#/components/schemas/{N}'",
            "allOf: [{$ref: '#/components/schemas/{N}'}]",
            "oneOf: [{$ref: '#/components/schemas/{N}'}, {type: string}]",
            "items: {$ref: '#/components/schemas/{N}'}",
            "additionalProperties: {$ref: '#/components/schemas/{N}'}",
            "properties: {next: {$ref: '#/components/schemas/{N}'}}",
            "properties: {again: {type: array, items: {$ref: '#/components/schemas/{N}'}}}",
            "required: [next]\n{I}properties: {next: {$ref: '#/components/schemas/{N}'}}",
            "not: {$ref: '#/components/schemas/{N}'}",
        ],
        Format::Schema => &[
            "ref: {N}",
            "items: {ref: {N}}",
            "value: {ref: {N}}",
            "one_of: [{ref: {N}}, {type: string}]",
            "fields: [{name: next, ref: {N}, required: true}]",
            "fields: [{name: next, type: array, items: {ref: {N}}, required: true}]",
        ],
    };
    let child = indent(&lines[at]) + 2;
    let pad = " ".repeat(child);
    let snippet = rng
        .pick(templates)
        .replace("{N}", &name)
        .replace("{I}", &pad);
    lines.insert(at + 1, format!("{pad}{snippet}"));
    (
        join(&lines),
        format!("in {name} (line {}): {snippet:?}", at + 1),
    )
}

fn deep_nesting(rng: &mut Rng, text: &[u8], format: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let candidates = key_lines(&lines, true);
    if candidates.is_empty() {
        return (text.to_vec(), "deep nesting (none)".into());
    }
    let at = *rng.pick(&candidates);
    let depth = *rng.pick(&[5, 10, 20, 30, 40, 50, 60, 63, 64, 65, 70, 100, 120, 200]);
    let nested = match (rng.below(4), format) {
        (0, _) => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        (1, _) => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
        (_, Format::OpenApi) => {
            let (open, close) = if rng.chance(50) {
                ("{type: array, items: ", "}")
            } else {
                ("{type: object, properties: {p: ", "}}")
            };
            format!(
                "{}{{type: string}}{}",
                open.repeat(depth),
                close.repeat(depth)
            )
        }
        (_, Format::Schema) => {
            if rng.chance(50) {
                format!(
                    "{}{{type: string}}{}",
                    "{type: array, items: ".repeat(depth),
                    "}".repeat(depth)
                )
            } else {
                format!(
                    "{{type: object, fields: [{}{{name: g, type: string}}{}]}}",
                    "{name: f, type: object, fields: [".repeat(depth - 1),
                    "]}".repeat(depth - 1)
                )
            }
        }
    };
    let (_, value) = key_value(&lines[at]).unwrap();
    lines[at].replace_range(value, &nested);
    (
        join(&lines),
        format!("line {}: value -> nesting {depth} deep", at + 1),
    )
}

fn insert_snippet(rng: &mut Rng, text: &[u8], format: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let Some((position, own)) = insertion_point(rng, &lines) else {
        return (text.to_vec(), "insert (none)".into());
    };
    let snippet = match format {
        Format::OpenApi => *rng.pick(OPENAPI_SNIPPETS),
        Format::Schema => *rng.pick(SCHEMA_SNIPPETS),
    };
    let pad = " ".repeat(own);
    let inserted: Vec<String> = snippet.split('\n').map(|l| format!("{pad}{l}")).collect();
    lines.splice(position..position, inserted);
    (
        join(&lines),
        format!("insert {snippet:?} at line {}", position + 1),
    )
}

fn splice(rng: &mut Rng, text: &[u8], format: Format, seeds: &[Seed]) -> (Vec<u8>, String) {
    let donors: Vec<&Seed> = seeds.iter().filter(|s| s.format == format).collect();
    let donor = *rng.pick(&donors);
    let specs = donor.specs();
    if specs.is_empty() {
        return (text.to_vec(), "splice (no donor)".into());
    }
    let (donor_file, donor_text) = &donor.files[*rng.pick(&specs)];
    let donor_lines = lines_of(donor_text);
    let mut lines = lines_of(text);
    let (Some(from), Some((to, to_indent))) = (
        content_line(rng, &donor_lines),
        insertion_point(rng, &lines),
    ) else {
        return (text.to_vec(), "splice (empty)".into());
    };
    let range = block(&donor_lines, from);
    let moved = reindent(&donor_lines[range.clone()], to_indent);
    lines.splice(to..to, moved);
    (
        join(&lines),
        format!(
            "splice lines {}-{} of {}/{donor_file} before line {}",
            range.start + 1,
            range.end,
            donor.origin,
            to + 1
        ),
    )
}

/// A name that converts to the same Rust name as another of the file's names.
fn clashing_name(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let candidates = key_lines(&lines, false);
    if candidates.is_empty() {
        return (text.to_vec(), "clashing name (none)".into());
    }
    // A name: a key, or the value of `name:`, `id:`, `operationId:` or `title:`.
    let at = *rng.pick(&candidates);
    let (key, value) = key_value(&lines[at]).unwrap();
    let key_text = lines[at][key.clone()].to_owned();
    let bare = key_text.trim_start_matches("- ").trim();
    let use_value = matches!(bare, "name" | "id" | "operationId" | "title")
        && !lines[at][value.clone()].trim().is_empty();
    let range = if use_value { value } else { key };
    let old = lines[at][range.clone()]
        .trim()
        .trim_matches(['\'', '"'])
        .to_owned();
    let snake = heck_snake(&old);
    let new = match rng.below(9) {
        0 => snake.clone(),
        1 => snake.to_uppercase(),
        2 => snake.replace('_', "-"),
        3 => snake.replace('_', " "),
        4 => format!("{old}2"),
        5 => format!("{snake}_2"),
        6 => format!("{old}_"),
        7 => format!("_{old}"),
        _ => {
            let mut chars = old.chars();
            match chars.next() {
                Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => "x".to_owned(),
            }
        }
    };
    let new_text = format!("'{}'", new.replace('\'', "''"));
    // The new name goes on a copy of the line, so the file has both.
    let mut copy = lines[at].clone();
    copy.replace_range(range, &new_text);
    let block_range = block(&lines, at);
    let mut twin = lines[block_range.clone()].to_vec();
    twin[0] = copy;
    lines.splice(block_range.end..block_range.end, twin);
    (
        join(&lines),
        format!("line {}: twin of {old:?} named {new:?}", at + 1),
    )
}

/// `fooBar` and `FooBar` to `foo_bar`, enough for clashes.
fn heck_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

fn bytes(rng: &mut Rng, text: &[u8], _: Format, _: &[Seed]) -> (Vec<u8>, String) {
    let mut out = text.to_vec();
    if out.is_empty() {
        return (b"\0".to_vec(), "bytes: empty -> NUL".into());
    }
    let at = rng.below(out.len());
    let step = match rng.below(7) {
        0 => {
            out[at] ^= 1 << rng.below(8);
            format!("bytes: flip a bit at {at}")
        }
        1 => {
            let byte = *rng.pick(&[0u8, b'\r', 0x7f, 0xff, 0xc3, b'\t', b'"', b'\'', b':', b'-']);
            out.insert(at, byte);
            format!("bytes: insert {byte:#04x} at {at}")
        }
        2 => {
            let end = (at + 1 + rng.below(16)).min(out.len());
            out.drain(at..end);
            format!("bytes: delete {at}..{end}")
        }
        3 => {
            out.truncate(at);
            format!("bytes: truncate at {at}")
        }
        4 => {
            let end = (at + 1 + rng.below(64)).min(out.len());
            let copy = out[at..end].to_vec();
            out.splice(at..at, copy);
            format!("bytes: repeat {at}..{end}")
        }
        5 => {
            let inserted = *rng.pick(&["\u{202e}", "\u{feff}", "\r\n", "\t", "\u{85}", "é"]);
            out.splice(at..at, inserted.bytes());
            format!("bytes: insert {inserted:?} at {at}")
        }
        _ => {
            out.splice(0..0, b"\xef\xbb\xbf".iter().copied());
            "bytes: a byte-order mark first".to_owned()
        }
    };
    (out, step)
}

/// Inside a flow mapping (`{name: a, type: string}`): a value changed, a pair removed, or a
/// pair added.
fn flow_edit(rng: &mut Rng, text: &[u8], format: Format, seeds: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let flows: Vec<usize> = (0..lines.len())
        .filter(|&i| is_content(&lines[i]) && lines[i].contains('{') && lines[i].contains(": "))
        .collect();
    if flows.is_empty() {
        return change_scalar(rng, text, format, seeds);
    }
    let at = *rng.pick(&flows);
    let line = lines[at].clone();
    // The pairs: `key: value` between `{` or `,` and the next `,` or `}`, on this line.
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut from = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'{' || b == b',' {
            if let Some(s) = from {
                spans.push(s..i);
            }
            from = Some(i + 1);
        } else if b == b'}' {
            if let Some(s) = from.take() {
                spans.push(s..i);
            }
        }
    }
    let spans: Vec<std::ops::Range<usize>> = spans
        .into_iter()
        .filter(|r| line[r.clone()].contains(": "))
        .collect();
    if spans.is_empty() {
        return change_scalar(rng, text, format, seeds);
    }
    let span = rng.pick(&spans).clone();
    let pair = line[span.clone()].to_owned();
    let colon = pair.find(": ").unwrap();
    let step = match rng.below(4) {
        0 | 1 => {
            let new = (*rng.pick(SCALARS)).to_owned();
            let value = span.start + colon + 2..span.end;
            lines[at].replace_range(value, &new);
            format!("line {}: in {pair:?}, value -> {new:?}", at + 1)
        }
        2 => {
            lines[at].replace_range(span.clone(), " ");
            format!("line {}: remove {pair:?}", at + 1)
        }
        _ => {
            let snippets = match format {
                Format::OpenApi => OPENAPI_SNIPPETS,
                Format::Schema => SCHEMA_SNIPPETS,
            };
            let single: Vec<&&str> = snippets
                .iter()
                .filter(|s| !s.contains('\n') && !s.starts_with('-'))
                .collect();
            let added = **rng.pick(&single);
            lines[at].insert_str(span.end, &format!(", {added}"));
            format!("line {}: after {pair:?}, add {added:?}", at + 1)
        }
    };
    (join(&lines), step)
}

/// Names that are Rust keywords, prelude or generated names, non-ASCII (confusables, combining
/// marks, other scripts), or that convert to nothing or to a digit.
const NAMES: &[&str] = &[
    "",
    "_",
    "__",
    "0",
    "1a",
    "_1",
    "1_",
    "a-b",
    "a_b",
    "a b",
    "a__b",
    "A",
    "a",
    "aB",
    "a.b",
    "a/b",
    "{a}",
    "$",
    "#",
    "@",
    "-1",
    "+1",
    "1.5",
    "type",
    "Self",
    "self",
    "super",
    "crate",
    "r#type",
    "async",
    "await",
    "try",
    "dyn",
    "union",
    "macro_rules",
    "abstract",
    "gen",
    "i64",
    "str",
    "bool",
    "u8",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Debug",
    "Clone",
    "Serialize",
    "Deserialize",
    "PartialEq",
    "serde",
    "std",
    "core",
    "xgen_runtime",
    "Client",
    "operations",
    "ALL",
    "all",
    "new",
    "with_base_url",
    "runtime",
    "from_runtime",
    "PRODUCTION_URL",
    "SIGNING_SCHEME",
    "Other",
    "OtherValue",
    "OtherValue2",
    "additional_properties",
    "Request",
    "Response",
    "GetThingRequest",
    "GetThingResponse",
    "Null",
    "null",
    "V1",
    "v1",
    "Ünïcödé",
    "日本語",
    "ﬁ",
    "İstanbul",
    "ß",
    "ǅ",
    "ａ",
    "а",
    "µ",
    "e\u{301}",
    "\u{200b}",
    "a\u{200d}b",
    "Ⅻ",
    "٣",
    "𝔞",
];

/// A name (a property, schema, type, field, parameter or operation name, a title or an enum
/// value) replaced by one of [`NAMES`].
fn nasty_name(rng: &mut Rng, text: &[u8], format: Format, seeds: &[Seed]) -> (Vec<u8>, String) {
    let mut lines = lines_of(text);
    let named = ["name", "id", "title", "operationId", "value"];
    let mut spots: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for i in (0..lines.len()).filter(|&i| is_content(&lines[i])) {
        let line = &lines[i];
        // In flow mappings: `{name: a, type: string}`.
        for key in named {
            for (at, _) in line.match_indices(&format!("{key}: ")) {
                let before = line[..at].trim_end();
                if !(before.ends_with('{') || before.ends_with(',')) {
                    continue;
                }
                let start = at + key.len() + 2;
                let end = line[start..]
                    .find([',', '}'])
                    .map_or(line.len(), |e| start + e);
                spots.push((i, start..end));
            }
        }
        // `enum: [a, b]`: one of the values.
        if let Some(open) = line.find("enum: [") {
            let start = open + "enum: [".len();
            if let Some(close) = line[start..].find(']') {
                let mut from = start;
                for part in line[start..start + close].split(',') {
                    spots.push((i, from..from + part.len()));
                    from += part.len() + 1;
                }
            }
        }
        let Some((key, value)) = key_value(line) else {
            continue;
        };
        let key_text = line[key.clone()].trim_matches(['\'', '"']);
        let value_text = line[value.clone()].trim();
        if named.contains(&key_text)
            && !value_text.is_empty()
            && !value_text.starts_with(['{', '[', '|', '>'])
        {
            spots.push((i, value));
            continue;
        }
        // A key under `properties:`, `schemas:` or `types:`.
        let own = indent(line);
        let parent = (0..i)
            .rev()
            .find(|&p| is_content(&lines[p]) && indent(&lines[p]) < own);
        if let Some(parent) = parent {
            let parent_key = lines[parent].trim();
            if matches!(parent_key, "properties:" | "schemas:" | "types:") {
                spots.push((i, key));
            }
        }
    }
    if spots.is_empty() {
        return clashing_name(rng, text, format, seeds);
    }
    let (at, range) = rng.pick(&spots).clone();
    let name = *rng.pick(NAMES);
    let old = lines[at][range.clone()].to_owned();
    let quoted = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
    let replacement = if old.starts_with(' ') {
        format!(" {quoted}")
    } else {
        quoted
    };
    lines[at].replace_range(range, &replacement);
    (
        join(&lines),
        format!("line {}: name {:?} -> {name:?}", at + 1, old.trim()),
    )
}
