"""DTKS domain: a complaint's registry check, the prelist workflow, and name matching (no I/O)."""

from eventsourcing.utils import register_topic

from . import checks, prelist

# Events and snapshots stored before the relayout of issue 14 name their classes by the modules they
# were in then (``slrt_dtks.domain:RegistryCheck.Created``, ``slrt_dtks.prelist:Proposal.Reviewed``).
# Registering the old names resolves them to the same classes, so a store written before reads as before.
TOPICS_BEFORE_RELAYOUT = {
    "slrt_dtks.domain:RegistryCheck": checks.RegistryCheck,
    "slrt_dtks.domain:RegistryVersionRecord": checks.RegistryVersionRecord,
    "slrt_dtks.prelist:Proposal": prelist.Proposal,
    "slrt_dtks.prelist:ProposalKey": prelist.ProposalKey,
    "slrt_dtks.prelist:Batch": prelist.Batch,
}
for _topic, _aggregate in TOPICS_BEFORE_RELAYOUT.items():
    register_topic(_topic, _aggregate)
