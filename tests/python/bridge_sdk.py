"""The Python side of tests/tests/python.rs: the bridge's wire contract (docs/WIRE.md), used
from the official Python SDK.

    python bridge_sdk.py A_ADDRESS B_ADDRESS

runs two workers until killed, and prints `ready` once both poll:
- on cluster A, queue `py-a`: `PyCaller`, which calls a bridge activity by name, as docs/WIRE.md
  says any SDK does, and returns what came back: the result, or the failure's type, flags,
  details and cause;
- on cluster B, queue `py-b`: `PyGreet`, a Python workflow that a Rust caller on A runs
  through the bridge.

Both workers' clients use `XorCodec`, a codec the bridge cannot read.
"""

import asyncio
import dataclasses
import sys
from datetime import timedelta
from typing import Any, List, Sequence

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.exceptions import ActivityError, ApplicationError, FailureError
from temporalio.worker import Worker

CALLER_QUEUE = "py-a"
CALLEE_QUEUE = "py-b"
CODEC_ENCODING = b"binary/xor"


class XorCodec(PayloadCodec):
    """Encodes the JSON strings that start with "secret" (and nothing else, so the call header
    stays readable) as `binary/xor`: the bytes XOR 0x5A. The bridge cannot read them, and must
    pass them on unchanged."""

    async def encode(self, payloads: Sequence[Payload]) -> List[Payload]:
        return [self._encode(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> List[Payload]:
        return [self._decode(p) for p in payloads]

    @staticmethod
    def _encode(p: Payload) -> Payload:
        if p.metadata.get("encoding") != b"json/plain" or not p.data.startswith(b'"secret'):
            return p
        return Payload(
            metadata={"encoding": CODEC_ENCODING}, data=bytes(b ^ 0x5A for b in p.data)
        )

    @staticmethod
    def _decode(p: Payload) -> Payload:
        if p.metadata.get("encoding") != CODEC_ENCODING:
            return p
        return Payload(
            metadata={"encoding": b"json/plain"}, data=bytes(b ^ 0x5A for b in p.data)
        )


def failure_record(err: BaseException | None) -> dict | None:
    """What a caller reads of a failure: its type, retryability, details and cause."""
    if err is None:
        return None
    record: dict[str, Any] = {"message": getattr(err, "message", str(err))}
    if isinstance(err, ApplicationError):
        record["type"] = err.type
        record["non_retryable"] = err.non_retryable
        record["details"] = list(err.details)
    if isinstance(err, FailureError):
        record["cause"] = failure_record(err.cause)
    return record


@workflow.defn(name="PyCaller")
class PyCaller:
    """Calls `call["activity"]` on the bridge queue with the header `call["header"]` and the
    arguments `call["args"]`, as docs/WIRE.md describes."""

    @workflow.run
    async def run(self, call: dict) -> dict:
        try:
            result = await workflow.execute_activity(
                call["activity"],
                args=[call.get("header", {}), *call["args"]],
                task_queue=call.get("bridge_queue", "temporal-bridge"),
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(seconds=5),
            )
            return {"result": result}
        except ActivityError as err:
            return {
                "retry_state": err.retry_state.name if err.retry_state else None,
                "failure": failure_record(err.cause),
            }


@workflow.defn(name="PyGreet")
class PyGreet:
    """A Python workflow on cluster B: greets `name`."""

    @workflow.run
    async def run(self, name: str) -> str:
        return f"{name}, greeted by Python"


async def main(a_address: str, b_address: str) -> None:
    converter = dataclasses.replace(DataConverter.default, payload_codec=XorCodec())
    a = await Client.connect(a_address, data_converter=converter)
    b = await Client.connect(b_address, data_converter=converter)
    caller = Worker(a, task_queue=CALLER_QUEUE, workflows=[PyCaller])
    callee = Worker(b, task_queue=CALLEE_QUEUE, workflows=[PyGreet])
    async with caller, callee:
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
