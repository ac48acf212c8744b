"""What a stack holds after a soak, read in its own environment: `python -m bench.soak.audit` prints,
as JSON on its last line, the files by state, the deposits by status, each deposit that was approved
with its record's DOI state, and the e-mails the notifications decided: for each (recipient,
subject) how many were recorded as sent, how many wait unsent and how many were claimed without a
record of sending."""

from __future__ import annotations

import json
from collections import Counter


def main() -> dict:
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import translation

    from deposit.models import Deposit, DepositEvent, DepositFile
    from notifications import messages
    from notifications.models import EmailMode, Notification
    from notifications.services import email_modes, language_of

    approved = set(DepositEvent.objects.filter(action="approve").values_list("deposit_id", flat=True))
    deposits = []
    for deposit in Deposit.objects.filter(pk__in=approved).select_related("record__pid", "pid"):
        pid = getattr(deposit.record, "pid", None) if deposit.record_id else None
        deposits.append(
            {
                "id": deposit.pk,
                "status": deposit.status,
                "record": deposit.record_id,
                "doi": pid.doi if pid else None,
                "doi_state": pid.state if pid else None,
                "doi_sync": pid.sync if pid else None,
            }
        )

    sent: Counter = Counter()
    unsent = unconfirmed = 0
    notifications = Notification.objects.select_related("recipient", "deposit", "actor", "event")
    modes = email_modes(user_ids=list(notifications.values_list("recipient_id", flat=True).distinct()))
    for n in notifications:
        if modes[n.recipient_id] != EmailMode.immediate or not n.recipient.email:
            continue
        if n.emailed_at is not None:
            with translation.override(language_of(n.recipient)):
                sent[(n.recipient.email, messages.subject(n))] += 1
        elif n.email_claimed_at is not None:
            unconfirmed += 1
        else:
            unsent += 1
    return {
        "files": dict(DepositFile.objects.values_list("state").annotate(n=Count("pk")).order_by()),
        "deposits": dict(Deposit.objects.values_list("status").annotate(n=Count("pk")).order_by()),
        "approved": deposits,
        "mail": {
            "sent": [[to, subject, count] for (to, subject), count in sorted(sent.items())],
            "unsent": unsent,
            "unconfirmed": unconfirmed,
        },
    }


if __name__ == "__main__":
    print(json.dumps(main()))
