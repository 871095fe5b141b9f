//! Specs whose output could not compile, and which no renaming can fix, are errors at their
//! place (issue 10, classes C6, C7 and C10); the validation pass reports every such problem at
//! once.

use super::{fixture_error, replace_once, specs_named, PROFILE, SEED};

const HANDWRITTEN_PROFILE: &str = super::HANDWRITTEN_PROFILE;

/// A hand-written schema file with one operation whose reply is `ref: Start`, and `types`.
fn schema_with_types(types: &str) -> String {
    format!(
        "source: {{ url: https://docs.example.com, captured: 2026-11-21, written: 2026-11-21 }}\n\
         operations:\n\
         \x20 - id: getLoop\n\
         \x20   summary: A reply of a named type\n\
         \x20   method: GET\n\
         \x20   path: /loop\n\
         \x20   body: none\n\
         \x20   response: {{ ref: Start }}\n\
         types:\n{types}"
    )
}

/// The error the hand-written fixture gives with its `api.yaml` replaced by `api`.
fn schema_error(api: &str) -> String {
    fixture_error("schema-vocabulary", "handwritten", &[("api.yaml", api)]).1
}

#[test]
fn c7_a_type_that_is_only_a_ref_to_itself() {
    let api = schema_with_types("  Start: { ref: Start }\n");
    assert_eq!(
        schema_error(&api),
        "specs/handwritten/api.yaml#/types/Start: is only a `ref` to itself (Start → Start), \
         so it has no shape; give one of them a `type`"
    );
}

#[test]
fn c7_types_that_are_only_refs_to_each_other() {
    let api = schema_with_types("  Start: { ref: Middle }\n  Middle: { ref: Start }\n");
    assert_eq!(
        schema_error(&api),
        "specs/handwritten/api.yaml#/types/Start: is only a `ref` to itself \
         (Start → Middle → Start), so it has no shape; give one of them a `type`"
    );
}

#[test]
fn c7_a_long_chain_of_refs_is_an_error_not_a_stack_overflow() {
    const CHAIN: usize = 2_000;
    // Half the stack of a test thread: the depth of lowering is bounded, not the chain.
    const STACK: usize = 1024 * 1024;
    let mut types = String::from("  Start: { ref: T1 }\n");
    for n in 1..CHAIN {
        types.push_str(&format!("  T{n}: {{ ref: T{} }}\n", n + 1));
    }
    types.push_str(&format!("  T{CHAIN}: {{ type: string }}\n"));
    let api = schema_with_types(&types);
    let error = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || schema_error(&api))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        error,
        "specs/handwritten/api.yaml#/types/T63: nests types more than 64 levels deep \
         (inline and through `ref`s), which no API needs"
    );
}

#[test]
fn an_enum_value_listed_twice() {
    // Its second variant could never be decoded: a pattern that never matches, which
    // `deny(warnings)` refuses.
    let api = schema_with_types(
        "  Start:\n    type: enum\n    values:\n      - { value: a }\n      - { value: b }\n      - { value: a, name: again }\n",
    );
    assert_eq!(
        schema_error(&api),
        "specs/handwritten/api.yaml#/types/Start: value 'a' is listed twice"
    );
}

#[test]
fn c6_base_urls_whose_constants_are_the_same() {
    let profile = replace_once(
        HANDWRITTEN_PROFILE,
        "  testnet: https://testnet.example.com\n",
        "  Production: https://other.example.com\n  test-net: https://a.example\n  \
         TestNet: https://b.example\n",
    );
    let (error, text) = fixture_error(
        "schema-vocabulary",
        "handwritten",
        &[("profile.yaml", &profile)],
    );
    assert_eq!(
        text,
        "specs/handwritten/profile.yaml#/base_urls/production: base URLs 'Production' and \
         'production' both give the constant `Client::PRODUCTION_URL`; rename one of them\n\
         specs/handwritten/profile.yaml#/base_urls/test-net: base URLs 'TestNet' and \
         'test-net' both give the constant `Client::TEST_NET_URL`; rename one of them"
    );
    // Every problem is its own error.
    match error {
        xgen_codegen::Error::Many(errors) => assert_eq!(errors.len(), 2),
        other => panic!("expected two errors, got {other:?}"),
    }
}

#[test]
fn c10_exchange_folders_named_like_the_clients_crates_own_modules() {
    for (folder, module) in [
        ("runtime", "runtime"),
        ("withdrawals", "withdrawals"),
        ("xgen-runtime", "xgen_runtime"),
        ("std", "std"),
    ] {
        let (_dir, root) = specs_named(folder, SEED, PROFILE);
        let error = xgen_codegen::Config::new()
            .specs_dir(&root)
            .generate()
            .unwrap_err()
            .to_string();
        assert_eq!(
            error.replace(&root.display().to_string(), "specs"),
            format!(
                "specs/{folder}#: exchange folder name '{folder}' would make the module \
                 `{module}`, a name the clients crate uses itself; choose another name"
            )
        );
    }
}
