"""staff accounts: slow PIN hashes, lockout that holds on every PC, disabled accounts

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column("pin_hash", type_=sa.String(length=200),
                              existing_type=sa.String(length=64), existing_nullable=False)
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("disabled")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failures")
        batch_op.alter_column("pin_hash", type_=sa.String(length=64),
                              existing_type=sa.String(length=200), existing_nullable=False)
