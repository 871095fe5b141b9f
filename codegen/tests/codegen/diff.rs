//! `xgen diff`'s engine: one fixture per rule under `tests/fixtures/diff/<rule-id>/{old,new}/`,
//! each a specs folder. Where a rule applies to both input formats the fixture holds two
//! exchanges, `handwritten` (the schema format) and `openapi`, with the same change; the rule
//! must come out the same for both, as the same line. Exchange-level rules (signing, envelope,
//! base URLs, exchanges) and those only one format can express need only `handwritten`.
//!
//! Run with `XGEN_BLESS=1` to rewrite README.md's rule table after changing a rule.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use xgen_codegen::diff::{compare, FileChange, Rule, Severity, SpecDiff};

/// Both formats: the line is expected once with each exchange name.
const BOTH: &[&str] = &["handwritten", "openapi"];
/// The hand-written format only.
const HAND: &[&str] = &["handwritten"];

/// A rule's fixture and the exact change lines `render_text(false)` prints for it, `{ex}`
/// standing for each exchange of `exchanges` in turn.
struct Fixture {
    rule: Rule,
    exchanges: &'static [&'static str],
    line: &'static str,
}

const FIXTURES: &[Fixture] = &[
    Fixture { rule: Rule::ExchangeAdded, exchanges: &["extra"],
        line: "non-breaking          {ex}: exchange: added" },
    Fixture { rule: Rule::ExchangeRemoved, exchanges: &["extra"],
        line: "breaking              {ex}: exchange: removed" },
    Fixture { rule: Rule::SigningChanged, exchanges: HAND,
        line: "breaking              {ex}: signing plugin: okx → bybit" },
    Fixture { rule: Rule::EnvelopeChanged, exchanges: HAND,
        line: "breaking              {ex}: envelope: okx → bybit" },
    Fixture { rule: Rule::BaseUrlAdded, exchanges: HAND,
        line: "non-breaking          {ex}: base URL `testnet`: added (https://testnet.example.com)" },
    Fixture { rule: Rule::BaseUrlRemoved, exchanges: HAND,
        line: "breaking              {ex}: base URL `testnet`: removed (was https://testnet.example.com)" },
    Fixture { rule: Rule::BaseUrlChanged, exchanges: HAND,
        line: "non-breaking          {ex}: base URL `production`: https://api.example.com → https://api2.example.com" },
    Fixture { rule: Rule::OperationAdded, exchanges: BOTH,
        line: "non-breaking          {ex} ping: operation: added (GET /v1/ping)" },
    Fixture { rule: Rule::OperationRemoved, exchanges: BOTH,
        line: "breaking              {ex} ping: operation: removed (GET /v1/ping)" },
    Fixture { rule: Rule::PathChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: path: `/v1/thing` → `/v2/thing`" },
    Fixture { rule: Rule::MethodChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: method: POST → PUT" },
    Fixture { rule: Rule::BodyEncodingChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: body: json → form" },
    Fixture { rule: Rule::ParamLocationChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: request field `GetThingRequest.limit`: moved from query to header" },
    Fixture { rule: Rule::SignedChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: signing: unsigned → signed" },
    Fixture { rule: Rule::PermissionsChanged, exchanges: BOTH,
        line: "potentially breaking  {ex} getThing: permissions: Read → Withdraw" },
    Fixture { rule: Rule::RateLimitLowered, exchanges: BOTH,
        line: "potentially breaking  {ex} getThing: rate limit: 6 per 1 s per User ID → 3 per 1 s per User ID" },
    Fixture { rule: Rule::RateLimitRaised, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: rate limit: 3 per 1 s per User ID → 6 per 1 s per User ID" },
    Fixture { rule: Rule::RequestFieldAddedRequired, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.note`: added (required, string)" },
    Fixture { rule: Rule::RequestFieldAddedOptional, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.note`: added (optional, string)" },
    Fixture { rule: Rule::RequestFieldAddedOptionalDefault, exchanges: BOTH,
        line: "potentially breaking  {ex} getThing: request field `GetThingRequest.note`: added (optional, string)" },
    Fixture { rule: Rule::RequestFieldRemoved, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.note`: removed" },
    Fixture { rule: Rule::ResponseFieldAdded, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: response field `Thing.name`: added (optional, string)" },
    Fixture { rule: Rule::ResponseFieldRemoved, exchanges: BOTH,
        line: "breaking              {ex} getThing: response field `Thing.name`: removed" },
    Fixture { rule: Rule::FieldRenamed, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.itemId`: renamed from `thingId`" },
    Fixture { rule: Rule::FieldWireNameChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: request field `GetThingRequest.thingID`: wire name `thingId` → `thingID`" },
    Fixture { rule: Rule::RequestFieldMadeRequired, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.note`: made required" },
    Fixture { rule: Rule::RequestFieldMadeOptional, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.note`: made optional" },
    Fixture { rule: Rule::ResponseFieldMadeOptional, exchanges: BOTH,
        line: "breaking              {ex} getThing: response field `Thing.name`: made optional" },
    Fixture { rule: Rule::ResponseFieldMadeRequired, exchanges: BOTH,
        line: "breaking              {ex} getThing: response field `Thing.name`: made required" },
    Fixture { rule: Rule::NullableFieldPresenceChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: response field `Thing.name`: made required" },
    Fixture { rule: Rule::NullableChanged, exchanges: BOTH,
        line: "breaking              {ex} getThing: response field `Thing.name`: made nullable" },
    Fixture { rule: Rule::OptionalFieldNullableChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: response field `Thing.name`: made nullable" },
    Fixture { rule: Rule::TypeChanged, exchanges: BOTH,
        line: "breaking              {ex} getThing: request field `GetThingRequest.thingId`: type string → integer" },
    // OpenAPI has no decimal string.
    Fixture { rule: Rule::TypeFormatChanged, exchanges: HAND,
        line: "non-breaking          {ex} getThing: request field `GetThingRequest.amount`: type string → decimal" },
    Fixture { rule: Rule::RequestEnumValueAdded, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: request enum `Side`: value `close` added" },
    Fixture { rule: Rule::ResponseEnumValueAdded, exchanges: BOTH,
        line: "potentially breaking  {ex} getThing: response enum `State`: value `failed` added" },
    Fixture { rule: Rule::RequestEnumValueRemoved, exchanges: BOTH,
        line: "breaking              {ex} getThing: request enum `Side`: value `sell` removed" },
    Fixture { rule: Rule::ResponseEnumValueRemoved, exchanges: BOTH,
        line: "breaking              {ex} getThing: response enum `State`: value `done` removed" },
    // OpenAPI cannot name an enum's variants.
    Fixture { rule: Rule::EnumVariantRenamed, exchanges: HAND,
        line: "breaking              {ex} getThing: response enum `State`: value `done`: variant `Done` → `Finished`" },
    Fixture { rule: Rule::DescriptionChanged, exchanges: BOTH,
        line: "non-breaking          {ex} getThing: operation: description changed" },
];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn load(dir: &Path) -> Vec<xgen_codegen::ir::Api> {
    xgen_codegen::Config::new()
        .specs_dir(dir)
        .load()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn diff_of(rule: Rule) -> SpecDiff {
    let dir = fixtures_root().join(rule.id());
    compare(&load(&dir.join("old")), &load(&dir.join("new"))).expect("both sides generate")
}

/// The lines of a plain text report that state a change (they start with a severity label).
fn change_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| Severity::ALL.iter().any(|s| line.starts_with(s.as_str())))
        .collect()
}

/// What is wrong with one rule's fixture, if anything.
fn check(fixture: &Fixture) -> Option<String> {
    let rule = fixture.rule;
    let diff = diff_of(rule);
    let mut problems = Vec::new();
    for change in &diff.changes {
        if change.rule != rule || change.severity != rule.severity() {
            problems.push(format!(
                "unexpected {} ({}) for {} {:?}: {}",
                change.rule, change.severity, change.exchange, change.operation, change.detail
            ));
        }
    }
    let text = diff.render_text(false);
    let expected: Vec<String> = fixture
        .exchanges
        .iter()
        .map(|ex| fixture.line.replace("{ex}", ex))
        .collect();
    if change_lines(&text) != expected {
        problems.push(format!(
            "lines differ\nexpected:\n{}\nrendered:\n{text}",
            expected.join("\n")
        ));
    }
    (!problems.is_empty()).then(|| format!("{}: {}", rule.id(), problems.join("\n")))
}

#[test]
fn every_rule_fixture_gives_its_rule_and_line() {
    let failures: Vec<String> = FIXTURES.iter().filter_map(check).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_exactly_one_fixture_and_every_fixture_a_rule() {
    let tested: Vec<Rule> = FIXTURES.iter().map(|f| f.rule).collect();
    assert_eq!(
        tested,
        Rule::ALL,
        "FIXTURES lists each rule once, in Rule::ALL order"
    );
    let folders: BTreeSet<String> = fs::read_dir(fixtures_root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let ids: BTreeSet<String> = Rule::ALL.iter().map(|r| r.id().to_owned()).collect();
    assert_eq!(
        folders, ids,
        "one folder per rule id under tests/fixtures/diff"
    );
    for id in &ids {
        for side in ["old", "new"] {
            let dir = fixtures_root().join(id).join(side);
            assert!(dir.is_dir(), "{} is missing", dir.display());
        }
    }
}

#[test]
fn fixtures_in_both_formats_give_the_same_changes() {
    for fixture in FIXTURES.iter().filter(|f| f.exchanges == BOTH) {
        let diff = diff_of(fixture.rule);
        let of = |ex: &str| -> Vec<(String, String)> {
            diff.changes
                .iter()
                .filter(|c| c.exchange == ex)
                .map(|c| (c.subject.clone(), c.detail.clone()))
                .collect()
        };
        assert_eq!(of("handwritten"), of("openapi"), "{}", fixture.rule.id());
    }
}

#[test]
fn a_change_to_the_rust_code_lists_the_generated_file() {
    let diff = diff_of(Rule::ResponseEnumValueAdded);
    let files: Vec<(&str, FileChange)> = diff
        .generated
        .iter()
        .map(|f| (f.path.as_str(), f.kind))
        .collect();
    assert_eq!(
        files,
        [
            ("generated/handwritten.rs", FileChange::Modified),
            ("generated/openapi.rs", FileChange::Modified),
        ]
    );
    let added = diff_of(Rule::ExchangeAdded);
    let files: Vec<(&str, FileChange)> = added
        .generated
        .iter()
        .map(|f| (f.path.as_str(), f.kind))
        .collect();
    assert_eq!(
        files,
        [
            ("generated/clients.rs", FileChange::Modified),
            ("generated/extra.rs", FileChange::Added),
        ]
    );
}

#[test]
fn worst_is_the_most_harmful_severity() {
    assert_eq!(diff_of(Rule::TypeChanged).worst(), Some(Severity::Breaking));
    assert_eq!(
        diff_of(Rule::ResponseEnumValueAdded).worst(),
        Some(Severity::PotentiallyBreaking)
    );
    assert_eq!(
        diff_of(Rule::PathChanged).worst(),
        Some(Severity::NonBreaking)
    );
    assert!(Severity::NonBreaking < Severity::PotentiallyBreaking);
    assert!(Severity::PotentiallyBreaking < Severity::Breaking);
}

#[test]
fn the_same_specs_have_no_changes() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let apis = load(&specs);
    let diff = compare(&apis, &apis).unwrap();
    assert_eq!(diff, SpecDiff::default());
    assert_eq!(diff.worst(), None);
    assert_eq!(
        diff.render_text(false),
        "no spec changes\nno generated file would change\n"
    );
}

/// A value added to an enum that a recursive type reaches from two operations: reported under
/// each operation, and the walk ends.
#[test]
fn a_shared_recursive_type_is_reported_under_each_operation() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vocabulary/specs");
    let copy = tempfile::tempdir().unwrap();
    let vocab = copy.path().join("vocab");
    fs::create_dir_all(&vocab).unwrap();
    for entry in fs::read_dir(source.join("vocab")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), vocab.join(entry.file_name())).unwrap();
    }
    let api = vocab.join("api.yaml");
    let text = fs::read_to_string(&api).unwrap();
    let edited = text.replace("enum: [buy, sell, Other]", "enum: [buy, sell, Other, hold]");
    assert_ne!(
        text, edited,
        "the vocabulary fixture still has the `side` enum"
    );
    fs::write(&api, edited).unwrap();
    let diff = compare(&load(&source), &load(copy.path())).unwrap();
    assert_eq!(
        change_lines(&diff.render_text(false)),
        [
            "potentially breaking  vocab getThing: response enum `Side`: value `hold` added",
            "potentially breaking  vocab placeThing: response enum `Side`: value `hold` added",
        ]
    );
    // Origins are relative to the specs folder, so both sides read alike wherever they live.
    let change = &diff.changes[0];
    assert_eq!(
        change.old_origin.as_deref(),
        Some("vocab/api.yaml#/components/schemas/side")
    );
    assert_eq!(change.old_origin, change.new_origin);
}

#[test]
fn text_is_coloured_only_when_asked() {
    let diff = diff_of(Rule::TypeChanged);
    assert!(!diff.render_text(false).contains('\x1b'));
    let coloured = diff.render_text(true);
    assert!(
        coloured.contains("\x1b[1;31mbreaking\x1b[0m              handwritten getThing"),
        "{coloured:?}"
    );
    let quiet = diff_of(Rule::DescriptionChanged).render_text(true);
    assert!(
        quiet.contains("\x1b[2mnon-breaking          handwritten getThing: operation: description changed\x1b[0m"),
        "{quiet:?}"
    );
}

#[test]
fn text_report() {
    assert_eq!(
        diff_of(Rule::ResponseEnumValueAdded).render_text(false),
        "\
potentially breaking  handwritten getThing: response enum `State`: value `failed` added

potentially breaking  openapi getThing: response enum `State`: value `failed` added

2 changes: 0 breaking, 2 potentially breaking, 0 non-breaking
generated files that would change:
  modified  generated/handwritten.rs
  modified  generated/openapi.rs
"
    );
}

#[test]
fn markdown_report() {
    let why = Rule::ResponseEnumValueAdded.why();
    let expected = format!(
        "\
## Spec changes

| severity | changes |
|---|---:|
| breaking | 0 |
| potentially breaking | 2 |
| non-breaking | 0 |

### `handwritten`

| severity | operation | change | why |
|---|---|---|---|
| potentially breaking | `getThing` | ``response enum `State`: value `failed` added`` | {why} |

### `openapi`

| severity | operation | change | why |
|---|---|---|---|
| potentially breaking | `getThing` | ``response enum `State`: value `failed` added`` | {why} |

### Generated files that would change

| file | change |
|---|---|
| `generated/handwritten.rs` | modified |
| `generated/openapi.rs` | modified |
"
    );
    assert_eq!(
        diff_of(Rule::ResponseEnumValueAdded).render_markdown(),
        expected
    );
}

#[test]
fn markdown_folds_descriptions_away() {
    let markdown = diff_of(Rule::DescriptionChanged).render_markdown();
    assert!(markdown.contains(
        "<details><summary>1 description changed (non-breaking)</summary>\n\n\
         - `getThing`: `operation: description changed`\n\n</details>\n"
    ));
    assert!(!markdown.contains("| operation | change |"), "{markdown}");
}

#[test]
fn json_report() {
    let json: serde_json::Value =
        serde_json::from_str(&diff_of(Rule::ResponseEnumValueAdded).render_json()).unwrap();
    let why = Rule::ResponseEnumValueAdded.why();
    let change = |exchange: &str| {
        serde_json::json!({
            "exchange": exchange,
            "operation": "getThing",
            "severity": "potentially-breaking",
            "rule": "response-enum-value-added",
            "subject": "response enum `State`",
            "detail": "value `failed` added",
            "why": why,
        })
    };
    let mut handwritten = change("handwritten");
    handwritten["old"] = "handwritten/api.yaml#/types/State".into();
    handwritten["new"] = "handwritten/api.yaml#/types/State".into();
    let mut openapi = change("openapi");
    openapi["old"] = "openapi/api.yaml#/components/schemas/State".into();
    openapi["new"] = "openapi/api.yaml#/components/schemas/State".into();
    let expected = serde_json::json!({
        "version": 1,
        "worst": "potentially-breaking",
        "summary": { "breaking": 0, "potentially-breaking": 2, "non-breaking": 0 },
        "changes": [handwritten, openapi],
        "generated": [
            { "path": "generated/handwritten.rs", "change": "modified" },
            { "path": "generated/openapi.rs", "change": "modified" },
        ],
    });
    assert_eq!(json, expected);
}

/// README.md's rule table, between its markers, is generated from `Rule::ALL`.
#[test]
fn readme_lists_every_rule() {
    const BEGIN: &str = "<!-- diff-rules:begin (generated by codegen/tests/codegen/diff.rs) -->\n";
    const END: &str = "<!-- diff-rules:end -->";
    let mut table = String::from("| rule | severity | why |\n|---|---|---|\n");
    for rule in Rule::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.id(),
            rule.severity(),
            rule.why().replace('|', "\\|")
        ));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let (before, rest) = readme
        .split_once(BEGIN)
        .expect("README has the begin marker");
    let (current, after) = rest.split_once(END).expect("README has the end marker");
    if current != table {
        if std::env::var_os("XGEN_BLESS").is_some() {
            fs::write(&path, format!("{before}{BEGIN}{table}{END}{after}")).unwrap();
            return;
        }
        panic!("README.md's rule table is out of date; rerun with XGEN_BLESS=1");
    }
}
