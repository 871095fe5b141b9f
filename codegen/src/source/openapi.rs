//! The OpenAPI 3.0 front-end's reader: an OpenAPI document, and every file its `$ref`s reach,
//! as located YAML trees ([`super::yaml`]).
//!
//! The reader is lenient where published documents are imperfect and nothing is lost by it: a
//! `description` that is `null`, a keyword in the wrong place, an unknown `x-` extension. It is
//! strict where the structure decides the client (paths, parameters, schemas, references), and
//! there every error names the file and the JSON pointer. Structure is read by the lowering
//! phase straight from the trees, so no second copy of a large document is kept.

use super::yaml::{self, Node};
use crate::error::{Error, Result};
use crate::ir::Origin;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The most files one document may reach through `$ref`s (Kraken's spot API is 235).
const MAX_FILES: usize = 5_000;

/// An OpenAPI document and the files it refers to, each read once.
#[derive(Debug)]
pub struct Documents {
    /// The document named in the profile.
    pub root: PathBuf,
    files: BTreeMap<PathBuf, (Arc<Path>, Node)>,
}

/// A `$ref` resolved: the file, the pointer within it and the node there.
#[derive(Debug, Clone)]
pub struct Target<'d> {
    /// The file the node is in.
    pub file: &'d Path,
    /// The JSON pointer within it (`""` for the whole file), decoded.
    pub pointer: String,
    /// The node.
    pub node: &'d Node,
    /// The file's path, shared by every origin in it.
    shared: &'d Arc<Path>,
}

impl Target<'_> {
    /// Where the node is, for diagnostics.
    pub fn origin(&self) -> Origin {
        Origin::at(self.shared.clone(), self.pointer.clone())
    }
}

impl Documents {
    /// Reads the document at `path` and every file its references reach, checking the
    /// OpenAPI version.
    pub fn read(path: &Path) -> Result<Documents> {
        let root = normalize(path);
        let (_, node) = yaml::read(&root)?;
        check_version(&root, &node)?;
        let mut documents = Documents {
            root: root.clone(),
            files: BTreeMap::new(),
        };
        documents
            .files
            .insert(root.clone(), (Arc::from(root.as_path()), node));
        let folder = root.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut pending = vec![root];
        while let Some(file) = pending.pop() {
            let mut wanted = Vec::new();
            if let Some((_, node)) = documents.files.get(&file) {
                collect_external_refs(node, &file, &mut wanted);
            }
            for (target, origin) in wanted {
                if documents.files.contains_key(&target) {
                    continue;
                }
                // References stay inside the exchange folder, so a spec cannot make the
                // generator read other files of the machine (`/etc/passwd`, `/dev/zero`).
                if !target.starts_with(&folder) {
                    return Err(Error::Invalid {
                        origin,
                        message: format!(
                            "$ref names {}, which is outside the exchange folder",
                            crate::text::escape(&target.display().to_string())
                        ),
                    });
                }
                if documents.files.len() >= MAX_FILES {
                    return Err(Error::Invalid {
                        origin,
                        message: format!("the document reaches more than {MAX_FILES} files"),
                    });
                }
                let node = match read_target(&target) {
                    Ok(node) => node,
                    Err(Error::Read { source, .. }) => {
                        return Err(Error::Invalid {
                            origin,
                            message: format!(
                                "$ref names {}, which cannot be read: {source}",
                                target.display()
                            ),
                        })
                    }
                    Err(other) => return Err(other),
                };
                let shared = Arc::from(target.as_path());
                documents.files.insert(target.clone(), (shared, node));
                pending.push(target);
            }
        }
        Ok(documents)
    }

    /// Every file read, with its tree, in path order.
    pub fn trees(&self) -> impl Iterator<Item = (&Arc<Path>, &Node)> {
        self.files.values().map(|(path, node)| (path, node))
    }

    /// The root document's tree.
    pub fn root_node(&self) -> &Node {
        // Inserted by `read` before anything else.
        self.files.get(&self.root).map_or(&EMPTY, |(_, node)| node)
    }

    /// Resolves `reference` written in `from`: `#/components/schemas/Pet`, `pet.yaml`,
    /// `../common.yaml#/Error`. `origin` is where the `$ref` stands, for errors.
    pub fn resolve<'d>(
        &'d self,
        from: &Path,
        reference: &str,
        origin: &Origin,
    ) -> Result<Target<'d>> {
        let (file_part, pointer) = match reference.split_once('#') {
            Some((file, pointer)) => (file, pointer),
            None => (reference, ""),
        };
        if file_part.contains("://") {
            return Err(Error::Unsupported {
                origin: origin.child("$ref"),
                what: format!("$ref '{reference}' to a URL (files next to the document are)"),
            });
        }
        let file = match file_part {
            "" => normalize(from),
            relative => normalize(&from.parent().unwrap_or(Path::new("")).join(relative)),
        };
        let dangling = || Error::DanglingRef {
            origin: origin.child("$ref"),
            reference: reference.to_owned(),
        };
        let (file, (shared, tree)) = self.files.get_key_value(&file).ok_or_else(dangling)?;
        let pointer = percent_decode(pointer);
        let node = tree.pointer(&pointer).ok_or_else(dangling)?;
        Ok(Target {
            file,
            pointer,
            node,
            shared,
        })
    }
}

static EMPTY: Node = Node {
    value: yaml::Value::Null,
};

/// Only OpenAPI 3.0 documents are read; anything else says what it is.
fn check_version(path: &Path, node: &Node) -> Result<()> {
    let origin = Origin::root(path);
    if node.get("swagger").is_some() {
        return Err(Error::Unsupported {
            origin: origin.child("swagger"),
            what: "Swagger 2.0 documents (convert to OpenAPI 3.0 first)".to_owned(),
        });
    }
    let version = match node.get("openapi") {
        Some(version) => match &version.value {
            yaml::Value::Str(text) => text.to_string(),
            yaml::Value::Float(number) => number.to_string(),
            _ => String::new(),
        },
        None if node.get("paths").is_some() => {
            return Err(Error::Invalid {
                origin,
                message: "the document has no `openapi` version".to_owned(),
            })
        }
        None => {
            return Err(Error::Invalid {
                origin,
                message: "not an OpenAPI document: it has neither `openapi` nor `paths`".to_owned(),
            })
        }
    };
    if version == "3.0" || version.starts_with("3.0.") {
        return Ok(());
    }
    Err(Error::Unsupported {
        origin: origin.child("openapi"),
        what: format!("OpenAPI {} (3.0.x is)", crate::text::escape(&version)),
    })
}

/// Every file a `$ref` in `node` names, resolved against `file`, with the `$ref`'s place.
fn collect_external_refs(node: &Node, file: &Path, out: &mut Vec<(PathBuf, Origin)>) {
    // Each node with the key it is under. Vendor extensions (`x-`) and examples hold nothing a
    // client is made from, and their `$ref`s are not read: Dropbox Sign's code samples
    // (`examples/Callback.py`) and sample replies (JSON with a trailing comma) would fail the
    // document. Except where keys are names: a property called `x-request-id` or `examples`.
    let mut stack = vec![(node, String::new(), "")];
    while let Some((node, pointer, under)) = stack.pop() {
        match &node.value {
            yaml::Value::Map(entries) => {
                let keys_are_names = NAME_MAPS.contains(&under);
                for entry in entries {
                    let unused = entry.key.starts_with("x-")
                        || matches!(&*entry.key, "example" | "examples");
                    if unused && !keys_are_names {
                        continue;
                    }
                    let child = format!("{pointer}/{}", crate::ir::pointer_segment(&entry.key));
                    if &*entry.key == "$ref" {
                        if let Some(reference) = entry.value.as_str() {
                            let file_part = reference.split('#').next().unwrap_or("");
                            if !file_part.is_empty() && !file_part.contains("://") {
                                let target = normalize(
                                    &file.parent().unwrap_or(Path::new("")).join(file_part),
                                );
                                let origin = Origin::at(Arc::from(file), pointer.clone());
                                out.push((target, origin));
                            }
                        }
                        continue;
                    }
                    stack.push((&entry.value, child, &*entry.key));
                }
            }
            yaml::Value::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    stack.push((item, format!("{pointer}/{index}"), ""));
                }
            }
            _ => {}
        }
    }
}

/// OpenAPI's mappings whose keys are names the document chooses, where `x-` is no extension.
pub(crate) const NAME_MAPS: [&str; 14] = [
    "properties",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "examples",
    "securitySchemes",
    "links",
    "callbacks",
    "variables",
    "mapping",
    "content",
    "encoding",
];

/// A file a `$ref` names: YAML or JSON by its extension, or else (Redocly's Markdown
/// descriptions, `description: {$ref: intro.md}`) its text, as bundlers inline it.
fn read_target(path: &Path) -> Result<Node> {
    let structured = path.extension().is_some_and(|e| {
        ["yaml", "yml", "json"]
            .iter()
            .any(|known| e.eq_ignore_ascii_case(known))
    });
    if structured {
        return yaml::read(path).map(|(_, node)| node);
    }
    let text = super::read_text(path)?;
    Ok(Node {
        value: yaml::Value::Str(Arc::from(text)),
    })
}

/// `%7B` in a reference's pointer is `{` (RFC 6901 pointers in URIs are percent-encoded).
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a/./b/../c` → `a/c`, without touching the file system, so paths in diagnostics stay as
/// the user gave them.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_inside_vendor_extensions_and_examples_are_not_read_but_names_like_them_are() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("api.yaml");
        std::fs::write(
            &root,
            "openapi: 3.0.3\ntags:\n  - { name: A, description: { $ref: intro.md } }\npaths:\n  /a:\n    get:\n      x-codeSamples:\n        - lang: Python\n          \
             source: { $ref: examples/a.py }\n      responses: {}\ncomponents:\n  schemas:\n    \
             A:\n      properties:\n        x-request-id: { $ref: id.yaml }\n  examples:\n    \
             E: { value: { $ref: sample.json } }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("id.yaml"), "type: string\n").unwrap();
        // Not YAML: read, it would fail the document.
        std::fs::create_dir(dir.path().join("examples")).unwrap();
        std::fs::write(dir.path().join("examples/a.py"), "print('a': )\n").unwrap();
        std::fs::write(dir.path().join("sample.json"), "{\"a\": 1,}").unwrap();
        // Markdown is its text, as bundlers inline it, not YAML that fails.
        std::fs::write(dir.path().join("intro.md"), "# Intro\n\nkey: a: b\n").unwrap();
        let documents = Documents::read(&root).unwrap();
        let read: Vec<String> = documents
            .files
            .keys()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(read, ["api.yaml", "id.yaml", "intro.md"]);
        let intro = documents
            .files
            .values()
            .find(|(p, _)| p.ends_with("intro.md"))
            .unwrap();
        assert_eq!(intro.1.as_str(), Some("# Intro\n\nkey: a: b\n"));
    }

    #[test]
    fn paths_normalize_lexically() {
        assert_eq!(
            normalize(Path::new("specs/k/./a/../b.yaml")),
            Path::new("specs/k/b.yaml")
        );
        assert_eq!(normalize(Path::new("../x.yaml")), Path::new("../x.yaml"));
    }

    #[test]
    fn pointers_percent_decode() {
        assert_eq!(
            percent_decode("/paths/~1pets~1%7Bid%7D"),
            "/paths/~1pets~1{id}"
        );
        assert_eq!(percent_decode("/a%"), "/a%");
    }
}
