from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.engagement import fakes
from urbis.adapters.channels import webhooks
from urbis.application.engagement import operations, ports, queries
from urbis.domain import customers, engagement
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
ANA = fakes.person("p-ana", consents=(customers.Channel.EMAIL,))
LUIS = fakes.person(
    "p-luis",
    name="Luis Gómez",
    document="79111222",
    email="luis@example.co",
    mobile="+573107654321",
)


class World:
    def __init__(self) -> None:
        self.clock = fakes.FakeClock(NOW)
        self.directory = fakes.FakeDirectory(
            fakes.Customer(ANA, accounts=("1002003",)), fakes.Customer(LUIS, accounts=("1002004",))
        )
        self.interactions = fakes.FakeInteractions()
        self.cases = fakes.FakeCases()
        self.rejected = fakes.FakeRejected()
        self.outbox = fakes.FakeOutbox()
        self.suppressions = fakes.FakeSuppressions()
        self.env = ports.EngagementEnv(
            tenant_id=fakes.TENANT,
            actor_id="agent-1",
            clock=self.clock,
            ids=fakes.FakeIds(),
            directory=self.directory,
            interactions=self.interactions,
            cases=self.cases,
            rejected=self.rejected,
            calendar=engagement.colombia_calendar(years=(2026, 2027)),
        )
        self.notify_env = operations.NotifyEnv(
            tenant_id=fakes.TENANT,
            clock=self.clock,
            ids=fakes.FakeIds(),
            directory=self.directory,
            outbox=self.outbox,
            suppressions=self.suppressions,
            templates=engagement.default_templates(),
        )


def sms(sender: str, text: str, sid: str = "SM1") -> engagement.InboundMessage:
    return engagement.InboundMessage(
        channel=engagement.InteractionChannel.SMS,
        sender=sender,
        recipient="+576045551234",
        at=NOW,
        text=text,
        provider_id=sid,
        raw=engagement.RawPayload(content_type="text/plain", body=text),
    )


class TestReceiveMessage:
    def test_matches_a_known_phone_to_its_customer(self) -> None:
        world = World()

        interaction = operations.receive_message(
            env=world.env, message=sms("+573001234567", "Hola")
        )

        assert interaction.party_id == "p-ana"
        assert interaction.matched_by is engagement.MatchKey.PHONE
        assert interaction.raw is not None

    def test_matches_an_unknown_phone_by_the_account_number_quoted(self) -> None:
        world = World()

        interaction = operations.receive_message(
            env=world.env, message=sms("+573009999999", "No llega la factura de la cuenta 1002004")
        )

        assert interaction.party_id == "p-luis"
        assert interaction.account_id == "1002004"
        assert interaction.matched_by is engagement.MatchKey.ACCOUNT_NUMBER

    def test_matches_by_the_identity_document_quoted(self) -> None:
        world = World()

        interaction = operations.receive_message(
            env=world.env, message=sms("+573009999999", "Soy titular, cédula 79111222")
        )

        assert interaction.party_id == "p-luis"
        assert interaction.matched_by is engagement.MatchKey.DOCUMENT

    def test_queues_an_unknown_sender_for_an_agent(self) -> None:
        world = World()

        interaction = operations.receive_message(
            env=world.env, message=sms("+573009999999", "hola")
        )

        assert not interaction.is_matched
        assert queries.unmatched_queue(env=world.env) == (interaction,)

    def test_queues_a_phone_shared_by_two_customers(self) -> None:
        shared = fakes.person("p-3", document="55555555", mobile="+573001234567")
        world = World()
        world.directory.people.append(fakes.Customer(shared))

        interaction = operations.receive_message(
            env=world.env, message=sms("+573001234567", "hola")
        )

        assert not interaction.is_matched

    def test_records_a_provider_message_once_however_often_it_is_delivered(self) -> None:
        world = World()

        first = operations.receive_message(env=world.env, message=sms("+573001234567", "a"))
        second = operations.receive_message(env=world.env, message=sms("+573001234567", "a"))

        assert first == second
        assert len(world.interactions.rows) == 1

    def test_a_call_is_one_interaction_from_ringing_to_its_end(self) -> None:
        world = World()
        ringing = attrs.evolve(
            sms("+573001234567", "Call ringing", sid="call-9"),
            channel=engagement.InteractionChannel.PHONE,
            event="ringing",
        )
        ended = attrs.evolve(ringing, text="Call ended, 312 s", event="ended")

        popped = operations.receive_message(env=world.env, message=ringing)
        final = operations.receive_message(env=world.env, message=ended)

        assert popped.party_id == "p-ana"
        assert (final.id, final.summary) == (popped.id, "Call ended, 312 s")
        assert len(world.interactions.rows) == 1

    def test_an_agent_matches_a_queued_interaction(self) -> None:
        world = World()
        queued = operations.receive_message(env=world.env, message=sms("+573009999999", "hola"))

        matched = operations.match_interaction(
            env=world.env, interaction_id=queued.id, party_id=ids.PartyId("p-ana")
        )

        assert matched.matched_by is engagement.MatchKey.AGENT
        assert queries.unmatched_queue(env=world.env) == ()
        with pytest.raises(operations.InteractionAlreadyMatched):
            operations.match_interaction(
                env=world.env, interaction_id=queued.id, party_id=ids.PartyId("p-luis")
            )


class TestAcceptPayload:
    def test_logs_every_message_of_a_readable_payload(self) -> None:
        world = World()
        body = b"MessageSid=SM9&From=%2B573001234567&To=%2B576045551234&Body=Hola"

        (interaction,) = operations.accept_payload(
            env=world.env,
            channel=engagement.InteractionChannel.SMS,
            content_type="application/x-www-form-urlencoded",
            body=body,
            parse=lambda b: (webhooks.parse_twilio_form(body=b, received_at=NOW),),
        )

        assert interaction.party_id == "p-ana"
        assert world.rejected.rows == []

    def test_keeps_a_malformed_payload_for_review_and_creates_nothing(self) -> None:
        world = World()

        with pytest.raises(engagement.MalformedPayload):
            operations.accept_payload(
                env=world.env,
                channel=engagement.InteractionChannel.WHATSAPP,
                content_type="application/json",
                body=b"{broken",
                parse=lambda b: webhooks.parse_meta_whatsapp(body=b),
            )

        (kept,) = world.rejected.rows
        assert (kept.raw.body, kept.error_code) == ("{broken", "malformed_payload")
        assert world.interactions.rows == {}


class TestCasesThroughUseCases:
    def test_numbers_cases_per_year_and_puts_them_on_the_timeline(self) -> None:
        world = World()
        call = operations.record_interaction(
            env=world.env,
            channel=engagement.InteractionChannel.PHONE,
            direction=engagement.Direction.INBOUND,
            summary="Llama por cobro alto",
            party_id=ids.PartyId("p-ana"),
            at=NOW - timedelta(minutes=5),
        )

        case = operations.open_case(
            env=world.env,
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro alto",
            description="",
            party_id=ids.PartyId("p-ana"),
            channel=engagement.InteractionChannel.PHONE,
        )
        second = operations.open_case(
            env=world.env, kind=engagement.CaseKind.PETITION, subject="Copia", description=""
        )
        entries = queries.customer_timeline(env=world.env, party_id=ids.PartyId("p-ana"))

        assert (case.number, second.number) == ("PQR-2026-000001", "PQR-2026-000002")
        assert [e.ref for e in entries] == [case.id, call.id]

    def test_escalates_only_the_cases_whose_clock_calls_for_it(self) -> None:
        world = World()
        world.clock.current = datetime(2026, 3, 25, 15, tzinfo=UTC)
        late = operations.open_case(
            env=world.env, kind=engagement.CaseKind.CLAIM, subject="Viejo", description=""
        )
        world.clock.current = NOW
        fresh = operations.open_case(
            env=world.env, kind=engagement.CaseKind.CLAIM, subject="Nuevo", description=""
        )

        world.clock.current = datetime(2026, 4, 15, 15, tzinfo=UTC)  # 2 business days left
        escalated = operations.escalate_due_cases(env=world.env, to_team="supervisors")
        again = operations.escalate_due_cases(env=world.env)

        assert [c.id for c in escalated] == [late.id]
        assert again == ()
        rows = queries.open_cases(env=world.env)
        assert [(r.case.id, r.clock.state) for r in rows] == [
            (late.id, engagement.SlaState.DUE_SOON),
            (fresh.id, engagement.SlaState.ON_TIME),
        ]

    def test_an_unknown_customer_gets_not_found(self) -> None:
        world = World()

        with pytest.raises(errors.NotFound):
            operations.open_case(
                env=world.env,
                kind=engagement.CaseKind.CLAIM,
                subject="x y z",
                description="",
                party_id=ids.PartyId("nobody"),
            )


BILL = {
    "bill_number": "F-2026-04-0001",
    "account_number": "1002003",
    "amount": Money.of(Decimal("187450.00"), "COP"),
    "due_date": date(2026, 4, 28),
}


class TestNotify:
    def test_queues_a_rendered_message_on_the_consented_channel(self) -> None:
        world = World()

        message = operations.notify(
            env=world.notify_env,
            party_id=ids.PartyId("p-ana"),
            kind=engagement.NotificationKind.BILL_READY,
            values=BILL,
            preferences=engagement.Preferences(language="es"),
            dedupe_key="bill-ready:F-2026-04-0001",
        )

        assert isinstance(message, engagement.OutboxMessage)
        assert (message.channel, message.to) == (customers.Channel.EMAIL, "ana@example.co")
        assert "187.450,00" in message.body
        assert "28 de abril de 2026" in message.body
        assert message.subject == "Su factura F-2026-04-0001 está disponible"

    def test_renders_english_with_english_dates(self) -> None:
        world = World()

        message = operations.notify(
            env=world.notify_env,
            party_id=ids.PartyId("p-ana"),
            kind=engagement.NotificationKind.BILL_READY,
            values=BILL,
            preferences=engagement.Preferences(language="en"),
            dedupe_key="k",
        )

        assert isinstance(message, engagement.OutboxMessage)
        assert "April 28, 2026" in message.body
        assert "187,450.00" in message.body

    def test_sends_nothing_without_consent_and_records_why(self) -> None:
        world = World()

        result = operations.notify(
            env=world.notify_env,
            party_id=ids.PartyId("p-luis"),
            kind=engagement.NotificationKind.BILL_READY,
            values=BILL,
            preferences=engagement.Preferences(),
            dedupe_key="k",
        )

        assert isinstance(result, engagement.Suppressed)
        assert result.reasons == (
            "EMAIL: no consent for service messages",
            "SMS: no consent for service messages",
        )
        assert world.suppressions.rows == [result]
        assert world.outbox.rows == {}

    def test_queues_once_per_dedupe_key(self) -> None:
        world = World()

        for _ in range(3):
            operations.notify(
                env=world.notify_env,
                party_id=ids.PartyId("p-ana"),
                kind=engagement.NotificationKind.BILL_READY,
                values=BILL,
                preferences=engagement.Preferences(),
                dedupe_key="same",
            )

        assert len(world.outbox.rows) == 1

    def test_a_missing_template_value_is_a_clear_error(self) -> None:
        world = World()

        with pytest.raises(engagement.TemplateFailed):
            operations.notify(
                env=world.notify_env,
                party_id=ids.PartyId("p-ana"),
                kind=engagement.NotificationKind.BILL_READY,
                values={"bill_number": "x"},
                preferences=engagement.Preferences(),
                dedupe_key="k",
            )
        assert world.outbox.rows == {}


class FlakyNotifier:
    channel = customers.Channel.EMAIL

    def __init__(self, failures: int, *, permanent: bool = False) -> None:
        self.failures = failures
        self.permanent = permanent
        self.sent: list[str] = []

    def send(self, message: engagement.OutboxMessage) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise engagement.DeliveryFailed("421 try later", permanent=self.permanent)
        self.sent.append(message.to)
        return f"sent-{len(self.sent)}"


class TestDrainOutbox:
    def queue(self, world: World) -> engagement.OutboxMessage:
        message = operations.notify(
            env=world.notify_env,
            party_id=ids.PartyId("p-ana"),
            kind=engagement.NotificationKind.BILL_READY,
            values=BILL,
            preferences=engagement.Preferences(),
            dedupe_key="k",
        )
        assert isinstance(message, engagement.OutboxMessage)
        return message

    def test_retries_with_growing_delays_until_it_gets_through(self) -> None:
        world = World()
        message = self.queue(world)
        notifier = FlakyNotifier(failures=2)
        notifiers: dict[customers.Channel, ports.Notifier] = {customers.Channel.EMAIL: notifier}

        first = operations.drain_outbox(outbox=world.outbox, notifiers=notifiers, as_at=NOW)
        too_early = operations.drain_outbox(
            outbox=world.outbox, notifiers=notifiers, as_at=NOW + timedelta(seconds=59)
        )
        after_1_min = operations.drain_outbox(
            outbox=world.outbox, notifiers=notifiers, as_at=NOW + timedelta(minutes=1)
        )
        waiting = world.outbox.rows[message.id]
        after_5_min = operations.drain_outbox(
            outbox=world.outbox, notifiers=notifiers, as_at=NOW + timedelta(minutes=5)
        )

        assert (first.retried, too_early.retried + too_early.sent, after_1_min.retried) == (1, 0, 1)
        assert waiting.next_attempt_at == NOW + timedelta(minutes=5)
        assert after_5_min.sent == 1
        final = world.outbox.rows[message.id]
        assert (final.status, final.attempts, final.provider_id) == (
            engagement.OutboxStatus.SENT,
            3,
            "sent-1",
        )

    def test_logs_each_message_sent_on_the_customers_timeline(self) -> None:
        world = World()
        self.queue(world)
        notifiers: dict[customers.Channel, ports.Notifier] = {
            customers.Channel.EMAIL: FlakyNotifier(failures=0)
        }

        operations.drain_outbox(
            outbox=world.outbox, notifiers=notifiers, as_at=NOW, timeline=world.interactions
        )

        (entry,) = queries.customer_timeline(env=world.env, party_id=ids.PartyId("p-ana"))
        assert entry.title == "outbound: Su factura F-2026-04-0001 está disponible"
        assert entry.channel == "EMAIL"

    def test_gives_up_on_a_permanent_failure(self) -> None:
        world = World()
        message = self.queue(world)
        notifiers: dict[customers.Channel, ports.Notifier] = {
            customers.Channel.EMAIL: FlakyNotifier(failures=1, permanent=True)
        }

        report = operations.drain_outbox(outbox=world.outbox, notifiers=notifiers, as_at=NOW)

        assert report.dead == 1
        assert world.outbox.rows[message.id].status is engagement.OutboxStatus.DEAD

    def test_gives_up_after_the_last_attempt(self) -> None:
        policy = engagement.RetryPolicy(max_attempts=3)
        message = self.queue(World())

        for _ in range(3):
            message = engagement.after_failure(
                message=message, at=NOW, error="x", permanent=False, policy=policy
            )

        assert (message.status, message.attempts) == (engagement.OutboxStatus.DEAD, 3)

    def test_delays_never_exceed_the_longest(self) -> None:
        policy = engagement.RetryPolicy()

        delays = [policy.delay_after(n) for n in range(1, 12)]

        assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=4), timedelta(minutes=16)]
        assert max(delays) == timedelta(hours=6)
        assert delays == sorted(delays)


class TestTimelineOrder:
    @given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
    def test_is_newest_first_whatever_the_order_things_happened_in(
        self, minutes: list[int]
    ) -> None:
        interactions = [
            engagement.Interaction(
                id=engagement.InteractionId(f"i{n}"),
                tenant_id=fakes.TENANT,
                channel=engagement.InteractionChannel.SMS,
                direction=engagement.Direction.INBOUND,
                at=NOW + timedelta(minutes=m),
                summary="x",
            )
            for n, m in enumerate(minutes)
        ]

        entries = engagement.timeline(interactions=interactions, cases=())

        assert [e.at for e in entries] == sorted((i.at for i in interactions), reverse=True)


class TestInboundSince:
    def test_from_now_on_then_only_what_came_in_after_with_the_customers_name(self) -> None:
        world = World()
        operations.receive_message(env=world.env, message=sms("+573001234567", "Antes", "SM0"))

        cursor, before = queries.inbound_since(env=world.env, after=None)
        known = operations.receive_message(
            env=world.env, message=sms("+573001234567", "Hola", "SM1")
        )
        stranger = operations.receive_message(
            env=world.env, message=sms("+573000000000", "?", "SM2")
        )
        operations.record_interaction(
            env=world.env,
            party_id=ids.PartyId("p-ana"),
            channel=engagement.InteractionChannel.PHONE,
            direction=engagement.Direction.OUTBOUND,
            summary="Le devolvimos la llamada",
        )
        after, events = queries.inbound_since(env=world.env, after=cursor)
        _, nothing = queries.inbound_since(env=world.env, after=after)

        assert before == ()
        assert [(e.interaction.id, e.customer) for e in events] == [
            (known.id, "Ana María Restrepo"),
            (stranger.id, ""),
        ]
        assert after == stranger.id
        assert nothing == ()


class TestKeptPayloadsReview:
    def _world(self) -> tuple[ports.EngagementEnv, fakes.FakeRejected, fakes.FakeClock]:
        rejected = fakes.FakeRejected()
        clock = fakes.FakeClock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
        env = ports.EngagementEnv(
            tenant_id=fakes.TENANT,
            actor_id="agente-1",
            clock=clock,
            ids=fakes.FakeIds(),
            directory=fakes.FakeDirectory(),
            interactions=fakes.FakeInteractions(),
            cases=fakes.FakeCases(),
            rejected=rejected,
            calendar=engagement.colombia_calendar(years=(2026,)),
        )
        return env, rejected, clock

    def _keep(self, env: ports.EngagementEnv, body: str) -> ports.RejectedPayload:
        return operations.keep_for_review(
            env=env,
            channel=engagement.InteractionChannel.SMS,
            content_type="text/plain",
            body=body,
            error=engagement.MalformedPayload("unreadable"),
        )

    def test_pending_payloads_are_listed_newest_first_until_reviewed(self) -> None:
        env, _, clock = self._world()
        first = self._keep(env, "one")
        clock.current = clock.current + timedelta(minutes=5)
        second = self._keep(env, "two")

        before = queries.rejected_payloads(env=env)
        reviewed = operations.mark_payload_reviewed(env=env, payload_id=second.id)
        after = queries.rejected_payloads(env=env)
        everything = queries.rejected_payloads(env=env, include_reviewed=True)

        assert [p.id for p in before] == [second.id, first.id]
        assert (reviewed.reviewed_at, reviewed.reviewed_by) == (clock.current, "agente-1")
        assert [p.id for p in after] == [first.id]
        assert [p.id for p in everything] == [second.id, first.id]
        assert everything[0].raw.body == "two"

    def test_a_payload_is_reviewed_once_and_an_unknown_one_is_not_found(self) -> None:
        env, _, _ = self._world()
        kept = self._keep(env, "one")
        operations.mark_payload_reviewed(env=env, payload_id=kept.id)

        with pytest.raises(operations.AlreadyReviewed):
            operations.mark_payload_reviewed(env=env, payload_id=kept.id)
        with pytest.raises(errors.NotFound):
            operations.mark_payload_reviewed(env=env, payload_id="nope")
