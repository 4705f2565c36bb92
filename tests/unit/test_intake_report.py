"""A round of intake counts every message but keeps only the first outcomes, so a backlog of
any size takes the same memory."""
from gateway.domain import Disposition, Outcome
from gateway.intake.rounds import IntakeReport


def test_every_outcome_is_counted_and_only_the_first_are_kept():
    report = IntakeReport()
    for n in range(IntakeReport.KEEP + 500):
        report.add(Outcome(Disposition.NEW_TICKET if n % 5 else Disposition.FOLLOW_UP,
                           f"LDP-{n:06d}"))
    assert report.total == IntakeReport.KEEP + 500
    assert len(report.outcomes) == IntakeReport.KEEP
    assert report.outcomes[0].ticket_ref == "LDP-000000"
    assert report.count(Disposition.FOLLOW_UP) == (IntakeReport.KEEP + 500) // 5
    assert report.count(Disposition.NEW_TICKET) == report.total - report.count(
        Disposition.FOLLOW_UP)
    assert report.count(Disposition.QUARANTINED) == 0
