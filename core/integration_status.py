"""A port between the faces: the integrations app reports which integrations an account has connected and their
last result; the API (`GET /api/v1/integrations/`) shows them. Faces never import each other, so integrations
registers its reader here at startup (IntegrationsConfig.ready) and the API asks this module."""

from collections.abc import Callable

_providers: list[Callable[..., list[dict]]] = []


def register_integration_status(provider: Callable[..., list[dict]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def integration_statuses(*, account) -> list[dict]:
    """[{integration, name, connected, enabled, last_result, last_result_at, last_success_at}], every provider's rows."""
    rows: list[dict] = []
    for provider in _providers:
        rows.extend(provider(account=account))
    return rows
