"""
Time bill documents: HTML (Jinja2, Babel, GS1-128, QR, chart) and PDF (WeasyPrint), one core.

    .venv/bin/python -m benchmarks.bench_bill_documents --bills 100

Prints JSON: bills per second per core for the HTML stage, the PDF stage and both, and the
mean PDF size. Every bill differs (account, reference, consumption, language) so nothing is
cached between bills except the compiled template, stylesheet and fonts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from decimal import Decimal

import attrs

from urbis.adapters.demo import bills
from urbis.adapters.documents import renderer
from urbis.application.billing import document
from urbis.domain import accounts


def variants(count: int) -> list[document.BillDocument]:
    base = {language: bills.sample_bill(language=language) for language in document.LANGUAGES}
    out = []
    for index in range(count):
        bill = base[document.LANGUAGES[index % 2]]
        number = accounts.account_number(sequence=1000 + index)
        history = tuple(
            attrs.evolve(p, quantity=p.quantity + Decimal(index % 7)) for p in bill.history
        )
        out.append(
            attrs.evolve(
                bill,
                account_number=number,
                payment_reference=number,
                history=history,
                customer_name=f"{bill.customer_name} {index}",
                issue_date=date(2026, 11, 4 + index % 3),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bills", type=int, default=100)
    args = parser.parse_args()
    documents = variants(args.bills)
    bill_renderer = renderer.WeasyPrintBillRenderer()
    bill_renderer.render(document=documents[0])  # warm up fonts and caches

    started = time.perf_counter()
    for bill in documents:
        bill_renderer.render_html(document=bill)
    html_seconds = time.perf_counter() - started

    cpu_started = time.process_time()
    started = time.perf_counter()
    sizes = [len(bill_renderer.render(document=bill)) for bill in documents]
    total_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    print(
        json.dumps(
            {
                "benchmark": "bill_documents",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "bills": args.bills,
                "html_bills_per_s": round(args.bills / html_seconds, 1),
                "pdf_bills_per_s_wall": round(args.bills / total_seconds, 2),
                "pdf_bills_per_s_cpu": round(args.bills / cpu_seconds, 2),
                "ms_per_bill_cpu": round(cpu_seconds / args.bills * 1000, 1),
                "mean_pdf_bytes": round(sum(sizes) / len(sizes)),
            }
        )
    )


if __name__ == "__main__":
    main()
