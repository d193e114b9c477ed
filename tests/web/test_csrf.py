"""With CSRF protection on (as in production), a form post without its token changes nothing."""

from __future__ import annotations

import re

from tests.helpers import EN, sign_in, text_of


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(build_app, db, volunteer_user):
    csrf_app = build_app(WTF_CSRF_ENABLED=True)
    client = sign_in(csrf_app.test_client(), volunteer_user)

    refused = client.post("/account", data={"name": "Changed by another site", "locale": "en"}, headers=EN)

    assert refused.status_code == 400
    assert "This form could not be accepted" in text_of(refused)
    db.session.refresh(volunteer_user)
    assert volunteer_user.name != "Changed by another site"

    # The same post with the token from the page goes through, so the refusal above was the token.
    form = text_of(client.get("/account"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    accepted = client.post("/account", data={"name": "Changed by me", "locale": "en", "csrf_token": token})
    assert accepted.status_code == 302
    db.session.refresh(volunteer_user)
    assert volunteer_user.name == "Changed by me"
