//! The `fuzzed` fixture compiles under the parent's `deny(warnings)` (one module per class, each
//! `include!`s its exchange), and where a name was changed to compile, the wire still sees the
//! spec's names.

#[allow(dead_code)]
mod c1 {
    include!("../../fixtures/fuzzed/expected/c1_field_suffixes.rs");
}

#[allow(dead_code)]
mod c2 {
    include!("../../fixtures/fuzzed/expected/c2_operation_all.rs");
}

// `from_runtime_(&self)`: clippy's `wrong_self_convention` spares the public methods of a
// library (`avoid-breaking-exported-api`), as the clients crate's are, but not this private copy.
#[allow(dead_code, clippy::wrong_self_convention)]
mod c3 {
    include!("../../fixtures/fuzzed/expected/c3_client_methods.rs");
}

#[allow(dead_code)]
mod c4 {
    include!("../../fixtures/fuzzed/expected/c4_enum_fallback.rs");
}

#[allow(dead_code)]
mod c5 {
    include!("../../fixtures/fuzzed/expected/c5_additional_properties.rs");
}

#[allow(dead_code)]
mod c8 {
    include!("../../fixtures/fuzzed/expected/c8_recursive_alias.rs");
}

#[allow(dead_code)]
mod c9 {
    include!("../../fixtures/fuzzed/expected/c9_carriage_return.rs");
}

#[allow(dead_code)]
mod c11 {
    include!("../../fixtures/fuzzed/expected/c11_bidi_controls.rs");
}

#[test]
fn c1_fields_that_convert_alike_keep_their_wire_names() {
    let request = c1::PutFieldsRequest {
        a: "upper".into(),
        a_3: "lower".into(),
        a_2: "suffixed".into(),
    };
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"A":"upper","a":"lower","a_2":"suffixed"}"#
    );
    let reply: c1::PutFieldsResponse = serde_json::from_str(r#"{"a":2,"A":1,"a_2":3}"#).unwrap();
    assert_eq!((reply.a, reply.a_3, reply.a_2), (Some(1), Some(2), Some(3)));
}

#[test]
fn c2_an_operation_named_all_is_listed_in_all() {
    assert_eq!(c2::operations::ALL_.id, "all");
    assert_eq!(c2::operations::ALL.len(), 1);
    assert_eq!(c2::operations::ALL[0].path, "/all");
}

#[test]
fn c3_operations_named_like_the_clients_methods_leave_them_alone() {
    let client = c3::Client::new().unwrap();
    // `clone` and `fmt` are still the derived ones.
    let copy: c3::Client = client.clone();
    assert!(format!("{copy:?}").starts_with("Client"));
    let runtime: &xgen_runtime::Client = client.runtime();
    let prepared = runtime.prepare(&c3::operations::NEW, &()).unwrap();
    assert_eq!(prepared.url, "https://c3-client-methods.example/new");
    assert_eq!(c3::operations::WITH_BASE_URL.id, "withBaseUrl");
    // The operations' own methods, with a `_`.
    let _ = (
        c3::Client::new_,
        c3::Client::with_base_url_,
        c3::Client::runtime_,
        c3::Client::from_runtime_,
        c3::Client::clone_,
        c3::Client::fmt_,
    );
}

#[test]
fn c4_the_catch_all_takes_a_name_no_listed_value_has() {
    let decode = |text: &str| serde_json::from_str::<c4::State>(text).unwrap();
    assert_eq!(decode(r#""Other""#), c4::State::Other);
    assert_eq!(decode(r#""OtherValue""#), c4::State::OtherValue);
    assert_eq!(
        decode(r#""Third""#),
        c4::State::OtherValue2("Third".to_owned())
    );
    assert_eq!(
        serde_json::to_string(&c4::State::OtherValue2("Third".into())).unwrap(),
        r#""Third""#
    );
}

#[test]
fn c5_a_listed_additional_properties_field_and_the_map_both_decode() {
    let bag: c5::Bag = serde_json::from_str(r#"{"additional_properties":"listed","x":1}"#).unwrap();
    assert_eq!(bag.additional_properties.as_deref(), Some("listed"));
    assert_eq!(bag.additional_properties_.len(), 1);
    assert_eq!(bag.additional_properties_["x"], 1);
}

#[test]
fn c8_recursive_arrays_and_maps_are_newtypes_that_decode() {
    use c8::{Forest, Grove, Tree};
    let tree: Tree = serde_json::from_str("[[],[[]]]").unwrap();
    assert_eq!(tree, Tree(vec![Tree(vec![]), Tree(vec![Tree(vec![])])]));
    assert_eq!(serde_json::to_string(&tree).unwrap(), "[[],[[]]]");
    let reply: c8::GetTreesResponse =
        serde_json::from_str(r#"{"tree":[],"forest":{"a":{"b":{}}},"grove":{"g":[{"h":[]}]}}"#)
            .unwrap();
    assert_eq!(reply.tree, Tree(Vec::new()));
    let forest = reply.forest.unwrap();
    assert_eq!(forest.0["a"].0["b"], Forest(Default::default()));
    let grove = reply.grove.unwrap();
    assert_eq!(grove.0["g"][0].0["h"], Vec::<Grove>::new());
}

#[test]
fn c9_c11_doc_text_has_no_carriage_return_or_direction_control() {
    for text in [
        include_str!("../../fixtures/fuzzed/expected/c9_carriage_return.rs"),
        include_str!("../../fixtures/fuzzed/expected/c11_bidi_controls.rs"),
    ] {
        assert!(!text.contains('\r'));
        assert!(!text.chars().any(xgen_codegen::text::is_bidi_control));
    }
    assert_eq!(c11::operations::GET_BIDI.path, "/bidi");
    assert_eq!(c9::operations::GET_TEXT.path, "/text");
}
