//! A scratch crate that compiles generated code the way the clients crate has it: each module
//! `include!`s a generated `clients.rs` (which `include!`s its siblings), under `deny(warnings)`
//! and `missing_docs`, in a crate that depends only on what generated code needs:
//! `xgen-runtime` (by path), serde and serde_json. The mutation run and the corpus build one
//! each, with their own target folder kept between runs, so the dependencies are compiled once.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate: one module per generated client, `src/<name>/`.
pub struct ScratchCrate {
    dir: PathBuf,
    target: PathBuf,
    /// Each module's name (also its folder under `src/`) and doc comment.
    modules: Vec<(String, String)>,
}

/// What one cargo command did.
pub struct CargoRun {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl ScratchCrate {
    /// An empty crate named `package` in `dir` (its `src/` cleared), built into `target`.
    pub fn new(dir: &Path, target: &Path, package: &str) -> ScratchCrate {
        let root = workspace_root();
        let _ = fs::remove_dir_all(dir.join("src"));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nxgen-runtime = {{ path = {:?} }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n\
                 # Not part of the xgen workspace it sits under.\n[workspace]\n",
                root.join("runtime").display().to_string()
            ),
        )
        .unwrap();
        // The workspace's versions, so the dependencies it has downloaded build offline.
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        ScratchCrate {
            dir: dir.to_owned(),
            target: target.to_owned(),
            modules: Vec::new(),
        }
    }

    /// Adds module `name`, documented by `doc`, holding `files` (paths relative to its folder,
    /// `clients.rs` among them); returns its index.
    pub fn add_module<'a>(
        &mut self,
        name: &str,
        doc: &str,
        files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    ) -> usize {
        let folder = self.dir.join("src").join(name);
        fs::create_dir_all(&folder).unwrap();
        for (path, contents) in files {
            fs::write(folder.join(path), contents).unwrap();
        }
        self.modules.push((name.to_owned(), doc.to_owned()));
        self.modules.len() - 1
    }

    /// The crate's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index of every module.
    pub fn all(&self) -> Vec<usize> {
        (0..self.modules.len()).collect()
    }

    /// The module's name.
    pub fn name(&self, module: usize) -> &str {
        &self.modules[module].0
    }

    /// The module a path in cargo's output (`src/<name>/file.rs`) is in.
    pub fn module_of(&self, path: &str) -> Option<usize> {
        let name = path.strip_prefix("src/")?.split('/').next()?;
        self.modules.iter().position(|(n, _)| n == name)
    }

    /// The modules that the error lines of `cargo check --message-format=short` point into.
    pub fn blamed(&self, stderr: &str) -> Vec<usize> {
        let mut blamed: Vec<usize> = stderr
            .lines()
            .filter(|line| line.contains("error"))
            .filter_map(|line| self.module_of(line))
            .collect();
        blamed.sort_unstable();
        blamed.dedup();
        blamed
    }

    /// Writes `src/lib.rs` declaring `modules` only.
    pub fn write_lib(&self, modules: &[usize]) {
        let mut lib = String::from(
            "//! Generated clients, one module each, compiled as the clients crate has them.\n\
             #![deny(warnings)]\n#![warn(missing_docs)]\n\n",
        );
        for &index in modules {
            let (name, doc) = &self.modules[index];
            writeln!(
                lib,
                "/// {doc}\npub mod {name} {{\n    include!(\"{name}/clients.rs\");\n}}"
            )
            .unwrap();
        }
        fs::write(self.dir.join("src/lib.rs"), lib).unwrap();
    }

    /// Runs `cargo <command> --offline <rest of args>` on the crate with `modules`, with `env`
    /// set.
    pub fn cargo(&self, modules: &[usize], args: &[&str], env: &[(&str, &str)]) -> CargoRun {
        self.write_lib(modules);
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let (command, rest) = args.split_first().expect("a cargo command");
        let output = Command::new(cargo)
            .arg(command)
            .arg("--offline")
            .args(rest)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("run cargo {}: {e}", args.join(" ")));
        CargoRun {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `cargo check` with `modules`: whether it built, and cargo's standard error.
    pub fn check(&self, modules: &[usize]) -> (bool, String) {
        let run = self.cargo(modules, &["check", "--message-format=short"], &[]);
        (run.ok, run.stderr)
    }

    /// The modules of `modules` (which do not build together) that do not build on their own;
    /// all of them if only their combination fails.
    pub fn bisect(&self, modules: &[usize]) -> Vec<usize> {
        if modules.len() == 1 {
            return modules.to_vec();
        }
        let (left, right) = modules.split_at(modules.len() / 2);
        let mut broken = Vec::new();
        for half in [left, right] {
            if !self.check(half).0 {
                broken.extend(self.bisect(half));
            }
        }
        if broken.is_empty() {
            return modules.to_vec();
        }
        broken
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// The workspace's target folder: `CARGO_TARGET_DIR`, else three levels above this test binary
/// (`<target>/debug/deps/codegen-<hash>`).
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            workspace_root().join(dir)
        };
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .map(Path::to_owned)
        .unwrap_or_else(|| workspace_root().join("target"))
}
