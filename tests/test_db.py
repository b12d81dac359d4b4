"""Transactions that lose a race for a lock run again; other errors do not."""

import pytest
from asyncpg.exceptions import DeadlockDetectedError, SerializationError
from tortoise.exceptions import IntegrityError, OperationalError

from portal.db import retry_locked


def failing_then(result, *errors):
    calls = []

    async def operation():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return operation, calls


def wrapped(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("error", [
    OperationalError("database is locked"),
    DeadlockDetectedError("deadlock detected"),
    SerializationError("could not serialize access due to concurrent update"),
    wrapped(DeadlockDetectedError("deadlock detected")),
], ids=["sqlite-locked", "postgres-deadlock", "postgres-serialization", "deadlock-translated-by-tortoise"])
async def test_a_transaction_that_lost_a_race_for_a_lock_runs_again(error):
    operation, calls = failing_then("booked", error, error)
    assert await retry_locked(operation) == "booked"
    assert len(calls) == 3


async def test_other_errors_are_raised_at_once():
    operation, calls = failing_then("booked", IntegrityError("slot_taken"))
    with pytest.raises(IntegrityError):
        await retry_locked(operation)
    assert len(calls) == 1


async def test_it_gives_up_after_its_attempts():
    operation, calls = failing_then("booked", *[DeadlockDetectedError("deadlock detected")] * 3)
    with pytest.raises(DeadlockDetectedError):
        await retry_locked(operation, attempts=3)
    assert len(calls) == 3
