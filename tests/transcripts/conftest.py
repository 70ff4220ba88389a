from tests.calls.conftest import active_tracker, source_pool, twilio_env, twilio_post  # noqa: F401  (shared fixtures)
