"""question log, learned intents, topic statistics, model releases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("predicted_intent", sa.String(80)),
        sa.Column("confidence", sa.Float),
        sa.Column("created_on", sa.Date, nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("label", sa.String(80)),
        sa.Column("labelled_by", sa.String(80)),
        sa.Column("release_id", sa.Integer),
    )
    op.create_table(
        "learned_intent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(80)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "topic_stat",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("day", "language", "topic", name="uq_topic_stat"),
    )
    op.create_table(
        "model_release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_path", sa.String(400), nullable=False),
        sa.Column("previous_model_path", sa.String(400)),
        sa.Column("snapshot_dir", sa.String(400)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("metrics", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(80)),
    )


def downgrade() -> None:
    for table in ("model_release", "topic_stat", "learned_intent", "question_log"):
        op.drop_table(table)
