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
    # letters
    N_("role:pengelola"), N_("role:kasi"), N_("role:kabid"), N_("role:sekdin"), N_("role:kadin"),
    N_("letter_status:requested"), N_("letter_status:documents_complete"), N_("letter_status:validation_failed"),
    N_("letter_status:verified"), N_("letter_status:returned"), N_("letter_status:awaiting_paraf"),
    N_("letter_status:awaiting_signature"), N_("letter_status:signed"), N_("letter_status:issued"),
    N_("letter_status:rejected"), N_("letter_status:revoked"),
    N_("waiting_for:kasi"), N_("waiting_for:kabid"), N_("waiting_for:sekdin"), N_("waiting_for:sign"),
    N_("check:no_nik_to_check"), N_("check:dtks_not_found"), N_("check:pbi_double_registration"),
    N_("check:nik_inconsistent"), N_("check:sktm_inconsistent"),
    N_("letter_command:verify"), N_("letter_command:draft"), N_("letter_command:paraf"), N_("letter_command:sign"),
    N_("letter_command:return"), N_("letter_command:reject"), N_("letter_command:revoke"),
    N_("letter-done:verify"), N_("letter-done:draft"), N_("letter-done:paraf"), N_("letter-done:sign"),
    N_("letter-done:return"), N_("letter-done:reject"), N_("letter-done:revoke"),
    N_("batch:open"), N_("batch:closed"),
    N_("bpjs:enrolment"), N_("bpjs:deactivation"), N_("bpjs:accepted"), N_("bpjs:rejected"), N_("bpjs:pending"),
)
