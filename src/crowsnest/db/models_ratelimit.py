"""SQLAlchemy model of the shared rate-limit buckets (migration ``0005_ratelimit``).

``hotline_ratelimit`` holds one token bucket per client *key*: a keyed hash of the
client's network (``core.ratelimit.ClientKeyer``), never an address. ``updated`` is the
wall-clock time (epoch seconds) the bucket was last drawn from; rows untouched for longer
than the retention period are deleted by the service's housekeeping.
"""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from crowsnest.db.models import Base


class RateLimitBucket(Base):
    """One client's token bucket, shared by every worker and replica."""

    __tablename__ = "hotline_ratelimit"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)
