"""The inbound email service over the database (SQLite and PostgreSQL) and its command."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.channels import smtp
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import engagement as wiring
from urbis.domain import identity
from urbis.kernel import errors


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
