//! Publishing drafts with a signed-in account to loopback SciCat and
//! InvenioRDM servers that check the token at the real OpenID Provider and
//! the request bodies against the fields those catalogues require.

mod common;

use std::path::Path;
use std::process::Command;

use common::oidc::{sign_in, start_op};
use panorama::auth::TokenSource;
use panorama::catalogue::{SourceConfig, SourceKind};
use panorama::metadata::publish;

fn guarded(script: &str, ready: &str, issuer: &str) -> common::Peer {
    let mut cmd = Command::new(common::venv_python());
    cmd.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/servers")
            .join(script),
    )
    .env("INTROSPECT_URL", format!("{issuer}/token/introspection"))
    .env("INTROSPECT_CLIENT", "test-rs")
    .env("INTROSPECT_SECRET", "test-rs-secret")
    .env("TOKEN", "unused-static-token");
    common::start_peer(cmd, ready)
}

fn source(kind: SourceKind, url: &str) -> SourceConfig {
    SourceConfig {
        id: "target".into(),
        name: "Target".into(),
        kind,
        url: url.into(),
        enabled: true,
        account: Some("hana".into()),
        h5grove: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_dataset_is_created_in_scicat_with_the_account() {
    let op = start_op(&[]);
    let scicat = guarded("scicat_serve.py", "SCICAT_READY", &op.url);
    let (_book, session) = sign_in(&op.url, "hana").await;
    let src = source(panorama::catalogue::scicat::KIND.kind(), &scicat.url);
    assert_eq!(publish::schema_for(&src.kind), Some("scicat"));

    // Missing required fields: SciCat's own messages come back.
    let thin = serde_json::json!({"type": "raw", "owner": "Hana"});
    let err = publish::publish(&src, session.as_ref(), &thin, &[], None)
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("sourceFolder should not be empty"), "{text}");

    let doc = serde_json::json!({
        "type": "raw", "owner": "Hana Example", "ownerGroup": "p4711",
        "contactEmail": "hana@example.org", "sourceFolder": "/data/p4711/scan1",
        "creationTime": "2024-03-05T09:30:00+01:00", "principalInvestigator": "Hana Example",
        "creationLocation": "POWTEX", "datasetName": "Porous carbon at 77 K"
    });
    let done = publish::publish(&src, session.as_ref(), &doc, &[], None)
        .await
        .expect("published");
    assert!(done.id.starts_with("20.500.12269/"), "{done:?}");

    // Published again (the title changed): the same dataset is updated,
    // no second one is made.
    let mut changed = doc.clone();
    changed["datasetName"] = serde_json::json!("Porous carbon at 77 K, corrected");
    let again = publish::publish(&src, session.as_ref(), &changed, &[], Some(&done.id))
        .await
        .expect("updated");
    assert_eq!(again.id, done.id, "the same dataset");
    let token = session.access_token().await.expect("token");
    let url = format!(
        "{}/Datasets/{}",
        scicat.url,
        percent_encoding::utf8_percent_encode(&done.id, percent_encoding::NON_ALPHANUMERIC)
    );
    let stored: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token.expose())
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(stored["datasetName"], "Porous carbon at 77 K, corrected");

    // The same draft to SciCat's v4 API, in its shape.
    let v4 = source(
        panorama::catalogue::scicat::KIND.kind(),
        &scicat.url.replace("/api/v3", "/api/v4"),
    );
    let with_ids = {
        let mut d = doc.clone();
        d["proposalId"] = serde_json::json!("P-2024-0815");
        d
    };
    let done = publish::publish(&v4, session.as_ref(), &with_ids, &[], None)
        .await
        .expect("published to v4");
    assert!(done.id.starts_with("20.500.12269/"), "{done:?}");

    // A token the provider does not know: refused, with what to do.
    let anonymous = panorama::auth::StaticToken(panorama::auth::Secret::new("forged"));
    let err = publish::publish(&src, &anonymous, &doc, &[], None)
        .await
        .expect_err("forged token");
    assert!(err.to_string().contains("refused the token"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_a_file_is_published_to_invenio() {
    let op = start_op(&[]);
    let invenio = guarded("invenio_serve.py", "INVENIO_READY", &op.url);
    let (_book, session) = sign_in(&op.url, "hana").await;
    let src = source(panorama::catalogue::invenio::KIND.kind(), &invenio.url);
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("scan1.nxs");
    std::fs::write(&file, b"not really NeXus, but bytes to upload").expect("write");
    let mut doc = serde_json::json!({
        "metadata": {
            "resource_type": {"id": "dataset"},
            "title": "Porous carbon at 77 K",
            "publication_date": "2024-03-05",
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Example", "given_name": "Hana",
                "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0097"}]}}]
        },
        "access": {"record": "public", "files": "restricted",
                   "embargo": {"active": true, "until": publish::embargo_until(
                       chrono::NaiveDate::from_ymd_opt(2024, 3, 5).expect("date"), 3)}}
    });
    assert_eq!(doc["access"]["embargo"]["until"], "2027-03-05");
    let done = publish::publish(&src, session.as_ref(), &doc, &[file.as_path()], None)
        .await
        .expect("published");
    assert!(
        done.url
            .as_deref()
            .is_some_and(|u| u.ends_with(&format!("/records/{}", done.id))),
        "{done:?}"
    );
    // The published record is found by the search.
    let client =
        panorama::catalogue::invenio::Invenio::new("t", "T", &invenio.url).expect("client");
    let page = client
        .search_async(&panorama::catalogue::SearchQuery {
            text: "porous carbon".into(),
            ..Default::default()
        })
        .await
        .expect("search");
    assert!(
        page.datasets
            .iter()
            .any(|d| d.title == "Porous carbon at 77 K")
    );

    // Published again with a changed title: a new version of the same
    // record (same parent), not an unrelated record.
    let mut changed = doc.clone();
    changed["metadata"]["title"] = serde_json::json!("Porous carbon at 77 K, version 2");
    let v2 = publish::publish(
        &src,
        session.as_ref(),
        &changed,
        &[file.as_path()],
        Some(&done.id),
    )
    .await
    .expect("new version");
    assert_ne!(v2.id, done.id);
    let base = invenio.url.trim_end_matches('/').to_owned();
    let get = |id: String| {
        let url = format!("{base}/records/{id}");
        async move {
            reqwest::get(url)
                .await
                .expect("get")
                .json::<serde_json::Value>()
                .await
                .expect("json")
        }
    };
    let (first, second) = (get(done.id.clone()).await, get(v2.id.clone()).await);
    assert_eq!(
        first["parent"]["id"], second["parent"]["id"],
        "one record, two versions"
    );
    assert_eq!(second["versions"]["index"], 2);
    assert_eq!(second["versions"]["is_latest"], true);
    assert_eq!(
        second["metadata"]["title"],
        "Porous carbon at 77 K, version 2"
    );

    // A record the server cannot accept: its field errors, in words.
    doc["metadata"]["title"] = serde_json::json!("");
    let err = publish::publish(&src, session.as_ref(), &doc, &[], None)
        .await
        .expect_err("no title");
    assert!(err.to_string().contains("metadata.title"), "{err}");
}
