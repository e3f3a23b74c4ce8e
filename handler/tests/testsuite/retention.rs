//! Retention that cannot be held open (issue 19): nothing is written to a case that is over, so
//! nothing restarts its clock (the sweep's own tests are in `store_contract::retention`).

use serde_json::json;

use crate::support::both_stores;
use crate::support::cases::submitted_case;
use crate::support::server::{ANNA, KARIN, Server, assert_swedish};

both_stores!(an_ended_case_takes_no_messages);

async fn an_ended_case_takes_no_messages(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, version) = submitted_case(&anna).await;
    let path = |action: &str| format!("/cases/{id}/{action}");
    karin.post(&path("messages"), json!({"text": "Finns det ett foto?"})).await.expect(200);
    let reject = json!({"version": version + 1, "decision": "reject", "message": "Fel adress."});
    let rejected = karin.post(&path("decision"), reject).await.expect(200).clone();

    for api in [&anna, &karin] {
        let refused = api.post(&path("messages"), json!({"text": "En fråga till."})).await;
        let body = refused.expect_error(409, "invalid_status");
        let message = body["message"].as_str().unwrap();
        assert_swedish(message);
        assert!(message.contains("Ej godkänd"), "{message}");
    }
    // Nothing changed: not the version, not the time retention counts from.
    let after = karin.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(after["version"], rejected["version"]);
    assert_eq!(after["updated_at"], rejected["updated_at"]);
    assert_eq!(after["history"].as_array().unwrap().len(), 4, "{after}");
}
