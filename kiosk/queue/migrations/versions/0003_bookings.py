"""bookings: appointments with a slot, a six-digit code per day, and the booked ticket's slot

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("slot_day", sa.Date(), nullable=False),
        sa.Column("slot_at", sa.DateTime(), nullable=False),
        sa.Column("length_min", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=1), sa.ForeignKey("services.prefix"),
                  nullable=False),
        sa.Column("customer_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_kind", sa.String(length=16), nullable=False),
        sa.Column("customer_masked", sa.String(length=32), nullable=False),
        sa.Column("name_masked", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("amount_band", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("booked_by", sa.String(length=64), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("slot_day", "code", name="uq_booking_day_code"),
    )
    op.create_index("ix_booking_slot", "bookings", ["slot_day", "service", "slot_at"])
    op.create_index("ix_booking_customer", "bookings", ["customer_hash", "slot_day"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_slot_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_ticket_booked", ["status", "booked_slot_at"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_booked")
        batch_op.drop_column("booked_slot_at")
    op.drop_index("ix_booking_customer", table_name="bookings")
    op.drop_index("ix_booking_slot", table_name="bookings")
    op.drop_table("bookings")
