//! Optimistic concurrency: of 20 edits of the same version, exactly one wins.

use serde_json::json;

use crate::support::both_stores;
use crate::support::cases::{create_case, edit, field, id_of, version_of};
use crate::support::server::{ANNA, Server};

both_stores!(concurrent_edits_have_one_winner);

async fn concurrent_edits_have_one_winner(server: Server) {
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let mut edits = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (anna, id) = (anna.clone(), id.clone());
        edits.spawn(async move {
            let name = format!("Ägare nummer {n}");
            (name.clone(), edit(&anna, &id, 1, json!({"owner.name": name})).await)
        });
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    while let Some(result) = edits.join_next().await {
        let (name, answer) = result.expect("the task finishes");
        match answer.status {
            200 => winners.push(name),
            409 => {
                answer.expect_error(409, "version_conflict");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {}", answer.text),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(conflicts, 19);
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(version_of(&case), 2);
    assert_eq!(field(&case, "owner.name"), Some(winners[0].as_str()));
}
