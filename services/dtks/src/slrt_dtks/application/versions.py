"""Making an older registry version active again (rolling a wrong import back), and its record.

The command runs in the registry database, in one transaction: the switch every reader follows, and
the activation's row (who, when, from which version, why, the request's Idempotency-Key). The event
(RegistryReactivation, published as RegistryVersionActivated) is recorded from that row right after,
with the key, and caught up later if that failed or the process died in between; a retry with the
same key finds the row and answers the same activation instead of switching again.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.idempotency import current_call

from ..adapters.registry import RegistryStore
from ..domain.checks import RegistryReactivation

log = logging.getLogger(__name__)


class ReactivationCommands:
    """Mixed into :class:`~slrt_dtks.application.DTKSApplication` (which supplies the store and save)."""

    registry: RegistryStore
    settings: Any

    def reactivate_version(self, actor: Actor, version: str, reason: str) -> dict[str, Any]:
        call = current_call.get()
        key = call.key if call is not None else None
        earlier = self.registry.activations(1, request_key=key) if key else []
        if earlier and earlier[0]["version"] != version:
            raise InvalidTransition("this Idempotency-Key was already used for a different request; "
                                    "make a new key for a new action")
        if earlier:
            activation = earlier[0]  # this request, retried: the switch is made already
        else:
            activation = self.registry.reactivate(version, actor=actor.model_dump(mode="json"), reason=reason,
                                                  request_key=key)
        try:
            self._record_activation(activation)
        except Exception as e:  # noqa: BLE001 - the switch is committed: never answer it as failed
            # The next import, rollback or start records it (record_activations), then it is published.
            log.warning("registry activation %s not recorded yet: %s", activation["n"], type(e).__name__)
        return activation

    def record_activations(self) -> int:
        """Record every activation not yet recorded (at start, and after each import)."""
        recorded = 0
        for activation in reversed(self.registry.activations(50)):
            try:
                recorded += self._record_activation(activation)
            except IntegrityError:  # another replica recorded it first
                pass
        return recorded

    def _record_activation(self, activation: dict[str, Any]) -> bool:
        identity = {"activation": activation["n"], "registry_version": activation["version"],
                    "activated_at": activation["activated_at"]}
        if self._exists(RegistryReactivation.create_id(**identity)):  # type: ignore[attr-defined]
            return False
        version = self.registry.version(activation["version"]) or {}
        self.save(RegistryReactivation(  # type: ignore[attr-defined]
            **identity, previous_version=activation["previous"], district=self.settings.district,
            source=str(version.get("source") or "")[:200], by=Actor.model_validate(activation["actor"]),
            reason=activation["reason"], rows=version.get("rows") or 0, rows_rejected=version.get("rejected") or 0,
            rows_warned=version.get("warned") or 0, added=activation["added"], removed=activation["removed"],
            changed=activation["changed"], programme_changes=activation["programme_changes"]))
        return True
