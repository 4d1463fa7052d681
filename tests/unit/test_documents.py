from datetime import datetime

import duckdb

from pipelines.lib.documents import documents_frame, latest_documents, record_versions


def _doc(i, body, title="t"):
    return {"announcement_id": f"id{i}", "content_hash": f"h-{body}", "source": "s", "kind": "rss",
            "url": f"https://example.org/{i}", "title": title, "published_date": "2026-02-03", "body": body,
            "source_file": "f.xml"}


def test_rerun_adds_nothing_and_changed_content_is_a_new_version(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = record_versions(con, documents_frame([_doc(1, "a"), _doc(2, "b")]), datetime(2026, 2, 3))
    assert first == {"new": 2, "changed": 0, "unchanged": 0}
    again = record_versions(con, documents_frame([_doc(1, "a"), _doc(2, "b")]), datetime(2026, 2, 4))
    assert again == {"new": 0, "changed": 0, "unchanged": 2}
    edited = record_versions(con, documents_frame([_doc(1, "a2")]), datetime(2026, 2, 5))
    assert edited == {"new": 0, "changed": 1, "unchanged": 0}
    assert con.execute("select count(*) from raw.announcement_documents").fetchone()[0] == 3
    latest = latest_documents(con)
    assert latest[["announcement_id", "version", "body"]].values.tolist() == [["id1", 2, "a2"], ["id2", 1, "b"]]
    # id2 dropped out of the feed in the last run but is still there: nothing is lost.
    con.close()


def test_duplicate_ids_within_one_read_keep_the_last():
    frame = documents_frame([_doc(1, "a"), _doc(1, "b")])
    assert frame["body"].tolist() == ["b"]
