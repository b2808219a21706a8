"""Crafted model files, as an attacker would make them: one hidden node that calls a function.

Used by tests/test_model_io.py and experiments/hostile_cases.py. Standard library only, so the
hostile-case script can use it against any checkout.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path


def json_node(value: object) -> dict[str, object]:
    return {"__class__": type(value).__name__, "__module__": "builtins",
            "__loader__": "JsonNode", "content": json.dumps(value), "is_json": True}


def call_node(module: str, name: str, *args: object) -> dict[str, object]:
    """A skops node that calls ``module.name(*args)`` while the model is being loaded."""
    return {"__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
            "content": {"__class__": "tuple", "__module__": "builtins",
                        "__loader__": "TupleNode", "content": [json_node(a) for a in args]}}


def hide_node(model_dir: Path, node: dict[str, object]) -> None:
    """Add ``node`` as one extra attribute of the estimator inside ``model_dir/model.skops``.

    The attribute's key type is added too: skops zips a dict's key types with its items, so a
    node added without one is silently never constructed (and a loader that would run code from
    the file would look safe).
    """
    path = Path(model_dir) / "model.skops"
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    schema = json.loads(members["schema.json"])
    attributes = schema["content"]
    attributes["content"]["note"] = node
    key_types = attributes["key_types"]["content"]
    key_types.append(dict(key_types[0]))  # a str key, like the estimator's other attributes
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
