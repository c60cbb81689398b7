"""The user-facing Pulumi resource classes' common base: inputs checked against the schema.

A resource class names its schema and provider; its inputs are the schema's fields, passed as
keyword arguments in either spelling (`auth_id=` or `authId=`). Every field becomes an output
attribute (`remote.authId`, also readable as `remote.auth_id`), secret fields are wrapped as
secrets and listed in `additional_secret_outputs`, and an unknown keyword fails at once, in the
program, before any RPC.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource
from pydantic.alias_generators import to_camel

from pbs_provider.schemas.base import PbsObject

from .machine import PbsResourceProvider

_PICKLER_PATCHED = ("_batch_setitems", "save_dict")


@contextlib.contextmanager
def pickler_restored() -> Iterator[None]:
    """Undo what `pulumi.dynamic`'s `serialize_provider` leaves behind on `pickle._Pickler`.

    In pulumi 3.272 it wraps `_Pickler._batch_setitems` (and replaces `save_dict`) on every call and
    restores neither, so each dynamic resource nests one more wrapper and a program fails with
    RecursionError at about its 986th dynamic resource. Restoring both after each resource keeps the
    pickles identical (the wrappers only sort dict items) at any number of resources.
    """
    saved = {name: vars(pickle._Pickler).get(name) for name in _PICKLER_PATCHED}
    try:
        yield
    finally:
        for name, original in saved.items():
            if original is not None:
                setattr(pickle._Pickler, name, original)


class PbsResource(Resource):
    """Base of `Remote`, `SyncJob`, …: subclasses set `schema` and `provider_class`."""

    schema: ClassVar[type[PbsObject]]
    provider_class: ClassVar[type[PbsResourceProvider]]

    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: pulumi.Input[Any],
    ) -> None:
        props = self.props_from(inputs)
        secret_outputs = list(self.schema.secret_inputs())
        if secret_outputs:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs)
            )
        with pickler_restored():
            super().__init__(self.provider_class(), resource_name, props, opts)

    @classmethod
    def props_from(cls, inputs: dict[str, Any]) -> dict[str, Any]:
        """Pulumi props (camelCase) for keyword inputs; every output field present (None if unset)."""
        by_name = {}
        for spec in cls.schema.specs():
            by_name[spec.name] = spec
            by_name[spec.input_name] = spec
        props: dict[str, Any] = {spec.input_name: None for spec in cls.schema.specs()}
        for key, value in inputs.items():
            spec = by_name.get(key)
            if spec is None or not spec.is_input:
                valid = ", ".join(s.input_name for s in cls.schema.input_specs())
                what = "is read-only" if spec is not None else "is not an input"
                raise TypeError(f"{cls.__name__}: `{key}` {what}; inputs: {valid}")
            if props[spec.input_name] is not None:
                raise TypeError(
                    f"{cls.__name__}: `{key}` given twice (as `{spec.name}` and `{spec.input_name}`)"
                )
            props[spec.input_name] = (
                pulumi.Output.secret(value) if spec.pbs.secret and value is not None else value
            )
        return props

    def __getattr__(self, name: str) -> Any:
        """snake_case access to the camelCase outputs (`job.remote_store` is `job.remoteStore`)."""
        camel = to_camel(name)
        if camel != name and camel in self.__dict__:
            return self.__dict__[camel]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
