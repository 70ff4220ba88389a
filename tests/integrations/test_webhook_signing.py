from datetime import UTC, datetime

from standardwebhooks import Webhook

from integrations.services import webhook_signature_headers

KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
STAMP = datetime.fromtimestamp(1614265330, tz=UTC)
BODY = '{"test": 2432232314}'


def test_spec_test_vector():
    headers = webhook_signature_headers(secrets_=[KEY], msg_id=MSG_ID, timestamp=STAMP, body=BODY)
    assert headers["webhook-id"] == MSG_ID
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_rotation_sends_both_signatures_and_either_verifies():
    new_key = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    now = datetime.now(tz=UTC)
    headers = webhook_signature_headers(secrets_=[new_key, KEY], msg_id=MSG_ID, timestamp=now, body=BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for key in (new_key, KEY):
        assert Webhook(key).verify(BODY, headers) == {"test": 2432232314}
