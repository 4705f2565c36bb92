"""Peewee models on one DatabaseProxy. The schema itself is made by db/migrations/*.sql;
these classes only describe it, and a test checks that the two agree."""
from __future__ import annotations

import peewee as pw

database_proxy = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class TicketRow(BaseModel):
    ref = pw.CharField(max_length=32, unique=True, null=True)
    subject = pw.TextField()
    reporter_email = pw.TextField()
    reporter_name = pw.TextField(default="")
    level = pw.CharField(max_length=2)
    team = pw.CharField(max_length=64)
    status = pw.CharField(max_length=16)
    priority = pw.CharField(max_length=16)
    category = pw.CharField(max_length=64, null=True)
    assignee = pw.TextField(null=True)
    language = pw.CharField(max_length=8)
    tags = pw.TextField(default="")
    linked_ticket = pw.ForeignKeyField("self", null=True, column_name="linked_ticket_id")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    resolved_at = pw.DateTimeField(null=True)
    closed_at = pw.DateTimeField(null=True)
    application = pw.CharField(max_length=32, null=True)  # SPSE, SIKaP, other (0018)
    lpse = pw.CharField(max_length=64, null=True)  # the LPSE's code in the operator's list

    class Meta:
        table_name = "ticket"


class MessageRow(BaseModel):
    ticket = pw.ForeignKeyField(TicketRow, null=True, column_name="ticket_id", backref="messages")
    direction = pw.CharField(max_length=8)
    visibility = pw.CharField(max_length=8)
    kind = pw.CharField(max_length=64)
    author_email = pw.TextField(default="")
    author_name = pw.TextField(default="")
    message_key = pw.CharField(max_length=1000, unique=True)
    message_id = pw.CharField(max_length=1000, null=True)
    in_reply_to = pw.TextField(default="")
    refs = pw.TextField(default="")
    subject = pw.TextField(default="")
    text = pw.TextField(default="")
    html = pw.TextField(default="")
    raw = pw.BlobField(null=True)
    digest = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField()
    text_size = pw.IntegerField(default=0)  # the whole text's length when `text` was cut
    raw_file = pw.CharField(max_length=64, null=True)  # the original in a file, `raw` NULL

    class Meta:
        table_name = "message"


class AttachmentRow(BaseModel):
    message = pw.ForeignKeyField(MessageRow, column_name="message_id", backref="attachments")
    storage_id = pw.CharField(max_length=64, unique=True)
    name = pw.TextField()
    content_type = pw.TextField()
    size = pw.IntegerField()
    sha256 = pw.CharField(max_length=64)
    content_id = pw.CharField(max_length=250, null=True)  # an inline image's, without <>

    class Meta:
        table_name = "attachment"


class EventRow(BaseModel):
    ticket = pw.ForeignKeyField(TicketRow, null=True, column_name="ticket_id", backref="events")
    message = pw.ForeignKeyField(MessageRow, null=True, column_name="message_id")
    kind = pw.CharField(max_length=32)
    actor = pw.TextField()
    detail = pw.TextField(default="")
    old_value = pw.TextField(null=True)
    new_value = pw.TextField(null=True)
    at = pw.DateTimeField()
    command = pw.CharField(max_length=32, null=True)  # the command the event records, if any
    arguments = pw.TextField(null=True)  # what followed the command's name

    class Meta:
        table_name = "event"


class MailboxCursorRow(BaseModel):
    mailbox = pw.CharField(max_length=255, unique=True)
    uidvalidity = pw.BigIntegerField()
    last_uid = pw.BigIntegerField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "mailbox_cursor"


class OutboxRow(BaseModel):
    ticket = pw.ForeignKeyField(TicketRow, null=True, column_name="ticket_id")
    message_id = pw.CharField(max_length=1000, unique=True)
    template = pw.CharField(max_length=64)
    sender = pw.TextField()
    recipient = pw.TextField()
    subject = pw.TextField()
    visibility = pw.CharField(max_length=8)
    text = pw.TextField(default="")
    raw = pw.BlobField()
    status = pw.CharField(max_length=16)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField()
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)
    claimed_by = pw.CharField(max_length=200, default="")
    priority = pw.SmallIntegerField(default=1)
    notice = pw.BlobField(null=True)  # a notice to render when claimed (see outbox)

    class Meta:
        table_name = "outbox"


class QuarantineRow(BaseModel):
    mailbox = pw.CharField(max_length=255, default="")
    uid = pw.BigIntegerField(null=True)
    raw = pw.BlobField()
    digest = pw.CharField(max_length=64)
    error = pw.TextField()
    status = pw.CharField(max_length=16)
    created_at = pw.DateTimeField()
    released_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "quarantine"


class LeaseRow(BaseModel):
    name = pw.CharField(max_length=255, unique=True)
    holder = pw.CharField(max_length=255)
    expires_at = pw.DateTimeField()
    duration = pw.FloatField(default=0)  # seconds; 0 in rows written before 0007

    class Meta:
        table_name = "lease"


class SuppressedAddressRow(BaseModel):
    email = pw.TextField(unique=True)
    reason = pw.TextField()
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "suppressed_address"


class HeldMailRow(BaseModel):
    """A mail kept in quarantine because its sender was over the cap on new tickets."""

    quarantine_id = pw.IntegerField()
    sender = pw.TextField()
    digest = pw.CharField(max_length=64)
    held_at = pw.DateTimeField()

    class Meta:
        table_name = "held_mail"


class FloodNoticeRow(BaseModel):
    sender = pw.TextField(unique=True)
    notified_at = pw.DateTimeField()

    class Meta:
        table_name = "flood_notice"


class FollowerRow(BaseModel):
    """Someone who gets the reporter's mail as Cc; a removed one keeps its row (removed_at)."""

    ticket = pw.ForeignKeyField(TicketRow, column_name="ticket_id", backref="followers")
    email = pw.TextField()
    name = pw.TextField(default="")
    added_by = pw.TextField()
    added_at = pw.DateTimeField()
    removed_by = pw.TextField(null=True)
    removed_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "follower"


class OutboxCopyRow(BaseModel):
    """One address of an outbox row sent to several (To and Cc), for the per-address count."""

    outbox = pw.ForeignKeyField(OutboxRow, column_name="outbox_id")
    email = pw.TextField()
    template = pw.CharField(max_length=64)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "outbox_copy"


class WorkLogRow(BaseModel):
    """One action an agent recorded with #tindakan (`desk.actions`), at the agent's level."""

    ticket = pw.ForeignKeyField(TicketRow, column_name="ticket_id", backref="work")
    agent = pw.TextField()
    team = pw.CharField(max_length=64)
    level = pw.CharField(max_length=2)
    code = pw.CharField(max_length=48)
    application = pw.CharField(max_length=32, null=True)
    note = pw.TextField(default="")
    at = pw.DateTimeField()

    class Meta:
        table_name = "work_log"


class AssignmentReminderRow(BaseModel):
    """The leads were told that this agent's letter ends on `assigned_until` (YYYY-MM-DD)."""

    agent = pw.TextField()
    assignment = pw.TextField()
    assigned_until = pw.CharField(max_length=10)
    sent_at = pw.DateTimeField()

    class Meta:
        table_name = "assignment_reminder"
        indexes = ((("agent", "assignment", "assigned_until"), True),)


class TicketLinkRow(BaseModel):
    """A link between two tickets (`store.links`): merged into, child of, or related to."""

    ticket = pw.ForeignKeyField(TicketRow, column_name="ticket_id")
    other = pw.ForeignKeyField(TicketRow, column_name="other_id")
    kind = pw.CharField(max_length=16)
    created_by = pw.TextField()
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "ticket_link"
        indexes = ((("ticket", "other", "kind"), True),)


class AgentWelcomeRow(BaseModel):
    """This agent (lower-case address; "*": the first run's mark) was welcomed: mailed (1) or
    recorded as knowing the desk already (0)."""

    agent = pw.TextField()
    mailed = pw.IntegerField()
    welcomed_at = pw.DateTimeField()

    class Meta:
        table_name = "agent_welcome"
        indexes = ((("agent",), True),)


class SurveyRow(BaseModel):
    """One satisfaction question asked by a closing mail, and its answer once given."""

    ticket = pw.ForeignKeyField(TicketRow, column_name="ticket_id", backref="surveys")
    reporter = pw.TextField()
    team = pw.CharField(max_length=64)
    level = pw.CharField(max_length=2)
    asked_at = pw.DateTimeField()
    score = pw.SmallIntegerField(null=True)
    comment = pw.TextField(null=True)
    answered_at = pw.DateTimeField(null=True)
    message = pw.ForeignKeyField(MessageRow, null=True, column_name="message_id")

    class Meta:
        table_name = "survey"


ALL_MODELS = (TicketRow, MessageRow, AttachmentRow, EventRow, MailboxCursorRow, OutboxRow,
              QuarantineRow, LeaseRow, SuppressedAddressRow, HeldMailRow, FloodNoticeRow,
              FollowerRow, OutboxCopyRow, WorkLogRow, AssignmentReminderRow,
              TicketLinkRow, AgentWelcomeRow, SurveyRow)
