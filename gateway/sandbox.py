"""Operators' templates (canned answers, `#templat NAMA`) rendered in Jinja's sandbox, every
step bounded: whoever writes the answers folder is not trusted with the process's memory. A
repetition, a "%" or str.format pattern, a call, a filter, a `~` that would build more than
MAX_ANSWER_CHARS is refused before it builds, and the output is counted as it is written.
Beside `compose`, the only module that imports jinja2."""
from __future__ import annotations

import functools
import re
from typing import Callable

import jinja2
import jinja2.compiler
import jinja2.sandbox
import jinja2.utils


class TemplateProblem(ValueError):
    """An operator's template that cannot be rendered: the one-line reason."""


# Beyond these a canned answer is not an answer but an attempt on the process's memory.
MAX_ANSWER_CHARS = 64 * 1024
_MAX_REPEAT = 10_000
# The fields of a "%" pattern and of a str.format pattern, with their widths and precisions.
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[a-zA-Z%]")
_BRACE_FIELD = re.compile(r"\{([^{}]*)(\{)?")


def _size(value: object) -> int:
    """About how many characters `value` is as text, counted through lists, tuples, dicts and
    namespaces (a list of one long string many times over is cheap to hold, not to print),
    stopping once past MAX_ANSWER_CHARS."""
    total, stack = 0, [value]
    while stack and total <= MAX_ANSWER_CHARS:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + len(item)
            stack.extend((*item.keys(), *item.values()))
        elif isinstance(item, jinja2.utils.Namespace):
            stack.extend(object.__getattribute__(item, "_Namespace__attrs").values())
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        else:
            total += 16
    return total


def _too_large(value: object) -> bool:
    """A value over MAX_ANSWER_CHARS as text: no step of an answer needs one."""
    return _size(value) > MAX_ANSWER_CHARS


def _finalize(value: object) -> object:
    """Each {{ value }} checked before it is made text."""
    if _too_large(value):
        raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
    return value


def _check_numbers(arguments) -> None:
    """A number argument over MAX_ANSWER_CHARS is a width or a count no answer needs
    (`center(10**7)`, `lipsum(10**5)`, `"{:>{w}}".format(w=10**7)`)."""
    if any(isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_ANSWER_CHARS
           for a in arguments):
        raise jinja2.sandbox.SecurityError("number too large")


def _check_format(pattern: str, arguments, braces: bool = False) -> None:
    """Refuse a "%" (or str.format) pattern whose output would pass MAX_ANSWER_CHARS: each
    field as long as the longest argument, plus its width and precision; a width taken from
    the arguments ("*", a nested field) is refused."""
    values = list(arguments.values()) if isinstance(arguments, dict) else list(arguments)
    longest = max((len(str(v)) for v in values), default=0)
    size = len(pattern)
    for field in (_BRACE_FIELD if braces else _PERCENT_FIELD).finditer(pattern):
        numbers = re.findall(r"\d+", field.group(1).partition(":")[2]) if braces else \
            [n for n in field.groups() if n]
        if "*" in numbers or (braces and field.group(2)):
            raise jinja2.sandbox.SecurityError("format width from an argument")
        size += longest + sum(int(n) for n in numbers)
        if size > MAX_ANSWER_CHARS:
            raise jinja2.sandbox.SecurityError("format too wide")


def _joined_items(separator: str, items) -> list:
    """`items` as a list, refused before a join of them would pass MAX_ANSWER_CHARS (a long
    separator between many items: each small, the whole of gigabytes)."""
    kept, total = [], 0
    for item in items:
        total += len(separator) + _size(item)
        if total > MAX_ANSWER_CHARS:
            raise jinja2.sandbox.SecurityError("join too large")
        kept.append(item)
    return kept


def _check_replace(text: str, old: str, new: str) -> None:
    if (text.count(old) if old else len(text) + 1) * len(new) > MAX_ANSWER_CHARS:
        raise jinja2.sandbox.SecurityError("replace too large")


def _bounded_filter(name: str, function: Callable) -> Callable:
    """A filter whose result, and whatever it must build on the way, stays within
    MAX_ANSWER_CHARS: checked before it runs where one call can build a great deal (`join`,
    `replace`, `format`), and after it for every filter."""
    skip = 1 if getattr(function, "jinja_pass_arg", None) else 0  # the context it is passed

    @functools.wraps(function)
    def bounded(*args, **kwargs):
        value, rest = (args[skip], args[skip + 1:]) if len(args) > skip else (None, ())
        _check_numbers((*rest, *kwargs.values()))
        if any(map(_too_large, (*args[skip:], *kwargs.values()))):
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        if name == "join":
            separator = str(rest[0]) if rest else str(kwargs.get("d", ""))
            args = (*args[:skip], _joined_items(separator, value), *rest)
        elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
            _check_replace(value, str(rest[0]), str(rest[1]))
        elif name == "format" and isinstance(value, str):
            _check_format(value, kwargs or rest)
        result = function(*args, **kwargs)
        if _too_large(result):
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        return result
    return bounded


class _AnswerSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no attribute of Python's internals, no mutation of the context), with
    each step kept small: a repetition, a "%" format, a call or a filter that would build more
    than MAX_ANSWER_CHARS is refused before it does (`{{ "x" * 10000 * 10000 }}` would
    otherwise build a string of gigabytes, and the check of the finished answer come too late),
    and the output is counted as it is written."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options):
        super().__init__(**options)
        del self.globals["lipsum"]  # paragraphs of filler text: no answer needs them
        self.filters = {name: _bounded_filter(name, function)
                        for name, function in self.filters.items()}

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and (abs(right) > 64 or (
                isinstance(left, int) and abs(left).bit_length() * abs(right) > 1 << 16)):
            raise jinja2.sandbox.SecurityError("exponent too large")
        if operator == "*":
            counts = [v for v in (left, right) if isinstance(v, int) and not isinstance(v, bool)]
            sequences = [v for v in (left, right) if isinstance(v, (str, list, tuple))]
            if counts and sequences and (abs(counts[0]) > _MAX_REPEAT
                                         or _size(sequences[0]) * counts[0] > MAX_ANSWER_CHARS):
                raise jinja2.sandbox.SecurityError("repetition too large")
            if len(counts) == 2 and sum(abs(c).bit_length() for c in counts) > 1 << 16:
                raise jinja2.sandbox.SecurityError("number too large")
        if operator == "%" and isinstance(left, str):
            _check_numbers(right if isinstance(right, tuple) else (right,))
            _check_format(left, right if isinstance(right, (tuple, dict)) else (right,))
        if operator == "+" and all(isinstance(v, (str, list, tuple)) for v in (left, right)) \
                and _size(left) + _size(right) > MAX_ANSWER_CHARS:
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's own names)
        _check_numbers((*args, *kwargs.values()))
        if any(map(_too_large, (*args, *kwargs.values()))):
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        text = getattr(__obj, "__self__", None)
        if isinstance(text, str) and args:  # a string's own methods, as the filters above
            if __obj.__name__ == "join":
                args = (_joined_items(text, args[0]), *args[1:])
            elif __obj.__name__ == "replace" and len(args) >= 2:
                _check_replace(text, str(args[0]), str(args[1]))
        result = super().call(__context, __obj, *args, **kwargs)
        if _too_large(result):
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        return result

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        pattern, mapping = value.__self__, value.__name__ == "format_map"

        def bounded(*args, **kwargs):
            _check_numbers((*args, *kwargs.values()))
            _check_format(pattern, [*args, *kwargs.values()] if not mapping else
                          (args[0] if args and isinstance(args[0], dict) else ()), braces=True)
            return wrapped(*args, **kwargs)
        return bounded

    def bounded_concat(self, parts) -> str:
        """The `~` operator (`_BoundedCodeGenerator`): "a ~ a" doubled a few times over is
        gigabytes, and it is neither a call nor a binary operator the sandbox sees."""
        parts = list(parts)
        if _size(parts) > MAX_ANSWER_CHARS:
            raise jinja2.sandbox.SecurityError(f"longer than {MAX_ANSWER_CHARS} characters")
        return "".join(map(str, parts))


class _BoundedCodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code, with `~` going through the sandbox's `bounded_concat`."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.bounded_concat((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


_AnswerSandbox.code_generator_class = _BoundedCodeGenerator


# Jinja's own defaults for whitespace, as an operator who knows Jinja expects them.
_SANDBOX = _AnswerSandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                          finalize=_finalize)


def render_sandboxed(source: str, context: dict) -> str:
    """An operator's template (a canned answer) rendered as plain text in the sandbox, with
    only `context` to read. TemplateProblem with the reason for a syntax error, an unknown
    field, a forbidden operation or an answer over MAX_ANSWER_CHARS."""
    try:
        pieces, written = [], 0
        for piece in _SANDBOX.from_string(source).generate(**context):
            written += len(piece)
            if written > MAX_ANSWER_CHARS:  # a loop's output, counted as it comes
                raise TemplateProblem(f"longer than {MAX_ANSWER_CHARS} characters")
            pieces.append(piece)
        text = "".join(pieces)
    except TemplateProblem:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"line {exc.lineno}: {exc.message}") from None
    except jinja2.sandbox.SecurityError as exc:
        raise TemplateProblem(f"not allowed: {exc}") from None
    except jinja2.TemplateError as exc:  # an unknown field (StrictUndefined) and the like
        raise TemplateProblem(str(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, OverflowError) as exc:
        # What a template's own expression may raise ({{ 1 / 0 }}, {{ "a" + 1 }}).
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None
    return text.strip("\n")


def check_template(source: str) -> str | None:
    """Why an operator's template does not compile, or None (`ldp templates list`)."""
    try:
        _SANDBOX.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None
