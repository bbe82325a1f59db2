"""help directory, inbound journal, outbound queue

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_service",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("municipality", sa.String(120), index=True),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("hours", sa.JSON),
        sa.Column("phone", sa.String(60)),
        sa.Column("url", sa.String(300)),
        sa.Column("email", sa.String(200)),
        sa.Column("address", sa.String(300)),
        sa.Column("is_authority", sa.Boolean, nullable=False),
        sa.Column("asks_for_id", sa.Boolean),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("source_url", sa.String(400), nullable=False),
        sa.Column("source_date", sa.String(40)),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
        sa.Column("payload", sa.JSON),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_inbound_channel_external"),
    )
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("outbound_message")
    op.drop_table("inbound_message")
    op.drop_table("help_service")
