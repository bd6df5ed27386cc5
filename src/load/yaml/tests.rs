//! Unit tests of `yaml`.

/// Regression: the caret of an unclosed `[` landed on the next line, where the
/// parser noticed it, with nothing pointing at the bracket.
#[test]
fn an_unclosed_bracket_is_pointed_at_on_its_own_line() {
    let text = "components:\n  - name: a\n    dependsOn: [b\nenvironments: []\n";
    let d = parse("ladder.yaml", text).unwrap_err();
    assert_eq!(
        d.notes.first().map(|n| n.pos),
        Some(Pos::new(3, 16)),
        "{d:?}"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("close the `[` opened on line 3 with `]`")
    );
}

#[test]
fn brackets_in_quotes_comments_and_plain_scalars_are_not_flow() {
    let text = "a: \"[x\"  # {y\nimage: nginx[1\nb: [1, {c: 2}]\nd: e: f\n";
    assert_eq!(unclosed_flow(text, Pos::new(4, 5)), None);
    let open = "a: [1,\n  {b: 2\n";
    assert_eq!(
        unclosed_flow(open, Pos::new(3, 1)),
        Some((Pos::new(2, 3), '{'))
    );
}

/// Regression: a stream of more than 1,024 documents (ordinary `helm template`
/// output) was refused with the alias-bomb message.
#[test]
fn a_stream_of_2000_documents_parses() {
    let text = "---\na: 1\n".repeat(2000);
    assert_eq!(parse_all("t.yaml", &text).unwrap().len(), 2000);
    let too_many = "---\na: 1\n".repeat(MAX_DOCUMENTS + 1);
    let e = parse_all("t.yaml", &too_many).unwrap_err();
    assert!(
        e.message.contains("more than 100000 YAML documents"),
        "{}",
        e.message
    );
    assert!(!e.help.unwrap_or_default().contains("alias"));
}

/// Regression: DEL, C1 controls and NEL were written raw inside double quotes.
#[test]
fn scalars_escape_what_go_yaml_refuses_or_folds() {
    for c in (0u32..=0xa0)
        .chain([0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff])
        .filter_map(char::from_u32)
    {
        let s = format!("a{c}b");
        let out = scalar(&s);
        assert!(
            !out.chars()
                .any(|o| o == c && (o.is_control() || o > '\u{2000}')),
            "{c:?} raw in {out}"
        );
        let back = parse("t.yaml", &format!("k: {out}\n")).unwrap();
        assert_eq!(
            back.get("k").and_then(Node::as_str),
            Some(s.as_str()),
            "{out}"
        );
    }
}

use super::*;

#[test]
fn nodes_keep_positions_and_strict_scalars() {
    let node = parse("t.yaml", "a: yes\nb:\n  - 0755\n  - 3\n").unwrap();
    let a = node.get("a").unwrap();
    assert_eq!(a.as_str(), Some("yes"));
    assert_eq!((a.pos.line, a.pos.column), (1, 4));
    let b0 = node.get("b").unwrap().at(0).unwrap();
    assert_eq!(b0.as_str(), Some("0755"));
    assert_eq!(node.get("b").unwrap().at(1).unwrap().value, Value::Int(3));
}

#[test]
fn duplicate_keys_are_errors_with_a_position() {
    let err = parse("t.yaml", "a: 1\na: 2\n").unwrap_err();
    assert_eq!((err.pos.line, err.pos.column), (2, 1));
    assert!(err.message.contains("duplicate"), "{}", err.message);
}

#[test]
fn scalars_that_yaml_1_1_misreads_are_quoted() {
    for s in [
        "yes",
        "on",
        "N",
        "0755",
        "1",
        "-5",
        "12:30",
        "2024-01-01",
        "true",
        "~",
        "",
        " x",
        "a: b",
        "#x",
    ] {
        let out = scalar(s);
        assert!(
            out.starts_with('"') || out.starts_with('\''),
            "{s:?} -> {out}"
        );
    }
    assert_eq!(scalar("nextjs-shop-dev"), "nextjs-shop-dev");
    assert_eq!(scalar("overlays/dev"), "overlays/dev");
}

/// As go-yaml v2 reads for Argo CD: the first document (a leading `---` starts it),
/// the last of repeated keys, YAML 1.1 booleans and octal.
#[test]
fn parse_as_go_reads_the_first_document_and_the_last_key() {
    let node = parse_as_go("f", "# c\n---\na: 1\na: 2\nb: yes\nc: 010\n---\n[broken\n").unwrap();
    assert_eq!(node.get("a").and_then(Node::key_text).as_deref(), Some("2"));
    assert_eq!(node.get("b").map(|b| &b.value), Some(&Value::Bool(true)));
    assert_eq!(node.get("c").map(|c| &c.value), Some(&Value::Int(8)));
    let Value::Map(entries) = &node.value else {
        panic!()
    };
    assert_eq!(entries.len(), 3);
    assert_eq!(parse_as_go("f", "...\n").unwrap().value, Value::Null);
}
