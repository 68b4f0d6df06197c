#!/usr/bin/env python3
"""Renders Jinja jobs with Python's jinja2 the way Hugging Face transformers' apply_chat_template does.

Usage: render_reference.py JOBS.json RESULTS.json

JOBS.json is a list of {"template": SOURCE, "context": {...}}; RESULTS.json becomes a list, in the same order,
of {"ok": true, "output": TEXT} or {"ok": false, "error": "ExceptionType: message"}.

The environment is the one transformers builds in _compile_jinja_template (utils/chat_template_utils.py):
trim_blocks and lstrip_blocks, the loopcontrols extension, a {% generation %} tag whose body renders as is,
tojson as json.dumps with ensure_ascii/indent/separators/sort_keys, raise_exception and strftime_now.
Two deliberate differences:
  * SandboxedEnvironment instead of ImmutableSandboxedEnvironment, so templates that mutate lists
    (Kimi K2's tool_response_queue.ids.append) render instead of failing; corral renders them too.
  * strftime_now formats a fixed moment (2025-03-14 09:26:53) so that outputs are reproducible; corral's
    tests pass the same moment through RenderOptions::now.
corral's tests (tests/template/*_test.cpp) run this script and compare corral's output byte for byte.
"""

import datetime
import json
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import SandboxedEnvironment

FIXED_NOW = datetime.datetime(2025, 3, 14, 9, 26, 53)


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker without the tracking: {% generation %}...{% endgeneration %}."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        call = self.call_method("_render_body")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


def make_environment():
    env = SandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        jobs = json.load(f)
    env = make_environment()
    compiled = {}
    results = []
    for job in jobs:
        source = job["template"]
        try:
            if source not in compiled:
                try:
                    compiled[source] = env.from_string(source)
                except Exception as e:  # a template that does not compile fails every job that uses it
                    compiled[source] = e
            template = compiled[source]
            if isinstance(template, Exception):
                raise template
            results.append({"ok": True, "output": template.render(**job["context"])})
        except Exception as e:
            results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
