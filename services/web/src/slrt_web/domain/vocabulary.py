"""The codes the pages show in words. Each ``kind:code`` is a message id of the catalogue (the .po
file gives the Indonesian text), marked here so that extraction finds them and the catalogue test
covers them."""

from __future__ import annotations

from .refusals import N_

LABELS = (
    N_("role:front_office"), N_("role:puskesos"), N_("role:facilitator"), N_("role:back_office"),
    N_("role:supervisor"), N_("role:manager"),
    N_("status:registered"), N_("status:awaiting_civil_registry"), N_("status:awaiting_assessment"),
    N_("status:in_handling"), N_("status:referred"), N_("status:resolved"), N_("status:closed"),
    N_("complaint_type:question"), N_("complaint_type:suggestion"), N_("complaint_type:grievance"),
    N_("source:beneficiary"), N_("source:non_beneficiary"),
    N_("field:health"), N_("field:education"), N_("field:social"), N_("field:economy"),
    N_("field:civil_registry"),
    N_("sex:F"), N_("sex:M"),
    N_("outcome:resolved_locally"), N_("outcome:information_given"), N_("outcome:referral_completed"),
    N_("outcome:not_eligible"), N_("outcome:unfounded"), N_("outcome:withdrawn"),
    N_("satisfaction:satisfied"), N_("satisfaction:not_satisfied"), N_("satisfaction:not_asked"),
    N_("channel:front_office"), N_("channel:puskesos"), N_("channel:facilitator"),
    N_("level:front_office"), N_("level:puskesos"), N_("level:supervisor"), N_("level:back_office"),
    N_("level:manager"),
    N_("dtks:found"), N_("dtks:not_found"), N_("dtks:no_nik"),
    N_("step:assessed"), N_("step:escalated"), N_("step:appealed"),
    N_("escalation:deadline"), N_("escalation:appeal"),
    N_("delivery:log"), N_("delivery:sms"), N_("delivery:whatsapp"),
    N_("queue:front-office"), N_("queue:puskesos"), N_("queue:back-office"), N_("queue:supervisor"),
    N_("queue:manager"),
    N_("letter:valid"), N_("letter:revoked"), N_("letter:unknown"),
    N_("command-done:answer"), N_("command-done:assess"), N_("command-done:consent"),
    N_("command-done:escalate"), N_("command-done:resolve"), N_("command-done:appeal"),
)
