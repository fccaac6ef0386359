"""
Routing a new case (ADR 0036): the tenant's published ``case_routing`` pack in force on the
filing day answers its queue and priority, stored on the case. With no pack in force the case
says so (``routed_by``); a pack that fails stops the filing, naming the pack, version and node.
"""

from __future__ import annotations

from urbis.application.engagement import ports
from urbis.domain import engagement


def route_case(
    *, env: ports.EngagementEnv, case: engagement.Case, channel: str | None = None
) -> engagement.Case:
    """
    The case with the queue and priority the tenant's pack gives it (unchanged where cases are
    not routed); ``channel`` is the channel as routing knows it, when not the case's own.

    :raises InvalidRuleInput: if the case's facts do not fit the question (naming the pack).
    :raises RuleEvaluationFailed: if the pack fails (naming the pack, version and node).
    """
    if env.routing is None:
        return case
    answer = env.routing.route(
        tenant_id=env.tenant_id,
        as_of=env.calendar.local_date(case.filed_at),
        facts=engagement.routing_facts(case=case, channel=channel),
    )
    if answer is None:
        return engagement.routed(case=case, queue=None, priority=None, by=engagement.NOT_ROUTED)
    return engagement.routed(case=case, queue=answer.queue, priority=answer.priority, by=answer.by)
