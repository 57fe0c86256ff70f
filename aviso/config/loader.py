"""Read a configuration file: YAML with line marks, ``${ENV}`` substitution, validation.

YAML is composed to nodes first so every key and list item keeps the line it
came from; validation errors (pydantic's ``loc``) and the sections' own errors
are then reported as ``file:line: key: message``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from aviso.config.errors import ConfigError, Path, Problem, dotted

# ${NAME} or ${NAME:-default}; $${ is a literal "${".
_ENV = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Source:
    """Where the configuration came from, and the line of every key in it."""

    name: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that the file names."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(self.name, self.line_of(path), dotted(tuple(path)), message)


def _marks(node: yaml.Node, path: Path, source: Source, problems: list[Problem]) -> None:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                problems.append(
                    Problem(
                        source.name,
                        key_node.start_mark.line + 1,
                        dotted(child),
                        "this key appears twice in the same mapping",
                    )
                )
            seen.add(key)
            source.lines[child] = key_node.start_mark.line + 1
            _marks(value_node, child, source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _marks(item, (*path, index), source, problems)


def parse_yaml(text: str, name: str) -> tuple[Any, Source]:
    """Parse YAML text, keeping each key's line. Raises ``ConfigError`` on bad YAML."""
    source = Source(name)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, source
        problems: list[Problem] = []
        _marks(node, (), source, problems)
        if problems:
            raise ConfigError(problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError(
            [Problem(name, line, "(yaml)", f"YAML syntax error: {message}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(name, None, "(yaml)", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return data, source


def substitute_env(data: Any, source: Source, env: Mapping[str, str] | None = None) -> Any:
    """Replace ``${NAME}`` in every string value; a missing variable is an error."""
    env = os.environ if env is None else env
    problems: list[Problem] = []

    def replace_in(text: str, path: Path) -> str:
        def one(match: re.Match) -> str:
            escaped, name, default = match.groups()
            if escaped:
                return match.group(0)[1:]
            if name in env:
                return env[name]
            if default is not None:
                return default
            problems.append(
                source.problem(
                    path, f"environment variable {name} is not set (used as ${{{name}}})"
                )
            )
            return ""

        return _ENV.sub(one, text)

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, str):
            return replace_in(value, path)
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    result = walk(data, ())
    if problems:
        raise ConfigError(problems)
    return result


def escape_env(value: Any) -> Any:
    """The inverse for export: a literal ``${`` in a value is written as ``$${``."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {k: escape_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_env(v) for v in value]
    return value


def validate(data: Any, model: type[BaseModel], source: Source) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key"
            elif error["type"] == "value_error":
                message = message.removeprefix("Value error, ")
            problems.append(source.problem(tuple(error["loc"]), message))
        raise ConfigError(problems) from None


def load(text: str, name: str, model: type[BaseModel], env: Mapping[str, str] | None = None):
    """Text -> validated model and its ``Source``, or ``ConfigError`` naming file, line, key."""
    data, source = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, 1, "(top level)", "the file must be a YAML mapping")])
    data = substitute_env(data, source, env)
    return validate(data, model, source), source
