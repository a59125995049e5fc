"""The codes the DTKS operator's and the manager's pages show in words (``kind:code`` message ids,
as in :mod:`.vocabulary`): prelist steps, registry changes, dashboard parts, referral and letter
states, letter steps, agency levels."""

from __future__ import annotations

from .refusals import N_

LABELS = (
    N_("role:dtks_operator"), N_("role:admin"),
    N_("prelist:proposed"), N_("prelist:reviewed"), N_("prelist:recommended"), N_("prelist:verified"),
    N_("prelist:rejected"), N_("prelist:exported"), N_("prelist:accepted"), N_("prelist:refused"), N_("prelist:decided"),
    N_("prelist-source:complaint"), N_("prelist-source:front_office"), N_("prelist-source:puskesos"),
    N_("prelist-source:facilitator"),
    N_("reject-reason:not_eligible"), N_("reject-reason:not_found_at_address"), N_("reject-reason:moved"),
    N_("reject-reason:deceased"), N_("reject-reason:duplicate"), N_("reject-reason:incomplete"),
    N_("reject-reason:refused_by_ministry"), N_("reject-reason:other"),
    N_("change:added"), N_("change:removed"), N_("change:changed"),
    N_("version:active"), N_("version:retired"),
    N_("import:waiting"), N_("import:importing"), N_("import:done"), N_("import:refused"), N_("import:failed"),
    N_("referral:proposed"), N_("referral:declined"), N_("referral:sent"), N_("referral:accepted"),
    N_("referral:rejected"), N_("referral:further_review"), N_("referral:outcome_reported"),
    N_("referral:revoked"), N_("referral:redirected"),
    N_("referral-outcome:provided"), N_("referral-outcome:partially_provided"),
    N_("referral-outcome:not_provided"),
    N_("letter-status:requested"), N_("letter-status:documents_checked"), N_("letter-status:validated"),
    N_("letter-status:returned"), N_("letter-status:initialled"), N_("letter-status:signed"),
    N_("letter-status:issued"), N_("letter-status:rejected"), N_("letter-status:revoked"),
    N_("letter-step:documents"), N_("letter-step:verification"), N_("letter-step:drafting"),
    N_("letter-step:paraf"), N_("letter-step:signature"), N_("letter-step:issue"),
    N_("agency-level:district"), N_("agency-level:province"), N_("agency-level:national"),
    N_("agency-level:non_government"),
    N_("step:dtks_check"), N_("step:resolution"), N_("step:agency_answer"), N_("step:letter_signing"),
    N_("scope:central"), N_("scope:regional"),
    N_("progress:registered"), N_("progress:dtks_checked"), N_("progress:assessed"), N_("progress:escalated"),
    N_("progress:resolved"), N_("progress:appealed"), N_("progress:referral_proposed"),
    N_("progress:referral_declined"), N_("progress:referred"), N_("progress:referral_approved"),
    N_("progress:referral_rejected"), N_("progress:under_review"), N_("progress:referral_outcome"),
    N_("progress:referral_revoked"), N_("progress:letter_in_progress"), N_("progress:letter_signed"),
    N_("progress:letter_revoked"), N_("progress:letter_rejected"),
    N_("monev:quarter"), N_("monev:semester"), N_("monev:year"),
    N_("prelist-done:review"), N_("prelist-done:recommendation"), N_("prelist-done:verification"),
    N_("prelist-step:review"), N_("prelist-step:recommendation"), N_("prelist-step:verification"),
    N_("prelist-approve:review"), N_("prelist-approve:recommendation"), N_("prelist-approve:verification"),
)
