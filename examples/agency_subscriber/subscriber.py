"""Example agency (OPD) subscriber: reads the referrals addressed to one agency from NATS JetStream
and answers them by publishing on the agency's own subject.

Needs only ``nats-py`` and ``slrt-contracts``. Run it beside ``./slrt up``::

    python examples/agency_subscriber/subscriber.py --agency dinkes --decision approved --outcome provided

It keeps a durable consumer (``agency-<agency>-<district>``): stop it and start it again and it
continues where it stopped; a referral it already answered is answered with the same answer id, so
the referral service applies the answer once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
import sys
import uuid

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from slrt_contracts import ContractEvent, EnvelopeError, ReferralDecision, decode, encode
from slrt_contracts.events.agency import ReferralAnswerSubmitted
from slrt_contracts.events.referral import ReferralOutcome, ReferralSent
from slrt_contracts.nik import mask_nik
from slrt_contracts.streams import stream_for

ANSWER_NS = uuid.UUID("b7c9e0f2-4d1a-4e8b-9a63-2f5d7c8e1a90")


def answer_id(referral_id: uuid.UUID, kind: str) -> uuid.UUID:
    """The same referral always gets the same answer id: a re-sent answer takes effect once."""
    return uuid.uuid5(ANSWER_NS, f"{referral_id}:{kind}")


def describe(event: ContractEvent) -> str:
    if isinstance(event, ReferralSent):
        who = "identity withheld"
        if event.personal_data is not None:
            who = f"identity ({event.personal_data_basis}): NIK {mask_nik(event.personal_data.nik) or '-'}"
        due = event.answer_due_at.isoformat() if event.answer_due_at else "-"
        return (f"REFERRAL {event.referral_id} receipt {event.receipt_number} programme {event.programme} "
                f"field {event.field} village {event.region.village}; {who}; answer due {due}")
    fields = event.model_dump(mode="json", exclude={"district", "complaint_id", "region"})
    return f"{event.event_name} " + " ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, [], {}))


async def publish_answer(js, answer: ReferralAnswerSubmitted) -> None:
    subject, body, headers = encode(answer, event_id=str(answer.answer_id), time=answer.answered_at)
    await js.publish(subject, body, headers=headers, timeout=10)  # headers carry Nats-Msg-Id = answer_id
    print(f"ANSWERED {answer.referral_id}: {answer.decision or answer.outcome} on {subject}", flush=True)


async def answer_referral(js, args: argparse.Namespace, sent: ReferralSent) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    common = dict(district=sent.district, referral_id=sent.referral_id, agency=args.agency,
                  answered_by=args.officer, answered_at=now)
    decision = ReferralDecision(args.decision)
    await publish_answer(js, ReferralAnswerSubmitted(
        **common, answer_id=answer_id(sent.referral_id, "decision"), decision=decision,
        reason=args.reason if decision is not ReferralDecision.APPROVED else None))
    if decision is ReferralDecision.APPROVED and args.outcome:
        await publish_answer(js, ReferralAnswerSubmitted(
            **common, answer_id=answer_id(sent.referral_id, "outcome"), outcome=ReferralOutcome(args.outcome),
            note=args.note))


async def run(args: argparse.Namespace) -> int:
    credentials = {"user": args.user, "password": args.password} if args.user else {}
    # Replies (publish acknowledgements, fetched messages) come on an inbox prefix of the agency's own:
    # its NATS permissions allow no other inbox, so no agency can read another's replies.
    nc = await nats.connect(args.nats, name=f"agency-{args.agency}", inbox_prefix=args.inbox_prefix,
                            **credentials)
    js = nc.jetstream()
    # One token after the agency code: the facts addressed to it. Proposals the manager has not
    # approved live deeper (.internal.*) and never reach this filter (nor the agency's permissions).
    subject = f"slrt.{args.district}.referral.{args.agency}.*"
    durable = args.durable or f"agency-{args.agency}-{args.district}"
    # The referral service provisions this durable consumer; on an open local server it is created
    # here if missing (with permissions, the agency may only bind to the existing one).
    sub = await js.pull_subscribe(
        subject, durable=durable, stream=stream_for("referral").name,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, ack_wait=30),
    )
    print(f"listening on {subject} (durable consumer {durable})", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    idle_since = asyncio.get_running_loop().time()
    handled = 0
    try:
        while not stop.is_set():
            try:
                batch = await sub.fetch(10, timeout=1.0)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                if args.idle and asyncio.get_running_loop().time() - idle_since > args.idle:
                    break
                continue
            idle_since = asyncio.get_running_loop().time()
            for msg in batch:
                try:
                    event = decode(dict(msg.headers or {}), msg.data)
                except EnvelopeError as e:
                    print(f"SKIPPED a message that is not an SLRT event: {e}", file=sys.stderr, flush=True)
                    await msg.ack()
                    continue
                print(describe(event), flush=True)
                if isinstance(event, ReferralSent) and args.decision != "none":
                    await answer_referral(js, args, event)
                await msg.ack()  # after the answer is stored by JetStream: a crash re-answers, harmlessly
                handled += 1
    finally:
        # Acknowledged messages are done; unacknowledged ones come again to the next run.
        await nc.close()
    print(f"stopped after {handled} messages", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nats", default="nats://127.0.0.1:4322", help="NATS URL (./slrt up: nats://127.0.0.1:4322)")
    p.add_argument("--district", default="1605")
    p.add_argument("--agency", required=True, help="agency code, e.g. dinkes")
    p.add_argument("--officer", default=None, help="account id recorded as answered_by (default <agency>-bot)")
    p.add_argument("--decision", default="approved", choices=[*(d.value for d in ReferralDecision), "none"],
                   help="answer every new referral with this decision ('none': only print)")
    p.add_argument("--reason", default="Tidak memenuhi kriteria program", help="reason of a rejection / review")
    p.add_argument("--outcome", default=None, choices=[o.value for o in ReferralOutcome],
                   help="after accepting, report this outcome right away (demo)")
    p.add_argument("--note", default=None, help="note with the outcome")
    p.add_argument("--durable", default=None, help="durable consumer name (default agency-<agency>-<district>)")
    p.add_argument("--user", default=None, help="NATS user of the agency (none on the local platform)")
    p.add_argument("--password", default=None)
    p.add_argument("--inbox-prefix", default=None, help="reply inbox prefix (default _INBOX_<agency>)")
    p.add_argument("--idle", type=float, default=0, help="exit after this many seconds without messages (0: never)")
    args = p.parse_args(argv)
    args.officer = args.officer or f"{args.agency}-bot"
    args.inbox_prefix = args.inbox_prefix or f"_INBOX_{args.agency}"
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
