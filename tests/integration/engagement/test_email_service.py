"""The inbound email service over the database (SQLite and PostgreSQL) and its command."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import actor_with
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from tests.integration.engagement.test_smtp import Mailbox, relay  # noqa: F401 - fixture
from urbis import bootstrap
from urbis.adapters.channels import smtp
from urbis.adapters.db import notifications as db_notifications
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import engagement as wiring
from urbis.domain import customers, engagement, identity
from urbis.kernel import errors, ids


def _mail(sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pqr@utility.example"
    message["Subject"] = "Corte de luz"
    message.set_content("Desde anoche no tenemos luz en la cuadra.")
    return message


class TestEmailServiceInTheDatabase:
    def test_a_known_sender_lands_on_the_timeline_and_unreadable_mail_is_kept(
        self, container: bootstrap.App, agent_env: Env, tenant: identity.Tenant
    ) -> None:
        keys = supplied_customer(agent_env)
        port = smtp.free_port()

        with (
            wiring.database_email_receiver(container=container, tenant_code=tenant.code, port=port),
            smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
        ):
            client.send_message(_mail("Luz <luz@example.co>"))
            with pytest.raises(smtplib.SMTPDataError) as caught:
                client.sendmail("x@example.co", ["pqr@utility.example"], b"Subject: x\r\n\r\nhi")

        with container.engine.connect() as connection:
            logged = connection.execute(
                sa.select(tables.interactions.c.party_id, tables.interactions.c.channel).where(
                    tables.interactions.c.tenant_id == tenant.id
                )
            ).all()
            kept = connection.execute(
                sa.select(tables.rejected_payloads.c.error_code).where(
                    tables.rejected_payloads.c.tenant_id == tenant.id
                )
            ).all()
        assert [tuple(r) for r in logged] == [(keys["party"], "EMAIL")]
        assert caught.value.smtp_code == 550
        assert [r.error_code for r in kept] == ["malformed_payload"]

    def test_an_unknown_utility_is_refused_before_listening(self, container: bootstrap.App) -> None:
        with pytest.raises(errors.NotFound):
            wiring.database_email_receiver(container=container, tenant_code="nadie", port=1)


class TestEmailReceiveCommand:
    def test_runs_as_a_service_until_told_to_stop(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'mail.sqlite3'}"
        container = bootstrap.build(url=url, secret="a-test-signing-secret-of-enough-length-01")
        identity_ops.create_tenant(
            uow_factory=container.uow,
            clock=container.clock,
            id_generator=container.ids,
            code="emvarias",
            name="Empresa de Aseo",
            nit="890905055-1",
        )
        port = smtp.free_port()
        command = [str(Path(sys.executable).parent / "urbis")]
        service = subprocess.Popen(
            [*command, "email", "receive", "--port", str(port), "--tenant", "emvarias"],
            env={**os.environ, "URBIS_DATABASE_URL": url},
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # the command says where it listens once it does (the first line it writes)
            ready = service.stderr.readline() if service.stderr is not None else ""
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                client.send_message(_mail("vecino@example.co"))
        finally:
            service.send_signal(signal.SIGTERM)
            _, err = service.communicate(timeout=60)

        with container.engine.connect() as connection:
            queued = connection.execute(
                sa.select(tables.interactions.c.party_id, tables.interactions.c.summary)
            ).all()
        assert service.returncode == 0, err
        assert f"on 127.0.0.1:{port}" in ready
        assert [(r.party_id, r.summary.split(" — ")[0]) for r in queued] == [(None, "Corte de luz")]


class TestNotificationsSendCommand:
    def test_sends_what_is_due_once_and_reports_it(
        self,
        tmp_path: Path,
        relay: tuple[Mailbox, int],  # noqa: F811 - fixture
    ) -> None:
        box, port = relay
        url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
        container = bootstrap.build(url=url, secret="a-test-signing-secret-of-enough-length-01")
        tenant = identity_ops.create_tenant(
            uow_factory=container.uow,
            clock=container.clock,
            id_generator=container.ids,
            code="epm",
            name="Empresas Públicas",
            nit="890904996-1",
        )
        keys = supplied_customer(container.env(actor_with(tenant, identity.Role.AGENT)))
        now = container.clock.now()
        with container.engine.begin() as connection:
            db_notifications.OutboxRepository(connection, tenant_id=tenant.id).add(
                engagement.OutboxMessage(
                    id=container.ids.new_id(),
                    tenant_id=tenant.id,
                    party_id=ids.PartyId(keys["party"]),
                    kind=engagement.NotificationKind.OUTAGE,
                    channel=customers.Channel.EMAIL,
                    to="luz@example.co",
                    subject="Corte programado",
                    body="Mañana de 8 a 12.",
                    language="es",
                    created_at=now,
                    next_attempt_at=now,
                    dedupe_key="outage-1",
                )
            )

        ran = subprocess.run(
            [
                str(Path(sys.executable).parent / "urbis"),
                "notifications",
                "send",
                "--once",
                "--smtp-port",
                str(port),
            ],
            env={**os.environ, "URBIS_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout) == {"sent": 1, "retried": 0, "dead": 0}
        assert [e.rcpt_tos for e in box.received] == [["luz@example.co"]]
