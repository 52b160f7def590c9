"""A worker killed in the middle of a delivery: the message is sent again, same webhook-id."""

from standardwebhooks import Webhook

from tests.conftest import Worker, wait_until

from .conftest import auth, create_endpoint
from .receiver import Reply

BASE = "/api/v1/sites/news/webhooks"


def test_worker_killed_during_delivery_redelivers_the_same_webhook_id(wh_client, wh_config,
                                                                      site, receiver):
    _, key = site
    receiver.replies = [Reply(200, b"too late", delay=5)]  # the first request hangs
    created = create_endpoint(wh_client, site, receiver.url())
    crashing = Worker(wh_config)
    try:
        message_id = wh_client.post(f"{BASE}/{created['id']}/test",
                                    headers=auth(key)).get_json()["message_id"]
        receiver.wait_for(1)  # the worker is now waiting for the answer
        crashing.kill()
    finally:
        crashing.stop()
    detail = wh_client.get(f"{BASE}/{created['id']}/messages/{message_id}",
                           headers=auth(key)).get_json()
    assert detail["status"] == "pending" and detail["attempt_log"] == []  # nothing recorded

    rescuer = Worker(wh_config, beat=True)  # its sweeper finds the message once the lease ends
    try:
        first, second = receiver.wait_for(2, timeout=30)
        assert first.headers["webhook-id"] == second.headers["webhook-id"] == message_id
        Webhook(created["secret"]).verify(second.body, second.headers)
        wait_until(lambda: wh_client.get(f"{BASE}/{created['id']}/messages/{message_id}",
                                         headers=auth(key)).get_json()["status"] == "delivered")
        assert "re-sent 1 due webhook messages" in rescuer.log()
    finally:
        rescuer.stop()
