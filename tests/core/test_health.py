"""The health endpoint reports the database, the queue mode and search."""


def test_healthz_reports_embedded_mode(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "inline", "search": "ok"}


def test_unknown_api_path_answers_in_the_error_format(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
