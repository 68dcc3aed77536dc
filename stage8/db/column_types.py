"""Column types that behave the same on SQLite and PostgreSQL.

SQLite drops time zone offsets and stores NUMERIC as a float; these types make both databases
return timezone-aware UTC datetimes and exact Decimals (invariant 6 of the design).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 8
_MONEY_FACTOR = Decimal(10) ** MONEY_SCALE


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps `timestamptz`; SQLite stores naive UTC text. Naive input is refused, so a
    local wall-clock time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An exact amount of US dollars with 8 decimal places (token prices need 7).

    PostgreSQL stores NUMERIC(18, 8). SQLite would store NUMERIC as a float, so there it is an
    integer count of millionths: exact, and SUM() in SQL stays exact too.
    """

    impl = Numeric(18, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise ValueError("money must be a Decimal, not a float")
        amount = value if isinstance(value, Decimal) else Decimal(value)
        quantized = amount.quantize(Decimal(1).scaleb(-MONEY_SCALE))
        if dialect.name == "sqlite":
            return int(quantized * _MONEY_FACTOR)
        return quantized

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _MONEY_FACTOR).quantize(Decimal(1).scaleb(-MONEY_SCALE))
        return Decimal(value).quantize(Decimal(1).scaleb(-MONEY_SCALE))


def utcnow() -> datetime:
    return datetime.now(UTC)
