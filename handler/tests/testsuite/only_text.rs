//! Text that is only text on every way in (issue 19): a message, a decision's message and a
//! file's name refuse control characters and characters that turn the text's direction, and a
//! file's name (one line) also line breaks, tabs and characters without width. Each refusal is
//! a 422 naming the request's field and the character, and changes nothing. On both stores.

use serde_json::json;

use crate::support::both_stores;
use crate::support::cases::{create_case, id_of, submitted_case, version_of};
use crate::support::server::{ANNA, Answer, KARIN, Server};

/// Refused in any text, with the code point the message names.
const NEVER: [(char, &str); 13] = [
    ('\u{0}', "U+0000"),
    ('\u{7}', "U+0007"),
    ('\u{1b}', "U+001B"),
    ('\u{7f}', "U+007F"),
    ('\u{85}', "U+0085"),
    ('\u{202A}', "U+202A"),
    ('\u{202B}', "U+202B"),
    ('\u{202C}', "U+202C"),
    ('\u{202D}', "U+202D"),
    ('\u{202E}', "U+202E"),
    ('\u{2066}', "U+2066"),
    ('\u{2067}', "U+2067"),
    ('\u{2069}', "U+2069"),
];

/// Refused in text of one line only (a file's name), and what the message says of each.
const NOT_IN_ONE_LINE: [(char, &str); 8] = [
    ('\n', "ska stå på en rad"),
    ('\r', "ska stå på en rad"),
    ('\t', "U+0009"),
    ('\u{200B}', "U+200B"),
    ('\u{200C}', "U+200C"),
    ('\u{200D}', "U+200D"),
    ('\u{2060}', "U+2060"),
    ('\u{FEFF}', "U+FEFF"),
];

/// A 422 of `code` whose one problem is `field`'s `invalid_character`, saying `says`.
#[track_caller]
fn refused(answer: &Answer, code: &str, field: &str, says: &str) {
    let error = answer.expect_error(422, code);
    assert_eq!(answer.error_fields(), [field], "{}", answer.text);
    assert_eq!(error["fields"][0]["code"], "invalid_character", "{}", answer.text);
    let message = error["fields"][0]["message"].as_str().unwrap();
    assert!(message.contains(says), "{says}: {message}");
    assert_eq!(error["message"], message);
}

async fn text_is_only_text_on_every_way_in(server: Server) {
    let anna = server.api(ANNA);
    let karin = server.api(KARIN);
    let (id, version) = submitted_case(&anna).await;
    let case = format!("/cases/{id}");
    let before = anna.get(&case).await.expect(200).clone();

    // Messages, from either side.
    for (c, code_point) in NEVER {
        let text = format!("Ring mig{c} i morgon.");
        for api in [&anna, &karin] {
            let answer = api.post(&format!("{case}/messages"), json!({"text": text})).await;
            refused(&answer, "invalid_fields", "text", code_point);
            assert!(answer.body["error"]["message"].as_str().unwrap().starts_with("Meddelandet"));
        }
    }
    // Decisions' messages, whatever the decision.
    for (c, code_point) in NEVER {
        for decision in ["approve", "return", "reject"] {
            let body = json!({"version": version, "decision": decision,
                              "message": format!("Bifoga{c} situationsplan.")});
            let answer = karin.post(&format!("{case}/decision"), body).await;
            refused(&answer, "invalid_fields", "message", code_point);
        }
    }
    assert_eq!(anna.get(&case).await.expect(200), &before, "nothing changed");

    // Lines, tabs and joined emoji are text in a message and a decision's.
    let lines = "Hej!\n\tBifoga situationsplan.\r\nTack \u{1F469}\u{200D}\u{1F527}";
    let written = anna.post(&format!("{case}/messages"), json!({"text": lines})).await;
    let written = written.expect(200);
    assert_eq!(written["history"].as_array().unwrap().last().unwrap()["message"], lines);
    let back = json!({"version": version_of(written), "decision": "return", "message": lines});
    assert_eq!(
        karin.post(&format!("{case}/decision"), back).await.expect(200)["status"],
        "returned"
    );

    // A file's name, before the upload: one line of text.
    let draft = id_of(&create_case(&anna).await);
    let attachments = format!("/cases/{draft}/attachments");
    for (c, says) in NEVER.into_iter().chain(NOT_IN_ONE_LINE) {
        let name = format!("situations{c}plan.pdf");
        let body = json!({"field": "work.site_plan", "name": name, "size": 1000});
        let answer = anna.post(&attachments, body).await;
        refused(&answer, "invalid_attachment", "name", says);
        assert!(answer.body["error"]["message"].as_str().unwrap().starts_with("Filnamnet"));
    }
    // The classic: "fdp.exe" that reads "exe.pdf".
    let body = json!({"field": "work.site_plan", "name": "fdp.\u{202E}exe", "size": 1000});
    refused(&anna.post(&attachments, body).await, "invalid_attachment", "name", "U+202E");
    let body = json!({"field": "work.site_plan", "name": "Situationsplan – Ängsvägen 3.pdf", "size": 1000});
    anna.post(&attachments, body).await.expect(201);
}

both_stores!(text_is_only_text_on_every_way_in);
