"""Our signatures, checked by the reference ``standardwebhooks`` library, not by our code."""

import base64
import time
from datetime import UTC

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from moderation.webhooks import signing

BODY = '{"type":"comment.published","data":{"comment":1,"body_html":"<p>مرحبا</p>"}}'.encode()


@pytest.mark.parametrize("nbytes", [24, 32, 64])
def test_generated_secret_is_whsec_base64_of_random_bytes(nbytes):
    secret = signing.generate_secret(nbytes)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == nbytes
    assert signing.generate_secret(nbytes) != secret


@pytest.mark.parametrize("nbytes", [0, 16, 23, 65])
def test_secret_size_outside_the_spec_is_refused(nbytes):
    with pytest.raises(ValueError):
        signing.generate_secret(nbytes)


@pytest.mark.parametrize("bad", ["", "abc", "whsec_", "whsec_!!!", "whsec_" + "QUJD" * 2])
def test_malformed_secret_is_refused(bad):
    with pytest.raises(ValueError):
        signing.secret_bytes(bad)


def test_reference_library_verifies_our_headers():
    secret = signing.generate_secret()
    now = int(time.time())
    headers = signing.signature_headers([secret], "msg_01HZX", now, BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers)["data"]["comment"] == 1


def test_reference_library_rejects_tampered_body_and_wrong_secret():
    secret = signing.generate_secret()
    headers = signing.signature_headers([secret], "msg_1", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"1", b"2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(BODY, headers)


def test_rotation_signs_with_every_secret_and_either_verifies():
    old, new = signing.generate_secret(), signing.generate_secret(48)
    headers = signing.signature_headers([new, old], "msg_2", int(time.time()), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)


def test_known_vector():
    # A fixed secret/id/timestamp/body so a change of format is caught, checked by the library.
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    signature = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    from datetime import datetime

    expected = Webhook(secret).sign("msg_p5jXN8AQM9LWM0D4loKWxJek",
                                    datetime.fromtimestamp(1614265330, UTC),
                                    '{"test": 2432232314}')
    assert signature == expected


def test_message_id_with_a_dot_is_refused():
    with pytest.raises(ValueError):
        signing.sign(signing.generate_secret(), "msg.1", 1, b"{}")
